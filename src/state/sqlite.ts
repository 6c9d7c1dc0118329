// The default state store: one SQLite file (better-sqlite3). WAL lets `status` and `history` read
// while a sync writes; synchronous=NORMAL under WAL syncs at checkpoints rather than on every
// commit, which keeps the engine's one-commit-per-written-record cheap and can lose only the last
// commits on power loss, never consistency (the journal and the ONLYOFFICE stamps recover those,
// invariant 6). Statements are prepared once, at init(). Write transactions are BEGIN IMMEDIATE so
// a second process waits on busy_timeout instead of failing on a read-to-write upgrade.
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { systemClock, type Clock, type Logger } from "../core/ports.js";
import type {
  AuditEntry,
  Conflict,
  InboxEntry,
  JournalEntry,
  Link,
  LockHolder,
  PairIdentity,
  Run,
  StateStore,
  Skip,
  Tombstone,
  WebhookSubscription,
  WriteCommit,
} from "../core/state.js";
import { checkClaim, planCommit } from "./commit-plan.js";
import { sqliteDialect } from "./dialect.js";
import { mayTakeLock, probeProcess, type ProcessProbe } from "./lock-policy.js";
import { pendingMigrations, SCHEMA_VERSION, versionTableDdl } from "./migrations.js";
import { createPrivateFile, exposedStateWarnings, makePrivateDir } from "./private-files.js";
import * as rows from "./rows.js";
import type { Row, SqlValue } from "./rows.js";
import { stateStatements, type StatementName } from "./statements.js";
import { lockLost, notInitialized, toSqliteError, undecidableConflict, unknownRun } from "./store-errors.js";

export interface SqliteStoreOptions {
  clock?: Clock;
  /** How long a writer waits for another process's transaction (ms). */
  busyTimeoutMs?: number;
  isAlive?: ProcessProbe;
  /**
   * Told when an existing state file or its folder can be read by other users. Without one the
   * warning goes to process.emitWarning: a security warning is not dropped by default.
   */
  logger?: Logger;
}

type Statement = Database.Statement<[Record<string, string | number | null>], Row>;
type LockResult = { acquired: true } | { acquired: false; holder: LockHolder };

const SQL = stateStatements(sqliteDialect);

/** better-sqlite3 binds `$1`, `$2`, ... by name from keys 1, 2, ...; lists travel as JSON text. */
function bind(values: readonly SqlValue[]): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  values.forEach((value, i) => {
    out[String(i + 1)] = Array.isArray(value) ? JSON.stringify(value) : value;
  });
  return out;
}

/**
 * Issue 9 item 1: the folder is made 0700 and the file 0600 before SQLite opens it (SQLite then
 * gives `-wal` and `-shm` the same mode). An existing file or folder is never re-moded behind the
 * user's back; one other users can read is reported with the command that fixes it.
 */
function preparePrivateFile(path: string, logger: Logger | undefined): void {
  makePrivateDir(dirname(path));
  createPrivateFile(path);
  for (const warning of exposedStateWarnings(path)) {
    if (logger) logger.warn({ path }, warning);
    else process.emitWarning(warning, { code: "CASE_SYNC_STATE_READABLE" });
  }
}

export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly isAlive: ProcessProbe;
  private readonly busyTimeoutMs: number;
  private prepared: Map<StatementName, Statement> | null = null;

  constructor(
    private readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.isAlive = options.isAlive ?? probeProcess;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    try {
      if (path !== ":memory:" && path !== "") preparePrivateFile(path, options.logger);
      this.db = new Database(path);
    } catch (error) {
      throw toSqliteError(error, path);
    }
  }

  describe(): string {
    return this.path;
  }

  init(): Promise<void> {
    return this.call(() => {
      if (this.prepared !== null) return;
      // journal_mode cannot change inside a transaction, so the pragmas come first.
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("foreign_keys = ON");
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
      this.transaction(() => {
        this.db.exec(versionTableDdl(sqliteDialect));
        const found = this.db.prepare<[], Row>(SQL.getVersion).get();
        const todo = pendingMigrations(found === undefined ? 0 : Number(found.version));
        for (const migration of todo) for (const ddl of migration.statements(sqliteDialect)) this.db.exec(ddl);
        if (todo.length > 0) {
          this.db.prepare(SQL.putVersion).run(bind([SCHEMA_VERSION, this.clock.now().toISOString()]));
        }
      });
      const prepared = new Map<StatementName, Statement>();
      for (const [name, text] of Object.entries(SQL)) prepared.set(name as StatementName, this.db.prepare(text));
      this.prepared = prepared;
    });
  }

  close(): Promise<void> {
    return this.call(() => {
      this.prepared = null;
      if (this.db.open) this.db.close();
    });
  }

  /** Runs a synchronous driver call as the port's promise, with driver errors made ours. */
  private call<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(toSqliteError(error, this.path));
    }
  }

  /** BEGIN IMMEDIATE ... COMMIT, rolled back on any throw (better-sqlite3 nests as savepoints). */
  private transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private statement(name: StatementName): Statement {
    const statement = this.prepared?.get(name);
    if (statement === undefined) throw notInitialized(this.path);
    return statement;
  }

  private all(name: StatementName, values: readonly SqlValue[] = []): Row[] {
    return this.statement(name).all(bind(values));
  }

  private one(name: StatementName, values: readonly SqlValue[] = []): Row | undefined {
    return this.statement(name).get(bind(values));
  }

  /** Runs a write; returns the number of rows it changed. */
  private run(name: StatementName, values: readonly SqlValue[] = []): number {
    return this.statement(name).run(bind(values)).changes;
  }

  getIdentity(): Promise<PairIdentity | null> {
    return this.call(() => {
      const row = this.one("getIdentity");
      return row === undefined ? null : rows.decodeIdentity(row);
    });
  }

  setIdentity(identity: PairIdentity): Promise<void> {
    return this.call(() => void this.run("setIdentity", rows.identityParams(identity)));
  }

  acquireLock(holder: LockHolder): Promise<LockResult> {
    // Under BEGIN IMMEDIATE nobody else can write between our read and our write.
    return this.call(() =>
      this.transaction((): LockResult => {
        const row = this.one("getLock");
        const current = row === undefined ? null : rows.decodeLock(row);
        if (current !== null && !mayTakeLock(current, holder, this.clock.now(), this.isAlive)) {
          return { acquired: false, holder: current };
        }
        this.run("putLock", rows.lockParams(holder));
        return { acquired: true };
      }),
    );
  }

  renewLock(owner: string, expiresAt: string): Promise<void> {
    return this.call(() => {
      if (this.run("renewLock", [expiresAt, owner]) === 0) throw lockLost(owner);
    });
  }

  releaseLock(owner: string): Promise<void> {
    return this.call(() => void this.run("releaseLock", [owner]));
  }

  listLinks(options: { bases?: boolean } = {}): Promise<Link[]> {
    return this.call(() => {
      // Row by row from one statement: no intermediate array of raw rows next to the decoded one.
      const out: Link[] = [];
      for (const row of this.statement(options.bases === false ? "listLinkHeads" : "listLinks").iterate(bind([]))) out.push(rows.decodeLink(row));
      return out;
    });
  }

  getLinks(plannrIds: readonly string[]): Promise<Link[]> {
    return this.call(() => (plannrIds.length === 0 ? [] : this.all("linksByPlannr", [[...plannrIds]]).map(rows.decodeLink)));
  }

  getLinkByPlannr(id: string): Promise<Link | null> {
    return this.call(() => {
      const row = this.one("linkByPlannr", [id]);
      return row === undefined ? null : rows.decodeLink(row);
    });
  }

  getLinkByOnlyoffice(id: string): Promise<Link | null> {
    return this.call(() => {
      const row = this.one("linkByOnlyoffice", [id]);
      return row === undefined ? null : rows.decodeLink(row);
    });
  }

  countLinks(): Promise<number> {
    return this.call(() => Number(this.one("countLinks")?.n ?? 0));
  }

  addJournal(entry: JournalEntry): Promise<void> {
    return this.call(() => void this.run("addJournal", rows.journalParams(entry)));
  }

  listPendingJournal(): Promise<JournalEntry[]> {
    return this.call(() => this.all("pendingJournal").map(rows.decodeJournal));
  }

  putConflict(conflict: Conflict): Promise<void> {
    return this.call(() => void this.run("putConflict", rows.conflictParams(conflict)));
  }

  listConflicts(filter: { status?: "pending" | "resolved"; plannrId?: string } = {}): Promise<Conflict[]> {
    return this.call(() =>
      this.all("listConflicts", [filter.status ?? null, filter.plannrId ?? null]).map(rows.decodeConflict),
    );
  }

  getConflict(id: string): Promise<Conflict | null> {
    return this.call(() => {
      const row = this.one("getConflict", [id]);
      return row === undefined ? null : rows.decodeConflict(row);
    });
  }

  decideConflict(id: string, resolution: "plannr" | "onlyoffice" | "base"): Promise<void> {
    return this.call(() =>
      this.transaction(() => {
        const row = this.one("getConflictForUpdate", [id]);
        const refused = undecidableConflict(id, row === undefined ? null : rows.decodeConflict(row));
        if (refused !== null) throw refused;
        this.run("decideConflict", [resolution, id]);
      }),
    );
  }

  putSkip(skip: Skip): Promise<void> {
    return this.call(() => void this.run("putSkip", rows.skipParams(skip)));
  }

  listSkips(): Promise<Skip[]> {
    return this.call(() => this.all("listSkips").map(rows.decodeSkip));
  }

  removeSkip(side: "plannr" | "onlyoffice", id: string): Promise<void> {
    return this.call(() => void this.run("removeSkip", [side, id]));
  }

  listTombstones(): Promise<Tombstone[]> {
    return this.call(() => this.all("listTombstones").map(rows.decodeTombstone));
  }

  removeTombstone(side: "plannr" | "onlyoffice", id: string): Promise<void> {
    return this.call(() => void this.run("removeTombstone", [side, id]));
  }

  startRun(run: Run): Promise<void> {
    return this.call(() => void this.run("startRun", rows.runParams(run)));
  }

  finishRun(id: string, finishedAt: string, exitCode: number, summary: Record<string, unknown>): Promise<void> {
    return this.call(() => {
      if (this.run("finishRun", [finishedAt, exitCode, JSON.stringify(summary), id]) === 0) throw unknownRun(id);
    });
  }

  listRuns(limit: number): Promise<Run[]> {
    return this.call(() => this.all("listRuns", [Math.max(0, Math.floor(limit))]).map(rows.decodeRun));
  }

  listAudit(recordIds: string[]): Promise<AuditEntry[]> {
    return this.call(() => (recordIds.length === 0 ? [] : this.all("listAudit", [recordIds]).map(rows.decodeAudit)));
  }

  listAuditByRun(runId: string): Promise<AuditEntry[]> {
    return this.call(() => this.all("listAuditByRun", [runId]).map(rows.decodeAudit));
  }

  getMeta(key: string): Promise<string | null> {
    return this.call(() => {
      const row = this.one("getMeta", [key]);
      return row === undefined ? null : rows.decodeMeta(row);
    });
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.call(() => void this.run("setMeta", [key, value]));
  }

  commit(commit: WriteCommit): Promise<void> {
    return this.call(() =>
      this.transaction(() => {
        for (const step of planCommit(commit)) {
          if (step.kind === "claim") checkClaim(step, this.one("linkByOnlyoffice", [step.onlyofficeId]));
          else this.run(step.statement, step.values);
        }
      }),
    );
  }

  putInbox(delivery: { caseId: string; event: string; receivedAt: string }): Promise<void> {
    return this.call(() => void this.run("putInbox", rows.inboxParams(delivery)));
  }

  listInbox(limit: number, now: string): Promise<InboxEntry[]> {
    return this.call(() => this.all("listInbox", [Math.max(0, Math.floor(limit)), now]).map(rows.decodeInbox));
  }

  removeInbox(caseId: string, seq: number): Promise<boolean> {
    return this.call(() => this.run("removeInbox", [caseId, seq]) > 0);
  }

  deferInbox(caseId: string, notBefore: string): Promise<void> {
    return this.call(() => void this.run("deferInbox", [caseId, notBefore]));
  }

  countInbox(): Promise<number> {
    return this.call(() => Number(this.one("countInbox")?.n ?? 0));
  }

  getWebhookSubscription(): Promise<WebhookSubscription | null> {
    return this.call(() => {
      const row = this.one("getSubscription");
      return row === undefined ? null : rows.decodeSubscription(row);
    });
  }

  setWebhookSubscription(subscription: WebhookSubscription | null): Promise<void> {
    return this.call(() =>
      void (subscription === null ? this.run("clearSubscription") : this.run("setSubscription", rows.subscriptionParams(subscription))),
    );
  }
}

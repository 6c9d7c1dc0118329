// The team state store: PostgreSQL through a pg.Pool, every table inside one schema of its own
// (default `case_sync`, or `?schema=` / the `schema` option) so it can share a database. The
// tables, columns and row decoding are the SQLite store's (migrations.ts, rows.ts); only the
// locking differs: a table lock where SQLite has BEGIN IMMEDIATE.
import { readFileSync } from "node:fs";
import pg from "pg";
import { systemClock, type Clock } from "../core/ports.js";
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
import { postgresDialect, type Dialect } from "./dialect.js";
import { parsePostgresLocation, type PostgresLocation } from "./location.js";
import { inTransaction } from "./pg-transaction.js";
import { mayTakeLock, probeProcess, type ProcessProbe } from "./lock-policy.js";
import { postgresSsl } from "./postgres-tls.js";
import { pendingMigrations, SCHEMA_VERSION, versionTableDdl } from "./migrations.js";
import * as rows from "./rows.js";
import type { Row, SqlValue } from "./rows.js";
import { stateStatements, type StatementName, type Statements } from "./statements.js";
import { lockLost, toStateError, undecidableConflict, unknownRun } from "./store-errors.js";

export interface PostgresStoreOptions {
  url: string;
  /** Overrides `?schema=` in the URL; default `case_sync`. */
  schema?: string;
  clock?: Clock;
  isAlive?: ProcessProbe;
  /**
   * libpq's PGSSLMODE, used when the URL has no sslmode. Left out: process.env.PGSSLMODE; given as
   * undefined: none.
   */
  pgSslMode?: string | undefined;
}

type Queryable = Pick<pg.ClientBase, "query">;
type LockResult = { acquired: true } | { acquired: false; holder: LockHolder };

export class PostgresStateStore implements StateStore {
  private readonly location: PostgresLocation;
  private readonly pool: pg.Pool;
  private readonly dialect: Dialect;
  private readonly sql: Statements;
  private readonly clock: Clock;
  private readonly isAlive: ProcessProbe;
  private ended: Promise<void> | null = null;

  constructor(options: PostgresStoreOptions) {
    this.location = parsePostgresLocation(options.url, options.schema);
    this.clock = options.clock ?? systemClock;
    this.isAlive = options.isAlive ?? probeProcess;
    this.dialect = postgresDialect(this.location.schema);
    this.sql = stateStatements(this.dialect);
    // sslmode and the certificate files are read here, not by pg (postgres-tls.ts): the URL pg
    // receives carries none of them, so pg's parser cannot override this `ssl`.
    const ssl = postgresSsl(this.location.tls, "pgSslMode" in options ? options.pgSslMode : process.env.PGSSLMODE, (file) => readFileSync(file, "utf8"));
    this.pool = new pg.Pool({
      connectionString: this.location.connectionString,
      ssl,
      max: 5,
      // An unreachable server fails the run instead of hanging it.
      connectionTimeoutMillis: 10_000,
      application_name: "case-sync",
    });
    // An idle client losing its connection emits on the pool; unhandled, that would crash the
    // process. The next query reports the problem as a CS_STATE error instead.
    this.pool.on("error", () => undefined);
  }

  describe(): string {
    return this.location.description;
  }

  init(): Promise<void> {
    return this.call(() =>
      this.transaction(async (client) => {
        // Concurrent first runs would race to create the schema and tables; this serializes them.
        await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`case-sync:${this.location.schema}`]);
        // Only when missing: CREATE SCHEMA checks the database-level CREATE right even with IF NOT
        // EXISTS, and a DBA may have made the schema for a user who lacks that right.
        const existing = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [this.location.schema]);
        if (existing.rowCount === 0) await client.query(`CREATE SCHEMA "${this.location.schema}"`);
        await client.query(versionTableDdl(this.dialect));
        const [found] = (await client.query<Row>(this.sql.getVersion)).rows;
        const todo = pendingMigrations(found === undefined ? 0 : Number(found.version));
        for (const migration of todo) {
          for (const statement of migration.statements(this.dialect)) await client.query(statement);
        }
        if (todo.length > 0) {
          await client.query(this.sql.putVersion, [SCHEMA_VERSION, this.clock.now().toISOString()]);
        }
      }),
    );
  }

  close(): Promise<void> {
    this.ended ??= this.pool.end().catch(() => undefined);
    return this.ended;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toStateError(error, this.describe(), this.location.secrets);
    }
  }

  private transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  private async rowsOf(statement: StatementName, values: SqlValue[] = [], on: Queryable = this.pool): Promise<Row[]> {
    // Named statements are parsed and planned once per pooled connection.
    const result = await on.query<Row>({ name: `cs_${statement}`, text: this.sql[statement], values });
    return result.rows;
  }

  /** Runs a write; returns the number of rows it changed. */
  private async exec(statement: StatementName, values: SqlValue[] = [], on: Queryable = this.pool): Promise<number> {
    const result = await on.query({ name: `cs_${statement}`, text: this.sql[statement], values });
    return result.rowCount ?? 0;
  }

  getIdentity(): Promise<PairIdentity | null> {
    return this.call(async () => {
      const [row] = await this.rowsOf("getIdentity");
      return row === undefined ? null : rows.decodeIdentity(row);
    });
  }

  setIdentity(identity: PairIdentity): Promise<void> {
    return this.call(async () => void (await this.exec("setIdentity", rows.identityParams(identity))));
  }

  acquireLock(holder: LockHolder): Promise<LockResult> {
    return this.call(() =>
      this.transaction(async (client): Promise<LockResult> => {
        // A table lock, not SELECT ... FOR UPDATE: with no row yet there is nothing to lock, and two
        // runs must not both find the table empty. SHARE ROW EXCLUSIVE conflicts with itself only
        // (and with writers), so readers such as `status` are not blocked.
        await client.query(`LOCK TABLE ${this.dialect.table("run_lock")} IN SHARE ROW EXCLUSIVE MODE`);
        const [row] = await this.rowsOf("getLock", [], client);
        const current = row === undefined ? null : rows.decodeLock(row);
        if (current !== null && !mayTakeLock(current, holder, this.clock.now(), this.isAlive)) {
          return { acquired: false, holder: current };
        }
        await this.exec("putLock", rows.lockParams(holder), client);
        return { acquired: true };
      }),
    );
  }

  renewLock(owner: string, expiresAt: string): Promise<void> {
    return this.call(async () => {
      if ((await this.exec("renewLock", [expiresAt, owner])) === 0) throw lockLost(owner);
    });
  }

  releaseLock(owner: string): Promise<void> {
    return this.call(async () => void (await this.exec("releaseLock", [owner])));
  }

  listLinks(options: { bases?: boolean } = {}): Promise<Link[]> {
    return this.call(async () => rows.decodeAll(await this.rowsOf(options.bases === false ? "listLinkHeads" : "listLinks"), rows.decodeLink));
  }

  getLinks(plannrIds: readonly string[]): Promise<Link[]> {
    return this.call(async () => (plannrIds.length === 0 ? [] : rows.decodeAll(await this.rowsOf("linksByPlannr", [[...plannrIds]]), rows.decodeLink)));
  }

  getLinkByPlannr(id: string): Promise<Link | null> {
    return this.call(async () => {
      const [row] = await this.rowsOf("linkByPlannr", [id]);
      return row === undefined ? null : rows.decodeLink(row);
    });
  }

  getLinkByOnlyoffice(id: string): Promise<Link | null> {
    return this.call(async () => {
      const [row] = await this.rowsOf("linkByOnlyoffice", [id]);
      return row === undefined ? null : rows.decodeLink(row);
    });
  }

  countLinks(): Promise<number> {
    // count(*) is a bigint, which pg hands over as a string.
    return this.call(async () => Number((await this.rowsOf("countLinks"))[0]?.n ?? 0));
  }

  addJournal(entry: JournalEntry): Promise<void> {
    return this.call(async () => void (await this.exec("addJournal", rows.journalParams(entry))));
  }

  listPendingJournal(): Promise<JournalEntry[]> {
    return this.call(async () => (await this.rowsOf("pendingJournal")).map(rows.decodeJournal));
  }

  putConflict(conflict: Conflict): Promise<void> {
    return this.call(async () => void (await this.exec("putConflict", rows.conflictParams(conflict))));
  }

  listConflicts(filter: { status?: "pending" | "resolved"; plannrId?: string } = {}): Promise<Conflict[]> {
    return this.call(async () =>
      (await this.rowsOf("listConflicts", [filter.status ?? null, filter.plannrId ?? null])).map(rows.decodeConflict),
    );
  }

  getConflict(id: string): Promise<Conflict | null> {
    return this.call(async () => {
      const [row] = await this.rowsOf("getConflict", [id]);
      return row === undefined ? null : rows.decodeConflict(row);
    });
  }

  decideConflict(id: string, resolution: "plannr" | "onlyoffice" | "base"): Promise<void> {
    return this.call(() =>
      this.transaction(async (client) => {
        const [row] = await this.rowsOf("getConflictForUpdate", [id], client);
        const refused = undecidableConflict(id, row === undefined ? null : rows.decodeConflict(row));
        if (refused !== null) throw refused;
        await this.exec("decideConflict", [resolution, id], client);
      }),
    );
  }

  putSkip(skip: Skip): Promise<void> {
    return this.call(async () => void (await this.exec("putSkip", rows.skipParams(skip))));
  }

  listSkips(): Promise<Skip[]> {
    return this.call(async () => (await this.rowsOf("listSkips")).map(rows.decodeSkip));
  }

  removeSkip(side: "plannr" | "onlyoffice", id: string): Promise<void> {
    return this.call(async () => void (await this.exec("removeSkip", [side, id])));
  }

  listTombstones(): Promise<Tombstone[]> {
    return this.call(async () => (await this.rowsOf("listTombstones")).map(rows.decodeTombstone));
  }

  removeTombstone(side: "plannr" | "onlyoffice", id: string): Promise<void> {
    return this.call(async () => void (await this.exec("removeTombstone", [side, id])));
  }

  startRun(run: Run): Promise<void> {
    return this.call(async () => void (await this.exec("startRun", rows.runParams(run))));
  }

  finishRun(id: string, finishedAt: string, exitCode: number, summary: Record<string, unknown>): Promise<void> {
    return this.call(async () => {
      const changed = await this.exec("finishRun", [finishedAt, exitCode, JSON.stringify(summary), id]);
      if (changed === 0) throw unknownRun(id);
    });
  }

  listRuns(limit: number): Promise<Run[]> {
    return this.call(async () =>
      (await this.rowsOf("listRuns", [Math.max(0, Math.floor(limit))])).map(rows.decodeRun),
    );
  }

  listAuditByRun(runId: string): Promise<AuditEntry[]> {
    return this.call(async () => (await this.rowsOf("listAuditByRun", [runId])).map(rows.decodeAudit));
  }

  listAudit(recordIds: string[]): Promise<AuditEntry[]> {
    return this.call(async () =>
      recordIds.length === 0 ? [] : (await this.rowsOf("listAudit", [recordIds])).map(rows.decodeAudit),
    );
  }

  getMeta(key: string): Promise<string | null> {
    return this.call(async () => {
      const [row] = await this.rowsOf("getMeta", [key]);
      return row === undefined ? null : rows.decodeMeta(row);
    });
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.call(async () => void (await this.exec("setMeta", [key, value])));
  }

  commit(commit: WriteCommit): Promise<void> {
    return this.call(() =>
      this.transaction(async (client) => {
        for (const step of planCommit(commit)) {
          if (step.kind === "claim") {
            const [holder] = await this.rowsOf("linkByOnlyoffice", [step.onlyofficeId], client);
            checkClaim(step, holder);
          } else {
            await this.exec(step.statement, step.values, client);
          }
        }
      }),
    );
  }

  putInbox(delivery: { caseId: string; event: string; receivedAt: string }): Promise<void> {
    return this.call(async () => void (await this.exec("putInbox", rows.inboxParams(delivery))));
  }

  listInbox(limit: number, now: string): Promise<InboxEntry[]> {
    return this.call(async () => (await this.rowsOf("listInbox", [Math.max(0, Math.floor(limit)), now])).map(rows.decodeInbox));
  }

  removeInbox(caseId: string, seq: number): Promise<boolean> {
    return this.call(async () => (await this.exec("removeInbox", [caseId, seq])) > 0);
  }

  deferInbox(caseId: string, notBefore: string): Promise<void> {
    return this.call(async () => void (await this.exec("deferInbox", [caseId, notBefore])));
  }

  countInbox(): Promise<number> {
    // count(*) is a bigint, which pg hands over as a string.
    return this.call(async () => Number((await this.rowsOf("countInbox"))[0]?.n ?? 0));
  }

  getWebhookSubscription(): Promise<WebhookSubscription | null> {
    return this.call(async () => {
      const [row] = await this.rowsOf("getSubscription");
      return row === undefined ? null : rows.decodeSubscription(row);
    });
  }

  setWebhookSubscription(subscription: WebhookSubscription | null): Promise<void> {
    return this.call(async () => {
      if (subscription === null) await this.exec("clearSubscription");
      else await this.exec("setSubscription", rows.subscriptionParams(subscription));
    });
  }
}

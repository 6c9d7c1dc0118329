// Apply: the engine's only module with effects, reaching the world through the ports alone.
// Each pair's writes go one request at a time so that success is known per field group; the new
// base and the audit of a pair are committed together. Creates are journalled before the request
// (invariant 6); a create whose outcome is unknown stays pending and is reconciled on the next run.
// Work is pulled a few items at a time (never all queued at once); a migration's copies are made
// as its source is read again (copies.ts); each write is kept as the report names it (ChangeLog).
import { randomUUID } from "node:crypto";
import { groupValue, withGroupValue, type Case } from "../core/case.js";
import { ABORTING_CODES, CaseSyncError, toCaseSyncError, type Side } from "../core/errors.js";
import type { Clock, CrmAdapter, Logger, Progress } from "../core/ports.js";
import type { CaseRecord, RecordIssue, ScanItem, WriteOp } from "../core/records.js";
import type { AuditEntry, JournalEntry, Link, StateStore, WriteCommit } from "../core/state.js";
import { ChangeLog } from "./change-log.js";
import { copyAsRead } from "./copies.js";
import { nextBase, type NextBase } from "./diff.js";
import type { Pairing } from "./links.js";
import { baseHashOf, conflictFindings, encodePair, hasChanges } from "./plan.js";
import { summarize, type RecordSummary } from "./snapshot.js";
import { auditValue, groupEquals, viewValue, type ViewScope } from "./view.js";
import type { ConflictFinding, CreateWork, DeleteWork, PairWork, Plan } from "./work.js";

export interface ApplyContext {
  runId: string;
  scope: ViewScope;
  adapters: { plannr: CrmAdapter; onlyoffice: CrmAdapter };
  store: StateStore;
  clock: Clock;
  logger: Logger;
  progress: Progress;
  concurrency: number;
  /** Side-specific fix-ups applied to a re-read record (the same as the snapshot's). */
  refine: (record: CaseRecord) => CaseRecord;
  /** Settlements from pairing, by journal id (committed with the pair they link). */
  settlements: Pairing["settlements"];
  signal?: AbortSignal | undefined;
}

/** How a migration's streamed copies are made (`Plan.streamed`): the source read again, and each record's copy. */
export interface CopySource {
  scan: () => AsyncIterable<ScanItem>;
  /** The copy of one record as read again, or why it is not made. */
  build: (record: RecordSummary) => CreateWork | RecordIssue;
}

export interface ApplyResult {
  /** Every write made, with its record's partner (for the report). */
  changes: ChangeLog;
  issues: RecordIssue[];
  abort: CaseSyncError | null;
  linksAdded: number;
  linksRemoved: number;
  /** Conflicts found when a record that moved since the snapshot was re-read and re-planned. */
  conflicts: ConflictFinding[];
}

/** Errors after which a create may or may not have happened: the journal entry stays pending. */
const UNKNOWN_OUTCOME = new Set(["CS_TIMEOUT", "CS_NETWORK", "CS_UPSTREAM", "CS_SCHEMA", "CS_INTERNAL"]);

export class Applier {
  private readonly result: ApplyResult = { changes: new ChangeLog(), issues: [], abort: null, linksAdded: 0, linksRemoved: 0, conflicts: [] };
  private done = 0;

  constructor(private readonly ctx: ApplyContext) {}

  private now(): string {
    return this.ctx.clock.now().toISOString();
  }

  private stopped(): boolean {
    if (this.ctx.signal?.aborted && this.result.abort === null) {
      // The run's own reason (an interrupt, or its maximum duration) says what happened.
      const reason: unknown = this.ctx.signal.reason;
      this.result.abort = reason instanceof CaseSyncError ? reason : new CaseSyncError("CS_INTERRUPTED", "interrupted; the next run resumes where this one stopped");
    }
    return this.result.abort !== null;
  }

  private fail(error: unknown, side: Side, record: string | null, fallbackField: string | null): void {
    const e = toCaseSyncError(error, { side, record: record ?? undefined });
    if (ABORTING_CODES.has(e.code)) {
      if (this.result.abort === null) this.result.abort = e;
      return;
    }
    this.result.issues.push({ severity: "error", side, record: e.record ?? record, field: e.field ?? fallbackField, code: e.code, message: e.message });
  }

  private tick(total: number): void {
    this.done += 1;
    this.ctx.progress({ phase: "apply", done: this.done, total });
  }

  private audit(op: WriteOp, partner: string | null, before: Case | null, after: Case | null): AuditEntry[] {
    const groups = op.groups.length > 0 ? [...new Set(op.groups)] : [op.kind];
    return groups.map((group) => ({
      runId: this.ctx.runId,
      side: op.side,
      record: op.record ?? partner ?? "?",
      partner,
      operation: op.kind,
      group,
      before: before === null || op.groups.length === 0 ? null : (auditValue(this.ctx.scope, group, before) as AuditEntry["before"]),
      after: after === null || op.groups.length === 0 ? null : (auditValue(this.ctx.scope, group, after) as AuditEntry["after"]),
      at: this.now(),
    }));
  }

  /** Sends ops one by one; returns the groups whose write failed. */
  private async send(side: Side, id: string, ops: readonly WriteOp[], partner: string, before: Case | null, after: Case, audit: AuditEntry[]): Promise<Set<string>> {
    const failed = new Set<string>();
    for (const op of ops) {
      if (this.result.abort !== null) {
        op.groups.forEach((g) => failed.add(g));
        continue;
      }
      try {
        const outcome = await this.ctx.adapters[side].applyWrites(id, [op]);
        // Groups the system refused while the rest of the request landed (invariant 11).
        const refused = new Set<string>();
        for (const issue of outcome.refused) {
          if (issue.field !== null) refused.add(issue.field);
          this.result.issues.push({ ...issue, severity: "error", side, record: issue.record ?? id });
        }
        refused.forEach((g) => failed.add(g));
        this.result.changes.add(op, partner);
        audit.push(...this.audit({ ...op, groups: op.groups.filter((g) => !refused.has(g)) }, partner, before, after));
      } catch (error) {
        op.groups.forEach((g) => failed.add(g));
        this.fail(error, side, id, op.groups[0] ?? null);
      }
    }
    return failed;
  }

  /**
   * Invariant 4 and the write window: a record whose planned requests can overwrite a person's
   * edit (an ONLYOFFICE PUT resends whole values; a Plannr PUT sets the groups it carries) is read
   * again right before them, and the pair is re-planned if it moved since the snapshot. A side held
   * thin (settled: no carry) with changes to write is read here too, and its writes encoded from
   * that read. Null: the record vanished, or the read failed (reported); the pair waits for the
   * next run.
   */
  private async guard(original: PairWork): Promise<PairWork | null> {
    let work = original;
    for (const side of ["plannr", "onlyoffice"] as const) {
      const ops = side === "plannr" ? work.opsPlannr : work.opsOnlyoffice;
      const unread = work.thin.includes(side) && hasChanges(side === "plannr" ? work.decision.changesPlannr : work.decision.changesOnlyoffice);
      if (!unread && !ops.some((op) => op.rereadFirst === true)) continue;
      const id = side === "plannr" ? work.plannrId : work.onlyofficeId;
      let fresh: CaseRecord | null;
      try {
        fresh = await this.ctx.adapters[side].getCase(id);
      } catch (error) {
        this.fail(error, side, id, null);
        return null;
      }
      if (fresh === null) {
        this.result.issues.push({ severity: "warning", side, record: id, field: null, code: "CS_NOT_FOUND", message: "vanished during the run; left for the next run" });
        return null;
      }
      const seen = side === "plannr" ? work.plannrRecord : work.onlyofficeRecord;
      // A record held thin has no version: re-planning is pure and cheap.
      if (!unread && seen.version !== "" && fresh.version === seen.version) continue;
      const refined = side === "onlyoffice" ? this.ctx.refine(fresh) : fresh;
      const frozen = new Set(summarize(refined, this.ctx.scope, true).frozen);
      const input =
        side === "plannr"
          ? { ...work.input, plannr: refined.case, frozenPlannr: frozen, plannrUpdatedAt: refined.updatedAt }
          : { ...work.input, onlyoffice: refined.case, frozenOnlyoffice: frozen };
      const resolved = work.resolvedConflicts;
      const conflicted = new Set<string>(work.decision.groups.filter((g) => g.conflict !== undefined).map((g) => g.group));
      const thin = work.thin.filter((s) => s !== side);
      work = encodePair(this.ctx, work, input, side === "plannr" ? refined : work.plannrRecord, side === "onlyoffice" ? refined : work.onlyofficeRecord, thin);
      work.resolvedConflicts.push(...resolved);
      // A person's edit that raced the run is news: a group now in conflict is queued like any other.
      this.result.conflicts.push(...conflictFindings(work, []).filter((f) => !conflicted.has(f.group)));
      // Errors found on the fresh read are this run's news (the planned ones are already reported).
      this.result.issues.push(...work.issues.filter((i) => i.severity === "error"));
      if (seen.version !== "") this.ctx.logger.debug({ side, record: id }, "case moved since the snapshot; re-planned");
    }
    return work;
  }

  async applyPair(original: PairWork, total: number): Promise<void> {
    if (this.stopped()) return;
    const work = await this.guard(original);
    if (work === null) {
      this.tick(total);
      return;
    }
    const audit: AuditEntry[] = [];
    const failed = new Set<string>();
    for (const issue of work.issues) if (issue.severity === "error" && issue.field !== null) failed.add(issue.field);
    const { decision } = work;
    for (const g of await this.send("plannr", work.plannrId, work.opsPlannr, work.onlyofficeId, work.input.plannr, decision.targetPlannr, audit)) failed.add(g);
    for (const g of await this.send("onlyoffice", work.onlyofficeId, work.opsOnlyoffice, work.plannrId, work.input.onlyoffice, decision.targetOnlyoffice, audit)) failed.add(g);
    const settled = new Set(decision.groups.filter((g) => g.target !== undefined && !failed.has(g.group)).map((g) => g.group));
    const base = nextBase(work.input, decision, settled, this.ctx.scope.settings.groups);
    const commit: WriteCommit = { upsertLink: this.link(work.plannrId, work.onlyofficeId, work.link, base, work.newLink?.reason ?? null), audit };
    const resolved = work.resolvedConflicts.filter((id) => id !== "");
    if (resolved.length > 0) commit.resolveConflicts = { ids: resolved, at: this.now() };
    const settlement = work.newLink?.journalId ? this.ctx.settlements.find((s) => s.id === work.newLink?.journalId) : undefined;
    if (settlement) commit.settleJournal = { ...settlement, at: this.now() };
    await this.ctx.store.commit(commit);
    if (work.link === null) this.result.linksAdded += 1;
    this.tick(total);
  }

  private link(plannrId: string, onlyofficeId: string, existing: Link | null, next: NextBase, how: Link["how"]): Link {
    // Only a base that covers every compared group may short-cut a later scan (an equal hash means
    // "unchanged"); a partial one keeps the pair on the field-by-field path until it is complete.
    const complete = next.base !== null && this.ctx.scope.settings.groups.every((g) => next.groups.includes(g.signature));
    const hash = complete ? baseHashOf(this.ctx.scope, next.base) : null;
    const now = this.now();
    return { plannrId, onlyofficeId, base: next.base, baseGroups: next.base === null ? null : next.groups, baseHashPlannr: hash, baseHashOnlyoffice: hash, linkedAt: existing?.linkedAt ?? now, updatedAt: now, how: existing?.how ?? how };
  }

  async applyCreate(work: CreateWork, total: number): Promise<void> {
    if (this.stopped()) return;
    const scope = this.ctx.scope;
    let participants = viewValue(scope, "participants", work.target) as string[];
    if (work.to === "plannr" && participants.length === 0 && scope.directory.defaultClientKey !== null) participants = [scope.directory.defaultClientKey];
    const entry: JournalEntry = {
      id: randomUUID(),
      runId: this.ctx.runId,
      side: work.to,
      sourceId: work.sourceId,
      fingerprint: { title: work.target.title, participants },
      status: "pending",
      createdId: null,
      startedAt: this.now(),
      settledAt: null,
    };
    await this.ctx.store.addJournal(entry);
    let created: CaseRecord;
    try {
      created = await this.ctx.adapters[work.to].createCase(work.target, {
        stamp: work.from === "plannr" ? work.sourceId : null,
        people: scope.directory.people(),
        createdAt: work.createdAt,
      });
    } catch (error) {
      const e = toCaseSyncError(error, { side: work.to });
      if (ABORTING_CODES.has(e.code)) this.fail(e, work.to, null, null);
      else if (UNKNOWN_OUTCOME.has(e.code)) {
        // A lost answer is that record's problem (SPEC §5): the journal entry stays pending and the
        // next run adopts the case if it was made, never creating it twice. A side that is really
        // down opens its circuit breaker instead.
        this.result.issues.push({ severity: "error", side: work.from, record: work.sourceId, field: null, code: e.code, message: `copy to ${work.to}: outcome unknown (${e.message}); the next run adopts it if it was made, and never creates it twice` });
      } else {
        await this.ctx.store.commit({ settleJournal: { id: entry.id, status: "failed", createdId: null, at: this.now() } });
        this.result.issues.push({ severity: "error", side: work.from, record: work.sourceId, field: e.field ?? null, code: e.code, message: `not copied to ${work.to}: ${e.message}` });
      }
      this.tick(total);
      return;
    }
    // Every step of a create that failed (a close, a member add) is a record error, and the base is
    // what the new record really holds: the next sync then finishes the step instead of reading
    // the half-made copy as a person's edit.
    this.result.issues.push(...work.issues.filter((i) => i.severity === "error").map((i) => ({ ...i, record: created.id })));
    for (const issue of created.issues) this.result.issues.push({ ...issue, record: issue.record ?? created.id });
    const base = createdBase(scope, work, work.to === "onlyoffice" ? this.ctx.refine(created).case : created.case);
    const plannrId = work.to === "plannr" ? created.id : work.sourceId;
    const onlyofficeId = work.to === "onlyoffice" ? created.id : work.sourceId;
    const createOp: WriteOp = work.ops[0] ?? { side: work.to, record: null, kind: "case.create", method: "POST", path: "", groups: [], body: undefined, summary: "create" };
    for (const op of work.ops) this.result.changes.add({ ...op, record: created.id }, work.sourceId);
    const audit = this.audit({ ...createOp, record: created.id, groups: createOp.groups.length > 0 ? createOp.groups : ["title"] }, work.sourceId, null, base);
    await this.ctx.store.commit({
      upsertLink: this.link(plannrId, onlyofficeId, null, { base, groups: scope.settings.groups.map((g) => g.signature).sort() }, "create"),
      settleJournal: { id: entry.id, status: "done", createdId: created.id, at: this.now() },
      audit,
    });
    this.result.linksAdded += 1;
    const sourceOps = work.sourceOps.filter((op) => op.kind !== "stamp");
    if (work.to === "plannr") await this.stamp(onlyofficeId, plannrId);
    if (sourceOps.length > 0) {
      const sourceAudit: AuditEntry[] = [];
      await this.send(work.from, work.sourceId, sourceOps, created.id, null, base, sourceAudit);
      if (sourceAudit.length > 0) await this.ctx.store.commit({ audit: sourceAudit });
    }
    this.tick(total);
  }

  /** Writes the link stamp onto an ONLYOFFICE case (a failure is repaired on the next run). */
  async stamp(onlyofficeId: string, plannrId: string): Promise<void> {
    if (this.stopped()) return;
    try {
      const op = this.ctx.adapters.onlyoffice.encodeStamp(onlyofficeId, plannrId);
      await this.ctx.adapters.onlyoffice.applyWrites(onlyofficeId, [op]);
      this.result.changes.add(op, plannrId);
      const entry: AuditEntry = { runId: this.ctx.runId, side: "onlyoffice", record: onlyofficeId, partner: plannrId, operation: "stamp", group: "link", before: null, after: plannrId, at: this.now() };
      await this.ctx.store.commit({ audit: [entry] });
    } catch (error) {
      const e = toCaseSyncError(error, { side: "onlyoffice", record: onlyofficeId });
      if (ABORTING_CODES.has(e.code)) this.fail(e, "onlyoffice", onlyofficeId, "link");
      else this.result.issues.push({ severity: "warning", side: "onlyoffice", record: onlyofficeId, field: "link", code: e.code, message: `link stamp not written (${e.message}); the next run writes it` });
    }
  }

  async applyDelete(work: DeleteWork, resolved: string[], total: number): Promise<void> {
    if (this.stopped()) return;
    const survivor: Side = work.vanished === "plannr" ? "onlyoffice" : "plannr";
    const survivorId = survivor === "plannr" ? work.plannrId : work.onlyofficeId;
    const audit: AuditEntry[] = [];
    try {
      for (const op of work.ops) await this.ctx.adapters[survivor].applyWrites(survivorId, [op]);
    } catch (error) {
      this.fail(error, survivor, survivorId, null);
      this.tick(total);
      return;
    }
    const partner = survivor === "plannr" ? work.onlyofficeId : work.plannrId;
    for (const op of work.ops) {
      this.result.changes.add(op, partner);
      audit.push(...this.audit(op, partner, null, null));
    }
    audit.push({ runId: this.ctx.runId, side: work.vanished, record: partner, partner: survivorId, operation: `link.${work.action}`, group: "link", before: survivorId, after: null, at: this.now() });
    const commit: WriteCommit = { deleteLink: work.plannrId, audit };
    if (work.tombstone) commit.addTombstone = work.tombstone;
    if (resolved.length > 0) commit.resolveConflicts = { ids: resolved, at: this.now() };
    await this.ctx.store.commit(commit);
    this.result.linksRemoved += 1;
    this.tick(total);
  }

  async run(plan: Pick<Plan, "updates" | "creates" | "deletes" | "streamed">, stampRepairs: Pairing["stampRepairs"], deleteResolutions: ReadonlyMap<string, string[]>, copies?: CopySource): Promise<ApplyResult> {
    const total = plan.updates.length + plan.creates.length + (plan.streamed?.ids.size ?? 0) + plan.deletes.length;
    await this.pool(plan.updates, (work) => this.applyPair(work, total));
    await this.pool(stampRepairs, (r) => this.stamp(r.onlyofficeId, r.plannrId));
    // ONLYOFFICE creates run in parallel; Plannr creates one at a time, so at most one is in doubt.
    await this.pool(plan.creates.filter((c) => c.to === "onlyoffice"), (work) => this.applyCreate(work, total));
    for (const work of plan.creates.filter((c) => c.to === "plannr")) await this.applyCreate(work, total);
    if (plan.streamed !== undefined && copies !== undefined && !this.stopped()) {
      const streamed = plan.streamed;
      await copyAsRead({
        ids: streamed.ids,
        side: streamed.from,
        scan: copies.scan(),
        refine: streamed.from === "onlyoffice" ? this.ctx.refine : (record) => record,
        scope: this.ctx.scope,
        build: copies.build,
        copy: (work) => this.applyCreate(work, total),
        concurrency: streamed.to === "onlyoffice" ? this.ctx.concurrency : 1,
        stopped: () => this.stopped(),
        report: (issue) => this.result.issues.push(issue),
      });
    }
    for (const work of plan.deletes) await this.applyDelete(work, deleteResolutions.get(work.plannrId) ?? [], total);
    this.stopped();
    return this.result;
  }

  /** Runs `task` on each item, at most `concurrency` at a time, taking the next item only when a slot frees. */
  private async pool<T>(items: Iterable<T>, task: (item: T) => Promise<void>): Promise<void> {
    const next = items[Symbol.iterator]();
    const worker = async (): Promise<void> => {
      for (let item = next.next(); item.done !== true; item = next.next()) await task(item.value);
    };
    await Promise.all(Array.from({ length: Math.max(1, this.ctx.concurrency) }, worker));
  }
}


/**
 * The base after a create: what the new record really holds. Where it reads as the target, that
 * is the agreed value; where a step failed or the destination refused a value, the record's own
 * value is the base, so the next sync sees the source as changed and finishes the job.
 */
export function createdBase(scope: ViewScope, work: CreateWork, created: Case): Case {
  let base = work.target;
  for (const { group } of scope.settings.groups) {
    if (groupEquals(scope, group, created, work.target)) continue;
    base = withGroupValue(base, group, groupValue(created, group));
  }
  return base;
}

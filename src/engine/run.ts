// One run of the engine: lock → identity → references → snapshots → pairing → plan → breakers
// → apply → report. `plan` and dry runs stop after the plan and write nothing anywhere (not even
// to the state store). Every failure that makes the rest unsafe aborts with a typed error that
// the report carries (exit code 4); record-level problems never stop the run (invariant 11).
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { inertText } from "../core/inert-text.js";
import { ABORTING_CODES, CaseSyncError, toCaseSyncError, type Side } from "../core/errors.js";
import type { Mapping } from "../core/mapping.js";
import { noProgress, silentLogger, systemClock, type Clock, type CrmAdapter, type Logger, type Progress } from "../core/ports.js";
import type { CaseRecord, RecordIssue, WriteOp } from "../core/records.js";
import type { Reference } from "../core/reference.js";
import type { ConflictReport, PlanItem, RunReport } from "../core/report.js";
import type { Conflict, Link, LockHolder, Skip, StateStore } from "../core/state.js";
import { Applier } from "./apply.js";
import { checkBreakers, type BreakerVerdict } from "./breakers.js";
import { conflictReports, copyConflictId, storeConflicts, uncertainCopies } from "./conflicts.js";
import { deriveSettings } from "./context.js";
import { Directory, refineOnlyoffice } from "./directory.js";
import { LinkIndex, NOT_LOADED } from "./link-index.js";
import { CLOCK_SKEW_MS, pairRecords, type Pairing } from "./links.js";
import { ChangeLog } from "./change-log.js";
import { buildPlan, isIssue, planCreate } from "./plan.js";
import { buildReport, planItems } from "./report.js";
import { summarize, takeSnapshot, type RecordSummary, type Snapshot, type SnapshotOptions } from "./snapshot.js";
import { planDrift, type SavedPlan } from "./saved-plan.js";
import { asScan, readTargets, type Targets } from "./targeted.js";
import { undoRun } from "./undo.js";
import type { ViewScope } from "./view.js";
import type { Plan, PlanContext } from "./work.js";

export interface EngineDeps {
  plannr: CrmAdapter;
  onlyoffice: CrmAdapter;
  store: StateStore;
  mapping: Mapping;
  logger?: Logger;
  clock?: Clock;
  progress?: Progress;
  /** Parallel record writes (ONLYOFFICE has no rate limit; Plannr's limiter paces its own). */
  concurrency?: number;
  /**
   * The longest a run may take (default: 2 h for sync and plan, 24 h for a migration, which into
   * Plannr runs at 500 requests a minute). Past it the run stops as if interrupted (exit 4), and a
   * later run that finds the lock still held by a run this old reports it as stuck (exit 4).
   */
  maxRunTimeMs?: number;
  /**
   * After the run is stopped, how long the writes in hand may take to finish and record themselves
   * before the run gives up on them and reports (default 15 s): an upstream call that ignores the
   * cancel cannot hold the run, or its lock, past the deadline.
   */
  stopGraceMs?: number;
  /** How long the run lock lasts without a heartbeat (default 60 s). */
  lockTtlMs?: number;
  /**
   * What makes the mapping unfit for these systems (a mapped field or status that does not exist,
   * an incompatible type). Any problem stops the run before it reads a case: a field the mapping
   * points at but the system lacks would read as empty everywhere and be "synced" as cleared.
   */
  verifyMapping?: (plannr: Reference, onlyoffice: Reference) => string[];
  /**
   * The reference lists as the last run read them, shared across runs of one instance (the
   * service): a full run refreshes them, a targeted run reuses them, so syncing one pair costs the
   * reads of that pair and nothing else (Plannr's reference lists are four requests or more).
   */
  references?: ReferenceCache;
}

export interface ReferenceCache {
  plannr: Reference | null;
  onlyoffice: Reference | null;
}

export type RunMode =
  | { kind: "sync"; dryRun: boolean; allowMassDelete: boolean; allowMassCreate: boolean; allowCreateAfterRebuild?: boolean; expectedPlan?: SavedPlan; targets?: Targets }
  | { kind: "plan" }
  | { kind: "migrate"; from: Side; dryRun: boolean; limit: number | null; onlyOpen: boolean; createdSince: string | null; allowCreateAfterRebuild?: boolean }
  | { kind: "undo"; runId: string; dryRun: boolean };

const DEFAULT_LOCK_TTL_MS = 60_000;
export const DEFAULT_MAX_RUN_MS = { run: 2 * 3_600_000, migrate: 24 * 3_600_000 } as const;
const DEFAULT_STOP_GRACE_MS = 15_000;
/** A skipped case is mentioned in a report at most this often. */
const SKIP_REPORT_INTERVAL_MS = 24 * 3_600_000;

function duration(ms: number): string {
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1).replace(/\.0$/, "")} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1_000)} s`;
}
const META_PREVIOUS_SCAN = "previousScanAt";
const META_GROUPS = "comparedGroups";
/** Set when a run rebuilt the links from the stamps (no state, stamped cases): see `withholdAfterRebuild`. */
export const META_REBUILT_AT = "rebuiltAt";

export class EngineRun {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly progress: Progress;
  private readonly runId = randomUUID();
  private readonly started: Date;
  private snapshots: Partial<Record<Side, Snapshot>> = {};
  private readonly issues: RecordIssue[] = [];
  private readonly warnings: RecordIssue[] = [];

  /** Aborts on the caller's signal (Ctrl-C, SIGTERM) and at the run's maximum duration. */
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal = this.stop.signal;

  constructor(
    private readonly deps: EngineDeps,
    private readonly mode: RunMode,
    private readonly outer?: AbortSignal,
  ) {
    this.logger = deps.logger ?? silentLogger;
    this.clock = deps.clock ?? systemClock;
    this.progress = deps.progress ?? noProgress;
    this.started = this.clock.now();
    this.requestsAtStart = { plannr: deps.plannr.requestCount(), onlyoffice: deps.onlyoffice.requestCount() };
  }

  /** Requests this run made (adapters count over their lifetime, e.g. across `--watch` runs). */
  private readonly requestsAtStart: Record<Side, number>;

  /**
   * The cases a targeted sync is about (SPEC §9), or null for a run over the whole books. A
   * targeted run stands on a full scan before it (a lost state is recognised, and lost copies are
   * adopted, only by looking at everything): on a state without one, it runs as a full sync.
   */
  private get targets(): Targets | null {
    return this.mode.kind === "sync" && !this.widened ? (this.mode.targets ?? null) : null;
  }

  private widened = false;

  private get writes(): boolean {
    return this.mode.kind === "plan" ? false : !this.mode.dryRun;
  }

  private command(): string {
    if (this.mode.kind === "migrate") return `migrate --from ${this.mode.from}`;
    if (this.mode.kind === "undo") return `undo ${this.mode.runId}`;
    if (this.targets !== null) return "sync (targeted)";
    return this.mode.kind;
  }

  private maxRunTimeMs(): number {
    return this.deps.maxRunTimeMs ?? (this.mode.kind === "migrate" ? DEFAULT_MAX_RUN_MS.migrate : DEFAULT_MAX_RUN_MS.run);
  }

  /** Why the run stopped early, if it did: the caller's interrupt, or the maximum run time. */
  private stopReason(): CaseSyncError {
    const reason: unknown = this.signal.reason;
    return reason instanceof CaseSyncError ? reason : new CaseSyncError("CS_INTERRUPTED", "interrupted; the next run resumes where this one stopped");
  }

  /**
   * The run's work, or, once the run is stopped, its reason after a grace period for the writes in
   * hand: a call that hangs past its own deadline cannot keep the run (and its lock) alive.
   */
  private untilStopped<T>(work: Promise<T>): Promise<T> {
    const grace = this.deps.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    let timer: NodeJS.Timeout | null = null;
    const onStop = () => {
      timer = setTimeout(() => giveUp(this.stopReason()), grace);
      timer.unref();
    };
    let giveUp: (reason: CaseSyncError) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => {
      giveUp = reject;
    });
    if (this.signal.aborted) onStop();
    else this.signal.addEventListener("abort", onStop, { once: true });
    return Promise.race([work, stopped]).finally(() => {
      if (timer) clearTimeout(timer);
      this.signal.removeEventListener("abort", onStop);
    });
  }

  /** Why a saved plan may not be applied now (other systems, another mapping, records that moved), or null. */
  private savedPlanProblems(saved: SavedPlan, fresh: PlanItem[], fingerprint: string): CaseSyncError | null {
    const [p, o] = [this.snapshots.plannr, this.snapshots.onlyoffice];
    const incomplete = [p, o].filter((snap) => snap !== undefined && !snap.complete).map((snap) => snap?.side);
    const reasons: string[] = [];
    if (saved.mappingFingerprint !== fingerprint) reasons.push("the mapping changed since the plan was made");
    if (incomplete.length > 0) reasons.push(`the ${incomplete.join(" and ")} scan is incomplete, so the plan cannot be checked`);
    reasons.push(...planDrift(saved.items, fresh));
    if (reasons.length === 0) return null;
    const shown = reasons.slice(0, 20).join("; ");
    return new CaseSyncError("CS_PLAN_STALE", `the saved plan of ${saved.createdAt} is not what a sync would do now, so nothing was written (make a new plan): ${shown}${reasons.length > 20 ? `; and ${reasons.length - 20} more` : ""}`);
  }

  /** Throws when the run was stopped, so no further phase starts. */
  private checkStopped(): void {
    if (this.signal.aborted) throw this.stopReason();
  }

  async execute(): Promise<RunReport> {
    const { store } = this.deps;
    const owner = `${this.runId}`;
    let heartbeat: NodeJS.Timeout | null = null;
    const ttl = this.deps.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
    const maxRunTime = this.maxRunTimeMs();
    const onOuter = () => this.stop.abort(new CaseSyncError("CS_INTERRUPTED", "interrupted; the next run resumes where this one stopped"));
    if (this.outer?.aborted) onOuter();
    this.outer?.addEventListener("abort", onOuter, { once: true });
    // A run never outlives its maximum duration: reads are cancelled, writes in hand finish and
    // record themselves, and the heartbeat stops, so the lock cannot be held forever by a hang.
    const deadline = setTimeout(() => {
      this.stop.abort(new CaseSyncError("CS_TIMEOUT", `the run passed its maximum duration of ${duration(maxRunTime)} (--max-run-time) and stopped; the next run resumes where it stopped`));
      if (heartbeat) clearInterval(heartbeat);
    }, maxRunTime);
    deadline.unref();
    try {
      if (this.writes) {
        const expiresAt = new Date(this.clock.now().getTime() + ttl).toISOString();
        const lock = await store.acquireLock({ owner, host: hostname(), pid: process.pid, expiresAt });
        if (!lock.acquired) return this.finish({ abort: await this.lockRefusal(lock.holder, maxRunTime) });
        heartbeat = setInterval(() => {
          void store.renewLock(owner, new Date(this.clock.now().getTime() + ttl).toISOString()).catch(() => undefined);
        }, Math.max(ttl / 3, 1_000));
        heartbeat.unref();
        await store.startRun({ id: this.runId, command: this.command(), startedAt: this.started.toISOString(), finishedAt: null, exitCode: null, summary: null });
      }
      try {
        return await this.untilStopped(this.body());
      } catch (error) {
        const e = this.signal.aborted && !(error instanceof CaseSyncError && error.code !== "CS_INTERRUPTED") ? this.stopReason() : toCaseSyncError(error);
        this.logger.error({ code: e.code, err: e.message }, "run aborted");
        return this.finish({ abort: e });
      } finally {
        if (heartbeat) clearInterval(heartbeat);
        if (this.writes) await store.releaseLock(owner).catch(() => undefined);
      }
    } finally {
      clearTimeout(deadline);
      this.outer?.removeEventListener("abort", onOuter);
      // A stopped run's signal must not outlive it: the adapters serve `link`, `check` and the
      // next run of the same instance (a library embedder's), which would all be refused.
      if (this.signal.aborted) {
        this.deps.plannr.beginRun?.();
        this.deps.onlyoffice.beginRun?.();
      }
    }
  }

  /**
   * The lock is taken. By a run that is younger than the maximum run time: another run, nothing to
   * do (exit 5). By a live run older than that: it is stuck (a hang the deadline could not end, or
   * an older case-sync without one), and an alert must see it (exit 4), named by host, pid and age.
   */
  private async lockRefusal(holder: LockHolder, maxRunTime: number): Promise<CaseSyncError> {
    const runs = await this.deps.store.listRuns(50).catch(() => []);
    const run = runs.find((r) => r.id === holder.owner);
    const age = run === undefined ? null : this.clock.now().getTime() - Date.parse(run.startedAt);
    if (age !== null && age > maxRunTime) {
      return new CaseSyncError(
        "CS_STUCK",
        `a run stuck for ${duration(age)} holds the lock (${holder.host} pid ${holder.pid}, started ${run?.startedAt ?? "?"}, longer than the maximum run time of ${duration(maxRunTime)}): stop that process; its lock then expires within a minute`,
      );
    }
    return new CaseSyncError("CS_LOCKED", `another run holds the lock (${holder.host} pid ${holder.pid}, until ${holder.expiresAt})`);
  }

  private async body(): Promise<RunReport> {
    const { plannr, onlyoffice, store, mapping } = this.deps;
    if (mapping.onlyoffice.linkField === null) {
      throw new CaseSyncError("CS_CONFIG", "the mapping has no onlyoffice.linkField (the ONLYOFFICE case field holding the Plannr uuid); run `case-sync init --create-link-fields`", { field: "onlyoffice.linkField" });
    }
    plannr.beginRun?.(this.signal);
    onlyoffice.beginRun?.(this.signal);
    await this.checkIdentity();
    this.logger.info({ runId: this.runId, command: this.command() }, "run started");
    this.progress({ phase: "reference", done: 0 });
    const cache = this.deps.references;
    const cached = this.targets !== null && cache?.plannr && cache.onlyoffice ? ([cache.plannr, cache.onlyoffice] as const) : null;
    const [plannrRef, onlyofficeRef] = cached ?? (await Promise.all([plannr.listReference(), onlyoffice.listReference()]));
    if (cache) Object.assign(cache, { plannr: plannrRef, onlyoffice: onlyofficeRef });
    if (onlyofficeRef.integrationUser !== null && !onlyofficeRef.integrationUser.isAdmin) {
      throw new CaseSyncError("CS_NOT_ADMIN", `the ONLYOFFICE user ${inertText(onlyofficeRef.integrationUser.name)} is not a CRM administrator: it would see only part of the case book and its privacy writes would silently do nothing`, { side: "onlyoffice" });
    }
    const problems = this.deps.verifyMapping?.(plannrRef, onlyofficeRef) ?? [];
    if (problems.length > 0) {
      throw new CaseSyncError("CS_CONFIG", `the mapping does not fit the live systems, so nothing was read or written (case-sync check shows the same):\n  ${problems.map((p) => inertText(p)).join("\n  ")}`);
    }
    const directory = new Directory(plannrRef, onlyofficeRef, mapping);
    this.warnings.push(...directory.describeGaps());
    const settings = deriveSettings(mapping);
    const scope: ViewScope = { settings, directory };
    const refine = refineOnlyoffice(directory);
    if (this.mode.kind === "undo") return this.undo(this.mode.runId, scope, refine);

    const previousScanAt = await store.getMeta(META_PREVIOUS_SCAN);
    if (this.targets !== null && previousScanAt === null) {
      this.widened = true;
      this.logger.info("no full sync has completed on this state yet: this targeted sync runs over the whole books");
    }
    const targets = this.targets;
    // What an unchanged pair needs of its link is its ids and base hash: the index keeps those as
    // columns, and the store's link objects go (SPEC §8). A pair that changes gets its full link,
    // times included, from loadBases.
    const [stored, pending, journal, tombstones, comparedGroups, skips] = await Promise.all([
      targets === null ? store.listLinks({ bases: false }).then((links) => new LinkIndex(links)) : Promise.resolve(null),
      store.listConflicts({ status: "pending" }),
      store.listPendingJournal(),
      store.listTombstones(),
      store.getMeta(META_GROUPS),
      store.listSkips(),
    ]);
    const view = targets === null ? null : await readTargets({ targets, store, adapters: { plannr, onlyoffice }, journal, signal: this.signal });
    // Said in the report, not only logged: the service and the fleet run a full sync soon for these,
    // and whoever asked for the case must see that this run did not sync it.
    for (const d of view?.deferred ?? []) {
      this.warnings.push({ severity: "warning", side: d.side, record: d.id, field: null, code: "CS_DEFERRED", message: `left for the next full sync: ${d.why}` });
    }
    const index = view === null ? (stored ?? new LinkIndex([])) : new LinkIndex(view.links, { whole: true });
    const scanStartedAt = this.clock.now().toISOString();
    const planMode: PlanContext["mode"] = this.mode.kind === "migrate" ? { kind: "migrate", from: this.mode.from, limit: this.mode.limit, onlyOpen: this.mode.onlyOpen, createdSince: this.mode.createdSince } : { kind: "sync" };
    // A plan (or a dry run, or a sync that must match a saved plan op by op) encodes every write
    // from the snapshot, so it keeps every record whole; a sync holds settled records as their links.
    const keepCarries = !this.writes || (this.mode.kind === "sync" && this.mode.expectedPlan !== undefined);
    const options = (side: Side): SnapshotOptions => ({ side, scope, links: index, keepCarries, progress: this.progress, ...(side === "onlyoffice" ? { refine } : {}) });
    const scanOf = (side: Side) => (view ? asScan(view.items[side]) : this.deps[side].listCases());
    let pSnap: Snapshot;
    let oSnap: Snapshot;
    if (this.mode.kind === "migrate" && !keepCarries && view === null) {
      // A migration reads its destination first: the records a stamp there names, with the sources
      // of pending creates, stay whole on the source side; every other copy is made from a second
      // read of the source (Plan.streamed), so the run never holds the whole book's cases.
      const from = this.mode.from;
      const to: Side = from === "plannr" ? "onlyoffice" : "plannr";
      const destination = await takeSnapshot(scanOf(to), options(to));
      const keepWhole = new Set<string>(journal.map((e) => e.sourceId));
      // The uuid a stamp names, a deleted or unlinked mark's included (`deleted:<uuid>`).
      for (const r of destination.records.held()) if (r.stamp !== null) keepWhole.add(r.stamp.slice(r.stamp.indexOf(":") + 1));
      const copyable = (summary: RecordSummary) => !isIssue(planCreate({ scope, adapters: { plannr, onlyoffice }, mode: planMode }, from, summary));
      const source = await takeSnapshot(scanOf(from), { ...options(from), streamCopies: { copyable, keepWhole } });
      [pSnap, oSnap] = from === "plannr" ? [source, destination] : [destination, source];
    } else {
      // One side after the other: two scans at once hold two sides' pages in flight and their
      // garbage uncollected together (10,000-case no-op: 261 → 233 MB peak RSS, 45 → 21 MB of
      // buffers) for a few seconds of wall time: ONLYOFFICE has no rate limit and lists 1,000 cases a
      // page, so it is the quick one of the two (4.6 s for the whole 10,000-case no-op).
      oSnap = await takeSnapshot(scanOf("onlyoffice"), options("onlyoffice"));
      pSnap = await takeSnapshot(scanOf("plannr"), options("plannr"));
    }
    this.snapshots = { plannr: pSnap, onlyoffice: oSnap };
    this.checkStopped();
    for (const snap of [pSnap, oSnap]) {
      this.logger.info({ side: snap.side, records: snap.records.size, invalid: snap.invalid.size, complete: snap.complete, pages: snap.pages }, `scanned ${snap.side}`);
    }
    for (const snap of [pSnap, oSnap]) {
      // A scan refused outright (credentials, rights) means nothing else will work either.
      if (snap.failure && (ABORTING_CODES.has(snap.failure.code) || snap.failure.code === "CS_FORBIDDEN")) throw snap.failure;
      // An incomplete scan is an error (exit 3), never a warning: an alert on exit codes must see it.
      if (snap.failure) this.issues.push({ severity: "error", side: snap.side, record: null, field: null, code: snap.failure.code, message: `${snap.side} scan incomplete (${snap.failure.message}): no deletes are inferred this run` });
      else if (!snap.complete) this.issues.push({ severity: "error", side: snap.side, record: null, field: null, code: "CS_INCOMPLETE", message: `${snap.side} scan incomplete (the pages did not add up: cases missing, repeated or shifted while listed): no deletes are inferred this run` });
      for (const record of snap.records.held()) this.issues.push(...record.errors);
      for (const issue of snap.invalid.values()) this.issues.push(issue);
    }
    // A targeted run read every case by id: a 404 there is the confirmation (invariant 7).
    if (view === null) await this.confirmVanished(index, scope, refine);
    await this.wholeSurvivors(index, scope, refine);

    const abandoned = new Set(journal.filter((e) => pending.some((c) => c.id === copyConflictId(e.id) && c.resolution === "base")).map((e) => e.id));
    const pendingPlannrIds = new Set(pending.map((c) => c.plannrId));
    await this.loadBases(index, pendingPlannrIds);
    const pairing = pairRecords({ scope, links: index, index, plannr: pSnap, onlyoffice: oSnap, journal: view ? [] : journal, tombstones, abandoned, matchExisting: mapping.matchExisting && this.mode.kind !== "migrate" && view === null });
    if (view !== null && mapping.matchExisting) {
      // Matching looks for a partner among every unlinked case of the other side: a full sync's job.
      for (const r of [...pairing.unlinkedPlannr, ...pairing.unlinkedOnlyoffice]) this.logger.info({ side: r.side, record: r.id }, "left for the next full sync: matchExisting looks at the whole other side");
      pairing.unlinkedPlannr = [];
      pairing.unlinkedOnlyoffice = [];
    }
    this.warnings.push(...pairing.issues);
    await this.quarantine(skips, pairing);
    const rebuiltAt = await this.rebuildGuard(pairing, { has: (id) => index.has("onlyoffice", id) }, scanStartedAt, { previousScanAt, openCreates: journal.length });
    const pendingByPair = new Map<string, Conflict[]>();
    for (const c of pending) pendingByPair.set(c.plannrId, [...(pendingByPair.get(c.plannrId) ?? []), c]);
    const previousGroups = comparedGroups === null ? null : new Set(JSON.parse(comparedGroups) as string[]);
    const freshGroups = new Set(previousGroups === null ? [] : settings.groups.map((g) => g.group).filter((g) => !previousGroups.has(g)));
    this.progress({ phase: "plan", done: 0 });
    const plan = buildPlan({
      scope,
      adapters: { plannr, onlyoffice },
      plannr: pSnap,
      onlyoffice: oSnap,
      pairing,
      pendingConflicts: pendingByPair,
      previousScanAt,
      freshGroups,
      mode: planMode,
      now: this.clock.now(),
    });
    plan.conflicts.push(...uncertainCopies(pairing.uncertain, pending));
    this.issues.push(...plan.issues);
    for (const work of plan.updates) this.issues.push(...work.issues.filter((i) => i.severity === "error"));
    for (const work of plan.creates) this.warnings.push(...work.issues.filter((i) => i.severity === "warning"));
    const breakers = checkBreakers({
      plan,
      limits: mapping.deletes,
      sizes: view === null ? { plannr: pSnap.records.size + pSnap.invalid.size, onlyoffice: oSnap.records.size + oSnap.invalid.size } : await this.bookSizes(),
      allowMassDelete: this.mode.kind === "sync" && this.mode.allowMassDelete,
      allowMassCreate: this.mode.kind === "sync" && this.mode.allowMassCreate,
      migrating: this.mode.kind === "migrate",
    });
    // Planned: what the scans held per record is needed no more (the report counts them); a
    // migration's copies are read again as they are made.
    for (const snap of [pSnap, oSnap]) snap.records.release();
    pairing.unlinkedPlannr = [];
    pairing.unlinkedOnlyoffice = [];
    const conflicts = conflictReports(plan.conflicts);
    this.logger.info(
      { updates: plan.updates.length, creates: plan.creates.length + (plan.streamed?.ids.size ?? 0), deletes: plan.deletes.length, conflicts: plan.conflicts.length, unchanged: plan.unchanged },
      "planned",
    );
    const stamps = pairing.stampRepairs.map((r) => ({ op: onlyoffice.encodeStamp(r.onlyofficeId, r.plannrId), partner: r.plannrId }));
    const stampOps = stamps.map((s) => s.op);
    if (this.mode.kind === "sync" && this.mode.expectedPlan !== undefined) {
      const stale = this.savedPlanProblems(this.mode.expectedPlan, planItems(plan, stampOps, scope), settings.fingerprint);
      if (stale !== null) return this.finish({ plan, conflicts, breakers, abort: stale, linksTotal: index.size });
    }
    if (!this.writes) {
      const abort = breakers.tripped ? new CaseSyncError("CS_BREAKER", breakers.reasons.join("; ")) : null;
      return this.finish({ plan, changes: plannedChanges(plan, stamps), conflicts, breakers, abort, items: planItems(plan, stampOps, scope), linksTotal: index.size });
    }
    if (breakers.tripped) {
      return this.finish({ plan, conflicts, breakers, abort: new CaseSyncError("CS_BREAKER", breakers.reasons.join("; ")), linksTotal: index.size });
    }
    this.checkStopped();
    await storeConflicts(store, plan.conflicts, this.clock.now());
    const deleteResolutions = new Map<string, string[]>();
    for (const c of pending) if (c.group === "delete" && c.resolution !== null) deleteResolutions.set(c.plannrId, [c.id]);
    const applier = new Applier({
      runId: this.runId,
      scope,
      adapters: { plannr, onlyoffice },
      store,
      clock: this.clock,
      logger: this.logger,
      progress: this.progress,
      concurrency: this.deps.concurrency ?? 8,
      refine,
      settlements: pairing.settlements,
      signal: this.signal,
    });
    // Journal entries settled without a pair to commit with (failed creates, or links already stored).
    const linkedJournal = new Set(pairing.newLinks.map((l) => l.journalId).filter((id) => id !== undefined));
    for (const s of pairing.settlements) if (!linkedJournal.has(s.id)) await store.commit({ settleJournal: { ...s, at: this.clock.now().toISOString() } });
    const result = await applier.run(plan, pairing.stampRepairs, deleteResolutions, {
      scan: () => this.deps[plan.streamed?.from ?? "plannr"].listCases(),
      build: (record) => planCreate({ scope, adapters: { plannr, onlyoffice }, mode: planMode }, record.side, record),
    });
    if (result.conflicts.length > 0) {
      await storeConflicts(store, result.conflicts, this.clock.now());
      conflicts.push(...conflictReports(result.conflicts));
    }
    const settledCopies = pairing.settlements.map((st) => copyConflictId(st.id)).filter((id) => pending.some((c) => c.id === id));
    if (settledCopies.length > 0) await store.commit({ resolveConflicts: { ids: settledCopies, at: this.clock.now().toISOString() } });
    this.issues.push(...result.issues.filter((i) => i.severity === "error"));
    this.warnings.push(...result.issues.filter((i) => i.severity === "warning"));
    if (result.abort === null && rebuiltAt !== null) {
      // Kept until someone says the withheld cases may be copied (or none is left to withhold).
      const cleared = this.allowCreateAfterRebuild();
      await store.setMeta(META_REBUILT_AT, cleared ? "" : rebuiltAt);
    }
    if (result.abort === null && pSnap.complete && oSnap.complete && view === null) {
      await store.setMeta(META_PREVIOUS_SCAN, scanStartedAt);
      await store.setMeta(META_GROUPS, JSON.stringify(settings.groups.map((g) => g.group)));
    }
    return this.finish({
      plan,
      changes: result.changes,
      conflicts,
      breakers,
      abort: result.abort,
      linksTotal: await store.countLinks(),
      linksAdded: result.linksAdded,
      linksRemoved: result.linksRemoved,
    });
  }

  /** A targeted run's breaker limits are about the whole books, which it knows by their links. */
  private async bookSizes(): Promise<Record<Side, number>> {
    const linked = await this.deps.store.countLinks();
    return { plannr: linked, onlyoffice: linked };
  }

  /** Records (`side:id`) a person took out of the sync, with their partners: never planned, never reported as errors. */
  private readonly skipped = new Set<string>();

  private quiet(issue: RecordIssue): boolean {
    return issue.record !== null && this.skipped.has(`${issue.side}:${issue.record}`);
  }

  /**
   * The quarantine (`case-sync skip`): a case that can never be synced (no client to give it, a
   * value the other side refuses) would make every run exit 3 for ever. A skipped case and its
   * partner are left out of the plan and their errors out of the exit code; the run says so at
   * most once a day, so the skip stays visible without raising the alarm.
   */
  private async quarantine(skips: readonly Skip[], pairing: Pairing): Promise<void> {
    if (skips.length === 0) return;
    for (const skip of skips) this.skipped.add(`${skip.side}:${skip.id}`);
    const held = (side: Side, id: string) => this.skipped.has(`${side}:${id}`);
    // A skipped case takes its partner out with it (pairs are walked afresh each time: the partners
    // are found first, then the pairs filtered on them).
    for (const pair of pairing.pairs) {
      if (held("plannr", pair.plannrId) || held("onlyoffice", pair.onlyofficeId)) this.skipped.add(`plannr:${pair.plannrId}`).add(`onlyoffice:${pair.onlyofficeId}`);
    }
    pairing.pairs = pairing.pairs.filter((pair) => !held("plannr", pair.plannrId) && !held("onlyoffice", pair.onlyofficeId));
    pairing.stampRepairs = pairing.stampRepairs.filter((r) => !held("plannr", r.plannrId) && !held("onlyoffice", r.onlyofficeId));
    pairing.unlinkedPlannr = pairing.unlinkedPlannr.filter((r) => !held("plannr", r.id));
    pairing.unlinkedOnlyoffice = pairing.unlinkedOnlyoffice.filter((r) => !held("onlyoffice", r.id));
    const now = this.clock.now();
    for (const skip of skips) {
      const present = this.snapshots[skip.side]?.records.has(skip.id) ?? false;
      const due = skip.reportedAt === null || now.getTime() - Date.parse(skip.reportedAt) >= SKIP_REPORT_INTERVAL_MS;
      if (!present || !due) continue;
      this.warnings.push({
        severity: "warning",
        side: skip.side,
        record: null,
        field: null,
        code: "CS_STATE",
        message: `${skip.side} case ${skip.id} is skipped by hand since ${skip.at}${skip.reason === "" ? "" : ` (${skip.reason})`}: it is not synced; case-sync unskip ${skip.id} brings it back`,
      });
      if (this.writes) await this.deps.store.putSkip({ ...skip, reportedAt: now.toISOString() });
    }
  }

  /** `case-sync undo <run>` (SPEC §11): the run's writes taken back where nothing moved since. */
  private async undo(runId: string, scope: ViewScope, refine: (r: CaseRecord) => CaseRecord): Promise<RunReport> {
    const { store } = this.deps;
    const runs = (await store.listRuns(1_000)).filter((r) => r.id !== this.runId);
    const matches = runs.filter((r) => r.id === runId || (runId.length >= 6 && r.id.startsWith(runId)));
    const target = matches.length === 1 ? matches[0] : undefined;
    if (target === undefined) {
      const why = matches.length > 1 ? `several runs start with ${runId}: give more of the id` : `no run ${runId} in this state (case-sync status lists the last runs with their ids)`;
      throw new CaseSyncError("CS_USAGE", why);
    }
    const entries = await store.listAuditByRun(target.id);
    this.warnings.push({
      severity: "warning",
      side: "plannr",
      record: null,
      field: null,
      code: "CS_STATE",
      message: `undo of ${target.command} run ${target.id} (${target.startedAt}): a restored value is a change on the side it is written to, so the next sync carries it to the other side too; the bases stay what that run wrote`,
    });
    const result = await undoRun({ scope, adapters: { plannr: this.deps.plannr, onlyoffice: this.deps.onlyoffice }, store, refine, runId: this.runId, now: () => this.clock.now(), dryRun: !this.writes }, entries);
    this.issues.push(...result.issues.filter((i) => i.severity === "error"));
    this.warnings.push(...result.issues.filter((i) => i.severity === "warning"));
    this.logger.info({ undone: target.id, restored: result.restored, deleted: result.deleted }, "undo finished");
    return this.finish({ changes: ChangeLog.of(result.ops), linksTotal: await store.countLinks() });
  }

  private allowCreateAfterRebuild(): boolean {
    return (this.mode.kind === "sync" || this.mode.kind === "migrate") && this.mode.allowCreateAfterRebuild === true;
  }

  /**
   * Invariant 6 after a lost state: a run that finds no links but stamped ONLYOFFICE cases rebuilds
   * the links from the stamps, and cannot tell a new unlinked case from one whose partner was
   * deleted while the lost state remembered it. So it links and reports, and copies none of the
   * cases that existed at the rebuild until a person says so (`--allow-create-after-rebuild`);
   * cases created after the rebuild are copied as usual. Returns when the rebuild happened.
   */
  /** `before`: what the store held when this run started (its last complete scan, its creates still in doubt). */
  private async rebuildGuard(pairing: Pairing, linkedOnlyoffice: { has(id: string): boolean }, scanStartedAt: string, before: { previousScanAt: string | null; openCreates: number }): Promise<string | null> {
    const oSnap = this.snapshots.onlyoffice;
    // What only a lost state explains: a stamp the state does not know (a link to rebuild, a mark
    // of a partner deleted or unlinked, or one naming a Plannr case that is gone since).
    // (A record held thin is linked.)
    const stamped = oSnap !== undefined && [...oSnap.records.held()].some((r) => r.stamp !== null && !linkedOnlyoffice.has(r.id));
    const [stored, runs, links] = await Promise.all([this.deps.store.getMeta(META_REBUILT_AT), this.deps.store.listRuns(2), this.deps.store.countLinks()]);
    // A store that has run before is not a lost one (its first copies may merely be unsettled);
    // one that never ran but finds stamps (links made by hand since the loss included) is. A run
    // that left nothing behind (it died before its first write, or only planned) has not run: its
    // row alone must not make the next run forget that it is rebuilding. Every write to a CRM
    // leaves a link or a journal entry (a create is journalled before it is sent).
    const ranBefore = runs.some((r) => r.id !== this.runId) && (links > 0 || before.previousScanAt !== null || before.openCreates > 0);
    const fresh = stamped && !ranBefore;
    const rebuiltAt = stored || (fresh ? scanStartedAt : null);
    // Kept at once, before this run writes anything: a run that stops after its first write (a
    // kill, an abort) has left links behind, and the next one must still know it is rebuilding.
    if (fresh && !stored && this.writes) await this.deps.store.setMeta(META_REBUILT_AT, scanStartedAt);
    if (fresh && !stored) {
      // Loud, whatever is withheld: a mistyped CASE_SYNC_STATE looks exactly like this.
      const linked = pairing.newLinks.filter((l) => l.reason === "stamp").length;
      this.issues.push({
        severity: "error",
        side: "onlyoffice",
        record: null,
        field: "link",
        code: "CS_STATE",
        message: `this state (${this.deps.store.describe()}) is new, but the ONLYOFFICE cases carry link stamps: ${linked} link(s) were rebuilt from the link stamps. If CASE_SYNC_STATE should name an existing state, fix it and remove ${this.deps.store.describe()}: a new state has none of the old one's bases, conflicts or audit`,
      });
    }
    if (rebuiltAt === null || this.allowCreateAfterRebuild()) return rebuiltAt;
    // Server clocks are not ours: a case made just before the rebuild may carry a later time.
    const cutoff = Date.parse(rebuiltAt) + CLOCK_SKEW_MS;
    const held = (r: RecordSummary) => r.createdAt === null || Date.parse(r.createdAt) <= cutoff;
    for (const side of ["plannr", "onlyoffice"] as const) {
      const list = side === "plannr" ? pairing.unlinkedPlannr : pairing.unlinkedOnlyoffice;
      const withheld = list.filter(held);
      if (withheld.length === 0) continue;
      const kept = list.filter((r) => !held(r));
      if (side === "plannr") pairing.unlinkedPlannr = kept;
      else pairing.unlinkedOnlyoffice = kept;
      const ids = withheld.slice(0, 20).map((r) => r.id).join(", ");
      this.issues.push({
        severity: "error",
        side,
        record: null,
        field: "link",
        code: "CS_STATE",
        message: `the state was rebuilt from the link stamps (${rebuiltAt}): ${withheld.length} unlinked ${side} case(s) were not copied, since a rebuilt state cannot tell a new case from one whose partner was deleted (${ids}${withheld.length > 20 ? ", …" : ""}); link them by hand (case-sync link <plannr-uuid> <onlyoffice-id>) or copy them with case-sync sync --allow-create-after-rebuild`,
      });
    }
    return rebuiltAt;
  }

  private async checkIdentity(): Promise<void> {
    const [p, o] = await Promise.all([this.deps.plannr.describe(), this.deps.onlyoffice.describe()]);
    const stored = await this.deps.store.getIdentity();
    if (stored === null) {
      if (this.writes) await this.deps.store.setIdentity({ plannrAccount: p.identity, onlyofficePortal: o.identity });
      return;
    }
    if (stored.plannrAccount !== p.identity || stored.onlyofficePortal !== o.identity) {
      throw new CaseSyncError(
        "CS_IDENTITY",
        `this state belongs to Plannr account ${stored.plannrAccount} and ONLYOFFICE portal ${stored.onlyofficePortal}, not to ${p.identity} and ${o.identity}; use another CASE_SYNC_STATE`,
      );
    }
  }

  /**
   * Loads the bases of the links that will be diffed: a side changed since its base, a record
   * missing, or a conflict waiting. Unchanged pairs (the bulk of a sync) never load theirs.
   */
  private async loadBases(index: LinkIndex, pendingPlannrIds: ReadonlySet<string>): Promise<void> {
    const p = this.snapshots.plannr;
    const o = this.snapshots.onlyoffice;
    const wanted: string[] = [];
    for (const l of index) {
      // Held whole already (a targeted run read its links from the store): nothing to load.
      if (l.linkedAt !== NOT_LOADED) continue;
      const pr = p?.records.get(l.plannrId);
      const or = o?.records.get(l.onlyofficeId);
      // (No base hash: first contact, compared field by field.)
      if (l.baseHashPlannr === null || !pr || !or || pr.hash !== l.baseHashPlannr || or.hash !== l.baseHashOnlyoffice || pendingPlannrIds.has(l.plannrId)) wanted.push(l.plannrId);
    }
    for (let i = 0; i < wanted.length; i += 500) {
      for (const link of await this.deps.store.getLinks(wanted.slice(i, i + 500))) index.load(link);
    }
  }

  /** Invariant 7: a linked case missing from a complete scan is read once more before it counts as deleted. */
  private async confirmVanished(links: Iterable<Link>, scope: ViewScope, refine: (r: CaseRecord) => CaseRecord): Promise<void> {
    const checks: { side: Side; id: string }[] = [];
    for (const link of links) {
      const p = this.snapshots.plannr;
      const o = this.snapshots.onlyoffice;
      if (p?.complete && !p.records.has(link.plannrId) && !p.invalid.has(link.plannrId)) checks.push({ side: "plannr", id: link.plannrId });
      if (o?.complete && !o.records.has(link.onlyofficeId) && !o.invalid.has(link.onlyofficeId)) checks.push({ side: "onlyoffice", id: link.onlyofficeId });
    }
    for (const check of checks) {
      const record = await this.deps[check.side].getCase(check.id);
      if (record === null) continue;
      const snapshot = this.snapshots[check.side];
      if (!snapshot) continue;
      const fixed = check.side === "onlyoffice" ? refine(record) : record;
      snapshot.records.set(fixed.id, summarize(fixed, scope, true));
      this.warnings.push({ severity: "warning", side: check.side, record: check.id, field: null, code: "CS_UPSTREAM", message: "missing from the list scan but readable directly; not treated as deleted" });
    }
  }

  /**
   * A linked case deleted on one side is closed on the other under the `close` policy: a write,
   * encoded from the survivor's carry, which a settled survivor is not held with. It is read here.
   */
  private async wholeSurvivors(links: Iterable<Link>, scope: ViewScope, refine: (r: CaseRecord) => CaseRecord): Promise<void> {
    const [p, o] = [this.snapshots.plannr, this.snapshots.onlyoffice];
    if (p === undefined || o === undefined || this.deps.mapping.deletes.policy !== "close") return;
    for (const link of links) {
      const gone = (snap: Snapshot, id: string) => snap.complete && !snap.records.has(id) && !snap.invalid.has(id);
      const survivor = gone(p, link.plannrId) ? o : gone(o, link.onlyofficeId) ? p : null;
      const id = survivor === p ? link.plannrId : link.onlyofficeId;
      if (survivor === null || survivor.records.get(id)?.thin !== true) continue;
      const record = await this.deps[survivor.side].getCase(id).catch(() => null);
      if (record !== null) survivor.records.set(id, summarize(survivor.side === "onlyoffice" ? refine(record) : record, scope, true));
    }
  }

  private async finish(parts: {
    plan?: Plan;
    changes?: ChangeLog;
    conflicts?: ConflictReport[];
    breakers?: BreakerVerdict;
    abort?: CaseSyncError | null;
    items?: RunReport["plan"];
    linksTotal?: number;
    linksAdded?: number;
    linksRemoved?: number;
  }): Promise<RunReport> {
    const abort = parts.abort ?? null;
    const report = buildReport({
      command: this.command(),
      runId: this.runId,
      dryRun: !this.writes,
      startedAt: this.started,
      finishedAt: this.clock.now(),
      snapshots: this.snapshots,
      requests: {
        plannr: this.deps.plannr.requestCount() - this.requestsAtStart.plannr,
        onlyoffice: this.deps.onlyoffice.requestCount() - this.requestsAtStart.onlyoffice,
      },
      changes: parts.changes ?? new ChangeLog(),
      plan: parts.plan ?? null,
      conflicts: parts.conflicts ?? [],
      errors: this.issues.filter((i) => !this.quiet(i)),
      warnings: this.warnings.filter((i) => !this.quiet(i)),
      breakers: parts.breakers ?? null,
      abort: abort === null ? null : { code: abort.code, message: abort.message, ...(abort.side ? { side: abort.side } : {}) },
      linksTotal: parts.linksTotal ?? 0,
      linksAdded: parts.linksAdded ?? 0,
      linksRemoved: parts.linksRemoved ?? 0,
      ...(parts.items ? { items: parts.items } : {}),
    });
    this.logger.info({ runId: this.runId, exitCode: report.exitCode, durationMs: report.durationMs, abort: report.abort?.code }, "run finished");
    if (this.writes && abort?.code !== "CS_LOCKED") {
      const summary = { exitCode: report.exitCode, conflicts: report.conflicts.length, errors: report.errors.length, plannr: report.sides.plannr.operations, onlyoffice: report.sides.onlyoffice.operations, why: reasonsOf(report) };
      await this.deps.store.finishRun(this.runId, report.finishedAt, report.exitCode, summary).catch(() => undefined);
    }
    return report;
  }
}

/** The writes a plan or dry run would make, each with its record's partner, as the report lists them. */
function plannedChanges(plan: Plan, stamps: readonly { op: WriteOp; partner: string }[]): ChangeLog {
  const log = new ChangeLog();
  for (const work of plan.updates) {
    for (const op of work.opsPlannr) log.add(op, work.onlyofficeId);
    for (const op of work.opsOnlyoffice) log.add(op, work.plannrId);
  }
  for (const { op, partner } of stamps) log.add(op, partner);
  for (const work of plan.creates) for (const op of [...work.ops, ...work.sourceOps]) log.add(op, null);
  for (const work of plan.deletes) for (const op of work.ops) log.add(op, op.record === work.plannrId ? work.onlyofficeId : work.plannrId);
  return log;
}

/** Why a run needs a person, in a few lines, for `status` (the report itself has everything). */
function reasonsOf(report: RunReport): string[] {
  const lines: string[] = [];
  if (report.abort !== null) lines.push(`aborted: ${report.abort.code} ${report.abort.message}`);
  const waiting = report.conflicts.filter((c) => c.state !== "settled").length;
  if (waiting > 0) lines.push(`${waiting} conflict(s) waiting for you (case-sync conflicts list)`);
  for (const e of report.errors.slice(0, 5)) lines.push(`${e.side ?? "-"} ${e.record ?? "-"}${e.field === null ? "" : ` ${e.field}`}: ${e.code} ${e.message}`.slice(0, 300));
  if (report.errors.length > 5) lines.push(`and ${report.errors.length - 5} more record error(s): see the run's --json report`);
  return lines;
}

export function runEngine(deps: EngineDeps, mode: RunMode, signal?: AbortSignal): Promise<RunReport> {
  return new EngineRun(deps, mode, signal).execute();
}

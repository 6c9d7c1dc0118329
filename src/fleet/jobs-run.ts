// What a job does (STYLE.md "One engine, many triggers"): a thin call into the library for one
// pair, the same `sync()` a CLI run makes, or the targeted `syncCases()` of the service for the
// deliveries waiting in the pair's inbox. The trigger decides what and when, never how.
//
// Outcomes: a run that ended (whatever its exit code) is recorded with the registry, which backs a
// failing pair off (it shows as failing in `pairs list` and is not scheduled hot); the job is done.
// A run that met the pair's lock (another worker, or another kind of job, is running it) is sent
// again a little later and is not a failure. A job that could not run at all (the database, the
// pair's secrets) fails, and pg-boss retries it with backoff.
import { toCaseSyncError, type CaseSyncError } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
import { leftForFullSync, type RunReport } from "../core/report.js";
import type { InboxEntry, StateStore } from "../core/state.js";
import type { CaseSync } from "../library/create-sync.js";
import type { ServiceMetrics } from "../service/metrics.js";
import type { JobKind } from "./jobs.js";
import type { JobQueue, TakenJob } from "./jobs-queue.js";
import type { JobOutcome } from "./worker-dispatch.js";
import { FAILURE_CODES } from "./pair-schedule.js";
import type { PairSummary } from "./registry-rows.js";
import type { PairPool } from "./worker-pairs.js";

/** What the worker needs of the registry (`PairRegistry` provides it). */
export interface WorkerRegistry {
  /** The pair, or null when it is not registered (removed since the job was queued). */
  get(name: string): Promise<Pick<PairSummary, "name" | "state" | "nextDueAt" | "createdAt" | "consecutiveFailures" | "lastRunAt"> | null>;
  recordOutcome(name: string, outcome: { exitCode: number; finishedAt: string }): Promise<unknown>;
}

/** A full sync asked for by deferred deliveries starts at least this long after the pair's last run. */
export const DEFERRED_RECONCILE_GAP_SECONDS = 60;

/** More waiting cases than this: one full sync reads them page by page, cheaper than one read each. */
export const BURST_CASES = 200;
/** `listInbox`'s "now" that lists every waiting entry, those deferred after a failed attempt included. */
const FOREVER = "9999-12-31T23:59:59.999Z";

export interface JobRunDeps {
  registry: WorkerRegistry;
  pairs: PairPool;
  queue: JobQueue;
  metrics: ServiceMetrics;
  /** `--metrics-pair-label`: name the pair on the per-run series. */
  pairLabel: boolean;
  lockedDelaySeconds: number;
  /** A run stops by itself before its job would expire (and be taken for a dead worker's). */
  maxRunTimeMs: number;
  /** Stops the runs in hand (a forced stop); they record what they wrote and the next run resumes. */
  signal?: AbortSignal;
  /** A full sync's conflicts waiting for a person, for `casesync_conflicts_pending`. */
  conflicts?(pair: string, count: number): void;
  /** Wakes this worker's own slots after it sent a job (a re-queue, a burst's full sync). */
  sent(): void;
  logger: Logger;
  now?: () => Date;
}

export async function runJob(job: TakenJob, deps: JobRunDeps): Promise<JobOutcome> {
  if (job.payload === null) {
    // Not retried: the same payload would fail the same way. Kept in pg-boss's table for a person.
    deps.logger.error({ job: job.id, kind: job.kind, problem: job.problem }, "job payload refused");
    return { status: "done", output: { refused: job.problem } };
  }
  const name = job.payload.pair;
  const log = deps.logger.child({ pair: name, kind: job.kind, job: job.id });
  const pair = await deps.registry.get(name);
  if (pair === null) return { status: "done", output: { skipped: "the pair is no longer registered" } };
  if (pair.state === "paused") {
    log.info("pair paused: job skipped");
    return { status: "done", output: { skipped: "paused" } };
  }
  // A scheduled sync that waited while the pair ran anyway (another job, another worker): that
  // run moved the pair's next due time, so this one has nothing left to do.
  const now = deps.now?.() ?? new Date();
  const notDue = pair.nextDueAt !== null && Date.parse(pair.nextDueAt) > now.getTime();
  if (job.kind === "sync" && "reason" in job.payload && job.payload.reason === "schedule" && notDue) {
    return { status: "done", output: { skipped: "not due" } };
  }
  // A pair whose last runs failed waits out its backoff: deliveries must not retry it hot. They
  // stay in its inbox, and its next full sync (when the backoff ends) takes them.
  if (pair.consecutiveFailures > 0 && notDue && !(job.kind === "sync" && "reason" in job.payload && job.payload.reason === "manual")) {
    log.info({ until: pair.nextDueAt }, "pair backing off after failed runs: job skipped");
    return { status: "done", output: { skipped: "backing off" } };
  }
  try {
    // Re-added under the same name (remove + add) is another pair: its creation time tells them apart.
    return await deps.pairs.use(name, pair.createdAt, (sync) => (job.kind === "event" ? drainInbox(job, sync, deps, log, pair.lastRunAt) : fullSync(job, sync, deps, log)));
  } catch (error) {
    // The run never started (the pair's secrets, its store, the network to Postgres): recorded so
    // a pair that cannot even open backs off too, then failed so pg-boss retries the job.
    const e = toCaseSyncError(error);
    await deps.registry.recordOutcome(name, { exitCode: exitCodeOf(e), finishedAt: new Date().toISOString() }).catch(() => undefined);
    return { status: "failed", reason: `${e.code}: ${e.message}` };
  }
}

async function fullSync(job: TakenJob, sync: CaseSync, deps: JobRunDeps, log: Logger): Promise<JobOutcome> {
  const report = await sync.sync({ maxRunTimeMs: deps.maxRunTimeMs, ...(deps.signal ? { signal: deps.signal } : {}) });
  if (locked(report)) return requeue(job, deps, log, report);
  await finished(job.kind, job.payload?.pair ?? "", report, deps);
  if (report.abort === null) deps.conflicts?.(job.payload?.pair ?? "", report.conflicts.filter((c) => c.state !== "settled").length);
  // Every delivery received before this scan started is covered by it.
  if (report.abort === null) await clearInbox(sync.store, (entry) => entry.lastReceivedAt < report.startedAt, deps, job.payload?.pair);
  return { status: "done", output: { runId: report.runId, exitCode: report.exitCode } };
}

async function drainInbox(job: TakenJob, sync: CaseSync, deps: JobRunDeps, log: Logger, lastRunAt: string | null): Promise<JobOutcome> {
  const pair = job.payload?.pair ?? "";
  const now = (deps.now?.() ?? new Date()).toISOString();
  const entries = await sync.store.listInbox(BURST_CASES + 1, now);
  if (entries.length === 0) return { status: "done", output: { cases: 0 } };
  if (entries.length > BURST_CASES) {
    await deps.queue.enqueue("reconcile", { pair, reason: "burst", queuedAt: now });
    deps.sent();
    log.info({ cases: entries.length }, "many deliveries waiting: a full sync takes them");
    return { status: "done", output: { burst: entries.length } };
  }
  const report = await sync.syncCases({ plannr: entries.map((entry) => entry.caseId) }, { maxRunTimeMs: deps.maxRunTimeMs, ...(deps.signal ? { signal: deps.signal } : {}) });
  if (locked(report)) return requeue(job, deps, log, report);
  deps.metrics.observeRun(report, "event", deps.pairLabel ? pair : undefined);
  // Only a failure is recorded: it backs the pair off. A targeted run that went well says nothing
  // of the full sync the schedule owes (ONLYOFFICE edits and deletes are only seen by a full scan),
  // so it must not push the pair's next due time.
  if (FAILURE_CODES.has(report.exitCode)) await deps.registry.recordOutcome(pair, { exitCode: report.exitCode, finishedAt: report.finishedAt });
  if (report.abort === null) await removeHandled(sync.store, entries, deps, pair);
  const left = leftForFullSync(report);
  if (left.length > 0) {
    // A copy of this pair is in doubt, and only a full scan can settle it (SPEC §4.6): one soon, not
    // at the next schedule. The queue keeps one waiting per pair, so a stream of deliveries asks
    // once; and a doubt the full sync could not settle (a fingerprint for `case-sync link`) costs
    // at most one full sync a minute, never one per delivery.
    const sinceLast = lastRunAt === null ? Infinity : (Date.parse(now) - Date.parse(lastRunAt)) / 1000;
    const startAfterSeconds = Math.max(0, Math.ceil(DEFERRED_RECONCILE_GAP_SECONDS - sinceLast));
    await deps.queue.enqueue("reconcile", { pair, reason: "deferred", queuedAt: now }, startAfterSeconds > 0 ? { startAfterSeconds } : {});
    deps.sent();
    log.info({ cases: left.length, startAfterSeconds }, "a copy is still in doubt: the deliveries wait for a full sync, queued now");
  }
  // An aborted run leaves the deliveries waiting: the registry backs the pair off, and its next
  // full sync (or the next delivery's job) takes them.
  return { status: "done", output: { runId: report.runId, exitCode: report.exitCode, cases: entries.length } };
}

function locked(report: RunReport): boolean {
  return report.abort?.code === "CS_LOCKED";
}

/** The pair is running elsewhere: the same job again, a little later; not a failure. */
async function requeue(job: TakenJob, deps: JobRunDeps, log: Logger, report: RunReport): Promise<JobOutcome> {
  const kind: JobKind = job.kind;
  const payload = job.payload;
  if (payload === null) return { status: "done", output: {} };
  deps.metrics.observeRun(report, kind, deps.pairLabel ? payload.pair : undefined);
  // A scheduled sync's own id stays taken by this job: the copy gets a fresh one.
  const id = await deps.queue.enqueue(kind, payload, { startAfterSeconds: deps.lockedDelaySeconds });
  log.debug({ requeued: id ?? "already waiting" }, "pair busy elsewhere: job sent again later");
  return { status: "done", output: { locked: true, requeued: id } };
}

async function finished(kind: JobKind, pair: string, report: RunReport, deps: JobRunDeps): Promise<void> {
  deps.metrics.observeRun(report, kind, deps.pairLabel ? pair : undefined);
  await deps.registry.recordOutcome(pair, { exitCode: report.exitCode, finishedAt: report.finishedAt });
}

/** Removes the inbox entries `covered` says the run took care of. */
async function clearInbox(store: StateStore, covered: (entry: InboxEntry) => boolean, deps: JobRunDeps, pair: string | undefined): Promise<void> {
  await removeHandled(store, (await store.listInbox(10_000, FOREVER)).filter(covered), deps, pair);
}

/** Each entry goes only if no delivery for its case came in since it was read (its seq moved). */
async function removeHandled(store: StateStore, entries: readonly InboxEntry[], deps: JobRunDeps, pair: string | undefined): Promise<void> {
  const now = (deps.now?.() ?? new Date()).getTime();
  for (const entry of entries) {
    if (await store.removeInbox(entry.caseId, entry.seq)) deps.metrics.observeLag((now - Date.parse(entry.firstReceivedAt)) / 1000, deps.pairLabel ? pair : undefined);
  }
}

/** The exit code a run would have had (SPEC §6): configuration 2, our own state or a bug 1, else aborted 4. */
function exitCodeOf(error: CaseSyncError): number {
  if (error.code === "CS_CONFIG" || error.code === "CS_USAGE") return 2;
  if (error.code === "CS_STATE" || error.code === "CS_INTERNAL") return 1;
  return 4;
}

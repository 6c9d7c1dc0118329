// The inbox drain (SPEC §9 "Targeted sync"): the cases Plannr told us about, oldest first, in one
// targeted sync per batch through the same engine as a full sync. A case leaves the inbox only
// when its pair is in step and no delivery came in for it meanwhile (`removeInbox` checks `seq`).
// A run that could not take the lock (a CLI `sync` beside us) or a case whose sync failed waits
// with a backoff, never in a hot loop; after MAX_ATTEMPTS failures the case is left to the next
// reconcile, which syncs every pair anyway.
//
// Plannr's 500 requests a minute decide how a batch is read. A targeted sync costs one GET per
// case; reading the whole book costs one request per page of the case list plus the reference
// lists. When more cases wait than the whole book costs to read (a burst, a bulk edit in Plannr,
// a backlog after an outage), one full sync serves them all for fewer requests; otherwise, and
// whenever a full sync is refused by a breaker, the targeted sync does. When Plannr's window is
// nearly spent, the drain lets deliveries gather for up to PRESSURE_BATCH_MS first, so that one
// of the two serves many cases for the requests it costs, instead of one read per case as each
// arrives, which the window could no longer pay for.
import type { Logger, StateStore } from "../core/ports.js";
import type { RunReport } from "../core/report.js";
import type { InboxEntry } from "../core/state.js";
import type { ServiceMetrics } from "./metrics.js";
import { askForFullSync } from "./reconcile-soon.js";
import type { AuthReadiness } from "./readiness.js";

/** The slice of the library the drain calls. */
export interface DrainEngine {
  readonly store: Pick<StateStore, "listInbox" | "removeInbox" | "deferInbox" | "getLinkByOnlyoffice" | "countLinks">;
  syncCases(targets: { plannr?: string[]; onlyoffice?: string[] }, options?: { signal?: AbortSignal }): Promise<RunReport>;
  sync(options?: { signal?: AbortSignal }): Promise<RunReport>;
}

export interface DrainOptions {
  engine: DrainEngine;
  metrics: ServiceMetrics;
  readiness: AuthReadiness;
  logger: Logger;
  /** Asks for another drain in `ms` (a deferred case's backoff is over). */
  wakeIn(ms: number): void;
  /** Asks for a full sync soon: the targeted sync left cases to it (a copy in doubt could be one of them). */
  reconcileSoon?: () => void;
  now?: () => Date;
  /** Cases per targeted sync (default 50). */
  batchSize?: number;
  /** Plannr's case list page size (the mapping's `plannr.pageSize`, default 500). */
  plannrPageSize?: number;
  /** Requests Plannr says are left in its window (null: not known). */
  plannrRateRemaining?: () => number | null;
}

/** Failed drains of one case before it is left to the reconcile. */
export const MAX_ATTEMPTS = 10;

/** Plannr reference lists a full sync reads besides the case pages (statuses, fields, accounts, staff). */
export const REFERENCE_READS = 4;

/** Below this many requests left in Plannr's window, the drain saves requests (a fifth of 500). */
export const RATE_RESERVE = 100;

/** How long deliveries may gather while Plannr's window is nearly spent. */
export const PRESSURE_BATCH_MS = 1_000;

/** Cases one full sync may take out of the inbox (a backlog larger than this waits for the next one). */
const FULL_SYNC_TAKES = 10_000;

/**
 * The wait before trying a case again after its `attempts`-th failure: doubling from 1 s, capped
 * at 30 s while another run holds the lock (it will be done soon, and then we should be quick) and
 * at 5 minutes after an error (an outage or a refused record, which the reconcile also retries).
 */
export function backoffMs(attempts: number, reason: "locked" | "failed"): number {
  const cap = reason === "locked" ? 30_000 : 300_000;
  return Math.min(cap, 1_000 * 2 ** Math.max(0, Math.min(attempts, 20)));
}

/** Plannr requests of reading the whole book: its case pages and the reference lists. */
export function wholeBookReads(links: number, pageSize: number): number {
  return Math.max(1, Math.ceil(links / pageSize)) + REFERENCE_READS;
}

export interface DrainResult {
  handled: number;
  deferred: number;
  /** More may be waiting: ask for another drain. */
  more: boolean;
  /** How the batch was read. */
  mode: "targeted" | "full" | "none";
}

/** The Plannr cases whose pair had a record-level error in this run. */
async function failedCases(report: RunReport, engine: DrainEngine): Promise<Set<string>> {
  const failed = new Set<string>();
  for (const issue of report.errors) {
    if (issue.record === null) continue;
    if (issue.side === "onlyoffice") {
      const link = await engine.store.getLinkByOnlyoffice(issue.record);
      if (link) failed.add(link.plannrId);
    } else failed.add(issue.record);
  }
  return failed;
}

export async function drainInbox(options: DrainOptions, signal: AbortSignal): Promise<DrainResult> {
  const { engine, metrics, logger } = options;
  const now = options.now ?? (() => new Date());
  const limit = options.batchSize ?? 50;
  const cheaper = wholeBookReads(await engine.store.countLinks(), options.plannrPageSize ?? 500);
  // One more than the whole book costs to read: enough to know whether reading it all is cheaper.
  const listed = await engine.store.listInbox(Math.max(limit, cheaper + 1), now().toISOString());
  let entries = listed.slice(0, limit);
  if (listed.length === 0 || signal.aborted) return { handled: 0, deferred: 0, more: false, mode: "none" };

  let report: RunReport | null = null;
  let mode: DrainResult["mode"] = "targeted";
  const remaining = options.plannrRateRemaining?.() ?? null;
  if (remaining !== null && remaining < RATE_RESERVE && listed.length <= cheaper) {
    const age = now().getTime() - Math.min(...listed.map((e) => Date.parse(e.firstReceivedAt)));
    if (age < PRESSURE_BATCH_MS) {
      options.wakeIn(PRESSURE_BATCH_MS - age);
      return { handled: 0, deferred: 0, more: false, mode: "none" };
    }
  }
  if (listed.length > cheaper) {
    // Listed before the run starts: a delivery that comes in during it bumps seq and stays.
    const all = await engine.store.listInbox(FULL_SYNC_TAKES, now().toISOString());
    const full = await engine.sync({ signal });
    metrics.observeRun(full, "webhook");
    options.readiness.noteReport(full);
    const code = full.abort?.code;
    // A Plannr list that could not be read to the end may have missed some of the waiting cases.
    const usable = code === undefined ? full.sides.plannr.complete : code === "CS_LOCKED" || code === "CS_INTERRUPTED";
    if (usable) {
      report = full;
      entries = all;
      mode = "full";
      logger.info({ cases: all.length, plannrReads: cheaper, rateRemaining: remaining }, "webhook backlog served by one full sync (fewer Plannr requests than one read per case)");
    } else logger.warn({ code: code ?? "incomplete" }, `a full sync for the webhook backlog did not read every Plannr case (${full.abort?.message ?? "incomplete list"}); reading the waiting ones one by one instead`);
  }
  if (report === null) {
    report = await engine.syncCases({ plannr: entries.map((e) => e.caseId) }, { signal });
    metrics.observeRun(report, "webhook");
    options.readiness.noteReport(report);
    askForFullSync(report, options);
  }

  const defer = async (entry: InboxEntry, reason: "locked" | "failed"): Promise<number> => {
    const wait = backoffMs(entry.attempts, reason);
    await engine.store.deferInbox(entry.caseId, new Date(now().getTime() + wait).toISOString());
    return wait;
  };

  // Shutting down: the batch waits, untouched, for the next start.
  if (report.abort?.code === "CS_INTERRUPTED") return { handled: 0, deferred: 0, more: false, mode };
  if (report.abort !== null) {
    // Nothing (or not everything) was synced: every case of the batch waits and comes back.
    const reason = report.abort.code === "CS_LOCKED" ? "locked" : "failed";
    let soonest = Infinity;
    for (const entry of entries) soonest = Math.min(soonest, await defer(entry, reason));
    if (reason === "failed") logger.warn({ code: report.abort.code, cases: entries.length }, `webhook cases wait for a retry: ${report.abort.message}`);
    else logger.info({ cases: entries.length, retryInMs: soonest }, "another run holds the lock; webhook cases wait for it");
    if (Number.isFinite(soonest) && !signal.aborted) options.wakeIn(soonest);
    return { handled: 0, deferred: entries.length, more: false, mode };
  }

  const failed = await failedCases(report, engine);
  let handled = 0;
  let deferred = 0;
  let soonest = Infinity;
  for (const entry of entries) {
    if (failed.has(entry.caseId) && entry.attempts + 1 < MAX_ATTEMPTS) {
      soonest = Math.min(soonest, await defer(entry, "failed"));
      deferred += 1;
      continue;
    }
    if (failed.has(entry.caseId)) logger.warn({ caseId: entry.caseId, attempts: entry.attempts + 1 }, "a webhook case kept failing; the next reconcile takes it up");
    // False when a delivery for the case came in during the run: it stays for the next drain.
    if (await engine.store.removeInbox(entry.caseId, entry.seq)) {
      handled += 1;
      if (!failed.has(entry.caseId)) metrics.observeLag((now().getTime() - Date.parse(entry.firstReceivedAt)) / 1000);
    }
  }
  if (Number.isFinite(soonest)) options.wakeIn(soonest);
  return { handled, deferred, more: mode === "full" ? entries.length >= FULL_SYNC_TAKES : listed.length > limit, mode };
}

// The reconcile (SPEC §9): a full `sync` at start and every `--reconcile-interval`, the net under
// the cheap paths: lost deliveries, deletes on ONLYOFFICE (a list cannot confirm them), anything
// else they missed. Afterwards the scan starts from a fresh `known` map, so every ONLYOFFICE case
// is compared with the bases the reconcile just wrote. A reconcile that found the lock taken (a
// CLI `sync` beside us does the same work) is tried again shortly, not at the next interval.
import type { Logger } from "../core/ports.js";
import type { RunReport } from "../core/report.js";
import type { ServiceMetrics } from "./metrics.js";
import type { AuthReadiness } from "./readiness.js";

export interface ReconcileEngine {
  sync(options?: { signal?: AbortSignal }): Promise<RunReport>;
}

export interface ReconcileOptions {
  engine: ReconcileEngine;
  metrics: ServiceMetrics;
  readiness: AuthReadiness;
  logger: Logger;
  /** Gives the scan a fresh `known` map. */
  resetKnown(): void;
  /** Asks for another reconcile in `ms` (after CS_LOCKED). */
  retryIn(ms: number): void;
}

/** How soon a reconcile that found the lock taken tries again. */
export const LOCKED_RETRY_MS = 5_000;

export async function reconcileOnce(options: ReconcileOptions, signal: AbortSignal): Promise<RunReport> {
  const report = await options.engine.sync({ signal });
  options.metrics.observeRun(report, "reconcile");
  options.readiness.noteReport(report);
  options.resetKnown();
  const summary = { runId: report.runId, exitCode: report.exitCode, durationMs: report.durationMs, errors: report.errors.length, conflicts: report.conflicts.length };
  if (report.abort?.code === "CS_LOCKED") {
    options.logger.info(summary, "reconcile skipped: another run holds the lock; trying again shortly");
    if (!signal.aborted) options.retryIn(LOCKED_RETRY_MS);
  } else if (report.abort !== null) options.logger.warn({ ...summary, code: report.abort.code }, `reconcile aborted: ${report.abort.message}`);
  else options.logger.info(summary, "reconcile done");
  return report;
}

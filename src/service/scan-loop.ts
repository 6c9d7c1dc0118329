// The ONLYOFFICE side (SPEC §9): ONLYOFFICE sends no webhooks but has no rate limit, so every
// `--scan-interval` its case list is read (records unchanged since the last tick are not even
// decoded), and only the pairs that moved are synced, each costing Plannr one read of the partner
// plus its writes. An idle pair costs Plannr nothing here. A case whose sync did not go through is
// forgotten from `known`, so the next tick offers it again instead of losing the change.
import type { RunReport } from "../core/report.js";
import type { Logger } from "../core/ports.js";
import type { ServiceMetrics } from "./metrics.js";
import { askForFullSync } from "./reconcile-soon.js";
import type { AuthReadiness } from "./readiness.js";

export interface ScanEngine {
  scanOnlyoffice(known: Map<string, string>, options?: { signal?: AbortSignal }): Promise<{ changed: string[]; complete: boolean; listed: number; unchanged: number }>;
  syncCases(targets: { plannr?: string[]; onlyoffice?: string[] }, options?: { signal?: AbortSignal }): Promise<RunReport>;
}

export interface ScanOptions {
  engine: ScanEngine;
  metrics: ServiceMetrics;
  readiness: AuthReadiness;
  logger: Logger;
  /** ONLYOFFICE id → raw hash as of the last tick; the reconcile replaces it. */
  known(): Map<string, string>;
  /** Asks for a full sync soon: the targeted sync left cases to it (a copy in doubt could be one of them). */
  reconcileSoon?: () => void;
}

export interface ScanResult {
  listed: number;
  changed: number;
  synced: boolean;
}

export async function scanOnce(options: ScanOptions, signal: AbortSignal): Promise<ScanResult> {
  const { engine, logger } = options;
  const known = options.known();
  let found: Awaited<ReturnType<ScanEngine["scanOnlyoffice"]>>;
  try {
    found = await engine.scanOnlyoffice(known, { signal });
    options.readiness.noteCall("onlyoffice", null);
  } catch (error) {
    options.readiness.noteCall("onlyoffice", error);
    throw error;
  }
  if (!found.complete && !signal.aborted) logger.warn({ listed: found.listed }, "the ONLYOFFICE scan could not read every page; the next tick looks again");
  if (found.changed.length === 0 || signal.aborted) {
    for (const id of found.changed) known.delete(id);
    return { listed: found.listed, changed: found.changed.length, synced: false };
  }
  const report = await engine.syncCases({ onlyoffice: found.changed }, { signal });
  options.metrics.observeRun(report, "scan");
  options.readiness.noteReport(report);
  askForFullSync(report, options);
  // Not in step: offered again by the next tick (the whole batch after an abort, the failed ones otherwise).
  const retry = report.abort !== null ? found.changed : report.errors.filter((e) => e.side === "onlyoffice" && e.record !== null).map((e) => e.record as string);
  for (const id of retry) known.delete(id);
  if (report.abort !== null && report.abort.code !== "CS_INTERRUPTED") logger.info({ code: report.abort.code, cases: found.changed.length }, `ONLYOFFICE changes wait for the next tick: ${report.abort.message}`);
  return { listed: found.listed, changed: found.changed.length, synced: report.abort === null };
}

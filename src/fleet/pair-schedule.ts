// When a pair runs next, decided from how its last run ended (SPEC §10: "failed jobs back off; a
// pair failing every run is reported, not retried hot"). Pure: the registry stores what this says.
import { CaseSyncError } from "../core/errors.js";

export type PairState = "active" | "paused" | "failing";

/** Failed runs in a row after which a pair is reported as failing. */
export const FAILING_AFTER = 3;
/** The longest a failing pair waits beyond its schedule: a pair that is fixed recovers within it. */
export const MAX_BACKOFF_MS = 60 * 60 * 1000;

/** Exit codes of SPEC §6: 0 and 3 are runs that did their work; 1, 2 and 4 are failures; 5 was skipped. */
export const SUCCESS_CODES: ReadonlySet<number> = new Set([0, 3]);
export const FAILURE_CODES: ReadonlySet<number> = new Set([1, 2, 4]);
const SKIPPED = 5;

export function pairState(paused: boolean, consecutiveFailures: number): PairState {
  if (paused) return "paused";
  return consecutiveFailures >= FAILING_AFTER ? "failing" : "active";
}

/**
 * The wait after `failures` failed runs in a row: the schedule, doubled per failure, capped at an
 * hour (or at the schedule itself when that is longer). Never shorter than the schedule.
 */
export function backoffMs(everyMs: number, failures: number): number {
  if (failures <= 0) return everyMs;
  const cap = Math.max(everyMs, MAX_BACKOFF_MS);
  // 2^failures overflows nothing that matters: the cap is reached long before.
  return Math.min(everyMs * 2 ** Math.min(failures, 30), cap);
}

export interface RunOutcome {
  exitCode: number;
  finishedAt: string;
}

/** The pair's failure count and next due time after a run that ended with `outcome`. */
export function afterRun(schedule: { everyMs: number; consecutiveFailures: number }, outcome: RunOutcome): { consecutiveFailures: number; nextDueAt: string } {
  const { exitCode } = outcome;
  const finished = Date.parse(outcome.finishedAt);
  if (!Number.isInteger(exitCode) || (!SUCCESS_CODES.has(exitCode) && !FAILURE_CODES.has(exitCode) && exitCode !== SKIPPED)) {
    throw new CaseSyncError("CS_USAGE", `outcome.exitCode must be one of case-sync's exit codes 0-5, not ${String(exitCode)}`, { field: "outcome.exitCode" });
  }
  if (typeof outcome.finishedAt !== "string" || Number.isNaN(finished)) {
    throw new CaseSyncError("CS_USAGE", "outcome.finishedAt must be an ISO timestamp", { field: "outcome.finishedAt" });
  }
  // A run skipped because another held the pair's lock says nothing about the pair's health.
  const failures = SUCCESS_CODES.has(exitCode) ? 0 : FAILURE_CODES.has(exitCode) ? schedule.consecutiveFailures + 1 : schedule.consecutiveFailures;
  const wait = exitCode === SKIPPED ? schedule.everyMs : backoffMs(schedule.everyMs, failures);
  return { consecutiveFailures: failures, nextDueAt: new Date(finished + wait).toISOString() };
}

// A circuit breaker per side (SPEC §5, "a flaky upstream is the normal case, not an abort"): one
// failed request concerns one record, so the run goes on after it; a side is given up on only when
// it is really down. The decision is pure (counts in, open or not out); the HTTP client keeps one
// `CircuitBreaker` per side, feeds it the outcome of every request after its retries, and refuses
// further requests of that side with CS_CIRCUIT once it opens. It stays open until the next run
// (`beginRun`): there is no half-open probing within a run, because a run that lost a side has
// already lost the consistent snapshot it needed, and the next run starts from a fresh one.
import { CaseSyncError, type Side } from "../core/errors.js";

export interface CircuitPolicy {
  /** Open after this many consecutive requests failed after their retries (0: never by this rule). */
  consecutiveFailures: number;
  /** Open when more than this share of the run's requests failed after their retries (0..1; 1: never)... */
  failureRatio: number;
  /**
   * ...once at least this many requests have finished in the run. Without a floor one failure
   * among the first three requests would be "33 %" and abort a side that is fine; 20 requests make
   * the ratio rule need at least 5 failures, the same evidence as the consecutive rule.
   */
  minRequests: number;
}

export const DEFAULT_CIRCUIT: CircuitPolicy = { consecutiveFailures: 5, failureRatio: 0.2, minRequests: 20 };

/** What one request (all its retries included) tells the breaker. */
export type Outcome =
  /** Answered, even if with a 404/422/400: the side is up, the record has a problem. */
  | "ok"
  /** Transport trouble that outlived the retries: network, timeout, 408, 429, 500, 502–504. */
  | "failed"
  /** Nothing was learnt: never sent (budget spent, circuit already open) or cancelled by the run's stop. */
  | "none";

/**
 * Sorts a request's final error. `retryable` on a CaseSyncError marks transient transport trouble
 * (errors.ts) after the adapter's classifier has had its say, so ONLYOFFICE's deterministic 500s
 * (bad password, too-long title) are not counted, while a create's 500 or lost answer, which is
 * never resent, is. Anything that is not a CaseSyncError was not built by the transport: "none".
 */
export function outcomeOf(error: unknown): Outcome {
  if (!(error instanceof CaseSyncError)) return "none";
  // A request the run's own stop cancelled says nothing about the side.
  if (error.code === "CS_CIRCUIT" || error.code === "CS_BUDGET" || error.code === "CS_INTERRUPTED") return "none";
  return error.retryable ? "failed" : "ok";
}

export interface CircuitCounts {
  /** Requests of this run that reached an outcome ("ok" or "failed"). */
  requests: number;
  failures: number;
  /** Failures since the last "ok". */
  consecutive: number;
}

export const NO_COUNTS: CircuitCounts = { requests: 0, failures: 0, consecutive: 0 };

export function countOutcome(counts: CircuitCounts, outcome: Outcome): CircuitCounts {
  if (outcome === "none") return counts;
  if (outcome === "ok") return { ...counts, requests: counts.requests + 1, consecutive: 0 };
  return { requests: counts.requests + 1, failures: counts.failures + 1, consecutive: counts.consecutive + 1 };
}

/** Why the circuit should be open now, or null while it may stay closed. */
export function openReason(counts: CircuitCounts, policy: CircuitPolicy): string | null {
  if (policy.consecutiveFailures > 0 && counts.consecutive >= policy.consecutiveFailures) {
    return `${counts.consecutive} consecutive requests failed after their retries`;
  }
  if (counts.requests >= Math.max(policy.minRequests, 1) && counts.failures > policy.failureRatio * counts.requests) {
    const percent = Math.round((100 * counts.failures) / counts.requests);
    return `${counts.failures} of ${counts.requests} requests (${percent} %) failed after their retries this run, more than ${Math.round(policy.failureRatio * 100)} %`;
  }
  return null;
}

/** One side's breaker: the counts of the current run and, once open, why. */
export class CircuitBreaker {
  private counts: CircuitCounts = NO_COUNTS;
  private reason: string | null = null;
  private lastFailure: string | null = null;

  constructor(
    private readonly side: Side,
    private readonly policy: CircuitPolicy = DEFAULT_CIRCUIT,
  ) {}

  /** A new run: counts from zero, circuit closed. */
  reset(): void {
    this.counts = NO_COUNTS;
    this.reason = null;
    this.lastFailure = null;
  }

  isOpen(): boolean {
    return this.reason !== null;
  }

  snapshot(): CircuitCounts {
    return this.counts;
  }

  /** Feeds the outcome of a finished request (its error, or undefined when it succeeded). */
  record(error?: unknown): void {
    const outcome = error === undefined ? "ok" : outcomeOf(error);
    this.counts = countOutcome(this.counts, outcome);
    // The message is already redacted (errors are built redacted); kept as of the opening.
    if (outcome === "failed" && this.reason === null) this.lastFailure = (error as CaseSyncError).message;
    if (this.reason === null) this.reason = openReason(this.counts, this.policy);
  }

  /** Throws CS_CIRCUIT when open, naming the side, why, and the last failure seen. */
  check(context: { endpoint?: string | undefined; record?: string | undefined } = {}): void {
    if (this.reason === null) return;
    const last = this.lastFailure === null ? "" : ` (last: ${this.lastFailure})`;
    throw new CaseSyncError("CS_CIRCUIT", `${this.side} circuit breaker open: ${this.reason}${last}; no more ${this.side} requests this run`, {
      side: this.side,
      endpoint: context.endpoint,
      record: context.record,
    });
  }
}

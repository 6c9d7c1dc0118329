// Retry decisions are pure (after octokit's plugin-retry): whether a failed call is tried again
// depends only on the error and on whether the adapter's profile marks the endpoint idempotent.
// Retryable errors (errors.ts): network errors (reset, hang-up, refused, DNS), timeouts, 408, 429,
// 500 and 502–504 (SPEC §5). Creates are never idempotent here: a lost create answer is settled by
// the journal (invariant 6).
import pRetry from "p-retry";
import { CaseSyncError } from "../core/errors.js";

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, minDelayMs: 250, maxDelayMs: 8_000 };

/**
 * True when the same request may be sent again. An idempotent call: on any retryable failure. A
 * create: only on a 429, which the server sends before it does anything (Laravel's throttle runs
 * before the controller), so retrying cannot make a second case; a timeout, a reset or a 5xx
 * (500 included) after a create may have committed it, and the journal settles those instead
 * (invariant 6).
 */
export function shouldRetry(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof CaseSyncError) || !error.retryable) return false;
  return idempotent || error.status === 429;
}

/**
 * Runs `call` with backoff and jitter. `onRetry` sees each retried error first (the rate limiter
 * uses it to honour `Retry-After` for every caller, not just this one). Once `signal` aborts no
 * further attempt starts; when `interruptible`, a backoff sleep also ends at once and a result
 * that arrives after the abort is dropped (p-retry throws the signal's reason): right for a read,
 * wrong for a write whose answer must be recorded.
 */
export async function withRetry<T>(
  call: (attemptNumber: number) => Promise<T>,
  options: {
    idempotent: boolean;
    policy: RetryPolicy;
    signal?: AbortSignal | undefined;
    interruptible?: boolean | undefined;
    onRetry?: (error: unknown, attempt: number) => Promise<void> | void;
  },
): Promise<T> {
  if (options.policy.retries === 0) return call(1);
  const { signal } = options;
  const retryable = (error: unknown) => shouldRetry(error, options.idempotent) && signal?.aborted !== true;
  return pRetry(call, {
    ...(signal !== undefined && options.interruptible === true ? { signal } : {}),
    retries: options.policy.retries,
    minTimeout: options.policy.minDelayMs,
    maxTimeout: options.policy.maxDelayMs,
    randomize: true,
    shouldRetry: ({ error }) => retryable(error),
    onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && retryable(error)) await options.onRetry?.(error, attemptNumber);
    },
  });
}

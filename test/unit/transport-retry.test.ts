// Retry decisions (SPEC §5): idempotent calls are retried on network errors, 408, 429, 500 and 502–504;
// a create (not idempotent) only on a 429, which the server sends before doing anything; any
// other failure of a create is settled by the journal (invariant 6).
import { describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { errorFromNetwork, errorFromResponse, type CallContext } from "../../src/transport/errors.js";
import { DEFAULT_RETRY, shouldRetry, withRetry, type RetryPolicy } from "../../src/transport/retry.js";

const context: CallContext = { side: "plannr", endpoint: "GET /api/v1/cases/{uuid}", secrets: [] };
const fast: RetryPolicy = { retries: 3, minDelayMs: 1, maxDelayMs: 2 };

function networkError(code: string): CaseSyncError {
  return errorFromNetwork(Object.assign(new Error(`connect ${code}`), { code }), context);
}

describe("shouldRetry truth table", () => {
  const rows: { name: string; error: unknown; retryable: boolean; create?: boolean }[] = [
    ...[400, 401, 402, 403, 404, 409, 422, 501].map((status) => ({ name: `HTTP ${status}`, error: errorFromResponse(status, null, context), retryable: false })),
    { name: "HTTP 429", error: errorFromResponse(429, null, context), retryable: true, create: true },
    ...[408, 500, 502, 503, 504].map((status) => ({ name: `HTTP ${status}`, error: errorFromResponse(status, null, context), retryable: true })),
    ...["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ECONNABORTED", "ENOTFOUND", "EPIPE"].map((code) => ({ name: code, error: networkError(code), retryable: true })),
    { name: "a schema error", error: new CaseSyncError("CS_SCHEMA", "bad shape"), retryable: false },
    { name: "a plain Error", error: new Error("boom"), retryable: false },
    { name: "a thrown string", error: "boom", retryable: false },
  ];
  for (const row of rows) {
    it(`${row.name}: idempotent → ${row.retryable}, a create → ${row.create ?? false}`, () => {
      expect(shouldRetry(row.error, true)).toBe(row.retryable);
      expect(shouldRetry(row.error, false)).toBe(row.create ?? false);
    });
  }
});

describe("withRetry", () => {
  function failingThen<T>(failures: Error[], result: T): { call: () => Promise<T>; attempts: () => number } {
    let attempts = 0;
    return {
      call: async () => {
        const failure = failures[attempts];
        attempts += 1;
        if (failure !== undefined) throw failure;
        return result;
      },
      attempts: () => attempts,
    };
  }

  it("retries a retryable error on an idempotent call until it succeeds", async () => {
    const run = failingThen([errorFromResponse(503, null, context), networkError("ECONNRESET")], "ok");
    const seen: number[] = [];
    const result = await withRetry(run.call, { idempotent: true, policy: fast, onRetry: (_error, attempt) => void seen.push(attempt) });
    expect(result).toBe("ok");
    expect(run.attempts()).toBe(3);
    expect(seen).toEqual([1, 2]);
  });

  it("retries a 500 and a 408 on an idempotent call (a flaky upstream is normal)", async () => {
    const run = failingThen([errorFromResponse(500, { message: "Server Error" }, context), errorFromResponse(408, null, context)], "ok");
    expect(await withRetry(run.call, { idempotent: true, policy: fast })).toBe("ok");
    expect(run.attempts()).toBe(3);
  });

  it("never resends a create that answered 500: it may have made the case", async () => {
    const error = errorFromResponse(500, { message: "Server Error" }, context);
    const run = failingThen([error], "ok");
    await expect(withRetry(run.call, { idempotent: false, policy: fast })).rejects.toBe(error);
    expect(run.attempts()).toBe(1);
  });

  it("never retries a non-idempotent call, even on a retryable error", async () => {
    const error = networkError("ECONNRESET");
    const run = failingThen([error], "ok");
    let retried = 0;
    await expect(withRetry(run.call, { idempotent: false, policy: fast, onRetry: () => void (retried += 1) })).rejects.toBe(error);
    expect(run.attempts()).toBe(1);
    expect(retried).toBe(0);
  });

  it("does not retry a non-retryable error on an idempotent call", async () => {
    const error = errorFromResponse(422, { message: "invalid" }, context);
    const run = failingThen([error], "ok");
    await expect(withRetry(run.call, { idempotent: true, policy: fast })).rejects.toBe(error);
    expect(run.attempts()).toBe(1);
  });

  it("gives up after the policy's retries and throws the last error as it is", async () => {
    const errors = [1, 2, 3, 4, 5].map(() => errorFromResponse(502, null, context));
    const run = failingThen(errors, "never");
    const seen: number[] = [];
    await expect(withRetry(run.call, { idempotent: true, policy: fast, onRetry: (_e, attempt) => void seen.push(attempt) })).rejects.toBe(errors[3]);
    expect(run.attempts()).toBe(fast.retries + 1);
    // onRetry is told only about attempts that are followed by another one.
    expect(seen).toEqual([1, 2, 3]);
  });

  it("makes one attempt when the policy allows no retries", async () => {
    const error = errorFromResponse(503, null, context);
    const run = failingThen([error], "ok");
    await expect(withRetry(run.call, { idempotent: true, policy: { ...fast, retries: 0 } })).rejects.toBe(error);
    expect(run.attempts()).toBe(1);
  });

  it("waits for onRetry before the next attempt (the limiter honours Retry-After there)", async () => {
    const order: string[] = [];
    let attempts = 0;
    const call = async () => {
      attempts += 1;
      order.push(`attempt ${attempts}`);
      if (attempts === 1) throw errorFromResponse(429, null, context);
      return "ok";
    };
    await withRetry(call, {
      idempotent: true,
      policy: fast,
      onRetry: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push("onRetry done");
      },
    });
    expect(order).toEqual(["attempt 1", "onRetry done", "attempt 2"]);
  });

  it("once the signal aborts, no further attempt starts (a write: the sleep is served, the result kept)", async () => {
    const stop = new AbortController();
    let attempts = 0;
    const call = async () => {
      attempts += 1;
      stop.abort();
      throw errorFromResponse(503, null, context);
    };
    await expect(withRetry(call, { idempotent: true, policy: fast, signal: stop.signal })).rejects.toMatchObject({ status: 503 });
    expect(attempts).toBe(1);
    // Not interruptible: a success that lands after the abort is still a success.
    const late = new AbortController();
    const result = await withRetry(
      async () => {
        late.abort();
        return "written";
      },
      { idempotent: true, policy: fast, signal: late.signal },
    );
    expect(result).toBe("written");
  });

  it("interruptible (a read): an abort ends the backoff sleep at once", async () => {
    const stop = new AbortController();
    const slow: RetryPolicy = { retries: 3, minDelayMs: 10_000, maxDelayMs: 10_000 };
    setTimeout(() => stop.abort(new Error("stopped")), 50);
    const started = Date.now();
    await expect(withRetry(async () => Promise.reject(errorFromResponse(503, null, context)), { idempotent: true, policy: slow, signal: stop.signal, interruptible: true })).rejects.toThrow("stopped");
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("has a sane default policy", () => {
    expect(DEFAULT_RETRY.retries).toBeGreaterThan(0);
    expect(DEFAULT_RETRY.minDelayMs).toBeLessThan(DEFAULT_RETRY.maxDelayMs);
  });
});

// Plannr's 500 requests a minute (reference "Transport"): a sliding window of our own sends that
// also believes `X-Ratelimit-Remaining` and `Retry-After`, so a steady-state run never earns a 429.
import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/ports.js";
import { delayBeforeNext, initialLimiterState, parseRetryAfter, RateLimiter, type LimiterState, type RateLimitPolicy } from "../../src/transport/rate-limiter.js";

const policy: RateLimitPolicy = { limit: 500, windowMs: 60_000, remainingHeader: "X-Ratelimit-Remaining", retryAfterHeader: "Retry-After" };
const small: RateLimitPolicy = { ...policy, limit: 3, windowMs: 1_000 };

function state(partial: Partial<LimiterState>): LimiterState {
  return { ...initialLimiterState(), ...partial };
}

/** A clock whose sleep moves time forward at once (and records every sleep). */
function fakeClock(start = 1_700_000_000_000): Clock & { t: number; sleeps: number[] } {
  const clock = {
    t: start,
    sleeps: [] as number[],
    now: () => new Date(clock.t),
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

describe("delayBeforeNext", () => {
  it("lets the first request go at once", () => {
    expect(delayBeforeNext(initialLimiterState(), 0, policy)).toBe(0);
  });

  it("lets requests go while under the limit", () => {
    const sent = Array.from({ length: 499 }, (_, i) => i);
    expect(delayBeforeNext(state({ sent }), 1_000, policy)).toBe(0);
  });

  it("at the limit, waits until the oldest send leaves the window", () => {
    const sent = Array.from({ length: 500 }, (_, i) => i * 100); // 0 … 49 900
    expect(delayBeforeNext(state({ sent }), 50_000, policy)).toBe(10_000);
    expect(delayBeforeNext(state({ sent }), 59_999, policy)).toBe(1);
  });

  it("slides: once the oldest send is a window old, the next may go", () => {
    const sent = Array.from({ length: 500 }, (_, i) => i * 100);
    expect(delayBeforeNext(state({ sent }), 60_000, policy)).toBe(0);
    expect(delayBeforeNext(state({ sent }), 60_050, policy)).toBe(0);
  });

  it("ignores sends older than the window", () => {
    const sent = [...Array.from({ length: 400 }, (_, i) => i), ...Array.from({ length: 400 }, (_, i) => 70_000 + i)];
    expect(delayBeforeNext(state({ sent }), 71_000, policy)).toBe(0);
  });

  it("waits for the send that makes room when more than the limit are recorded", () => {
    const sent = [0, 100, 200, 300, 400];
    // limit 3: the third newest (200) must leave the window before a fourth goes.
    expect(delayBeforeNext(state({ sent }), 500, small)).toBe(700);
  });

  it("believes a server reporting fewer remaining than we think (another client on the token)", () => {
    const sent = [10_000, 20_000];
    expect(delayBeforeNext(state({ sent, serverRemaining: 2, sentSinceObservation: 2 }), 30_000, policy)).toBe(40_000);
    expect(delayBeforeNext(state({ sent, serverRemaining: 0, sentSinceObservation: 0 }), 30_000, policy)).toBe(40_000);
    // With nothing of ours in the window, a whole window.
    expect(delayBeforeNext(state({ serverRemaining: 0 }), 30_000, policy)).toBe(60_000);
  });

  it("goes on while the server still reports room", () => {
    expect(delayBeforeNext(state({ sent: [1], serverRemaining: 5, sentSinceObservation: 4 }), 2, policy)).toBe(0);
  });

  it("honours blockedUntil, and the longest of several waits", () => {
    expect(delayBeforeNext(state({ blockedUntil: 11_500 }), 10_000, policy)).toBe(1_500);
    expect(delayBeforeNext(state({ blockedUntil: 9_000 }), 10_000, policy)).toBe(0);
    const sent = Array.from({ length: 500 }, () => 0);
    expect(delayBeforeNext(state({ sent, blockedUntil: 90_000 }), 10_000, policy)).toBe(80_000);
    expect(delayBeforeNext(state({ sent, blockedUntil: 20_000 }), 10_000, policy)).toBe(50_000);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T12:00:00Z");

  it("reads seconds", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 7 ", now)).toBe(7_000);
  });

  it("reads an HTTP date as the time left until it (never negative)", () => {
    expect(parseRetryAfter("Wed, 01 Jan 2025 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 01 Jan 2025 11:59:00 GMT", now)).toBe(0);
  });

  it("is null when absent, blank or unreadable", () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter("", now)).toBeNull();
    expect(parseRetryAfter("   ", now)).toBeNull();
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
    expect(parseRetryAfter("0x10", now)).toBeNull();
  });
});

describe("RateLimiter", () => {
  // Issue 12 item 5: ONLYOFFICE's limiter (no limit, a 1 s window) holds every request of the last
  // second; filtering and sorting that window per request made ~20 KB of garbage a request, which
  // a migration's old generation filled with. Now a send costs no copy of the window.
  it("takes and completes a slot without copying or re-sorting its window, and keeps it in order", async () => {
    const clock = fakeClock();
    const unlimited: RateLimitPolicy = { ...policy, limit: Number.MAX_SAFE_INTEGER, windowMs: 1_000 };
    const limiter = new RateLimiter(unlimited, clock);
    const sorts = { count: 0 };
    const filters = { count: 0 };
    const { sort, filter } = Array.prototype;
    Array.prototype.sort = function counted(this: unknown[], ...args: Parameters<typeof sort>) {
      sorts.count += 1;
      return sort.apply(this, args);
    } as typeof sort;
    Array.prototype.filter = function counted(this: unknown[], ...args: Parameters<typeof filter>) {
      filters.count += 1;
      return filter.apply(this, args as never) as unknown[];
    } as typeof filter;
    const slots: number[] = [];
    try {
      for (let i = 0; i < 2_000; i += 1) {
        slots.push(await limiter.acquire());
        clock.t += i % 3;
        // Answers come back out of order.
        if (i % 4 === 3) for (const slot of slots.splice(0).reverse()) limiter.complete(slot);
      }
    } finally {
      Array.prototype.sort = sort;
      Array.prototype.filter = filter;
    }
    expect(sorts.count).toBe(0);
    expect(filters.count).toBe(0);
    // What the window holds is still right: 2,000 sends over ~2 s, only the last second's kept.
    expect(delayBeforeNext((limiter as unknown as { state: LimiterState }).state, clock.t, unlimited)).toBe(0);
    const sent = (limiter as unknown as { state: LimiterState }).state.sent;
    expect(sent.length).toBeGreaterThan(0);
    expect([...sent].sort((a, b) => a - b)).toStrictEqual(sent);
    expect(sent.every((t) => t > clock.t - 1_000 - 2)).toBe(true);
  });

  it("spreads 1,000 acquires at 500/60 s over at least one window, never more than 500 in any 60 s", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(policy, clock);
    const times: number[] = [];
    for (let i = 0; i < 1_000; i += 1) {
      await limiter.acquire();
      times.push(clock.t);
    }
    const first = times[0]!;
    expect(times[999]! - first).toBeGreaterThanOrEqual(60_000);
    // No 60 s span holds more than 500: the 501st after any send is at least a window later.
    for (let i = 0; i + 500 < times.length; i += 1) expect(times[i + 500]! - times[i]!).toBeGreaterThanOrEqual(60_000);
    // And the limiter does not dawdle: two windows are plenty for 1,000 at 500 a window.
    expect(times[999]! - first).toBeLessThan(120_000);
    expect(limiter.waitedMs()).toBe(times[999]! - first);
  });

  it("keeps the bound while time passes between bursts", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(small, clock);
    const times: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      await limiter.acquire();
      times.push(clock.t);
      clock.t += i % 4 === 0 ? 150 : 10;
    }
    for (let i = 0; i + 3 < times.length; i += 1) expect(times[i + 3]! - times[i]!).toBeGreaterThanOrEqual(1_000);
  });

  it("after a 429 with Retry-After, the next acquire waits that long", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(policy, clock);
    await limiter.acquire();
    limiter.observe({ "retry-after": "2", "x-ratelimit-remaining": "10" }, 429);
    const before = clock.t;
    await limiter.acquire();
    expect(clock.t - before).toBe(2_000);
  });

  it("a 503 that says when to come back pauses too; one that does not, does not", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(policy, clock);
    limiter.observe({}, 503);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
    limiter.observe({ "Retry-After": "3" }, 503);
    const before = clock.t;
    await limiter.acquire();
    expect(clock.t - before).toBe(3_000);
  });

  it("after a 429 without Retry-After, waits a tenth of the window", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(policy, clock);
    limiter.observe({}, 429);
    const before = clock.t;
    await limiter.acquire();
    expect(clock.t - before).toBe(6_000);
  });

  it("reads X-Ratelimit-Remaining in any letter case (and as an array): 0 left means wait", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(policy, clock);
    await limiter.acquire();
    limiter.observe({ "X-RATELIMIT-REMAINING": ["0"] }, 200);
    const before = clock.t;
    await limiter.acquire();
    expect(clock.t - before).toBe(60_000);
  });

  it("counts its own sends against the server's last figure", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(policy, clock);
    await limiter.acquire();
    limiter.observe({ "x-ratelimit-remaining": 2 }, 200);
    await limiter.acquire();
    await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
    const before = clock.t;
    await limiter.acquire();
    expect(clock.t - before).toBe(60_000);
  });

  it("ignores a blank or unreadable remaining header rather than reading it as 0", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(policy, clock);
    await limiter.acquire();
    limiter.observe({ "x-ratelimit-remaining": "" }, 200);
    limiter.observe({ "x-ratelimit-remaining": "lots" }, 200);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
  });

  it("dates a slot from when its answer came back, so a slow request never lets us outrun the server", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ ...policy, limit: 2, windowMs: 1_000 }, clock);
    const start = clock.t;
    const slow = await limiter.acquire();
    clock.t += 400; // the server counted it somewhere in here; its answer arrives now
    limiter.complete(slow);
    await limiter.acquire();
    await limiter.acquire();
    // Counting from the send, the third slot would free at start + 1000; counting from the answer, at start + 1400.
    expect(clock.t - start).toBe(1_400);
  });
});

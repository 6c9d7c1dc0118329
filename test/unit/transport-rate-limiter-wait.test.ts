// What Plannr's limit cost a run (SPEC §8: the bench shows where a sync waits on it): the wall
// time during which some request was held for a slot, with concurrent waits counted once.
import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/ports.js";
import { RateLimiter, type RateLimitPolicy } from "../../src/transport/rate-limiter.js";

const policy: RateLimitPolicy = { limit: 1, windowMs: 1_000, remainingHeader: "X-Ratelimit-Remaining", retryAfterHeader: "Retry-After" };

/** A clock whose sleeps end only when the test moves time past them. */
function manualClock(): Clock & { advance(ms: number): Promise<void>; sleeping(): number } {
  let t = 0;
  let sleepers: { until: number; wake: () => void }[] = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => new Date(t),
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ until: t + ms, wake })),
    sleeping: () => sleepers.length,
    async advance(ms) {
      t += ms;
      const due = sleepers.filter((s) => s.until <= t);
      sleepers = sleepers.filter((s) => s.until > t);
      for (const s of due) s.wake();
      await settle();
    },
  };
}

describe("RateLimiter.waitedMs", () => {
  it("is zero while requests go at once", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ ...policy, limit: 5 }, clock);
    for (let i = 0; i < 5; i += 1) await limiter.acquire();
    expect(limiter.waitedMs()).toBe(0);
  });

  it("counts the wall time some request waited, concurrent waits once", async () => {
    const clock = manualClock();
    const limiter = new RateLimiter(policy, clock);
    await limiter.acquire(); // t = 0, the window's one slot
    const second = limiter.acquire();
    const third = limiter.acquire();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(clock.sleeping()).toBe(2); // both wait for the same second
    await clock.advance(400);
    expect(limiter.waitedMs()).toBe(400); // a wait in progress counts up to now
    await clock.advance(600); // t = 1000: the second goes, the third waits another window
    expect(await second).toBe(1_000);
    await clock.advance(1_000);
    expect(await third).toBe(2_000);
    // Held from 0 to 2000: two requests waited 1000 ms each at first, yet the run lost 2000 ms, not 3000.
    expect(limiter.waitedMs()).toBe(2_000);
    await clock.advance(5_000);
    await limiter.acquire();
    expect(limiter.waitedMs()).toBe(2_000);
  });
});

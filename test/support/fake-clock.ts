// Virtual time for transport tests: every sleep is recorded and passes at once, moving `now`.
import type { Clock } from "../../src/core/ports.js";

export function fakeClock(start = "2025-01-01T00:00:00Z"): Clock & { sleeps: number[] } {
  let now = Date.parse(start);
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(now),
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

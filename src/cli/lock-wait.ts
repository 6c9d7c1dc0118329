// `case-sync sync --wait`: when another run holds the lock (most often `case-sync serve` applying a
// change), wait for it instead of exiting 5. The run is simply tried again, backing off from 1 s to
// 15 s; the lock itself says when it is free, so nothing here guesses. A stuck holder is not
// waited for: the engine reports it as CS_STUCK (exit 4), not CS_LOCKED.
import type { RunReport } from "../core/report.js";

const FIRST_WAIT_MS = 1_000;
const LONGEST_WAIT_MS = 15_000;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Runs `run` until it is not refused for the lock (or once, without `wait`); Ctrl-C ends the wait with the last report. */
export async function untilUnlocked(run: () => Promise<RunReport>, wait: boolean, signal: AbortSignal, onWait: (ms: number) => void = () => undefined): Promise<RunReport> {
  let delay = FIRST_WAIT_MS;
  for (;;) {
    const report = await run();
    if (!wait || report.abort?.code !== "CS_LOCKED" || signal.aborted) return report;
    onWait(delay);
    await pause(delay, signal);
    if (signal.aborted) return report;
    delay = Math.min(delay * 2, LONGEST_WAIT_MS);
  }
}

// `case-sync sync --wait`: a run refused for the lock is tried again, with a growing pause, until
// it is not; without --wait, or after Ctrl-C, the refusal is the answer (exit 5).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunReport } from "../../src/core/report.js";
import { untilUnlocked } from "../../src/cli/lock-wait.js";
import { runReport } from "../support/run-report.js";

const locked = (): RunReport => runReport({ exitCode: 5, abort: { code: "CS_LOCKED", message: "another run holds the lock" } });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("untilUnlocked", () => {
  it("with --wait, runs again after 1 s, 2 s, 4 s ... until the lock is free", async () => {
    const answers = [locked(), locked(), locked(), runReport()];
    const waits: number[] = [];
    const done = untilUnlocked(async () => answers.shift()!, true, new AbortController().signal, (ms) => waits.push(ms));
    await vi.runAllTimersAsync();
    expect((await done).exitCode).toBe(0);
    expect(waits).toEqual([1_000, 2_000, 4_000]);
  });

  it("without --wait, a locked run is the answer at once", async () => {
    let runs = 0;
    const report = await untilUnlocked(async () => {
      runs += 1;
      return locked();
    }, false, new AbortController().signal);
    expect(report.exitCode).toBe(5);
    expect(runs).toBe(1);
  });

  it("Ctrl-C while waiting ends the wait with the locked report", async () => {
    const controller = new AbortController();
    let runs = 0;
    const done = untilUnlocked(async () => {
      runs += 1;
      return locked();
    }, true, controller.signal);
    await vi.advanceTimersByTimeAsync(500);
    controller.abort();
    await vi.runAllTimersAsync();
    expect((await done).exitCode).toBe(5);
    expect(runs).toBe(1);
  });

  it("does not wait out other refusals (a stuck holder is exit 4, not 5)", async () => {
    let runs = 0;
    const report = await untilUnlocked(async () => {
      runs += 1;
      return runReport({ exitCode: 4, abort: { code: "CS_STUCK", message: "stuck" } });
    }, true, new AbortController().signal);
    expect(report.exitCode).toBe(4);
    expect(runs).toBe(1);
  });
});

// Issue 9 item 2, the run's half: a run never outlives its maximum duration, and a lock held by a
// live run older than that is reported as stuck (exit 4), not as "another run, nothing to do".
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { runEngine } from "../../src/engine/run.js";
import { aCase, engineWorld, SYNC, testMapping } from "../support/engine-world.js";
import { MemoryStateStore } from "../support/memory-store.js";

describe("the run's deadline", () => {
  it("a run whose upstream hangs stops at its maximum run time with exit 4, and releases the lock", async () => {
    const store = new MemoryStateStore();
    const w = engineWorld({ store });
    w.plannr.seed(aCase({ title: "One" }));
    // The create never answers and ignores every cancel (the worst an upstream can do).
    w.onlyoffice.faults.push({ kind: "hang", op: "case.create" });
    const started = Date.now();
    const report = await runEngine({ plannr: w.plannr, onlyoffice: w.onlyoffice, store, mapping: testMapping(), maxRunTimeMs: 300, stopGraceMs: 100 }, { ...SYNC, kind: "sync", allowMassCreate: true } as typeof SYNC);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(report.exitCode).toBe(4);
    expect(report.abort).toMatchObject({ code: "CS_TIMEOUT", message: expect.stringContaining("maximum duration") });
    // The lock is free for the next run.
    const lock = await store.acquireLock({ owner: "next", host: hostname(), pid: process.pid, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect(lock.acquired).toBe(true);
  });

  it("a lock held by a live run younger than the maximum is 'another run' (exit 5); older, it is stuck (exit 4, host, pid and age)", async () => {
    for (const [ageMs, code, exit] of [
      [60_000, "CS_LOCKED", 5],
      [3 * 3_600_000, "CS_STUCK", 4],
    ] as const) {
      const store = new MemoryStateStore();
      const startedAt = new Date(Date.now() - ageMs).toISOString();
      await store.startRun({ id: "old-run", command: "sync", startedAt, finishedAt: null, exitCode: null, summary: null });
      // The holder is this very process, so it is alive; its heartbeat keeps the lock from expiring.
      await store.acquireLock({ owner: "old-run", host: hostname(), pid: process.pid, expiresAt: new Date(Date.now() + 60_000).toISOString() });
      const w = engineWorld({ store });
      const report = await w.sync();
      expect(report.exitCode).toBe(exit);
      expect(report.abort?.code).toBe(code);
      if (code === "CS_STUCK") expect(report.abort?.message).toMatch(new RegExp(`${hostname()} pid ${process.pid}.*started ${startedAt}`));
    }
  });
});

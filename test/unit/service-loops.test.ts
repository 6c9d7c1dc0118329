// The service's triggers with small fakes of the library and the store (SPEC §9): the inbox drain
// (remove only what is in step, back off on the lock and on errors), the scan tick (a failed sync
// is offered again), the reconcile (fresh scan state), the one-at-a-time engine queue, and what
// /readyz learns from runs.
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/ports.js";
import type { RunReport } from "../../src/core/report.js";
import type { InboxEntry, Link } from "../../src/core/state.js";
import { EngineQueue } from "../../src/service/engine-queue.js";
import { backoffMs, drainInbox, MAX_ATTEMPTS, wholeBookReads, type DrainEngine } from "../../src/service/inbox-drain.js";
import { createMetrics } from "../../src/service/metrics.js";
import { AuthReadiness } from "../../src/service/readiness.js";
import { reconcileOnce } from "../../src/service/reconcile.js";
import { scanOnce } from "../../src/service/scan-loop.js";
import { runReport } from "../support/run-report.js";

const NOW = new Date("2025-03-01T12:00:00.000Z");
const locked = (): RunReport => runReport({ exitCode: 5, abort: { code: "CS_LOCKED", message: "another run holds the lock" } });

class FakeInbox {
  entries = new Map<string, InboxEntry>();
  links = 1_000;
  deferred: { caseId: string; notBefore: string }[] = [];
  put(caseId: string, receivedAt = "2025-03-01T11:59:59.000Z"): void {
    const old = this.entries.get(caseId);
    this.entries.set(caseId, {
      caseId,
      event: "case.updated",
      firstReceivedAt: old?.firstReceivedAt ?? receivedAt,
      lastReceivedAt: receivedAt,
      deliveries: (old?.deliveries ?? 0) + 1,
      seq: (old?.seq ?? 0) + 1,
      attempts: old?.attempts ?? 0,
      notBefore: old?.notBefore ?? null,
    });
  }
  async listInbox(limit: number, now: string) {
    return [...this.entries.values()].filter((e) => e.notBefore === null || e.notBefore <= now).slice(0, limit);
  }
  async removeInbox(caseId: string, seq: number) {
    if (this.entries.get(caseId)?.seq !== seq) return false;
    this.entries.delete(caseId);
    return true;
  }
  async deferInbox(caseId: string, notBefore: string) {
    const e = this.entries.get(caseId);
    if (e) this.entries.set(caseId, { ...e, attempts: e.attempts + 1, notBefore });
    this.deferred.push({ caseId, notBefore });
  }
  async countLinks() {
    return this.links;
  }
  async getLinkByOnlyoffice(id: string) {
    return id === "77" ? ({ plannrId: "p-2", onlyofficeId: "77" } as Link) : null;
  }
}

function drainWorld(answer: (targets: string[]) => RunReport | Promise<RunReport>, full: () => RunReport | Promise<RunReport> = () => runReport()) {
  const inbox = new FakeInbox();
  const synced: string[][] = [];
  let fullSyncs = 0;
  const engine: DrainEngine = {
    store: inbox,
    syncCases: async (targets) => {
      synced.push(targets.plannr ?? []);
      return answer(targets.plannr ?? []);
    },
    sync: async () => {
      fullSyncs += 1;
      return full();
    },
  };
  const metrics = createMetrics();
  const wakes: number[] = [];
  const readiness = new AuthReadiness();
  const drain = (batchSize = 50) => drainInbox({ engine, metrics, readiness, logger: silentLogger, wakeIn: (ms) => wakes.push(ms), now: () => NOW, batchSize }, new AbortController().signal);
  return { inbox, synced, metrics, wakes, readiness, drain, fullSyncs: () => fullSyncs };
}

const lagCount = async (metrics: ReturnType<typeof createMetrics>) => (await metrics.webhookLag.get()).values.find((v) => v.metricName === "casesync_webhook_lag_seconds_count")?.value ?? 0;

describe("inbox drain", () => {
  it("syncs the waiting cases in one targeted sync, removes them and observes their lag", async () => {
    const w = drainWorld(() => runReport());
    w.inbox.put("p-1");
    w.inbox.put("p-2");
    const result = await w.drain();
    expect(w.synced).toEqual([["p-1", "p-2"]]);
    expect(result).toEqual({ handled: 2, deferred: 0, more: false, mode: "targeted" });
    expect(w.inbox.entries.size).toBe(0);
    expect(await lagCount(w.metrics)).toBe(2);
  });

  it("keeps a case a delivery arrived for during the sync (its seq moved), for the next drain", async () => {
    const w = drainWorld(() => {
      w.inbox.put("p-1", "2025-03-01T12:00:00.000Z");
      return runReport();
    });
    w.inbox.put("p-1");
    await w.drain();
    expect(w.inbox.entries.get("p-1")?.seq).toBe(2);
    expect(await lagCount(w.metrics)).toBe(0);
  });

  it("leaves every case waiting with a backoff when another run holds the lock, and wakes itself up", async () => {
    const w = drainWorld(locked);
    w.inbox.put("p-1");
    w.inbox.put("p-2");
    const result = await w.drain();
    expect(result.handled).toBe(0);
    expect(w.inbox.entries.size).toBe(2);
    expect(w.inbox.deferred.map((d) => d.notBefore)).toEqual([new Date(NOW.getTime() + 1_000).toISOString(), new Date(NOW.getTime() + 1_000).toISOString()]);
    expect(w.wakes).toEqual([1_000]);
    // Not hot: nothing is listed again before the backoff is over.
    expect(await w.inbox.listInbox(50, NOW.toISOString())).toEqual([]);
  });

  it("backs off only the case whose pair failed (named on either side), and removes the rest", async () => {
    const w = drainWorld(() =>
      runReport({
        exitCode: 3,
        errors: [
          { side: "plannr", record: "p-1", field: "title", code: "CS_VALIDATION", message: "too long" },
          { side: "onlyoffice", record: "77", field: null, code: "CS_UPSTREAM", message: "500" },
        ],
      }),
    );
    for (const id of ["p-1", "p-2", "p-3"]) w.inbox.put(id);
    const result = await w.drain();
    expect(result).toEqual({ handled: 1, deferred: 2, more: false, mode: "targeted" });
    expect([...w.inbox.entries.keys()].sort()).toEqual(["p-1", "p-2"]);
  });

  it("gives a case up to the reconcile after MAX_ATTEMPTS failures", async () => {
    const w = drainWorld(() => runReport({ exitCode: 3, errors: [{ side: "plannr", record: "p-1", field: null, code: "CS_VALIDATION", message: "no" }] }));
    w.inbox.put("p-1");
    w.inbox.entries.set("p-1", { ...w.inbox.entries.get("p-1")!, attempts: MAX_ATTEMPTS - 1 });
    await w.drain();
    expect(w.inbox.entries.size).toBe(0);
  });

  it("leaves the batch untouched when the service is stopping (the next start drains it)", async () => {
    const w = drainWorld(() => runReport({ exitCode: 4, abort: { code: "CS_INTERRUPTED", message: "interrupted" } }));
    w.inbox.put("p-1");
    await w.drain();
    expect(w.inbox.entries.get("p-1")?.attempts).toBe(0);
    expect(w.inbox.deferred).toEqual([]);
  });

  it("says when a whole batch was taken, so the queue asks for another drain", async () => {
    const w = drainWorld(() => runReport());
    for (const id of ["p-1", "p-2", "p-3"]) w.inbox.put(id);
    expect((await w.drain(2)).more).toBe(true);
    expect((await w.drain(2)).more).toBe(false);
  });

  it("serves a backlog larger than reading the whole book costs with one full sync, taking every waiting case", async () => {
    const w = drainWorld(() => runReport());
    w.inbox.links = 400; // one page of 500 + 4 reference lists = 5 Plannr reads
    for (let i = 0; i < 12; i += 1) w.inbox.put(`p-${i}`);
    const result = await w.drain(8);
    expect(result).toMatchObject({ handled: 12, mode: "full" });
    expect(w.fullSyncs()).toBe(1);
    expect(w.synced).toEqual([]);
    expect(w.inbox.entries.size).toBe(0);
    // A small batch, or a big book, stays targeted.
    w.inbox.put("p-x");
    expect((await w.drain(8)).mode).toBe("targeted");
    w.inbox.links = 100_000;
    for (let i = 0; i < 12; i += 1) w.inbox.put(`q-${i}`);
    expect((await w.drain(50)).mode).toBe("targeted");
    expect(w.fullSyncs()).toBe(1);
    expect(wholeBookReads(400, 500)).toBe(5);
  });

  it("lets deliveries gather for a second when Plannr's window is nearly spent, then serves them together", async () => {
    let remaining: number | null = 400;
    const w = drainWorld(() => runReport());
    const wakes: number[] = [];
    const drain = () => drainInbox({ engine: { store: w.inbox, syncCases: async () => runReport(), sync: async () => runReport() }, metrics: w.metrics, readiness: w.readiness, logger: silentLogger, wakeIn: (ms) => wakes.push(ms), now: () => NOW, plannrRateRemaining: () => remaining }, new AbortController().signal);
    const fresh = new Date(NOW.getTime() - 300).toISOString();
    w.inbox.put("p-1", fresh);
    expect((await drain()).mode).toBe("targeted");
    remaining = 20;
    w.inbox.put("p-1", fresh);
    w.inbox.put("p-2", fresh);
    expect(await drain()).toEqual({ handled: 0, deferred: 0, more: false, mode: "none" });
    expect(wakes).toEqual([700]);
    expect(w.inbox.entries.size).toBe(2);
    // Once the oldest has waited its second, the cheaper read serves them all.
    w.inbox.put("p-3", new Date(NOW.getTime() - 1_000).toISOString());
    expect(await drain()).toMatchObject({ handled: 3, mode: "targeted" });
  });

  it("falls back to reading the cases one by one when the full sync stops at a breaker or reads an incomplete list", async () => {
    for (const full of [runReport({ exitCode: 4, abort: { code: "CS_BREAKER", message: "would delete 12 cases" } }), runReport({ exitCode: 3, sides: { ...runReport().sides, plannr: { ...runReport().sides.plannr, complete: false } } })]) {
      const w = drainWorld(() => runReport(), () => full);
      w.inbox.links = 10;
      for (let i = 0; i < 8; i += 1) w.inbox.put(`p-${i}`);
      const result = await w.drain();
      expect(result).toMatchObject({ handled: 8, mode: "targeted" });
      expect(w.synced).toHaveLength(1);
    }
  });

  it("backs off by doubling, capped lower for the lock than for failures", () => {
    expect([0, 1, 2, 3].map((a) => backoffMs(a, "failed"))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(backoffMs(10, "locked")).toBe(30_000);
    expect(backoffMs(10, "failed")).toBe(300_000);
  });
});

describe("scan tick", () => {
  it("syncs only the changed ONLYOFFICE cases and offers the failed ones again at the next tick", async () => {
    const known = new Map<string, string>([["10", "h10"], ["11", "h11"], ["12", "h12"]]);
    const synced: string[][] = [];
    const engine = {
      scanOnlyoffice: async () => ({ changed: ["11", "12"], complete: true, listed: 3, unchanged: 1 }),
      syncCases: async (targets: { onlyoffice?: string[] }) => {
        synced.push(targets.onlyoffice ?? []);
        return runReport({ exitCode: 3, errors: [{ side: "onlyoffice", record: "12", field: null, code: "CS_UPSTREAM", message: "502" }] });
      },
    };
    await scanOnce({ engine, metrics: createMetrics(), readiness: new AuthReadiness(), logger: silentLogger, known: () => known }, new AbortController().signal);
    expect(synced).toEqual([["11", "12"]]);
    expect([...known.keys()].sort()).toEqual(["10", "11"]);
  });

  it("offers the whole batch again when the sync could not run (lock), and syncs nothing when nothing changed", async () => {
    const known = new Map<string, string>([["11", "h11"]]);
    let calls = 0;
    let changed = ["11"];
    const engine = {
      scanOnlyoffice: async () => ({ changed, complete: true, listed: 1, unchanged: 0 }),
      syncCases: async () => {
        calls += 1;
        return locked();
      },
    };
    const options = { engine, metrics: createMetrics(), readiness: new AuthReadiness(), logger: silentLogger, known: () => known };
    await scanOnce(options, new AbortController().signal);
    expect(known.has("11")).toBe(false);
    changed = [];
    await scanOnce(options, new AbortController().signal);
    expect(calls).toBe(1);
  });
});

describe("reconcile", () => {
  it("runs a full sync, starts the scan afresh, and retries soon when the lock was taken", async () => {
    let resets = 0;
    const retries: number[] = [];
    let report = runReport();
    const options = { engine: { sync: async () => report }, metrics: createMetrics(), readiness: new AuthReadiness(), logger: silentLogger, resetKnown: () => (resets += 1), retryIn: (ms: number) => retries.push(ms) };
    await reconcileOnce(options, new AbortController().signal);
    expect(resets).toBe(1);
    expect(retries).toEqual([]);
    report = locked();
    await reconcileOnce(options, new AbortController().signal);
    expect(retries).toHaveLength(1);
  });
});

describe("engine queue", () => {
  it("runs one task at a time, coalesces repeated requests, and serves the longest-waiting first", async () => {
    const order: string[] = [];
    let running = 0;
    let most = 0;
    let release: (() => void) | null = null;
    const task = (name: string) => async () => {
      running += 1;
      most = Math.max(most, running);
      order.push(name);
      if (name === "reconcile" && release === null) await new Promise<void>((r) => (release = r));
      running -= 1;
    };
    const queue = new EngineQueue({ reconcile: task("reconcile"), drain: task("drain"), scan: task("scan") }, silentLogger);
    queue.request("reconcile");
    await Promise.resolve();
    expect(queue.active()).toBe("reconcile");
    queue.request("scan");
    queue.request("drain");
    queue.request("drain");
    queue.request("scan");
    queue.request("reconcile");
    release!();
    await queue.idle();
    expect(order).toEqual(["reconcile", "scan", "drain", "reconcile"]);
    expect(most).toBe(1);
  });

  it("stops the task in hand through its signal and takes no more requests", async () => {
    let seen: AbortSignal | null = null;
    const queue = new EngineQueue(
      {
        reconcile: (signal) => {
          seen = signal;
          return new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
        },
        drain: async () => undefined,
        scan: async () => undefined,
      },
      silentLogger,
    );
    queue.request("reconcile");
    await Promise.resolve();
    await queue.stop();
    expect(seen!.aborted).toBe(true);
    queue.request("drain");
    expect(queue.active()).toBeNull();
  });

  it("keeps serving after a task throws", async () => {
    const ran: string[] = [];
    const queue = new EngineQueue(
      {
        reconcile: async () => {
          throw new Error("boom");
        },
        drain: async () => void ran.push("drain"),
        scan: async () => undefined,
      },
      silentLogger,
    );
    queue.request("reconcile");
    queue.request("drain");
    await queue.idle();
    expect(ran).toEqual(["drain"]);
  });
});

describe("readiness", () => {
  it("is not ready before both sides answered, ready after a clean run, and names the side that refused", () => {
    const r = new AuthReadiness();
    expect(r.answer()).toMatchObject({ ok: false, reason: expect.stringContaining("not reached yet") });
    r.noteReport(runReport());
    expect(r.answer()).toEqual({ ok: true });
    r.noteReport(locked());
    expect(r.answer()).toEqual({ ok: true });
    r.noteReport(runReport({ exitCode: 4, abort: { code: "CS_AUTH", message: "401 from ONLYOFFICE", side: "onlyoffice" } }));
    expect(r.answer()).toMatchObject({ ok: false, reason: expect.stringContaining("ONLYOFFICE refused") });
    r.noteCall("onlyoffice", null);
    expect(r.answer()).toEqual({ ok: true });
  });
});

describe("readiness after a run that stopped for another reason", () => {
  it("says why instead of claiming the first reconcile still runs", () => {
    const r = new AuthReadiness();
    r.noteReport(runReport({ exitCode: 2, abort: { code: "CS_CONFIG", message: "the mapping does not fit" } }));
    expect(r.answer()).toMatchObject({ ok: false, reason: expect.stringContaining("CS_CONFIG: the mapping does not fit") });
  });
});

// A targeted sync that left cases to a full sync (CS_DEFERRED: a copy in doubt could be one of
// them) makes the service ask for a reconcile now, not at the next interval, and never more than
// once a minute however many deliveries or scan ticks meet the same doubt.
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/ports.js";
import type { IssueReport } from "../../src/core/report.js";
import { drainInbox, type DrainEngine } from "../../src/service/inbox-drain.js";
import { createMetrics } from "../../src/service/metrics.js";
import { AuthReadiness } from "../../src/service/readiness.js";
import { EARLY_RECONCILE_GAP_MS, EarlyReconcile } from "../../src/service/reconcile-soon.js";
import { scanOnce } from "../../src/service/scan-loop.js";
import { runReport } from "../support/run-report.js";

const deferred = (side: "plannr" | "onlyoffice", record: string): IssueReport => ({ side, record, field: null, code: "CS_DEFERRED", message: "left for the next full sync: 1 copy(ies) are not confirmed yet" });
const otherWarning: IssueReport = { side: "plannr", record: "p-9", field: null, code: "CS_INCOMPLETE", message: "no participants include" };

function drainOf(warnings: IssueReport[]) {
  const asked: number[] = [];
  const engine: DrainEngine = {
    store: {
      listInbox: async () => [{ caseId: "p-1", event: "case.updated", firstReceivedAt: "2025-03-01T11:59:59.000Z", lastReceivedAt: "2025-03-01T11:59:59.000Z", deliveries: 1, seq: 1, attempts: 0, notBefore: null }],
      removeInbox: async () => true,
      deferInbox: async () => undefined,
      getLinkByOnlyoffice: async () => null,
      countLinks: async () => 1_000,
    },
    syncCases: async () => runReport({ command: "sync (targeted)", warnings }),
    sync: async () => runReport(),
  };
  const run = () => drainInbox({ engine, metrics: createMetrics(), readiness: new AuthReadiness(), logger: silentLogger, wakeIn: () => undefined, reconcileSoon: () => asked.push(1) }, new AbortController().signal);
  return { run, asked };
}

describe("a targeted sync that left cases to a full sync", () => {
  it("makes the inbox drain ask for a reconcile, and only then", async () => {
    const left = drainOf([otherWarning, deferred("plannr", "p-1")]);
    await left.run();
    expect(left.asked).toHaveLength(1);
    const inStep = drainOf([otherWarning]);
    await inStep.run();
    expect(inStep.asked).toHaveLength(0);
  });

  it("makes the ONLYOFFICE scan tick ask for a reconcile", async () => {
    const asked: number[] = [];
    const engine = {
      scanOnlyoffice: async () => ({ changed: ["11"], complete: true, listed: 1, unchanged: 0 }),
      syncCases: async () => runReport({ command: "sync (targeted)", warnings: [deferred("onlyoffice", "11")] }),
    };
    await scanOnce({ engine, metrics: createMetrics(), readiness: new AuthReadiness(), logger: silentLogger, known: () => new Map(), reconcileSoon: () => asked.push(1) }, new AbortController().signal);
    expect(asked).toHaveLength(1);
  });
});

describe("EarlyReconcile", () => {
  function gate() {
    let now = 1_000_000;
    const scheduled: number[] = [];
    const early = new EarlyReconcile((ms) => scheduled.push(ms), () => now);
    return { early, scheduled, advance: (ms: number) => (now += ms) };
  }

  it("asks at once when no reconcile ran for a minute", () => {
    const g = gate();
    g.early.ask();
    expect(g.scheduled).toEqual([0]);
  });

  it("waits out the minute after the last reconcile, and asks once however often it is asked", () => {
    const g = gate();
    g.early.started();
    g.advance(20_000);
    g.early.ask();
    g.early.ask();
    g.early.ask();
    expect(g.scheduled).toEqual([EARLY_RECONCILE_GAP_MS - 20_000]);
  });

  it("asks again once the asked-for reconcile has started", () => {
    const g = gate();
    g.early.ask();
    g.early.started();
    g.early.ask();
    expect(g.scheduled).toEqual([0, EARLY_RECONCILE_GAP_MS]);
  });
});

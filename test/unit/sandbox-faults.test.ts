// FaultPlan: the one-off rules the e2e suites arm, and the rates (`every`, `probability`) that
// model a flaky upstream (issue 8 item 12), deterministic for a seed.
import { describe, expect, it } from "vitest";
import { FaultPlan, type FaultRule } from "../../src/sandbox/faults.js";

/** Which of `count` GET /x requests the plan acts on (1-based). */
function hits(plan: FaultPlan, count: number, path = "/x"): number[] {
  const out: number[] = [];
  for (let i = 1; i <= count; i++) if (plan.take("GET", path).length > 0) out.push(i);
  return out;
}

function planWith(rules: FaultRule[], seed?: number): FaultPlan {
  const plan = new FaultPlan(seed);
  for (const rule of rules) plan.add(rule);
  return plan;
}

describe("FaultPlan one-off rules (unchanged)", () => {
  it("acts once by default, after skipping `after`, up to `times`", () => {
    expect(hits(planWith([{ kind: "status", status: 503 }]), 5)).toEqual([1]);
    expect(hits(planWith([{ kind: "status", after: 2, times: 2 }]), 6)).toEqual([3, 4]);
    expect(hits(planWith([{ kind: "status", times: Infinity }]), 3)).toEqual([1, 2, 3]);
  });

  it("matches method and path (substring or regex)", () => {
    const plan = planWith([{ kind: "status", method: "put", path: "/close", times: Infinity }]);
    expect(plan.take("GET", "/crm/case/1/close")).toHaveLength(0);
    expect(plan.take("PUT", "/crm/case/1/close")).toHaveLength(1);
    const regex = planWith([{ kind: "drop-response", path: /\/crm\/case$/ }]);
    expect(regex.take("POST", "/crm/case/1")).toHaveLength(0);
    expect(regex.take("POST", "/crm/case")).toHaveLength(1);
  });
});

describe("FaultPlan every", () => {
  it("acts on every Nth matching request, unbounded by default", () => {
    expect(hits(planWith([{ kind: "status", status: 429, every: 25 }]), 100)).toEqual([25, 50, 75, 100]);
  });

  it("counts after `after` and stops at `times`", () => {
    expect(hits(planWith([{ kind: "status", every: 3, after: 2, times: 2 }]), 20)).toEqual([5, 8]);
  });

  it("counts only the requests the rule matches", () => {
    const plan = planWith([{ kind: "status", every: 2, path: "/cases" }]);
    const acted: number[] = [];
    for (let i = 1; i <= 8; i++) if (plan.take("GET", i % 2 === 0 ? "/cases" : "/users").length > 0) acted.push(i);
    expect(acted).toEqual([4, 8]);
  });
});

describe("FaultPlan probability", () => {
  it("acts on about that share of matching requests", () => {
    const acted = hits(planWith([{ kind: "status", status: 500, probability: 0.05 }]), 4000).length;
    expect(acted).toBeGreaterThan(120);
    expect(acted).toBeLessThan(280);
  });

  it("0 never acts and 1 always does", () => {
    expect(hits(planWith([{ kind: "status", probability: 0 }]), 50)).toEqual([]);
    expect(hits(planWith([{ kind: "status", probability: 1 }]), 5)).toEqual([1, 2, 3, 4, 5]);
  });

  it("draws the same faults for the same seed, and other faults for another", () => {
    const rule: FaultRule = { kind: "status", status: 500, probability: 0.2 };
    const a = hits(planWith([rule], 7), 300);
    expect(hits(planWith([rule], 7), 300)).toEqual(a);
    expect(hits(planWith([rule], 8), 300)).not.toEqual(a);
    expect(hits(planWith([rule]), 300)).toEqual(hits(planWith([rule], 1), 300));
  });

  it("a rule's own seed wins over the plan's", () => {
    const rule: FaultRule = { kind: "status", probability: 0.3, seed: 42 };
    expect(hits(planWith([rule], 1), 200)).toEqual(hits(planWith([rule], 99), 200));
  });

  it("gives the same faults again after clear() and the same rules", () => {
    const plan = planWith([{ kind: "status", probability: 0.3 }], 5);
    const first = hits(plan, 200);
    plan.clear();
    plan.add({ kind: "status", probability: 0.3 });
    expect(hits(plan, 200)).toEqual(first);
  });

  it("a rule's draws do not shift when other paths are requested in between", () => {
    const alone = hits(planWith([{ kind: "status", probability: 0.3, path: "/cases" }], 3), 100, "/cases");
    const plan = planWith([{ kind: "status", probability: 0.3, path: "/cases" }], 3);
    const mixed: number[] = [];
    let n = 0;
    for (let i = 0; i < 200; i++) {
      if (i % 2 === 1) {
        plan.take("GET", "/users");
        continue;
      }
      n += 1;
      if (plan.take("GET", "/cases").length > 0) mixed.push(n);
    }
    expect(mixed).toEqual(alone);
  });

  it("two rules of one plan draw independently (not the same requests every time)", () => {
    const plan = planWith([
      { kind: "status", status: 500, probability: 0.5, path: "/x" },
      { kind: "latency", latencyMs: 1, probability: 0.5, path: "/x" },
    ]);
    const kinds = Array.from({ length: 200 }, () => plan.take("GET", "/x").map((r) => r.kind).join("+"));
    expect(new Set(kinds)).toEqual(new Set(["", "status", "latency", "status+latency"]));
  });

  it("combines with every, after and times", () => {
    const acted = hits(planWith([{ kind: "status", every: 2, probability: 1, after: 1, times: 3 }]), 20);
    expect(acted).toEqual([3, 5, 7]);
  });
});

describe("FaultPlan.parse (control endpoint)", () => {
  it("accepts every, probability and seed, a /regex/ path, and times 'all'", () => {
    const [rule] = FaultPlan.parse({ kind: "status", status: 500, path: "/^\\/cases$/", every: 25, probability: 0.05, seed: 9, times: "all" });
    expect(rule).toEqual({ kind: "status", status: 500, path: /^\/cases$/, every: 25, probability: 0.05, seed: 9, times: Infinity });
  });

  it("keeps the old fields and list form", () => {
    expect(FaultPlan.parse([{ kind: "latency", latencyMs: 30, after: 1, times: 2, method: "GET", path: "/x" }])).toEqual([
      { kind: "latency", latencyMs: 30, after: 1, times: 2, method: "GET", path: "/x" },
    ]);
  });

  it("refuses rules that could never act as meant", () => {
    expect(() => FaultPlan.parse({ kind: "boom" })).toThrow(/unknown fault kind/);
    expect(() => FaultPlan.parse({ kind: "status", every: 0 })).toThrow(/every/);
    expect(() => FaultPlan.parse({ kind: "status", every: 2.5 })).toThrow(/every/);
    expect(() => FaultPlan.parse({ kind: "status", probability: 1.5 })).toThrow(/probability/);
    expect(() => new FaultPlan().add({ kind: "status", probability: -0.1 })).toThrow(/probability/);
  });

  it("parsed rules act like programmatic ones", () => {
    const plan = new FaultPlan(4);
    for (const rule of FaultPlan.parse({ kind: "status", probability: 0.25 })) plan.add(rule);
    expect(hits(plan, 100)).toEqual(hits(planWith([{ kind: "status", probability: 0.25 }], 4), 100));
  });
});

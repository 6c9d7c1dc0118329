// Table-driven tests of the three-way diff (invariants 4 and 5) and the status truth table (SPEC §2).
import { describe, expect, it } from "vitest";
import type { Case } from "../../src/core/case.js";
import { decidePair, nextBase, settleByPolicy, type PairInput } from "../../src/engine/diff.js";
import { aCase, CLIENTS, STAFF } from "../support/engine-world.js";
import { testScope } from "../support/scope.js";

const [A, B, C, D] = CLIENTS as [string, string, string, string];

function input(base: Case | null, plannr: Case, onlyoffice: Case, extra: Partial<PairInput> = {}): PairInput {
  return {
    base,
    plannr,
    onlyoffice,
    frozenPlannr: new Set(),
    frozenOnlyoffice: new Set(),
    fresh: base === null ? new Set(["title", "status", "participants", "assignees", "value", "reviewAt", "custom:drink"]) : new Set(),
    pending: new Set(),
    neutral: new Map(),
    plannrUpdatedAt: null,
    previousScanAt: null,
    decisions: new Map(),
    ...extra,
  };
}

function group(decision: ReturnType<typeof decidePair>, name: string) {
  const found = decision.groups.find((g) => g.group === name);
  if (!found) throw new Error(`no group ${name}`);
  return found;
}

describe("scalar groups (invariant 4)", () => {
  const scope = testScope();
  const base = aCase({ title: "base" });
  const rows: { name: string; p: string; o: string; outcome: string; target?: string; writeP: boolean; writeO: boolean }[] = [
    { name: "unchanged", p: "base", o: "base", outcome: "equal", target: "base", writeP: false, writeO: false },
    { name: "changed in Plannr only", p: "new", o: "base", outcome: "take-plannr", target: "new", writeP: false, writeO: true },
    { name: "changed in ONLYOFFICE only", p: "base", o: "new", outcome: "take-onlyoffice", target: "new", writeP: true, writeO: false },
    { name: "changed on both to the same value", p: "same", o: "same", outcome: "equal", target: "same", writeP: false, writeO: false },
    { name: "changed on both to different values (manual)", p: "x", o: "y", outcome: "conflict", writeP: false, writeO: false },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const d = decidePair(scope, input(base, aCase({ title: row.p }), aCase({ title: row.o })));
      const g = group(d, "title");
      expect(g.outcome).toBe(row.outcome);
      expect(g.target).toBe(row.target);
      expect([g.writePlannr, g.writeOnlyoffice]).toEqual([row.writeP, row.writeO]);
    });
  }

  it("a manual conflict carries base, Plannr and ONLYOFFICE values and writes nothing", () => {
    const d = decidePair(scope, input(base, aCase({ title: "x" }), aCase({ title: "y" })));
    expect(group(d, "title").conflict).toMatchObject({ policy: "manual", settled: null });
    expect(d.changesPlannr.set).toEqual([]);
    expect(d.changesOnlyoffice.set).toEqual([]);
  });

  it.each([
    ["plannr-wins", "x", false, true],
    ["onlyoffice-wins", "y", true, false],
  ] as const)("policy %s settles a conflict", (policy, target, writeP, writeO) => {
    const d = decidePair(testScope({ conflicts: { default: policy } }), input(base, aCase({ title: "x" }), aCase({ title: "y" })));
    const g = group(d, "title");
    expect(g.conflict?.settled).not.toBeNull();
    expect(g.target).toBe(target);
    expect([g.writePlannr, g.writeOnlyoffice]).toEqual([writeP, writeO]);
  });

  it("newest-wins lets ONLYOFFICE win only when Plannr's change predates the previous scan", () => {
    expect(settleByPolicy("newest-wins", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")).toBe("onlyoffice");
    expect(settleByPolicy("newest-wins", "2026-01-03T00:00:00Z", "2026-01-02T00:00:00Z")).toBeNull();
    expect(settleByPolicy("newest-wins", null, "2026-01-02T00:00:00Z")).toBeNull();
    expect(settleByPolicy("newest-wins", "2026-01-01T00:00:00Z", null)).toBeNull();
  });

  it("a per-group policy overrides the default", () => {
    const d = decidePair(testScope({ conflicts: { default: "manual", groups: { title: "plannr-wins" } } }), input(base, aCase({ title: "x", value: 1 }), aCase({ title: "y", value: 2 })));
    expect(group(d, "title").target).toBe("x");
    expect(group(d, "value").conflict?.settled).toBeNull();
  });

  it("first contact: equal fields agree, differing fields are conflicts", () => {
    const d = decidePair(scope, input(null, aCase({ title: "same", value: 5 }), aCase({ title: "same", value: 6 })));
    expect(group(d, "title").outcome).toBe("equal");
    expect(group(d, "value").outcome).toBe("conflict");
  });

  it("a newly mapped group is first contact even with a base", () => {
    const b = aCase({ title: "t" });
    const d = decidePair(scope, input(b, aCase({ title: "t", customFields: { drink: "Tea" } }), aCase({ title: "t" }), { fresh: new Set(["custom:drink"]) }));
    expect(group(d, "custom:drink").outcome).toBe("conflict");
  });

  it("one-way groups force the target side", () => {
    const s = testScope({ customFields: [{ key: "drink", plannr: "drink", onlyoffice: 60, type: "select", direction: "plannr-to-onlyoffice" }] });
    const d = decidePair(s, input(aCase(), aCase({ customFields: { drink: "Tea" } }), aCase({ customFields: { drink: "Water" } })));
    const g = group(d, "custom:drink");
    expect(g.outcome).toBe("forced");
    expect([g.writePlannr, g.writeOnlyoffice, g.target]).toEqual([false, true, "Tea"]);
  });

  it("a frozen group (undecodable on one side) is left alone", () => {
    const d = decidePair(scope, input(base, aCase({ title: "x" }), aCase({ title: "base" }), { frozenOnlyoffice: new Set(["title"]) }));
    expect(group(d, "title")).toMatchObject({ outcome: "frozen", writePlannr: false, writeOnlyoffice: false });
  });

  it("a user's decision is carried out: take base writes the base value to both sides", () => {
    const d = decidePair(scope, input(base, aCase({ title: "x" }), aCase({ title: "y" }), { decisions: new Map([["title", "base"]]) }));
    expect(group(d, "title")).toMatchObject({ outcome: "decided", target: "base", writePlannr: true, writeOnlyoffice: true });
  });
});

describe("set groups merge element-wise (invariant 5)", () => {
  const scope = testScope();
  it("an add on one side and a remove on the other both apply", () => {
    const d = decidePair(scope, input(aCase({ participants: [A, B] }), aCase({ participants: [A, B, C] }), aCase({ participants: [A] })));
    const g = group(d, "participants");
    expect(g.target).toEqual([A, C]);
    expect(g.deltaPlannr).toEqual({ add: [], remove: [B] });
    expect(g.deltaOnlyoffice).toEqual({ add: [C], remove: [] });
    expect(g.conflict).toBeUndefined();
  });

  it("adds on both sides union; removes on both sides both apply", () => {
    const d = decidePair(scope, input(aCase({ participants: [A, B] }), aCase({ participants: [A, C] }), aCase({ participants: [B, D] })));
    expect(group(d, "participants").target).toEqual([C, D]);
  });

  it("people the directory cannot carry are never touched", () => {
    const stranger = "stranger@nowhere.test";
    const d = decidePair(scope, input(aCase({ participants: [A] }), aCase({ participants: [A, stranger] }), aCase({ participants: [A, B] })));
    const g = group(d, "participants");
    expect(g.deltaPlannr).toEqual({ add: [B], remove: [] });
    expect(d.targetPlannr.participants).toEqual([A, B, stranger].sort());
  });

  it("assignees merge the same way, ignoring the integration user", () => {
    const [S1, S2] = STAFF as [string, string];
    const d = decidePair(scope, input(aCase({ assignees: [S1] }), aCase({ assignees: [S1, S2] }), aCase({ assignees: [S1, "integration@firm.test"] })));
    expect(group(d, "assignees").deltaOnlyoffice).toEqual({ add: [S2], remove: [] });
  });
});

describe("status truth table (SPEC §2)", () => {
  const scope = testScope();
  const st = (closed: boolean, statusName: string | null) => ({ closed, statusName });
  const rows: { name: string; base: ReturnType<typeof st>; p: ReturnType<typeof st>; o: ReturnType<typeof st>; target?: ReturnType<typeof st>; writeP: boolean; writeO: boolean; conflict?: boolean }[] = [
    { name: "Plannr moves between open statuses: ONLYOFFICE gets the name", base: st(false, "New"), p: st(false, "In Progress"), o: st(false, "New"), target: st(false, "In Progress"), writeP: false, writeO: true },
    { name: "Plannr completes: ONLYOFFICE closes and gets the name", base: st(false, "New"), p: st(true, "Completed"), o: st(false, "New"), target: st(true, "Completed"), writeP: false, writeO: true },
    { name: "ONLYOFFICE closes only: Plannr gets the first completed status", base: st(false, "New"), p: st(false, "New"), o: st(true, "New"), target: st(true, "Completed"), writeP: true, writeO: true },
    { name: "ONLYOFFICE reopens only: Plannr gets the first open status", base: st(true, "Cancelled"), p: st(true, "Cancelled"), o: st(false, "Cancelled"), target: st(false, "New"), writeP: true, writeO: true },
    { name: "ONLYOFFICE sets a known status name: Plannr follows and isClosed follows the name", base: st(false, "New"), p: st(false, "New"), o: st(false, "Completed"), target: st(true, "Completed"), writeP: true, writeO: true },
    { name: "both sides moved to agreeing statuses", base: st(false, "New"), p: st(true, "Completed"), o: st(true, "Completed"), target: st(true, "Completed"), writeP: false, writeO: false },
    { name: "both sides moved differently: one conflict on the whole group", base: st(false, "New"), p: st(false, "In Progress"), o: st(true, "Cancelled"), writeP: false, writeO: false, conflict: true },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const d = decidePair(scope, input(aCase({ status: row.base }), aCase({ status: row.p }), aCase({ status: row.o })));
      const g = group(d, "status");
      if (row.conflict) expect(g.conflict).toBeDefined();
      else expect(g.target).toEqual(row.target);
      expect([g.writePlannr, g.writeOnlyoffice]).toEqual([row.writeP, row.writeO]);
    });
  }

  it("ONLYOFFICE closing a case whose Plannr status already agrees changes nothing in Plannr", () => {
    const d = decidePair(scope, input(aCase({ status: st(false, "New") }), aCase({ status: st(true, "Completed") }), aCase({ status: st(true, "New") })));
    // Both changed, and ONLYOFFICE's flag agrees with Plannr's completed status: no conflict.
    expect(group(d, "status")).toMatchObject({ target: st(true, "Completed"), writePlannr: false });
  });

  it("uses the mapping's closedStatus when set", () => {
    const d = decidePair(testScope({ closedStatus: "Cancelled" }), input(aCase({ status: st(false, "New") }), aCase({ status: st(false, "New") }), aCase({ status: st(true, "New") })));
    expect(group(d, "status").target).toEqual(st(true, "Cancelled"));
  });

  it("without a status field only the closed flag is compared", () => {
    const s = testScope({ fields: { status: { onlyofficeField: null }, value: { onlyofficeField: 51 }, reviewAt: { onlyofficeField: 52 } } });
    const d = decidePair(s, input(aCase({ status: st(false, "New") }), aCase({ status: st(false, "In Progress") }), aCase({ status: st(false, null) })));
    expect(group(d, "status")).toMatchObject({ writePlannr: false, writeOnlyoffice: false });
  });
});

describe("next base", () => {
  const scope = testScope();
  it("keeps the old base value of a group whose write failed", () => {
    const base = aCase({ title: "base", value: 1 });
    const i = input(base, aCase({ title: "new", value: 2 }), aCase({ title: "base", value: 1 }));
    const d = decidePair(scope, i);
    const next = nextBase(i, d, new Set(["status", "participants", "assignees", "reviewAt", "custom:drink", "value"]), scope.settings.groups);
    expect(next.base?.title).toBe("base");
    expect(next.base?.value).toBe(2);
    expect(next.groups).toHaveLength(scope.settings.groups.length);
  });

  it("after first contact, the groups that agree become the base and the one that differs has none (issue 8 item 3)", () => {
    const i = input(null, aCase({ title: "x", value: 5 }), aCase({ title: "y", value: 5 }));
    const d = decidePair(scope, i);
    const next = nextBase(i, d, new Set(d.groups.filter((g) => g.target !== undefined).map((g) => g.group)), scope.settings.groups);
    expect(next.base?.value).toBe(5);
    expect(next.groups).toContain("value@o51");
    expect(next.groups).not.toContain("title");
    expect(next.groups).toHaveLength(scope.settings.groups.length - 1);
  });

  it("with no group settled there is no base at all", () => {
    const i = input(null, aCase({ title: "x" }), aCase({ title: "y" }));
    const d = decidePair(scope, i);
    expect(nextBase(i, d, new Set(), scope.settings.groups)).toEqual({ base: null, groups: [] });
  });
});

describe("queued conflicts and decisions (issue 8 items 1, 2)", () => {
  const scope = testScope();
  const newest = testScope({ conflicts: { default: "newest-wins" } });
  const base = aCase({ title: "base" });
  it("newest-wins settles a conflict a later scan sees, but never one already queued for a person", () => {
    const i = input(base, aCase({ title: "P" }), aCase({ title: "O" }), { plannrUpdatedAt: "2026-01-01T00:00:00Z", previousScanAt: "2026-01-02T00:00:00Z" });
    expect(group(decidePair(newest, i), "title").conflict?.settled).toBe("onlyoffice");
    const queued = decidePair(newest, { ...i, pending: new Set(["title"]) });
    expect(group(queued, "title")).toMatchObject({ outcome: "conflict", writePlannr: false, writeOnlyoffice: false, conflict: { settled: null } });
  });

  it("a side that still shows the value a person decided against is no news: the other side's later edit is taken", () => {
    // Decided "take onlyoffice" (O), then Plannr was edited again to C: the base is the decided O.
    const i = input(aCase({ title: "O" }), aCase({ title: "C" }), aCase({ title: "O" }));
    expect(group(decidePair(scope, i), "title")).toMatchObject({ outcome: "take-plannr", target: "C", writeOnlyoffice: true });
    // Decided "take plannr" (P), ONLYOFFICE still shows the rejected O, Plannr moved on to C.
    const j = input(aCase({ title: "P" }), aCase({ title: "C" }), aCase({ title: "O" }), { neutral: new Map([["title", "onlyoffice"]]) });
    expect(group(decidePair(scope, j), "title")).toMatchObject({ outcome: "take-plannr", target: "C", writeOnlyoffice: true, writePlannr: false });
    // Without the neutral mark it would be a conflict: both differ from the decided value.
    const k = input(aCase({ title: "P" }), aCase({ title: "C" }), aCase({ title: "O" }));
    expect(group(decidePair(scope, k), "title").outcome).toBe("conflict");
  });
});

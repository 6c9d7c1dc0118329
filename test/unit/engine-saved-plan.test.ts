// Issue 10 item 7: a saved plan is applied exactly, or refused (exit 4, naming the records) when
// the systems moved since it was made.
import { describe, expect, it } from "vitest";
import { countWrites as writes } from "../../src/core/report.js";
import { deriveSettings } from "../../src/engine/context.js";
import { planDrift, savePlan, SavedPlanSchema } from "../../src/engine/saved-plan.js";
import { aCase, engineWorld, SYNC, type EngineWorld } from "../support/engine-world.js";

async function planNow(w: EngineWorld) {
  const report = await w.run({ kind: "plan" });
  const identity = { plannrAccount: "account-1", onlyofficePortal: "https://portal.example.com" };
  return SavedPlanSchema.parse(JSON.parse(JSON.stringify(savePlan(report.plan ?? [], identity, deriveSettings(w.mapping).fingerprint, new Date()))));
}

/** A synced case "One", renamed on the ONLYOFFICE side, and the plan saved right after. */
async function renamedThenPlanned() {
  const w = engineWorld();
  const pid = w.plannr.seed(aCase({ title: "One" }));
  await w.sync();
  const oid = [...w.onlyoffice.cases.keys()][0]!;
  w.onlyoffice.edit(oid, (c) => ({ ...c, title: "Renamed" }));
  const saved = await planNow(w);
  return { w, pid, oid, saved };
}

describe("saved plans", () => {
  it("applies exactly the saved plan when nothing moved", async () => {
    const { w, pid, saved } = await renamedThenPlanned();
    expect(saved.items).toHaveLength(1);
    const report = await w.run({ ...SYNC, kind: "sync", expectedPlan: saved } as typeof SYNC);
    expect(report.exitCode).toBe(0);
    expect(w.plannr.cases.get(pid)!.case.title).toBe("Renamed");
    expect(writes(report)).toBe(1);
  });

  it("refuses with exit 4, naming the record, when a case moved after the plan was made", async () => {
    const { w, pid, oid, saved } = await renamedThenPlanned();
    w.onlyoffice.edit(oid, (c) => ({ ...c, title: "Renamed again" }));
    const report = await w.run({ ...SYNC, kind: "sync", expectedPlan: saved } as typeof SYNC);
    expect(report.exitCode).toBe(4);
    expect(report.abort).toMatchObject({ code: "CS_PLAN_STALE", message: expect.stringContaining(pid) });
    expect(w.plannr.cases.get(pid)!.case.title).toBe("One");
  });

  it("names records newly planned and no longer planned", () => {
    const item = { action: "update" as const, side: "plannr" as const, plannrId: "p1", onlyofficeId: "1", title: "T", groups: ["title"], ops: [] };
    expect(planDrift([item], [])).toEqual(['update on plannr (Plannr p1 / ONLYOFFICE 1) "T": no longer planned']);
    expect(planDrift([], [item])).toEqual(['update on plannr (Plannr p1 / ONLYOFFICE 1) "T": newly planned']);
    expect(planDrift([item], [item])).toEqual([]);
  });
});

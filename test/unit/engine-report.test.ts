// Issue 10 item 4: a run's JSON report names every change (side, record, its partner, operation,
// groups) and lists every warning in full; the human summary is the one that shortens.
import { describe, expect, it } from "vitest";
import { RunReportSchema } from "../../src/core/report.js";
import { aCase, engineWorld } from "../support/engine-world.js";

describe("the run report names every record", () => {
  it("lists each write with the record and its partner, creates included", async () => {
    const w = engineWorld();
    const pid = w.plannr.seed(aCase({ title: "First" }));
    const created = await w.sync();
    const oid = [...w.onlyoffice.cases.keys()][0]!;
    expect(created.changes).toContainEqual({ side: "onlyoffice", record: oid, partner: pid, operation: "case.create", groups: [] });
    w.onlyoffice.edit(oid, (c) => ({ ...c, title: "Renamed" }));
    const report = await w.sync();
    expect(RunReportSchema.parse(report).changes).toEqual([{ side: "plannr", record: pid, partner: oid, operation: "case.update", groups: ["title"] }]);
    // A dry run names what it would write the same way.
    w.onlyoffice.edit(oid, (c) => ({ ...c, title: "Again" }));
    const dry = await w.sync({ dryRun: true });
    expect(dry.changes).toEqual([{ side: "plannr", record: pid, partner: oid, operation: "case.update", groups: ["title"] }]);
  });

  it("keeps how each link was made: a copy, a stamp found after a lost state, a link by hand", async () => {
    const w = engineWorld();
    const pid = w.plannr.seed(aCase({ title: "Copied" }));
    await w.sync();
    expect((await w.store.getLinkByPlannr(pid))?.how).toBe("create");
    const rebuilt = engineWorld();
    for (const side of ["plannr", "onlyoffice"] as const) for (const [id, c] of w[side].cases) rebuilt[side].seed(c.case, c.stamp, id);
    await rebuilt.sync();
    expect((await rebuilt.store.getLinkByPlannr(pid))?.how).toBe("stamp");
  });

  it("lists every warning in full, one per record, not 'and N more like it'", async () => {
    const w = engineWorld();
    const ids = ["A", "B", "C"].map((t) => w.plannr.seed(aCase({ title: t })));
    for (const id of ids) {
      w.plannr.recordIssues.set(id, ["one", "two"].map((who) => ({ severity: "warning" as const, side: "plannr" as const, record: id, field: "participants", code: "CS_UNMAPPED" as const, message: `stranger ${who} on ${id} is not carried` })));
    }
    const report = await w.sync();
    const unmapped = report.warnings.filter((x) => x.code === "CS_UNMAPPED");
    // Two different people unmapped on one case are two warnings; the same one met twice is one.
    expect(unmapped.map((x) => x.record).sort()).toEqual([...ids, ...ids].sort());
    expect(unmapped.every((x) => !x.message.includes("more like it"))).toBe(true);
  });
});

// Invariant 7 row by row (deletes are never guessed), the pair identity, and matchExisting.
import { describe, expect, it } from "vitest";
import type { RunReport } from "../../src/core/report.js";
import { aCase, CLIENTS, engineWorld, testMapping, type EngineWorld } from "../support/engine-world.js";

async function linkedWorld(policy: "ignore" | "propagate" | "close", cases = 30): Promise<{ w: EngineWorld; pid: string; oid: string }> {
  const w = engineWorld({ mapping: testMapping({ deletes: { policy } }) });
  for (let i = 0; i < cases; i += 1) w.plannr.seed(aCase({ title: `Case ${i}` }));
  const first = await w.sync();
  expect(first.exitCode).toBe(0);
  const link = (await w.store.listLinks())[0]!;
  return { w, pid: link.plannrId, oid: link.onlyofficeId };
}

const created = (r: RunReport) => r.sides.plannr.creates + r.sides.onlyoffice.creates;

describe("deletes (invariant 7)", () => {
  it("ignore (default): unlinks, remembers a tombstone, and never re-creates the partner", async () => {
    const { w, pid, oid } = await linkedWorld("ignore");
    w.plannr.remove(pid);
    const report = await w.sync();
    expect(report.exitCode).toBe(0);
    expect(w.onlyoffice.cases.has(oid)).toBe(true);
    expect(await w.store.getLinkByPlannr(pid)).toBeNull();
    expect(await w.store.listTombstones()).toEqual([expect.objectContaining({ side: "plannr", id: pid, partnerId: oid })]);
    const again = await w.sync();
    expect(created(again)).toBe(0);
    expect(w.plannr.cases.size).toBe(29);
  });

  it("propagate: deletes the partner and drops the link", async () => {
    const { w, pid, oid } = await linkedWorld("propagate");
    w.onlyoffice.remove(oid);
    const report = await w.sync();
    expect(report.exitCode).toBe(0);
    expect(w.plannr.cases.has(pid)).toBe(false);
    expect(await w.store.getLinkByPlannr(pid)).toBeNull();
    expect(report.sides.plannr.operations["case.delete"]).toBe(1);
  });

  it("close: closes the partner with the mapping's closed status, then unlinks and remembers", async () => {
    const { w, pid, oid } = await linkedWorld("close");
    w.plannr.remove(pid);
    await w.sync();
    expect(w.onlyoffice.cases.get(oid)?.case.status).toEqual({ closed: true, statusName: "Completed" });
    expect(await w.store.getLinkByPlannr(pid)).toBeNull();
    expect((await w.store.listTombstones()).map((t) => t.partnerId)).toEqual([oid]);
  });

  it("a delete on one side against an edit on the other is a conflict: nothing is deleted", async () => {
    const { w, pid, oid } = await linkedWorld("propagate");
    w.plannr.remove(pid);
    w.onlyoffice.edit(oid, (c) => ({ ...c, title: "Edited after the delete" }));
    const report = await w.sync();
    expect(report.exitCode).toBe(3);
    expect(report.conflicts).toEqual([expect.objectContaining({ group: "delete", plannrId: pid, onlyofficeId: oid })]);
    expect(w.onlyoffice.cases.get(oid)?.case.title).toBe("Edited after the delete");
    const [conflict] = await w.store.listConflicts({ status: "pending" });
    // Keeping the edited survivor: it is unlinked (and free to be copied again by a later sync).
    await w.store.decideConflict(conflict!.id, "onlyoffice");
    const after = await w.sync();
    expect(w.onlyoffice.cases.has(oid)).toBe(true);
    expect(await w.store.getLinkByPlannr(pid)).toBeNull();
    expect(after.conflicts.filter((c) => c.state !== "settled")).toEqual([]);
  });

  it("a pair gone from both sides just loses its link", async () => {
    const { w, pid, oid } = await linkedWorld("propagate");
    w.plannr.remove(pid);
    w.onlyoffice.remove(oid);
    const report = await w.sync();
    expect(report.exitCode).toBe(0);
    expect(await w.store.getLinkByPlannr(pid)).toBeNull();
    expect(report.sides.plannr.operations).toEqual({});
    expect(report.sides.onlyoffice.operations).toEqual({});
  });

  it("a case missing from a scan but readable directly is not deleted", async () => {
    const { w, pid, oid } = await linkedWorld("propagate");
    // The list forgets one case (a shifted page): the direct read still finds it.
    const original = w.plannr.listCases.bind(w.plannr);
    w.plannr.listCases = async function* () {
      for await (const item of original()) if (!(item.kind === "record" && item.record.id === pid)) yield item;
    };
    const report = await w.sync();
    expect(w.onlyoffice.cases.has(oid)).toBe(true);
    expect(await w.store.getLinkByPlannr(pid)).not.toBeNull();
    expect(report.warnings.some((x) => x.record === pid && x.message.includes("not treated as deleted"))).toBe(true);
  });
});

describe("pair identity (invariant 7)", () => {
  it("refuses to run against another Plannr account or ONLYOFFICE portal than the state belongs to", async () => {
    const w = engineWorld();
    await w.store.setIdentity({ plannrAccount: "another-account", onlyofficePortal: "https://portal.example.com" });
    const report = await w.sync();
    expect(report.exitCode).toBe(4);
    expect(report.abort?.code).toBe("CS_IDENTITY");
  });
});

describe("matchExisting", () => {
  it("links unlinked cases whose title and participants agree, and reports ambiguous ones", async () => {
    const w = engineWorld({ mapping: testMapping({ matchExisting: true }) });
    const [a, b] = CLIENTS as [string, string];
    const pid = w.plannr.seed(aCase({ title: "Annual review", participants: [a] }));
    const oid = w.onlyoffice.seed(aCase({ title: " annual review ", participants: [a], status: { closed: false, statusName: "New" } }));
    w.plannr.seed(aCase({ title: "Twin", participants: [b] }));
    w.plannr.seed(aCase({ title: "Twin", participants: [b] }));
    w.onlyoffice.seed(aCase({ title: "Twin", participants: [b], status: { closed: false, statusName: "New" } }));
    const report = await w.sync({ allowMassCreate: true });
    expect((await w.store.getLinkByPlannr(pid))?.onlyofficeId).toBe(oid);
    expect(w.onlyoffice.cases.get(oid)?.stamp).toBe(pid);
    expect(report.warnings.some((x) => x.code === "CS_AMBIGUOUS" && x.message.includes("matchExisting"))).toBe(true);
    // Nothing ambiguous was copied either: three "Twin" cases stay three.
    expect([...w.plannr.cases.values(), ...w.onlyoffice.cases.values()].filter((c) => c.case.title === "Twin")).toHaveLength(3);
  });
});

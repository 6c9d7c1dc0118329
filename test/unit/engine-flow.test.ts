import { describe, expect, it } from "vitest";
import { countWrites as writes } from "../../src/core/report.js";
import { aCase, CLIENTS, engineWorld } from "../support/engine-world.js";

describe("engine flow over in-memory CRMs", () => {
  it("copies new cases both ways, stamps them, and reaches a fixpoint", async () => {
    const w = engineWorld();
    w.plannr.seed(aCase({ title: "P one", value: 4000, customFields: { drink: "Tea" } }));
    w.plannr.seed(aCase({ title: "P two", status: { closed: true, statusName: "Completed" } }));
    w.onlyoffice.seed(aCase({ title: "O one", status: { closed: false, statusName: null } }));
    const first = await w.sync();
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(w.plannr.cases.size).toBe(3);
    expect(w.onlyoffice.cases.size).toBe(3);
    for (const stored of w.onlyoffice.cases.values()) expect(stored.stamp).not.toBeNull();
    expect(await w.store.countLinks()).toBe(3);
    const second = await w.sync();
    expect(writes(second)).toBe(0);
    expect(second.exitCode).toBe(0);
  });

  it("takes a one-sided edit and merges set edits element-wise", async () => {
    const w = engineWorld();
    const pid = w.plannr.seed(aCase({ title: "Shared", participants: [CLIENTS[0]!, CLIENTS[1]!] }));
    await w.sync();
    const oid = [...w.onlyoffice.cases.keys()][0]!;
    w.onlyoffice.edit(oid, (c) => ({ ...c, title: "Renamed in ONLYOFFICE", participants: [...c.participants, CLIENTS[2]!] }));
    w.plannr.edit(pid, (c) => ({ ...c, participants: c.participants.filter((p) => p !== CLIENTS[1]) }));
    const report = await w.sync();
    expect(report.conflicts).toEqual([]);
    expect(w.plannr.cases.get(pid)!.case.title).toBe("Renamed in ONLYOFFICE");
    const expected = [CLIENTS[0]!, CLIENTS[2]!].sort();
    expect(w.plannr.cases.get(pid)!.case.participants).toEqual(expected);
    expect(w.onlyoffice.cases.get(oid)!.case.participants).toEqual(expected);
    expect(writes(await w.sync())).toBe(0);
  });

  it("queues a manual conflict, then carries out the decision", async () => {
    const w = engineWorld();
    const pid = w.plannr.seed(aCase({ title: "Original" }));
    await w.sync();
    const oid = [...w.onlyoffice.cases.keys()][0]!;
    w.plannr.edit(pid, (c) => ({ ...c, title: "Plannr title" }));
    w.onlyoffice.edit(oid, (c) => ({ ...c, title: "ONLYOFFICE title" }));
    const report = await w.sync();
    expect(report.exitCode).toBe(3);
    expect(report.conflicts).toHaveLength(1);
    expect(w.plannr.cases.get(pid)!.case.title).toBe("Plannr title");
    expect(w.onlyoffice.cases.get(oid)!.case.title).toBe("ONLYOFFICE title");
    const [conflict] = await w.store.listConflicts({ status: "pending" });
    await w.store.decideConflict(conflict!.id, "onlyoffice");
    const after = await w.sync();
    expect(after.exitCode).toBe(0);
    expect(w.plannr.cases.get(pid)!.case.title).toBe("ONLYOFFICE title");
    expect(await w.store.listConflicts({ status: "pending" })).toEqual([]);
  });

  it("a pair linked by hand (no base yet) is compared and keeps its link time", async () => {
    const w = engineWorld();
    const pid = w.plannr.seed(aCase({ title: "Same" }));
    const oid = w.onlyoffice.seed(aCase({ title: "Same", status: { closed: false, statusName: "New" } }), pid);
    const linkedAt = "2026-01-02T03:04:05.000Z";
    await w.store.commit({ upsertLink: { plannrId: pid, onlyofficeId: oid, base: null, baseGroups: null, baseHashPlannr: null, baseHashOnlyoffice: null, linkedAt, updatedAt: linkedAt, how: "hand" } });
    const report = await w.sync();
    expect(report.exitCode).toBe(0);
    const link = await w.store.getLinkByPlannr(pid);
    expect(link?.linkedAt).toBe(linkedAt);
    expect(link?.base?.title).toBe("Same");
    expect(Number.isNaN(Date.parse(link?.updatedAt ?? ""))).toBe(false);
  });

  it("emptying a field on many cases at once trips the delete breaker (it looks like a bad read)", async () => {
    const w = engineWorld();
    for (let i = 0; i < 20; i += 1) w.plannr.seed(aCase({ title: `Case ${i}`, customFields: { drink: "Tea" } }));
    expect((await w.sync()).exitCode).toBe(0);
    for (const id of [...w.onlyoffice.cases.keys()].slice(0, 12)) w.onlyoffice.edit(id, (c) => ({ ...c, customFields: {} }));
    const stopped = await w.sync({ allowMassCreate: false });
    expect(stopped.exitCode).toBe(4);
    expect(stopped.abort?.code).toBe("CS_BREAKER");
    expect([...w.plannr.cases.values()].every((c) => c.case.customFields.drink === "Tea")).toBe(true);
    const allowed = await w.sync({ allowMassDelete: true });
    expect(allowed.exitCode).toBe(0);
    expect([...w.plannr.cases.values()].filter((c) => c.case.customFields.drink === undefined)).toHaveLength(12);
  });
});

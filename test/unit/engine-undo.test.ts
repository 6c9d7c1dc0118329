// SPEC §11 / issue 10: `undo <run>` takes a run's writes back where nothing moved since, reports
// what moved, deletes the copies it made only if untouched, and is itself a run that can be undone.
import { describe, expect, it } from "vitest";
import { countWrites as writes } from "../../src/core/report.js";
import { aCase, engineWorld, type EngineWorld } from "../support/engine-world.js";

const undo = (w: EngineWorld, runId: string, dryRun = false) => w.run({ kind: "undo", runId, dryRun });

async function spreadEdit(w: EngineWorld): Promise<{ pid: string; oid: string; runId: string }> {
  const pid = w.plannr.seed(aCase({ title: "Good title", participants: ["ann@client.test"] }));
  await w.sync();
  const oid = [...w.onlyoffice.cases.keys()][0]!;
  // A bad edit in ONLYOFFICE that a sync spreads to Plannr.
  w.onlyoffice.edit(oid, (c) => ({ ...c, title: "Bad title", participants: [...c.participants, "bob@client.test"] }));
  const run = await w.sync();
  expect(w.plannr.cases.get(pid)!.case.title).toBe("Bad title");
  return { pid, oid, runId: run.runId };
}

describe("undo", () => {
  it("restores what the run wrote; the next sync carries it to the other side, so the bad edit is gone from both", async () => {
    const w = engineWorld();
    const { pid, oid, runId } = await spreadEdit(w);
    const dry = await undo(w, runId, true);
    expect(writes(dry)).toBeGreaterThan(0);
    expect(w.plannr.cases.get(pid)!.case.title).toBe("Bad title");
    const report = await undo(w, runId.slice(0, 8));
    expect(report.exitCode).toBe(0);
    expect(w.plannr.cases.get(pid)!.case.title).toBe("Good title");
    expect(w.plannr.cases.get(pid)!.case.participants).toEqual(["ann@client.test"]);
    await w.sync();
    expect(w.onlyoffice.cases.get(oid)!.case.title).toBe("Good title");
    expect(w.onlyoffice.cases.get(oid)!.case.participants).toEqual(["ann@client.test"]);
    expect(writes(await w.sync())).toBe(0);
    // Undo is a run: undoing the undo puts the run's values back.
    const again = await undo(w, report.runId);
    expect(again.exitCode).toBe(0);
    expect(w.plannr.cases.get(pid)!.case.title).toBe("Bad title");
  });

  it("leaves a group that moved since and reports it (exit 3)", async () => {
    const w = engineWorld();
    const { pid, runId } = await spreadEdit(w);
    w.plannr.edit(pid, (c) => ({ ...c, title: "Fixed by a person" }));
    const report = await undo(w, runId);
    expect(report.exitCode).toBe(3);
    expect(report.errors).toMatchObject([{ side: "plannr", record: pid, field: "title", code: "CS_CONFLICT" }]);
    expect(w.plannr.cases.get(pid)!.case.title).toBe("Fixed by a person");
    // The other group of the same run still goes back.
    expect(w.plannr.cases.get(pid)!.case.participants).toEqual(["ann@client.test"]);
  });

  it("deletes a copy the run made only if untouched, unlinks it and never copies its source again", async () => {
    const w = engineWorld();
    const pid = w.plannr.seed(aCase({ title: "To copy" }));
    const keep = w.plannr.seed(aCase({ title: "Also copied, then edited" }));
    const run = await w.sync();
    const copyOf = (id: string) => [...w.onlyoffice.cases.entries()].find(([, c]) => c.stamp === id)?.[0];
    const edited = copyOf(keep)!;
    w.onlyoffice.edit(edited, (c) => ({ ...c, title: "A person worked on this copy" }));
    const report = await undo(w, run.runId);
    expect(report.exitCode).toBe(3);
    expect(copyOf(pid)).toBeUndefined();
    expect(w.onlyoffice.cases.has(edited)).toBe(true);
    expect(report.errors).toMatchObject([{ record: edited, code: "CS_CONFLICT" }]);
    const next = await w.sync();
    expect(next.sides.onlyoffice.creates).toBe(0);
    expect(copyOf(pid)).toBeUndefined();
  });

  it("an unknown run id is a usage error", async () => {
    const w = engineWorld();
    const report = await undo(w, "nope-nope");
    expect(report.exitCode).toBe(2);
  });
});

// Issue 10 item 5: a case that can never be copied no longer makes every run exit 3. A person
// skips it; runs leave it and its partner out, and mention it at most once a day.
import { describe, expect, it } from "vitest";
import { countWrites as writes } from "../../src/core/report.js";
import { skipCase, unskipCase } from "../../src/library/admin.js";
import { aCase, engineWorld } from "../support/engine-world.js";

describe("the quarantine", () => {
  it("a case that cannot be copied exits 3 until it is skipped; then 0, mentioned once a day; unskip brings it back", async () => {
    const w = engineWorld();
    // A value it holds cannot be read (as a decode error would say): it can never be copied.
    const oid = w.onlyoffice.seed(aCase({ title: "Unreadable", status: { closed: false, statusName: null } }));
    w.onlyoffice.recordIssues.set(oid, [{ severity: "error", side: "onlyoffice", record: oid, field: "value", code: "CS_VALIDATION", message: "value is not a number" }]);
    w.plannr.seed(aCase({ title: "Fine" }));
    const before = await w.sync();
    expect(before.exitCode).toBe(3);
    expect(before.errors.some((e) => e.record === oid)).toBe(true);
    await skipCase(w.store, oid, "no client; handled by hand");
    const first = await w.sync();
    expect(first.exitCode).toBe(0);
    expect(first.errors).toEqual([]);
    expect(first.warnings.filter((x) => x.message.includes(`case ${oid} is skipped`))).toHaveLength(1);
    const second = await w.sync();
    expect(second.exitCode).toBe(0);
    expect(second.warnings.some((x) => x.message.includes(`case ${oid} is skipped`))).toBe(false);
    await unskipCase(w.store, oid);
    expect((await w.sync()).exitCode).toBe(3);
  });

  it("a skipped linked case is neither written nor reported, nor is its partner", async () => {
    const w = engineWorld();
    const pid = w.plannr.seed(aCase({ title: "Linked" }));
    await w.sync();
    const oid = [...w.onlyoffice.cases.keys()][0]!;
    await skipCase(w.store, pid, "");
    w.onlyoffice.edit(oid, (c) => ({ ...c, title: "Edited while skipped" }));
    const report = await w.sync();
    expect(writes(report)).toBe(0);
    expect(w.plannr.cases.get(pid)!.case.title).toBe("Linked");
    // A skipped case that vanished is not a delete either (the pair is out of the sync).
    w.plannr.remove(pid);
    const gone = await w.sync();
    expect(gone.links.removed).toBe(0);
  });
});

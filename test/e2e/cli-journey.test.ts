// The consultant's and the ops person's journey through the built CLI against both sandboxes:
// init → check → migrate both ways (dry run first) → edits on both sides → sync → fixpoint →
// a conflict listed and resolved → status, history, link by hand → no secret anywhere.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunReport } from "../../src/core/report.js";
import { cliWorld, initMapping, parseJson, writeCount, type CliWorld } from "../support/cli.js";

let w: CliWorld;
const ooCount = () => w.sandboxes.onlyoffice.listCases().length;
const pCount = () => w.sandboxes.plannr.listCases().length;

beforeAll(async () => {
  w = await cliWorld({ seed: 11, cases: 24 });
});
afterAll(async () => {
  await w.close();
});

describe("CLI journey", () => {
  it("init writes a mapping that check accepts", async () => {
    await initMapping(w);
    expect(readFileSync(w.mappingPath, "utf8")).toMatch(/linkField: \d+/);
    const check = await w.run(["check"]);
    expect(check.stdout).toContain("All checks passed");
    expect(check.code).toBe(0);
    const json = parseJson<{ ok: boolean }>(await w.run(["check", "--json"]));
    expect(json.ok).toBe(true);
  });

  it("migrate --from plannr --dry-run writes nothing and lists every create", async () => {
    const before = ooCount();
    const writesBefore = w.sandboxes.onlyoffice.server.requests().filter((r) => r.method !== "GET").length;
    const result = await w.run(["migrate", "--from", "plannr", "--dry-run", "--json"]);
    const report = parseJson<RunReport>(result);
    expect(result.code).toBe(0);
    expect(report.dryRun).toBe(true);
    expect(report.plan?.filter((i) => i.action === "create")).toHaveLength(pCount());
    expect(ooCount()).toBe(before);
    expect(w.sandboxes.onlyoffice.server.requests().filter((r) => r.method !== "GET").length).toBe(writesBefore);
  });

  it("migrate --from plannr copies every Plannr case and writes nothing to Plannr", async () => {
    const before = ooCount();
    const plannrWrites = () => w.sandboxes.plannr.server.requests().filter((r) => r.method !== "GET").length;
    const pw = plannrWrites();
    const report = parseJson<RunReport>(await w.run(["migrate", "--from", "plannr", "--json"]));
    expect(report.exitCode).toBe(0);
    expect(report.sides.onlyoffice.creates).toBe(pCount());
    expect(ooCount()).toBe(before + pCount());
    expect(plannrWrites()).toBe(pw);
    // Idempotent: a second migration copies nothing.
    const again = parseJson<RunReport>(await w.run(["migrate", "--from", "plannr", "--json"]));
    expect(again.sides.onlyoffice.creates).toBe(0);
    expect(ooCount()).toBe(before + pCount());
  });

  it("migrate --from onlyoffice (dry run first) copies the ONLYOFFICE-only cases into Plannr", async () => {
    const onlyOnOnlyoffice = w.sandboxes.world.onlyofficeCases.length;
    const dry = parseJson<RunReport>(await w.run(["migrate", "--from", "onlyoffice", "--dry-run", "--json"]));
    expect(dry.plan?.filter((i) => i.action === "create")).toHaveLength(onlyOnOnlyoffice);
    const before = pCount();
    const result = await w.run(["migrate", "--from", "onlyoffice", "--json"]);
    const report = parseJson<RunReport>(result);
    expect([0, 3]).toContain(report.exitCode);
    expect(pCount()).toBe(before + onlyOnOnlyoffice);
    expect(report.sides.onlyoffice.operations.stamp).toBe(onlyOnOnlyoffice);
  });

  it("sync takes one-sided edits from both sides, then a second sync writes nothing (fixpoint)", async () => {
    const first = parseJson<RunReport>(await w.run(["sync", "--json"]));
    expect(first.exitCode).toBe(0);
    const [p1, p2] = w.sandboxes.plannr.listCases();
    const o = w.sandboxes.onlyoffice.listCases().find((c) => c.customFields[13] === p2!.uuid || Object.values(c.customFields).includes(p2!.uuid));
    expect(o).toBeDefined();
    w.sandboxes.plannr.editCase(p1!.uuid, { name: "Renamed in Plannr" });
    w.sandboxes.onlyoffice.editCase(o!.id, { title: "Renamed in ONLYOFFICE" });
    const report = parseJson<RunReport>(await w.run(["sync", "--json"]));
    expect(report.exitCode).toBe(0);
    expect(w.sandboxes.plannr.getCase(p2!.uuid)?.name).toBe("Renamed in ONLYOFFICE");
    expect(w.sandboxes.onlyoffice.listCases().some((c) => c.title === "Renamed in Plannr")).toBe(true);
    const fixpoint = parseJson<RunReport>(await w.run(["sync", "--json"]));
    expect(writeCount(fixpoint)).toBe(0);
    expect(fixpoint.exitCode).toBe(0);
  });

  it("a conflict is reported with exit 3, listed, resolved by hand and carried out by the next sync", async () => {
    const p = w.sandboxes.plannr.listCases()[3]!;
    const o = w.sandboxes.onlyoffice.listCases().find((c) => Object.values(c.customFields).includes(p.uuid))!;
    w.sandboxes.plannr.editCase(p.uuid, { name: "Plannr says this" });
    w.sandboxes.onlyoffice.editCase(o.id, { title: "ONLYOFFICE says that" });
    const sync = await w.run(["sync"]);
    expect(sync.code).toBe(3);
    expect(sync.stderr).toContain("conflicts waiting for you: 1");
    const list = await w.run(["conflicts", "list", "--json"]);
    expect(list.code).toBe(3);
    const conflicts = parseJson<{ id: string; group: string; plannr: unknown; onlyoffice: unknown }[]>(list);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ group: "title", plannr: "Plannr says this", onlyoffice: "ONLYOFFICE says that" });
    expect((await w.run(["conflicts", "resolve", conflicts[0]!.id, "--take", "onlyoffice"])).code).toBe(0);
    const after = await w.run(["sync"]);
    expect(after.code).toBe(0);
    expect(w.sandboxes.plannr.getCase(p.uuid)?.name).toBe("ONLYOFFICE says that");
    expect(parseJson<unknown[]>(await w.run(["conflicts", "list", "--json"]))).toEqual([]);
  });

  it("status, history and plan describe the state", async () => {
    const status = parseJson<{ links: number; runs: unknown[] }>(await w.run(["status", "--json"]));
    expect(status.links).toBe(pCount());
    expect(status.runs.length).toBeGreaterThan(3);
    const p = w.sandboxes.plannr.listCases()[3]!;
    const history = parseJson<{ operation: string; group: string }[]>(await w.run(["history", p.uuid, "--json"]));
    expect(history.some((e) => e.group === "title")).toBe(true);
    const plan = await w.run(["plan"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("The plan is empty: both systems agree.");
  });

  it("unlink and link by hand", async () => {
    const p = w.sandboxes.plannr.listCases()[5]!;
    const o = w.sandboxes.onlyoffice.listCases().find((c) => Object.values(c.customFields).includes(p.uuid))!;
    expect((await w.run(["unlink", p.uuid])).code).toBe(0);
    expect(Object.values(w.sandboxes.onlyoffice.getCase(o.id)!.customFields)).not.toContain(p.uuid);
    // Unlinked cases are never copied again automatically.
    const sync = parseJson<RunReport>(await w.run(["sync", "--json"]));
    expect(sync.sides.onlyoffice.creates + sync.sides.plannr.creates).toBe(0);
    expect((await w.run(["link", p.uuid, String(o.id)])).code).toBe(0);
    expect(Object.values(w.sandboxes.onlyoffice.getCase(o.id)!.customFields)).toContain(p.uuid);
    const relinked = await w.run(["sync"]);
    expect(relinked.code).toBe(0);
    expect((await w.run(["link", p.uuid, String(o.id)])).code).toBe(2);
  });

  it("never prints or stores a secret", () => {
    const secrets = [w.env.PLANNR_TOKEN!, w.env.ONLYOFFICE_TOKEN!, w.env.ONLYOFFICE_PASSWORD!];
    const stateFiles = readdirSync(w.dir).filter((f) => f.startsWith("state.db"));
    expect(stateFiles.length).toBeGreaterThan(0);
    const everything = w.transcript.join("\n") + stateFiles.map((f) => readFileSync(join(w.dir, f)).toString("latin1")).join("");
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});

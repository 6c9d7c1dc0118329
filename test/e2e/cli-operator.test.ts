// The operator's and the consultant's tools through the built CLI (issue 10): saved plans applied
// exactly or refused, undo of a run, the quarantine with its status, the run time limit, and
// the insecure-transport guard. Each as a child process; stdout, stderr and exit codes judged apart.
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunReport } from "../../src/core/report.js";
import { cliWorld, initMapping, parseJson, type CliWorld } from "../support/cli.js";

let w: CliWorld;

beforeAll(async () => {
  w = await cliWorld({ seed: 23, cases: 10, onlyofficeCases: 0 });
  await initMapping(w);
  const first = await w.run(["migrate", "--from", "plannr", "--json"]);
  expect(first.code).toBe(0);
});
afterAll(async () => {
  await w.close();
});

const copyOf = (uuid: string) => w.sandboxes.onlyoffice.listCases().find((c) => Object.values(c.customFields).includes(uuid));

describe("saved plans", () => {
  it("plan --out saves a private plan that sync --plan applies exactly", async () => {
    const c = w.sandboxes.plannr.listCases()[0]!;
    w.sandboxes.plannr.editCase(c.uuid, { name: "Reviewed rename" });
    const planned = await w.run(["plan", "--out", "plan.json"]);
    expect(planned.code).toBe(0);
    expect(planned.stderr).toContain("saved the plan to plan.json");
    expect((statSync(join(w.dir, "plan.json")).mode & 0o777).toString(8)).toBe("600");
    const applied = await w.run(["sync", "--plan", "plan.json", "--json"]);
    expect(applied.code).toBe(0);
    expect(parseJson<RunReport>(applied).changes).toMatchObject([{ side: "onlyoffice", partner: c.uuid, operation: "case.update" }]);
    expect(copyOf(c.uuid)?.title).toBe("Reviewed rename");
  });

  it("sync --plan refuses (exit 4, naming the case) when a case moved after the plan", async () => {
    const c = w.sandboxes.plannr.listCases()[1]!;
    w.sandboxes.plannr.editCase(c.uuid, { name: "First idea" });
    expect((await w.run(["plan", "--out", "stale.json"])).code).toBe(0);
    w.sandboxes.plannr.editCase(c.uuid, { name: "Second idea" });
    const refused = await w.run(["sync", "--plan", "stale.json"]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(c.uuid);
    expect(copyOf(c.uuid)?.title).not.toBe("Second idea");
    expect((await w.run(["sync", "--plan", "missing.json"])).code).toBe(2);
  });
});

describe("undo", () => {
  it("takes back a run's writes; the next sync carries the restored value across", async () => {
    const c = w.sandboxes.plannr.listCases()[2]!;
    const before = c.name;
    const copy = copyOf(c.uuid)!;
    w.sandboxes.onlyoffice.editCase(copy.id, { title: "A mistake made in ONLYOFFICE" });
    const spread = parseJson<RunReport>(await w.run(["sync", "--json"]));
    expect(w.sandboxes.plannr.listCases().find((x) => x.uuid === c.uuid)?.name).toBe("A mistake made in ONLYOFFICE");
    const status = await w.run(["status"]);
    expect(status.stdout + status.stderr).toContain(spread.runId.slice(0, 8));
    const dry = await w.run(["undo", spread.runId.slice(0, 8), "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(w.sandboxes.plannr.listCases().find((x) => x.uuid === c.uuid)?.name).toBe("A mistake made in ONLYOFFICE");
    const undone = await w.run(["undo", spread.runId.slice(0, 8)]);
    expect(undone.code).toBe(0);
    expect(w.sandboxes.plannr.listCases().find((x) => x.uuid === c.uuid)?.name).toBe(before);
    expect((await w.run(["sync"])).code).toBe(0);
    expect(copyOf(c.uuid)?.title).toBe(before);
    expect((await w.run(["undo", "no-such-run"])).code).toBe(2);
  });
});

describe("the quarantine", () => {
  it("skip takes a case out (status lists it, why given), unskip brings it back", async () => {
    const c = w.sandboxes.plannr.listCases()[3]!;
    const skipped = await w.run(["skip", c.uuid, "--reason", "handled by hand"]);
    expect(skipped.code).toBe(0);
    w.sandboxes.plannr.editCase(c.uuid, { name: "Edited while skipped" });
    const sync = parseJson<RunReport>(await w.run(["sync", "--json"]));
    expect(sync.changes.filter((x) => x.partner === c.uuid)).toEqual([]);
    const status = await w.run(["status"]);
    expect(status.stderr + status.stdout).toContain("handled by hand");
    expect((await w.run(["unskip", c.uuid])).code).toBe(0);
    expect((await w.run(["unskip", c.uuid])).code).toBe(2);
    await w.run(["sync"]);
    expect(copyOf(c.uuid)?.title).toBe("Edited while skipped");
  });
});

describe("flags that guard a run", () => {
  it("--max-run-time takes a duration; nonsense is a usage error", async () => {
    expect((await w.run(["sync", "--max-run-time", "soon"])).code).toBe(2);
    expect((await w.run(["plan", "--max-run-time", "10m"])).code).toBe(0);
  });

  it("refuses an http:// base URL for another host unless --allow-insecure-http", async () => {
    const insecure = { PLANNR_BASE_URL: "http://plannr.example.invalid" };
    const refused = await w.run(["plan"], insecure);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/http:\/\//);
    // With the flag the URL is accepted (and then the host cannot be reached: exit 4, not 2).
    const allowed = await w.run(["--allow-insecure-http", "plan"], insecure);
    expect(allowed.code).toBe(4);
  });
});

// Issue 10 item 9 through the built CLI: configuration mistakes said as such. PLANNR_BASE_URL set
// to the ONLYOFFICE server (or the other way round) is recognised and named; `check` fails while a
// mapped ONLYOFFICE status option is missing (a sync would fail on every case in that status);
// `--created-since` takes ISO dates only.
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliWorld, initMapping, type CliWorld } from "../support/cli.js";

let w: CliWorld;

beforeAll(async () => {
  w = await cliWorld({ seed: 71, cases: 8 });
  await initMapping(w);
});
afterAll(async () => {
  await w.close();
});

describe("a base URL that points at the other system", () => {
  it("PLANNR_BASE_URL set to the ONLYOFFICE server: plan exits 2 saying so; check names it too", async () => {
    const swapped = { PLANNR_BASE_URL: w.env.ONLYOFFICE_BASE_URL! };
    const plan = await w.run(["plan"], swapped);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stderr).toContain(`PLANNR_BASE_URL ${w.env.ONLYOFFICE_BASE_URL} does not serve Plannr's API`);
    expect(plan.stderr).toContain("Is it the ONLYOFFICE portal's address?");
    const check = await w.run(["check"], swapped);
    expect(check.code).not.toBe(0);
    expect(check.stdout + check.stderr).toContain("does not serve Plannr's API");
  });

  it("ONLYOFFICE_BASE_URL set to the Plannr server: exit 2 saying so, with a token or with a password", async () => {
    // A fresh state: the stored pair identity would otherwise refuse the other URL first (exit 4).
    const swapped = { ONLYOFFICE_BASE_URL: w.env.PLANNR_BASE_URL!, CASE_SYNC_STATE: `${w.dir}/swapped.db` };
    for (const credentials of [{}, { ONLYOFFICE_TOKEN: "" }]) {
      const plan = await w.run(["plan"], { ...swapped, ...credentials });
      expect(plan.code, plan.stderr).toBe(2);
      expect(plan.stderr).toContain(`ONLYOFFICE_BASE_URL ${w.env.PLANNR_BASE_URL} does not serve an ONLYOFFICE CRM portal`);
      expect(plan.stderr).toContain("Is it Plannr's address?");
    }
  });

  it("a plain wrong token is still a credentials problem, not a wrong address", async () => {
    const plannr = await w.run(["plan"], { PLANNR_TOKEN: "not-the-token" });
    expect(plannr.code).toBe(4);
    expect(plannr.stderr).not.toContain("does not serve");
    const onlyoffice = await w.run(["plan"], { ONLYOFFICE_TOKEN: "not-the-token" });
    expect(onlyoffice.code).toBe(4);
    expect(onlyoffice.stderr).not.toContain("does not serve");
  });
});

describe("check and the ONLYOFFICE status options", () => {
  it("fails (exit 2, an error item) while a mapped status option is missing; sync stops before reading a case", async () => {
    const original = readFileSync(w.mappingPath, "utf8");
    const status = w.sandboxes.world.statuses[0]!.name;
    try {
      writeFileSync(w.mappingPath, original.replace("statuses: {}", `statuses: { ${JSON.stringify(status)}: "No such option" }`));
      // Writes to either system (the ONLYOFFICE login is a POST, not a write).
      const writes = () => [...w.sandboxes.plannr.server.requests(), ...w.sandboxes.onlyoffice.server.requests()].filter((r) => r.method !== "GET" && !r.path.endsWith("/authentication")).length;
      const before = writes();
      const check = await w.run(["check"]);
      expect(check.code).toBe(2);
      expect(check.stdout + check.stderr).toMatch(/FAIL status field options: .*lacks the options "No such option"/);
      const json = JSON.parse((await w.run(["check", "--json"])).stdout) as { ok: boolean; items: { name: string; ok: boolean; severity: string }[] };
      expect(json.ok).toBe(false);
      expect(json.items.find((i) => i.name === "status field options")).toMatchObject({ ok: false, severity: "error" });
      const sync = await w.run(["sync"]);
      expect(sync.code).toBe(2);
      expect(sync.stderr).toContain("No such option");
      expect(writes()).toBe(before);
    } finally {
      writeFileSync(w.mappingPath, original);
    }
    expect((await w.run(["check"])).code).toBe(0);
  });
});

describe("--created-since", () => {
  it("takes ISO dates and timestamps; `01/02/2024` and `5` are refused (exit 2) naming the value", async () => {
    for (const bad of ["01/02/2024", "5", "2024-02-30", "yesterday"]) {
      const result = await w.run(["migrate", "--from", "plannr", "--dry-run", "--created-since", bad]);
      expect(result.code, `${bad}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(bad);
    }
    for (const good of ["2024-01-31", "2024-01-31T09:00:00Z", "2024-01-31T09:00"]) {
      const result = await w.run(["migrate", "--from", "plannr", "--dry-run", "--created-since", good]);
      expect(result.code, `${good}: ${result.stderr}`).toBe(0);
    }
  });
});

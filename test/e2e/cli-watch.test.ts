// `sync --watch`: keeps syncing every --interval, through runs that end with record errors,
// and exits only on codes 1, 2 or 4 (or when stopped).
import { afterEach, describe, expect, it } from "vitest";
import { cliWorld, initMapping, type CliWorld } from "../support/cli.js";

const worlds: CliWorld[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

describe("sync --watch", () => {
  it("runs again and again, picks up edits between runs, and stops cleanly on SIGTERM", async () => {
    const w = await cliWorld({ seed: 51, cases: 8 });
    worlds.push(w);
    await initMapping(w);
    expect((await w.run(["migrate", "--from", "plannr"])).code).toBe(0);
    const { child, result } = w.spawn(["sync", "--watch", "--interval", "1s", "--allow-mass-create"]);
    // Wait for two runs, edit, wait for the edit to cross.
    const p = w.sandboxes.plannr.listCases()[0]!;
    await new Promise((r) => setTimeout(r, 2500));
    w.sandboxes.plannr.editCase(p.uuid, { name: "Edited while watching" });
    const deadline = Date.now() + 15_000;
    while (!w.sandboxes.onlyoffice.listCases().some((c) => c.title === "Edited while watching") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(w.sandboxes.onlyoffice.listCases().some((c) => c.title === "Edited while watching")).toBe(true);
    child.kill("SIGTERM");
    const done = await result;
    expect(done.code).toBe(0);
    expect((done.stderr.match(/case-sync sync/g) ?? []).length).toBeGreaterThanOrEqual(2);
  });

  it("exits 4 at once when a run aborts (wrong credentials)", async () => {
    const w = await cliWorld({ seed: 52, cases: 4 });
    worlds.push(w);
    await initMapping(w);
    const result = await w.run(["sync", "--watch", "--interval", "1s"], { ONLYOFFICE_TOKEN: "not-a-valid-token-000" });
    expect(result.code).toBe(4);
  });
});

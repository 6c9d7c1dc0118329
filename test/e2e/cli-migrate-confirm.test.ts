// A migration of more than 100 cases asks a person at a terminal before it writes (issue 10
// item 7): no, Enter or Ctrl-C exit 0 with nothing written; --yes does not ask; without a
// terminal (cron, CI) it never asks. The terminal is a pseudo-terminal (util-linux `script`).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunReport } from "../../src/core/report.js";
import { cliWorld, initMapping, parseJson, type CliWorld } from "../support/cli.js";
import { runOnTerminal, terminalAvailable } from "../support/pty.js";

let w: CliWorld;
const writes = (side: "plannr" | "onlyoffice") => w.sandboxes[side].server.requests().filter((r) => r.method !== "GET").length;

beforeAll(async () => {
  w = await cliWorld({ seed: 71, cases: 120, onlyofficeCases: 105 });
  await initMapping(w);
});
afterAll(async () => {
  await w.close();
});

describe.skipIf(!terminalAvailable)("migrate on a terminal", () => {
  it("asks before copying more than 100 cases; no writes nothing and exits 0", async () => {
    const before = writes("onlyoffice");
    const result = await runOnTerminal(w, ["migrate", "--from", "plannr"], { answer: { when: "[y/N]", send: "n\r" } });
    expect(result.terminal).toContain("Copy 120 Plannr cases to ONLYOFFICE?");
    expect(result.code).toBe(0);
    expect(result.terminal).toContain("nothing copied, nothing written.");
    expect(writes("onlyoffice")).toBe(before);
  });

  it("Ctrl-C at the question writes nothing and exits 0", async () => {
    const before = writes("onlyoffice");
    const result = await runOnTerminal(w, ["migrate", "--from", "plannr"], { answer: { when: "[y/N]", send: "\u0003" } });
    expect(result.code).toBe(0);
    expect(writes("onlyoffice")).toBe(before);
  });

  it("yes goes on", async () => {
    const result = await runOnTerminal(w, ["migrate", "--from", "plannr", "--json"], { answer: { when: "[y/N]", send: "y\r" } });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as RunReport).sides.onlyoffice.creates).toBe(120);
  });

  it("--yes does not ask", async () => {
    const result = await runOnTerminal(w, ["migrate", "--from", "onlyoffice", "--yes", "--json"]);
    expect(result.terminal).not.toContain("[y/N]");
    expect([0, 3]).toContain(result.code);
    expect((JSON.parse(result.stdout) as RunReport).sides.plannr.creates).toBe(105);
  });
});

describe("migrate without a terminal", () => {
  it("never asks, whatever the size", async () => {
    const fresh = await cliWorld({ seed: 72, cases: 110, onlyofficeCases: 0 });
    try {
      await initMapping(fresh);
      const result = await fresh.run(["migrate", "--from", "plannr", "--json"]);
      expect(result.code).toBe(0);
      expect(result.stderr).not.toContain("[y/N]");
      expect(parseJson<RunReport>(result).sides.onlyoffice.creates).toBe(110);
    } finally {
      await fresh.close();
    }
  });
});

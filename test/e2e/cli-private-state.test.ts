// Issue 9 items 1, 5 and 8 through the built CLI, as a user runs it: the default state folder and
// file are private under umask 022, a .env line that sets NODE_TLS_REJECT_UNAUTHORIZED stops the
// command (exit 2) naming the line, and `demo --dir` leaves a folder it did not make alone.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CLI, cliWorld, initMapping, type CliResult, type CliWorld } from "../support/cli.js";
import { useUmask } from "../support/umask.js";

const root = mkdtempSync(join(tmpdir(), "case-sync-private-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

// The child inherits it: the umask most systems ship, under which files used to be 0644.
useUmask(0o022);

/** The CLI in `cwd` with only PATH and HOME from this process: no sandbox needed. */
function runBare(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

function folder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  return dir;
}

describe(".env may set only documented variables", () => {
  it("NODE_TLS_REJECT_UNAUTHORIZED=0 in .env stops the command with exit 2, naming the line", async () => {
    const dir = folder("env-node");
    writeFileSync(join(dir, ".env"), "LOG_LEVEL=warn\nNODE_TLS_REJECT_UNAUTHORIZED=0\n");
    const result = await runBare(dir, ["status"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(".env:2 sets NODE_TLS_REJECT_UNAUTHORIZED");
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("an unknown variable is named in a warning and ignored", async () => {
    const dir = folder("env-unknown");
    writeFileSync(join(dir, ".env"), "CASE_SYNC_STATE=./nowhere.db\nHTTPS_PROXY=http://127.0.0.1:9\n");
    const result = await runBare(dir, ["status"]);
    expect(result.stderr).toContain(".env:2: HTTPS_PROXY is not a case-sync setting and is ignored");
    // CASE_SYNC_STATE from the same file was applied: status names it.
    expect(result.stderr).toContain("./nowhere.db");
  });
});

describe("demo --dir", () => {
  it("refuses a folder the demo did not make (exit 2) and deletes nothing", async () => {
    const dir = folder("demo-refuse");
    const target = join(dir, "precious");
    mkdirSync(target);
    writeFileSync(join(target, "state.db"), "real state");
    const result = await runBare(dir, ["demo", "--dir", "precious"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("precious");
    expect(readdirSync(target)).toEqual(["state.db"]);
  });
});

describe("the default state location", () => {
  let world: CliWorld | null = null;
  afterEach(async () => {
    await world?.close();
    world = null;
  });

  it("is a 0700 .case-sync folder with 0600 files", async () => {
    world = await cliWorld({ seed: 3, cases: 12 });
    await initMapping(world);
    // The mapping `init` wrote is the tool's own file: private too.
    expect(mode(world.mappingPath)).toBe("600");
    const result = await world.run(["plan", "--json"], { CASE_SYNC_STATE: "./.case-sync/state.db" });
    expect([0, 3]).toContain(result.code);
    const stateDir = join(world.dir, ".case-sync");
    expect(mode(stateDir)).toBe("700");
    expect(mode(join(stateDir, "state.db"))).toBe("600");
    for (const extra of ["state.db-wal", "state.db-shm"]) {
      const path = join(stateDir, extra);
      if (existsSync(path)) expect(mode(path)).toBe("600");
    }
    expect(result.stderr).not.toContain("chmod");
  });
});

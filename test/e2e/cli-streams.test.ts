// Output that pipes (issue 10 items 1, 6, 7, 8 and 9): the built CLI as a child process, stdout,
// stderr and exit codes judged apart. `--json` is JSON Lines (the cron recipe appends reports to
// one file); data goes to stdout, everything about the run to stderr, and without a terminal
// stderr reads one way (plain lines, no JSON log lines beside them); `--quiet`, `--verbose`,
// `--pretty` and NO_COLOR; the run summary is the last thing printed; plans read like Terraform's.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunReport } from "../../src/core/report.js";
import { CLI, cliWorld, initMapping, parseJson, type CliWorld } from "../support/cli.js";
import { runOnTerminal, terminalAvailable } from "../support/pty.js";

let w: CliWorld;

beforeAll(async () => {
  w = await cliWorld({ seed: 61, cases: 10, onlyofficeCases: 0 });
  await initMapping(w);
  const first = await w.run(["migrate", "--from", "plannr", "--json"]);
  expect(first.code, first.stderr).toBe(0);
});
afterAll(async () => {
  await w.close();
});

const copyOf = (uuid: string) => w.sandboxes.onlyoffice.listCases().find((c) => Object.values(c.customFields).includes(uuid));
/** A log entry as the plain format writes it: `[2025-01-31 10:00:00.000 +0000] INFO: …`. */
const PLAIN_LOG = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /;
const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "");

/** `sh -c <script>` in the world's directory, with `case-sync` on the PATH as an installed package puts it. */
function shell(script: string, extraEnv: Record<string, string> = {}): Promise<number> {
  const bin = join(w.dir, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "case-sync"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, "case-sync"), 0o755);
  const child = spawn("sh", ["-c", script], { cwd: w.dir, env: { ...w.env, ...extraEnv, PATH: `${bin}:${w.env.PATH ?? ""}` }, stdio: "ignore" });
  return new Promise((resolve) => child.on("close", (code) => resolve(code ?? 1)));
}

describe("--json is JSON Lines (item 1)", () => {
  it("the cron recipe `sync --json >> reports.jsonl` appends one parseable line per run", async () => {
    const p = w.sandboxes.plannr.listCases()[0]!;
    w.sandboxes.plannr.editCase(p.uuid, { name: "Renamed between cron runs" });
    expect(await shell("case-sync sync --json >> reports.jsonl 2>> case-sync.log", { LOG_LEVEL: "info" })).toBe(0);
    expect(await shell("case-sync sync --json >> reports.jsonl 2>> case-sync.log", { LOG_LEVEL: "info" })).toBe(0);
    const reports = readFileSync(join(w.dir, "reports.jsonl"), "utf8").split("\n");
    expect(reports.pop()).toBe("");
    expect(reports).toHaveLength(2);
    const parsed = reports.map((line) => JSON.parse(line) as RunReport);
    expect(parsed[0]!.runId).not.toBe(parsed[1]!.runId);
    expect(parsed[0]!.changes.some((c) => c.partner === p.uuid)).toBe(true);
    // The log beside it is plain lines, none of them JSON.
    expect(lines(readFileSync(join(w.dir, "case-sync.log"), "utf8")).filter((line) => line.startsWith("{"))).toEqual([]);
  });

  it("--json --pretty indents the report for people", async () => {
    const result = await w.run(["--pretty", "status", "--json"]);
    expect(result.stdout.split("\n").length).toBeGreaterThan(5);
    expect(result.stdout).toContain('\n  "links": ');
    expect(parseJson<{ links: number }>(result).links).toBe(10);
    const compact = await w.run(["status", "--json"]);
    expect(compact.stdout.trimEnd().split("\n")).toHaveLength(1);
  });

  it("sync --watch --json prints one line per run; --interval without a unit is said with one", async () => {
    const { child, result } = w.spawn(["sync", "--watch", "--interval", "1", "--json"]);
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if ((out.match(/\n/g) ?? []).length >= 2) child.kill("SIGTERM");
    });
    const done = await result;
    expect(done.code).toBe(0);
    const reports = done.stdout.trimEnd().split("\n");
    expect(reports.length).toBeGreaterThanOrEqual(2);
    for (const line of reports) expect((JSON.parse(line) as RunReport).command).toBe("sync");
    expect(done.stderr).toContain("next run in 1s (Ctrl-C to stop)");
  });

  it("--interval without --watch is a usage error (exit 2)", async () => {
    const result = await w.run(["sync", "--interval", "5m"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--watch");
    expect(result.stdout).toBe("");
  });
});

describe("data on stdout, the rest on stderr (item 6)", () => {
  it("status, history, conflicts list and check print their data on stdout, nothing on stderr", async () => {
    const p = w.sandboxes.plannr.listCases()[1]!;
    for (const args of [["status"], ["history", p.uuid], ["conflicts", "list"], ["check"]]) {
      const result = await w.run(args);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
      expect(result.stdout, args.join(" ")).not.toBe("");
      expect(result.stderr, args.join(" ")).toBe("");
    }
    expect((await w.run(["status"])).stdout).toContain("links: 10");
    expect((await w.run(["history", p.uuid])).stdout).toContain(`ONLYOFFICE ${copyOf(p.uuid)!.id} case.create`);
    expect((await w.run(["conflicts", "list"])).stdout).toContain("No conflicts are waiting.");
    expect((await w.run(["check"])).stdout).toContain("All checks passed.");
  });

  it("plan: the plan on stdout, the run's summary on stderr", async () => {
    const p = w.sandboxes.plannr.listCases()[2]!;
    w.sandboxes.plannr.editCase(p.uuid, { name: "Planned rename" });
    const result = await w.run(["plan"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"Planned rename"');
    expect(result.stdout).toMatch(/^Plan: 1 to update\./m);
    expect(result.stderr).not.toContain("Planned rename");
    expect(result.stderr).toMatch(/^case-sync plan/m);
    expect(result.stdout).not.toMatch(/^case-sync plan/m);
    expect((await w.run(["sync"])).code).toBe(0);
  });

  it("without a terminal stderr is plain lines only, and nothing is logged after the summary", async () => {
    const p = w.sandboxes.plannr.listCases()[3]!;
    w.sandboxes.plannr.editCase(p.uuid, { name: "Renamed with debug logs" });
    const result = await w.run(["sync"], { LOG_LEVEL: "debug" });
    expect(result.code).toBe(0);
    const err = lines(result.stderr);
    expect(err.filter((line) => line.startsWith("{"))).toEqual([]);
    expect(err.filter((line) => PLAIN_LOG.test(line)).length).toBeGreaterThan(0);
    const summary = err.findIndex((line) => line.startsWith("case-sync sync"));
    expect(summary).toBeGreaterThan(0);
    expect(err.slice(summary).filter((line) => PLAIN_LOG.test(line))).toEqual([]);
    expect(err.at(-1)).toBe("  exit code 0");
  });

  it("--quiet prints no narration and no summary of a run that needs nobody; the data still comes", async () => {
    const p = w.sandboxes.plannr.listCases()[4]!;
    w.sandboxes.plannr.editCase(p.uuid, { name: "Quietly renamed" });
    const planned = await w.run(["--quiet", "plan", "--out", "quiet.json"], { LOG_LEVEL: "info" });
    expect(planned.code).toBe(0);
    expect(planned.stderr).toBe("");
    expect(planned.stdout).toContain('"Quietly renamed"');
    const synced = await w.run(["sync", "--quiet"], { LOG_LEVEL: "info" });
    expect(synced.code).toBe(0);
    expect(synced.stderr).toBe("");
    expect(copyOf(p.uuid)?.title).toBe("Quietly renamed");
    expect((await w.run(["--quiet", "--verbose", "status"])).code).toBe(2);
  });

  it("--verbose shows the logs down to debug (over LOG_LEVEL=warn) and each request under the plan's items", async () => {
    const p = w.sandboxes.plannr.listCases()[5]!;
    w.sandboxes.plannr.editCase(p.uuid, { name: "Verbosely renamed" });
    const plain = await w.run(["plan"]);
    expect(plain.stdout).not.toMatch(/^ {4}(PUT|POST|DELETE) /m);
    expect(lines(plain.stderr).filter((line) => PLAIN_LOG.test(line))).toEqual([]);
    const verbose = await w.run(["plan", "--verbose"]);
    expect(verbose.code).toBe(0);
    expect(verbose.stdout).toMatch(/^ {4}(PUT|POST) \S+ \{.*"Verbosely renamed"/m);
    expect(verbose.stderr).toMatch(/\] INFO: run started/);
    expect((await w.run(["sync"])).code).toBe(0);
  });
});

describe("plans a person can read (item 7) and a truthful summary (item 8)", () => {
  it("a plan names each record Terraform-style: ~ update <side> <id> \"<title>\": <groups>", async () => {
    const p = w.sandboxes.plannr.listCases()[6]!;
    const copy = copyOf(p.uuid)!;
    w.sandboxes.plannr.editCase(p.uuid, { name: "Terraform style" });
    const result = await w.run(["sync", "--dry-run"]);
    expect(result.code).toBe(0);
    // The record written is named by its title as it reads now; the line then says what changes.
    expect(result.stdout).toMatch(new RegExp(`^~ update ONLYOFFICE ${copy.id} ".+": title`, "m"));
    expect(result.stdout).not.toContain("/api/");
  });

  it("an update shows each group before → after: title \"a\" → \"b\"", async () => {
    const p = w.sandboxes.plannr.listCases()[6]!;
    const copy = copyOf(p.uuid)!;
    const result = await w.run(["plan"]);
    expect(result.stdout).toContain(`~ update ONLYOFFICE ${copy.id} ${JSON.stringify(copy.title)}: title ${JSON.stringify(copy.title)} → "Terraform style"`);
  });

  it("an empty plan with a conflict waiting does not say the systems agree", async () => {
    expect((await w.run(["sync"])).code).toBe(0);
    const p = w.sandboxes.plannr.listCases()[7]!;
    w.sandboxes.plannr.editCase(p.uuid, { name: "Plannr says this" });
    w.sandboxes.onlyoffice.editCase(copyOf(p.uuid)!.id, { title: "ONLYOFFICE says that" });
    const planned = await w.run(["plan"]);
    expect(planned.code).toBe(3);
    expect(planned.stdout).not.toContain("both systems agree");
    expect(planned.stdout).toContain("1 conflict waits for you");
    expect(planned.stderr).toContain("conflicts waiting for you: 1");
    // --quiet keeps the summary of a run that needs a person.
    const quiet = await w.run(["sync", "--quiet"]);
    expect(quiet.code).toBe(3);
    expect(quiet.stderr).toContain("conflicts waiting for you: 1");
    const [conflict] = parseJson<{ id: string }[]>(await w.run(["conflicts", "list", "--json"]));
    expect((await w.run(["conflicts", "resolve", conflict!.id, "--take", "plannr"])).code).toBe(0);
    expect((await w.run(["sync"])).code).toBe(0);
    const agreed = await w.run(["plan"]);
    expect(agreed.stdout).toContain("The plan is empty: both systems agree.");
  });
});

describe.skipIf(!terminalAvailable)("on a terminal", () => {
  it("NO_COLOR: no escape byte anywhere (and colour without it)", async () => {
    const coloured = await runOnTerminal(w, ["sync", "--dry-run"], { env: { LOG_LEVEL: "debug" } });
    // pino-pretty colours the level names on a terminal.
    expect(coloured.code).toBe(0);
    expect(coloured.terminal).toContain("\u001b[");
    const plain = await runOnTerminal(w, ["sync", "--dry-run"], { env: { LOG_LEVEL: "debug", NO_COLOR: "1" } });
    expect(plain.code).toBe(0);
    expect(plain.terminal).toMatch(/INFO/);
    expect(plain.terminal + plain.stdout).not.toContain("\u001b");
  });

  it("no log line after the summary", async () => {
    const p = w.sandboxes.plannr.listCases()[8]!;
    w.sandboxes.plannr.editCase(p.uuid, { name: "Renamed at a terminal" });
    const result = await runOnTerminal(w, ["sync"], { env: { LOG_LEVEL: "debug", NO_COLOR: "1" } });
    expect(result.code).toBe(0);
    const shown = lines(result.terminal.replaceAll("\r", ""));
    expect(shown.at(-1)).toBe("  exit code 0");
    const summary = shown.findIndex((line) => line.startsWith("case-sync sync"));
    expect(shown.slice(summary).filter((line) => /(DEBUG|INFO|WARN)/.test(line))).toEqual([]);
  });
});

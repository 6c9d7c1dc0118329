// The README's scheduling recipes run as written (issue 10), as far as this machine allows: the
// cron line, the systemd service's ExecStart and the GitHub Actions step's `run:` line are taken
// from README.md itself, their paths pointed at a temporary deployment folder (case-sync installed
// the way `npm install ./case-sync-0.1.0.tgz` installs it: node_modules/case-sync with dist/ and
// an executable node_modules/.bin/case-sync), secrets and URLs at the sandboxes, and run with the
// environment each scheduler gives (cron: PATH=/usr/bin:/bin, nothing else). Not run: `npm ci`
// (no registry here) and the Actions `uses:` steps; systemd itself (its unit is read for
// WorkingDirectory, EnvironmentFile, ExecStart and SuccessExitStatus, and applied by the test).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { RunReport } from "../../src/core/report.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";

const ROOT = resolve(import.meta.dirname, "../..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The fenced code blocks of the README, with their language. */
function codeBlocks(): { lang: string; text: string }[] {
  return [...README.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] ?? "", text: m[2] ?? "" }));
}

function cronLine(): string {
  const block = codeBlocks().find((b) => b.lang === "cron");
  const line = block?.text.split("\n").find((l) => l.trim() !== "" && !l.startsWith("#"));
  if (!line) throw new Error("README has no cron line");
  // Five schedule fields, then the command as cron hands it to /bin/sh.
  return line.trim().replace(/^(\S+\s+){5}/, "");
}

function systemdService(): Record<string, string> {
  const block = codeBlocks().find((b) => b.lang === "ini" && b.text.includes("ExecStart="));
  if (!block) throw new Error("README has no systemd service");
  const unit: Record<string, string> = {};
  for (const line of block.text.split("\n")) {
    const m = /^(\w+)=(.*)$/.exec(line.trim());
    if (m) unit[m[1] ?? ""] = m[2] ?? "";
  }
  return unit;
}

interface ActionsStep {
  run?: string;
  env?: Record<string, string>;
}

function actionsSteps(): ActionsStep[] {
  const block = codeBlocks().find((b) => b.lang === "yaml" && b.text.includes("runs-on:"));
  if (!block) throw new Error("README has no GitHub Actions workflow");
  const workflow = parseYaml(block.text) as { jobs: Record<string, { steps: ActionsStep[] }> };
  return Object.values(workflow.jobs).flatMap((job) => job.steps);
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<Ran> {
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  return new Promise((done) => child.on("close", (code) => done({ code: code ?? 1, stdout, stderr })));
}

let s: Sandboxes;
let srv = "";
const PG_CANDIDATES = ["postgres://postgres@127.0.0.1:5432/test", "postgres://root@127.0.0.1:5432/test"];
let pgUrl = "";
const schema = `cs_readme_${randomBytes(4).toString("hex")}`;

/** A deployment folder like /srv/case-sync after `npm install ./case-sync-0.1.0.tgz`. */
function installInto(dir: string): void {
  const pkg = join(dir, "node_modules", "case-sync");
  mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
  mkdirSync(pkg);
  cpSync(join(ROOT, "dist"), join(pkg, "dist"), { recursive: true });
  cpSync(join(ROOT, "package.json"), join(pkg, "package.json"));
  // Its dependencies, where npm would have put them.
  symlinkSync(join(ROOT, "node_modules"), join(pkg, "node_modules"));
  // npm links the bin and makes its target executable.
  symlinkSync("../case-sync/dist/src/cli/main.js", join(dir, "node_modules", ".bin", "case-sync"));
  chmodSync(join(pkg, "dist", "src", "cli", "main.js"), 0o755);
}

/** The CLI in the deployment folder, for setting it up (init, migrations): not part of the recipes. */
function setup(args: string[]): Promise<Ran> {
  return run(process.execPath, [join(srv, "node_modules", ".bin", "case-sync"), ...args], { cwd: srv, env: { PATH: process.env.PATH ?? "", HOME: srv, LOG_LEVEL: "warn" } });
}

beforeAll(async () => {
  s = await startSandboxes({ seed: 61, cases: 12 });
  srv = mkdtempSync(join(tmpdir(), "case-sync-srv-"));
  installInto(srv);
  mkdirSync(join(srv, "log"));
  // The EnvironmentFile / .env of the deployment: the sandboxes' connection settings.
  const env = Object.entries(s.env)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
  writeFileSync(join(srv, ".env"), `${env}\nLOG_LEVEL=warn\n`, { mode: 0o600 });
  expect((await setup(["init", "--create-link-fields"])).code).toBe(0);
  const client = s.world.clients.find((c) => c.note === "ordinary client")?.plannrUuid;
  const mapping = join(srv, "case-sync.yaml");
  if (client) writeFileSync(mapping, readFileSync(mapping, "utf8").replace("  defaultClient: null", `  defaultClient: ${client}`));
  // The README's step 4: both first copies are migrations.
  expect((await setup(["migrate", "--from", "plannr"])).code).toBe(0);
  expect([0, 3]).toContain((await setup(["migrate", "--from", "onlyoffice"])).code);
  for (const url of PG_CANDIDATES) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      pgUrl = url;
      break;
    } catch {
      // next user
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}, 120_000);

afterAll(async () => {
  await s.close();
  if (pgUrl !== "") {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
  rmSync(srv, { recursive: true, force: true });
});

describe("the README's cron line", () => {
  const command = () => cronLine().replaceAll("/srv/case-sync", srv).replaceAll("/var/log/case-sync", join(srv, "log"));
  // What cron gives a job: sh, a minimal PATH, HOME; the output it prints is mailed.
  const cron = () => run("/bin/sh", ["-c", command()], { cwd: srv, env: { PATH: "/usr/bin:/bin", HOME: srv, SHELL: "/bin/sh", LOGNAME: "case-sync" } });

  it("is taken from the README", () => {
    expect(cronLine()).toContain("./node_modules/.bin/case-sync sync --json >> /var/log/case-sync/reports.jsonl");
  });

  it("appends one JSON report per run and prints nothing when the run needs nobody (exit 0)", async () => {
    const first = await cron();
    expect(first.stderr).toBe("");
    expect(first.stdout).toBe("");
    const lines = readFileSync(join(srv, "log", "reports.jsonl"), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0] ?? "") as RunReport).exitCode).toBe(0);
    expect(existsSync(join(srv, "log", "case-sync.log"))).toBe(true);
    // The default state, next to the deployment.
    expect(existsSync(join(srv, ".case-sync", "state.db"))).toBe(true);
  });

  it("prints the line cron mails when a run needs a person (exit 3), and the file stays JSON Lines", async () => {
    const p = s.plannr.listCases()[0]!;
    const o = s.onlyoffice.listCases().find((c) => Object.values(c.customFields).includes(p.uuid))!;
    s.plannr.editCase(p.uuid, { name: "Plannr says this" });
    s.onlyoffice.editCase(o.id, { title: "ONLYOFFICE says that" });
    const second = await cron();
    expect(second.stdout.trim()).toBe("case-sync exited 3 (3: see the report; 1, 2, 4: act)");
    const reports = readFileSync(join(srv, "log", "reports.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as RunReport);
    expect(reports.map((r) => r.exitCode)).toEqual([0, 3]);
    expect(reports[1]?.conflicts).toHaveLength(1);
  });
});

describe("the README's systemd service", () => {
  it("runs ExecStart in WorkingDirectory with EnvironmentFile; the exit code is one SuccessExitStatus allows", async () => {
    const unit = systemdService();
    const at = (value: string | undefined) => (value ?? "").replaceAll("/srv/case-sync", srv);
    expect(unit.ExecStart).toBe("/usr/bin/node /srv/case-sync/node_modules/.bin/case-sync sync");
    const [file, ...args] = at(unit.ExecStart).split(/\s+/);
    // systemd's environment: its default PATH and the EnvironmentFile's variables.
    const env: Record<string, string> = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
    for (const line of readFileSync(at(unit.EnvironmentFile), "utf8").split("\n")) {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (m) env[m[1] ?? ""] = m[2] ?? "";
    }
    const success = new Set([0, ...(unit.SuccessExitStatus ?? "").split(/\s+/).map(Number)]);
    expect(existsSync(file ?? ""), `${file} (the README's node)`).toBe(true);
    // The conflict of the cron test still waits: exit 3, which the unit counts as success.
    const waiting = await run(file ?? "", args, { cwd: at(unit.WorkingDirectory), env });
    expect(waiting.code, waiting.stderr).toBe(3);
    expect(success.has(waiting.code)).toBe(true);
    // Settled by hand, the next run exits 0.
    const list = await setup(["conflicts", "list", "--json"]);
    const [conflict] = JSON.parse(list.stdout) as { id: string }[];
    expect((await setup(["conflicts", "resolve", conflict!.id, "--take", "plannr"])).code).toBe(0);
    const settled = await run(file ?? "", args, { cwd: at(unit.WorkingDirectory), env });
    expect(settled.code, settled.stderr).toBe(0);
    expect(success.has(settled.code)).toBe(true);
  });
});

describe("the README's GitHub Actions step", () => {
  it("`npx case-sync sync --json > report.json || test $? -eq 3` succeeds with the step's env, the state in PostgreSQL", async () => {
    expect(pgUrl, "a PostgreSQL server at 127.0.0.1:5432 (see README)").not.toBe("");
    const steps = actionsSteps();
    const step = steps.find((st) => st.run?.includes("case-sync") === true);
    expect(steps.map((st) => st.run).filter(Boolean)).toEqual(["npm ci", step?.run]);
    expect(step?.run).toBe("npx case-sync sync --json > report.json || test $? -eq 3");
    const secrets: Record<string, string> = { ...s.env, CASE_SYNC_STATE: `${pgUrl}?schema=${schema}` };
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: srv, npm_config_offline: "true", npm_config_update_notifier: "false" };
    for (const [key, value] of Object.entries(step?.env ?? {})) {
      // `${{ secrets.X }}` and the example URLs become the sandboxes' values.
      env[key] = /\$\{\{\s*secrets\.(\w+)\s*\}\}/.test(value) || /^https:\/\//.test(value) ? (secrets[key] ?? "") : value;
    }
    // The checkout: the repository with case-sync.yaml committed, after `npm ci` (no .env on a runner).
    const checkout = mkdtempSync(join(tmpdir(), "case-sync-checkout-"));
    try {
      cpSync(join(srv, "case-sync.yaml"), join(checkout, "case-sync.yaml"));
      symlinkSync(join(srv, "node_modules"), join(checkout, "node_modules"));
      // Actions runs `run:` with `bash -e {0}` on Linux.
      const result = await run("bash", ["-e", "-c", step?.run ?? ""], { cwd: checkout, env });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(checkout, "report.json"), "utf8")) as RunReport;
      expect([0, 3]).toContain(report.exitCode);
      expect(report.command).toBe("sync");
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});

describe("the README's library snippet", () => {
  it("runs as written against the sandboxes, from a project that installed case-sync", async () => {
    // The runnable one imports case-sync (other sections show fragments of an embedder's app).
    const block = codeBlocks().find((b) => b.lang === "ts" && b.text.includes('from "case-sync"') && b.text.includes("createSync"));
    if (!block) throw new Error("README has no library snippet");
    // An ES module, as case-sync is one (an embedding project has "type": "module" or uses .mts).
    writeFileSync(join(srv, "snippet.mts"), block.text);
    // The embedding project imports pino itself, so it has it installed beside case-sync.
    if (!existsSync(join(srv, "node_modules", "pino"))) symlinkSync(join(ROOT, "node_modules", "pino"), join(srv, "node_modules", "pino"));
    const env = { PATH: process.env.PATH ?? "", HOME: srv, ...s.env };
    const ran = await run(join(ROOT, "node_modules", ".bin", "tsx"), ["snippet.mts"], { cwd: srv, env });
    expect(ran.stderr).not.toMatch(/Error|error TS/);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^exit [03]: \d+ writes, \d+ conflicts$/m);
  }, 60_000);
});

// `case-sync pairs …` and `--pair` through the built CLI (dist/), as an operator runs them, against
// the sandboxes and the local PostgreSQL: register from an env file and a mapping, list and show,
// sync one pair by name, pause, rekey, remove; a wrong key is exit 2 with a clear message; two
// processes racing on an expired OAuth token refresh it once; and no secret is ever printed. Each
// process costs seconds, so what needs no process (the command tree, the settings checks) is
// looked at in this one.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command } from "commander";
import { openPairSync } from "../../src/cli/pair-open.js";
import { buildProgram } from "../../src/cli/program.js";
import { EnvSchema } from "../../src/core/config.js";
import { silentLogger } from "../../src/core/ports.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";
import { CLI, type CliResult } from "../support/cli.js";
import { dropFleet, fleetSchemaName, newKey, postgresUrl, sandboxEnv, sandboxMapping, sandboxOAuthEnv, withClient } from "../support/fleet-pairs.js";

let pgUrl = "";
let fleet = "";
let state = "";
let key = newKey();
let s: Sandboxes;
let dir = "";
const transcript: string[] = [];
const secrets: string[] = [];

function run(args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  // No PLANNR_* / ONLYOFFICE_* here: with --pair everything comes from the registry.
  const env = { PATH: process.env.PATH ?? "", HOME: dir, CASE_SYNC_STATE: state, CASE_SYNC_SECRET_KEY: key, LOG_LEVEL: "warn", ...extra };
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve) => {
    child.on("close", (code) => {
      transcript.push(stdout, stderr);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

function envFile(name: string, env: Record<string, string>): string {
  const path = join(dir, name);
  writeFileSync(path, Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n", { mode: 0o600 });
  return path;
}

beforeAll(async () => {
  pgUrl = await postgresUrl();
  fleet = fleetSchemaName("cli");
  state = `${pgUrl}?schema=${fleet}`;
  s = await startSandboxes({ seed: 81, cases: 10 });
  dir = mkdtempSync(join(tmpdir(), "case-sync-pairs-"));
  writeFileSync(join(dir, "acme.yaml"), await sandboxMapping(s));
  envFile("acme.env", sandboxEnv(s));
  secrets.push(key, s.env.PLANNR_TOKEN!, s.env.ONLYOFFICE_PASSWORD!, s.env.ONLYOFFICE_TOKEN!, s.plannr.oauth.clientSecret);
}, 60_000);

afterAll(async () => {
  await s?.close();
  if (pgUrl !== "") await dropFleet(pgUrl, fleet);
});

describe("case-sync pairs (in process)", () => {
  const env = (extra: Record<string, string>) => EnvSchema.parse({ CASE_SYNC_STATE: state, CASE_SYNC_SECRET_KEY: key, ...extra });
  const open = (extra: Record<string, string>, options: { config?: string } = {}) => () => openPairSync(env(extra), { pair: "acme", ...options }, { logger: silentLogger, onProgress: () => undefined });

  it("puts --pair on every per-pair command", () => {
    const program = buildProgram(() => undefined);
    const find = (path: string) => path.split(" ").reduce<Command | undefined>((parent, name) => parent?.commands.find((c) => c.name() === name), program);
    for (const path of ["check", "status", "conflicts list", "conflicts resolve", "link", "links", "unlink", "history", "plan", "sync", "migrate", "undo", "skip", "unskip"]) {
      expect(find(path)?.options.map((o) => o.long), path).toContain("--pair");
    }
    expect(find("init")?.options.map((o) => o.long)).not.toContain("--pair");
  });

  it("--pair needs a Postgres state and a key, and does not go with --config", () => {
    expect(open({ CASE_SYNC_STATE: "./state.db" })).toThrow(/CASE_SYNC_STATE=postgres:\/\//);
    expect(open({ CASE_SYNC_SECRET_KEY: "" })).toThrow(/the fleet needs CASE_SYNC_SECRET_KEY/);
    expect(open({}, { config: "acme.yaml" })).toThrow(/leave out --config/);
  });
});

describe("case-sync pairs", () => {
  it("teaches in --help", async () => {
    const help = await run(["pairs", "--help"]);
    expect(help.code).toBe(0);
    for (const word of ["add", "list", "show", "remove", "pause", "resume", "rekey", "CASE_SYNC_SECRET_KEY", "PLANNR_OAUTH_REFRESH_TOKEN", "--pair"]) expect(help.stdout).toContain(word);
  });

  it("registers a pair from an env file and a mapping, lists and shows it; refuses a bad mapping with its line", async () => {
    writeFileSync(join(dir, "bad.yaml"), "version: 1\naccess:\n  mode: everybody\n");
    const [add, bad] = await Promise.all([
      run(["pairs", "add", "acme", "--env-file", "acme.env", "--mapping", "acme.yaml", "--every", "10m"]),
      run(["pairs", "add", "bad", "--env-file", "acme.env", "--mapping", "bad.yaml"]),
    ]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).toContain("registered pair acme");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("bad.yaml:3");
    const [list, show] = await Promise.all([run(["pairs", "list"]), run(["pairs", "show", "acme"])]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/acme\s+active\s+10m/);
    expect(list.stdout).not.toContain("bad");
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(s.env.PLANNR_BASE_URL);
    expect(show.stdout).toContain(`${fleet}_p_acme`);
  });

  it("sync --pair syncs that pair, from the registry, into its own schema", async () => {
    const before = s.onlyoffice.listCases().length;
    const sync = await run(["sync", "--pair", "acme", "--json"]);
    expect([0, 3], sync.stderr).toContain(sync.code);
    const report = JSON.parse(sync.stdout) as { abort: unknown; links: { total: number } };
    expect(report.abort).toBeNull();
    expect(report.links.total).toBeGreaterThan(0);
    expect(s.onlyoffice.listCases().length).toBeGreaterThan(before);
    const links = await withClient(pgUrl, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM "${fleet}_p_acme".links`)).rows[0]?.n));
    expect(links).toBe(report.links.total);
    const [status, unknown] = await Promise.all([run(["status", "--pair", "acme"]), run(["sync", "--pair", "nope"])]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`links: ${links}`);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no pair named nope");
  });

  it("a wrong or malformed key is exit 2 with a clear message", async () => {
    const [wrong, short] = await Promise.all([run(["sync", "--pair", "acme"], { CASE_SYNC_SECRET_KEY: newKey() }), run(["pairs", "list"], { CASE_SYNC_SECRET_KEY: "c2hvcnQ=" })]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/CASE_SYNC_SECRET_KEY does not match the key these credentials were sealed with \(key id [0-9a-f]{8}/);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("CASE_SYNC_SECRET_KEY must be 32 random bytes in base64");
  });

  it("two processes racing on an expired OAuth token refresh it once; a paused pair shows as paused", async () => {
    const issued = s.plannr.oauth.issue({ expiresInSeconds: 3600 });
    secrets.push(issued.accessToken, issued.refreshToken);
    envFile("oauth.env", sandboxOAuthEnv(s, { ...issued, expiresAt: "2020-01-01T00:00:00Z" }));
    const [add, pause] = await Promise.all([run(["pairs", "add", "acme-oauth", "--env-file", "oauth.env", "--mapping", "acme.yaml"]), run(["pairs", "pause", "acme"])]);
    expect(add.code, add.stderr).toBe(0);
    expect(pause.code, pause.stderr).toBe(0);
    s.plannr.oauth.expire(issued.accessToken);
    const [a, b, list] = await Promise.all([run(["plan", "--pair", "acme-oauth", "--json"]), run(["plan", "--pair", "acme-oauth", "--json"]), run(["pairs", "list"])]);
    for (const result of [a, b]) {
      expect((JSON.parse(result.stdout) as { abort: unknown }).abort, result.stderr).toBeNull();
    }
    expect(s.plannr.oauth.refreshUses(issued.refreshToken)).toBe(1);
    expect(list.stdout).toMatch(/acme\s+paused/);
    expect(list.stdout).toMatch(/acme-oauth\s+active\s+5m\s.*oauth/);
  });

  it("rekeys from CASE_SYNC_NEW_SECRET_KEY; afterwards only the new key opens the fleet", async () => {
    const next = newKey();
    secrets.push(next);
    const rekey = await run(["pairs", "rekey"], { CASE_SYNC_NEW_SECRET_KEY: next });
    expect(rekey.code, rekey.stderr).toBe(0);
    expect(rekey.stderr).toContain("re-sealed the credentials of 2 pairs");
    const [old, fresh] = await Promise.all([run(["pairs", "list"]), run(["status", "--pair", "acme"], { CASE_SYNC_SECRET_KEY: next })]);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain("CASE_SYNC_SECRET_KEY does not match");
    expect(fresh.code, fresh.stderr).toBe(0);
    key = next;
  });

  it("removes a pair and its state", async () => {
    const remove = await run(["pairs", "remove", "acme"]);
    expect(remove.code).toBe(0);
    const schema = await withClient(pgUrl, async (c) => (await c.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [`${fleet}_p_acme`])).rowCount);
    expect(schema).toBe(0);
  });

  it("never printed a secret", () => {
    const all = transcript.join("\n");
    expect(all.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(all.includes(secret), `secret ${secret.slice(0, 4)}… printed`).toBe(false);
  });
});

// Runs the built CLI (dist/, built by `pretest`) as a child process, the way a user or a
// scheduler does, against sandboxes started in the test process.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startSandboxes, type SandboxOptions, type Sandboxes } from "../../src/sandbox/index.js";

export const CLI = resolve(import.meta.dirname, "../../dist/src/cli/main.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliWorld {
  sandboxes: Sandboxes;
  dir: string;
  env: Record<string, string>;
  mappingPath: string;
  statePath: string;
  run(args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  spawn(args: string[], extraEnv?: Record<string, string>): { child: ChildProcess; result: Promise<CliResult> };
  /** Every line the CLI printed so far, for the secrets check. */
  transcript: string[];
  close(): Promise<void>;
}

function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolvePromise) => {
    child.on("close", (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

export async function cliWorld(options: SandboxOptions = {}): Promise<CliWorld> {
  const sandboxes = await startSandboxes({ seed: 7, cases: 24, ...options });
  const dir = mkdtempSync(join(tmpdir(), "case-sync-e2e-"));
  const mappingPath = join(dir, "case-sync.yaml");
  const statePath = join(dir, "state.db");
  const transcript: string[] = [];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    ...sandboxes.env,
    CASE_SYNC_CONFIG: mappingPath,
    CASE_SYNC_STATE: statePath,
    LOG_LEVEL: "warn",
  };
  const spawnCli = (args: string[], extraEnv: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
    const result = collect(child).then((r) => {
      transcript.push(r.stdout, r.stderr);
      return r;
    });
    return { child, result };
  };
  return {
    sandboxes,
    dir,
    env,
    mappingPath,
    statePath,
    transcript,
    run: (args, extraEnv) => spawnCli(args, extraEnv).result,
    spawn: spawnCli,
    close: () => sandboxes.close(),
  };
}

/** `init --create-link-fields`, then sets the mapping's defaultClient (joint clients exist in the world). */
export async function initMapping(world: CliWorld): Promise<void> {
  const init = await world.run(["init", "--create-link-fields"]);
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  const client = world.sandboxes.world.clients.find((c) => c.note === "ordinary client")?.plannrUuid;
  if (client) writeFileSync(world.mappingPath, readFileSync(world.mappingPath, "utf8").replace("  defaultClient: null", `  defaultClient: ${client}`));
}

export function parseJson<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout.slice(0, 500)}\nstderr: ${result.stderr.slice(0, 2000)}`);
  }
}

export { countWrites as writeCount } from "../../src/core/report.js";

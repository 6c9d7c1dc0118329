// A fleet for the worker's process tests: the local PostgreSQL (trust auth, database `test`) with a
// fleet schema of its own per run (`<fleet>`, `<fleet>_boss`, `<fleet>_p_*`, all dropped at the
// end), one pair of sandboxes per fleet pair over real HTTP, the pairs registered through the
// registry, and workers as real processes (`node dist/src/cli/main.js worker`, built beforehand).
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { openJobQueue, type JobQueue } from "../../src/fleet/jobs-queue.js";
import type { JobSettings } from "../../src/fleet/jobs.js";
import { PairRegistry } from "../../src/fleet/registry.js";
import { discoverMapping } from "../../src/library/discover.js";
import { silentLogger } from "../../src/core/ports.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";
import { CLI } from "./cli.js";
import { postgresUrl, withClient } from "./local-postgres.js";

/** What the workers of these tests are started with (WORKER_ARGS), for jobs the tests send themselves. */
export const WORKER_ARGS = ["--concurrency", "4", "--poll", "1s", "--job-expiry", "15s", "--retry-delay", "1s", "--pair-idle", "2s"];
const JOB_SETTINGS: JobSettings = { expireInSeconds: 15, retryLimit: 3, retryDelaySeconds: 1, lockedDelaySeconds: 2 };

/** The label `init --create-link-fields` gives the ONLYOFFICE field holding the Plannr uuid. */
const LINK_LABEL = "Plannr case UUID";

/** The local server's URL (an unreachable one fails the file: CI has one, a skip would hide breakage). */
export const databaseUrl = postgresUrl;

export interface FleetPair {
  name: string;
  sandboxes: Sandboxes;
  /** The pair's connection variables, as `pairs add --env-file` would read them. */
  env: Record<string, string>;
  /** The ONLYOFFICE custom field id holding the Plannr uuid. */
  linkField: number;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` once it listens. */
  url: string;
  stderr(): string;
  /** Resolves with the exit code (or 128 + signal). */
  exited: Promise<number>;
}

export interface Fleet {
  baseUrl: string;
  /** CASE_SYNC_STATE for this fleet. */
  url: string;
  schema: string;
  secretKey: string;
  registry: PairRegistry;
  pairs: FleetPair[];
  /** Sends jobs as the scheduler would (direct enqueue), and reads nothing else. */
  queue(): Promise<JobQueue>;
  sql<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  startWorker(args?: string[], env?: Record<string, string>): Promise<WorkerProcess>;
  /** Runs the CLI once to its end. */
  cli(args: string[], env?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

export interface FleetWorldOptions {
  pairs: number;
  casesPerPair: number;
  /** ONLYOFFICE-only cases per pair (copied to Plannr). */
  onlyofficeCasesPerPair?: number;
  everyMs: number;
  /** Pairs whose env carries PLANNR_WEBHOOK_SECRET (their secret is `webhookSecretOf(name)`). */
  webhookSecrets?: boolean;
  /** Per pair: another schedule, or variables that differ from the sandbox's (a wrong token). */
  configure?: (pair: FleetPair, index: number) => { everyMs?: number; env?: Record<string, string> };
}

export function webhookSecretOf(name: string): string {
  return `whsec-${name}-${"x".repeat(8)}`;
}

/** A delivery as Plannr signs it: hex HMAC-SHA256 of the raw body. */
export function signedDelivery(secret: string, body: unknown): { body: string; signature: string } {
  const text = JSON.stringify(body);
  return { body: text, signature: createHmac("sha256", secret).update(text).digest("hex") };
}

function collectExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 128 + (signal === "SIGKILL" ? 9 : 15) : 1))));
}

export async function fleetWorld(options: FleetWorldOptions): Promise<Fleet> {
  const baseUrl = await databaseUrl();
  const schema = `csf_${randomBytes(4).toString("hex")}`;
  const url = `${baseUrl}?schema=${schema}`;
  const secretKey = randomBytes(32).toString("base64");
  const dir = mkdtempSync(join(tmpdir(), "case-sync-fleet-"));
  const registry = await PairRegistry.open({ url, secretKey });
  const pairs: FleetPair[] = [];
  const workers: WorkerProcess[] = [];
  let queue: JobQueue | null = null;
  // Same seed everywhere: every pair's world is alike (one mapping fits all), each in its own servers.
  for (let i = 0; i < options.pairs; i += 1) {
    const sandboxes = await startSandboxes({ seed: 11, cases: options.casesPerPair, onlyofficeCases: options.onlyofficeCasesPerPair ?? 1 });
    const name = `firm-${String(i + 1).padStart(2, "0")}`;
    const env: Record<string, string> = {
      PLANNR_BASE_URL: sandboxes.env.PLANNR_BASE_URL ?? "",
      PLANNR_TOKEN: sandboxes.env.PLANNR_TOKEN ?? "",
      PLANNR_ACCOUNT_UUID: sandboxes.env.PLANNR_ACCOUNT_UUID ?? "",
      ONLYOFFICE_BASE_URL: sandboxes.env.ONLYOFFICE_BASE_URL ?? "",
      ONLYOFFICE_TOKEN: sandboxes.env.ONLYOFFICE_TOKEN ?? "",
      ...(options.webhookSecrets ? { PLANNR_WEBHOOK_SECRET: webhookSecretOf(name) } : {}),
    };
    pairs.push({ name, sandboxes, env, linkField: 0 });
  }
  // `init --create-link-fields` on each pair (it adds the link field to that portal).
  let mapping = "";
  for (let i = 0; i < pairs.length; i += 10) {
    const texts = await Promise.all(
      pairs.slice(i, i + 10).map(async (pair) => {
        const found = await discoverMapping({
          plannr: { baseUrl: pair.env.PLANNR_BASE_URL ?? "", token: pair.env.PLANNR_TOKEN ?? "", accountUuid: pair.env.PLANNR_ACCOUNT_UUID ?? "" },
          onlyoffice: { baseUrl: pair.env.ONLYOFFICE_BASE_URL ?? "", token: pair.env.ONLYOFFICE_TOKEN ?? "" },
          createLinkFields: true,
        });
        pair.linkField = found.createdLinkField ?? 0;
        return found.text;
      }),
    );
    mapping ||= texts[0] ?? "";
  }
  const client = pairs[0]?.sandboxes.world.clients.find((c) => c.note === "ordinary client")?.plannrUuid;
  if (client) mapping = mapping.replace("  defaultClient: null", `  defaultClient: ${client}`);
  for (const [index, pair] of pairs.entries()) {
    const extra = options.configure?.(pair, index) ?? {};
    await registry.add({ name: pair.name, env: { ...pair.env, ...extra.env }, mapping, everyMs: extra.everyMs ?? options.everyMs });
  }

  const baseEnv = { PATH: process.env.PATH ?? "", HOME: dir, CASE_SYNC_STATE: url, CASE_SYNC_SECRET_KEY: secretKey, LOG_LEVEL: "info" };

  return {
    baseUrl,
    url,
    schema,
    secretKey,
    registry,
    pairs,
    async queue() {
      queue ??= await openJobQueue({ url, schema: `${schema}_boss`, settings: JOB_SETTINGS, logger: silentLogger, maintenanceIntervalSeconds: 3600 });
      return queue;
    },
    sql: (text, values = []) => withClient(baseUrl, async (c) => (await c.query(text, values)).rows),
    async startWorker(args = [], env = {}) {
      const child = spawn(process.execPath, [CLI, "worker", "--port", "0", ...args], { cwd: dir, env: { ...baseEnv, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      child.stdout?.resume();
      const exited = collectExit(child);
      const listening = new Promise<string>((resolve, reject) => {
        child.stderr?.on("data", (chunk: Buffer) => {
          err += chunk.toString("utf8");
          const found = /listening on (http:\/\/\S+?) /.exec(err);
          if (found?.[1]) resolve(found[1]);
        });
        void exited.then((code) => reject(new Error(`worker exited ${code} before listening:\n${err}`)));
      });
      const worker: WorkerProcess = { child, url: await listening, stderr: () => err, exited };
      workers.push(worker);
      return worker;
    },
    async cli(args, env = {}) {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...baseEnv, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      const code = await collectExit(child);
      return { code, stdout, stderr };
    },
    async close() {
      for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL");
      await Promise.all(workers.map((w) => w.exited));
      await queue?.stop();
      await registry.close();
      await Promise.all(pairs.map((p) => p.sandboxes.close()));
      await withClient(baseUrl, async (c) => {
        const { rows } = await c.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname LIKE $2", [schema, `${schema}\\_%`]);
        for (const row of rows) await c.query(`DROP SCHEMA "${row.nspname}" CASCADE`);
      });
    },
  };
}

/** The ONLYOFFICE link field's label, for tests that look it up themselves. */
export { LINK_LABEL };

export interface PairCheck {
  name: string;
  plannr: number;
  onlyoffice: number;
  /** Plannr cases without exactly one ONLYOFFICE case stamped with their uuid. */
  unpaired: string[];
  /** Plannr uuids stamped on more than one ONLYOFFICE case. */
  duplicates: string[];
  /** ONLYOFFICE cases stamped with no existing Plannr case, or not stamped at all. */
  orphans: number[];
}

/** Every Plannr case has exactly one ONLYOFFICE partner (by the stamp) and vice versa. */
export function checkPair(pair: FleetPair): PairCheck {
  const plannr = pair.sandboxes.plannr.listCases();
  const onlyoffice = pair.sandboxes.onlyoffice.listCases();
  const byStamp = new Map<string, number[]>();
  const orphans: number[] = [];
  const uuids = new Set(plannr.map((c) => c.uuid));
  for (const c of onlyoffice) {
    const stamp = c.customFields[pair.linkField];
    if (stamp === undefined || !uuids.has(stamp)) orphans.push(c.id);
    else byStamp.set(stamp, [...(byStamp.get(stamp) ?? []), c.id]);
  }
  return {
    name: pair.name,
    plannr: plannr.length,
    onlyoffice: onlyoffice.length,
    unpaired: plannr.filter((c) => (byStamp.get(c.uuid)?.length ?? 0) !== 1).map((c) => c.uuid),
    duplicates: [...byStamp].filter(([, ids]) => ids.length > 1).map(([uuid]) => uuid),
    orphans,
  };
}

export interface RunRow {
  id: string;
  command: string;
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
}

/** The pair's runs table, oldest first. */
export async function runsOf(fleet: Fleet, name: string): Promise<RunRow[]> {
  const schema = fleet.registry.stateSchema(name);
  const exists = await fleet.sql<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE schemaname = $1 AND tablename = 'runs'", [schema]);
  if (Number(exists[0]?.n ?? 0) === 0) return [];
  return fleet.sql<RunRow>(`SELECT id, command, started_at, finished_at, exit_code FROM "${schema}".runs ORDER BY started_at, seq`);
}

/**
 * Runs of one pair that overlap in time. A run with no end (its worker was killed) is taken to
 * end at `openEnd` (the kill), or never, when none is given.
 */
export function overlaps(runs: readonly RunRow[], openEnd?: string): [string, string][] {
  const found: [string, string][] = [];
  const end = (run: RunRow) => Date.parse(run.finished_at ?? openEnd ?? "9999-12-31T00:00:00Z");
  for (let i = 0; i < runs.length; i += 1) {
    for (let j = i + 1; j < runs.length; j += 1) {
      const a = runs[i]!;
      const b = runs[j]!;
      if (Date.parse(a.started_at) < end(b) && Date.parse(b.started_at) < end(a)) found.push([a.id, b.id]);
    }
  }
  return found;
}

/** Polls `probe` until it answers a value (not undefined), or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

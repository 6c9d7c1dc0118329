// `npm run bench`, the service part (SPEC §8, §9): `case-sync serve` runs as a real process (the
// built CLI) against the simulators in this process, with Plannr's real limiter (500 a minute) on
// both sides of the wire. Printed, never judged:
//   - Plannr edit → ONLYOFFICE write latency, p50/p95, with 10 deliveries a second (target p95 < 2 s);
//   - ONLYOFFICE edit → Plannr write latency against the scan interval (target ≤ interval + 2 s);
//   - Plannr requests over an idle window: the service (target 0 beyond reconciles) against
//     `sync --watch`. Scaled down: an idle 60 s against a watch interval of 6 s stands for an hour
//     against `--interval 6m` (the ratio is what matters, and it is the same).
//   BENCH_SERVICE_CASES=500 (0 skips)  BENCH_SERVICE_SECONDS=20 (length of the 10/s burst)
//   BENCH_SERVICE_IDLE_SECONDS=60
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pino from "pino";
import { discoverMapping } from "../../src/library/discover.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "../../src/library/options.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";
import { openStateStore } from "../../src/state/open.js";
import { freePort } from "../../src/cli/free-port.js";

const CLI = resolve(import.meta.dirname, "../../dist/src/cli/main.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function line(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(58)} ${value}\n`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const ms = (n: number) => `${Math.round(n)} ms`;

interface World {
  s: Sandboxes;
  env: Record<string, string>;
  cli(args: string[]): { child: ChildProcess; done: Promise<number | null> };
  run(args: string[]): Promise<number | null>;
}

async function world(cases: number): Promise<World> {
  const s = await startSandboxes({ seed: 11, cases, onlyofficeCases: 0 });
  const dir = mkdtempSync(join(tmpdir(), "case-sync-bench-serve-"));
  const found = await discoverMapping({
    plannr: parsePlannrConnection({ baseUrl: s.plannrUrl, token: s.env.PLANNR_TOKEN!, accountUuid: s.env.PLANNR_ACCOUNT_UUID! }),
    onlyoffice: parseOnlyofficeConnection({ baseUrl: s.onlyofficeUrl, token: s.env.ONLYOFFICE_TOKEN! }),
    createLinkFields: true,
    logger: pino({ level: "silent" }),
  });
  const client = s.world.clients.find((c) => c.note === "ordinary client")?.plannrUuid;
  writeFileSync(join(dir, "case-sync.yaml"), client ? found.text.replace("  defaultClient: null", `  defaultClient: ${client}`) : found.text);
  const env = { PATH: process.env.PATH ?? "", HOME: dir, ...s.env, CASE_SYNC_CONFIG: join(dir, "case-sync.yaml"), CASE_SYNC_STATE: join(dir, "state.db"), LOG_LEVEL: "warn" };
  const cli = (args: string[]) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr?.on("data", (chunk: Buffer) => (err = (err + chunk.toString("utf8")).slice(-4000)));
    const done = new Promise<number | null>((r) =>
      child.on("close", (code) => {
        if (code !== 0 && code !== null && code !== 3 && !child.killed) process.stdout.write(`  (case-sync ${args[0]} exited ${code}: ${err.trim().split("\n").pop() ?? ""})\n`);
        r(code);
      }),
    );
    return { child, done };
  };
  return { s, env, cli, run: (args) => cli(args).done };
}

async function ready(url: string): Promise<void> {
  for (let i = 0; i < 1200; i += 1) {
    if (await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false)) return;
    await sleep(50);
  }
  throw new Error("serve did not become ready");
}

/** When the first ONLYOFFICE (or Plannr) write to `path` at or after `since` was answered. */
function firstWrite(s: Sandboxes, side: "plannr" | "onlyoffice", match: (path: string) => boolean, since: number): number | null {
  const log = side === "plannr" ? s.plannr.server.requests() : s.onlyoffice.server.requests();
  return log.find((r) => r.method !== "GET" && r.at >= since && match(r.path))?.at ?? null;
}

async function latencyScenario(w: World, seconds: number): Promise<void> {
  const { s } = w;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const scanSeconds = 2;
  const serve = w.cli(["serve", "--port", String(port), "--public-url", url, "--scan-interval", `${scanSeconds}s`, "--reconcile-interval", "1h"]);
  await ready(url);
  await s.plannr.webhooks.idle();
  await sleep(1_000);

  // 10 Plannr UI edits a second, each to a different case: 10 deliveries a second.
  const links = new Map<string, number>();
  const store = openStateStore(w.env.CASE_SYNC_STATE!);
  await store.init();
  for (const link of await store.listLinks({ bases: false })) links.set(link.plannrId, Number(link.onlyofficeId));
  await store.close();
  const targets = [...links.entries()].slice(0, seconds * 10);
  const p0 = s.plannr.server.requests().length;
  const edits: { uuid: string; partner: number; at: number }[] = [];
  const start = Date.now();
  for (const [i, [uuid, partner]] of targets.entries()) {
    const due = start + i * 100;
    if (due > Date.now()) await sleep(due - Date.now());
    edits.push({ uuid, partner, at: Date.now() });
    s.plannr.editCase(uuid, { name: `Bench edit ${i}` });
  }
  const deadline = Date.now() + 120_000;
  let missing = edits.length;
  while (Date.now() < deadline) {
    missing = edits.filter((e) => firstWrite(s, "onlyoffice", (p) => p.endsWith(`/crm/case/${e.partner}`), e.at) === null).length;
    if (missing === 0) break;
    await sleep(200);
  }
  const lat = edits.map((e) => (firstWrite(s, "onlyoffice", (p) => p.endsWith(`/crm/case/${e.partner}`), e.at) ?? NaN) - e.at).filter((n) => !Number.isNaN(n));
  const plannrRequests = s.plannr.server.requests().slice(p0);
  line(`Plannr edit → ONLYOFFICE write, ${edits.length} edits at 10/s: p50 / p95 / max`, `${ms(percentile(lat, 50))} / ${ms(percentile(lat, 95))} / ${ms(Math.max(...lat))} (target p95 < 2 s)${missing ? `; ${missing} never arrived` : ""}`);
  line("  Plannr requests per delivery (reads of the case; 429s)", `${(plannrRequests.length / edits.length).toFixed(2)} (${plannrRequests.filter((r) => r.status === 429).length} × 429)`);

  // ONLYOFFICE UI edits at odd moments: found by the scan tick.
  const oEdits: { uuid: string; partner: number; at: number }[] = [];
  for (const [i, [uuid, partner]] of [...links.entries()].slice(seconds * 10, seconds * 10 + 10).entries()) {
    await sleep(700 + ((i * 379) % 1_300));
    oEdits.push({ uuid, partner, at: Date.now() });
    s.onlyoffice.editCase(partner, { title: `Bench ONLYOFFICE edit ${i}` });
  }
  const oDeadline = Date.now() + 60_000;
  while (Date.now() < oDeadline && oEdits.some((e) => firstWrite(s, "plannr", (p) => p.endsWith(`/cases/${e.uuid}`), e.at) === null)) await sleep(200);
  const oLat = oEdits.map((e) => (firstWrite(s, "plannr", (p) => p.endsWith(`/cases/${e.uuid}`), e.at) ?? NaN) - e.at).filter((n) => !Number.isNaN(n));
  line(`ONLYOFFICE edit → Plannr write (scan every ${scanSeconds} s): p50 / p95 / max`, `${ms(percentile(oLat, 50))} / ${ms(percentile(oLat, 95))} / ${ms(Math.max(...oLat))} (target ≤ ${scanSeconds * 1000 + 2000} ms)`);

  serve.child.kill("SIGTERM");
  line("serve stopped on SIGTERM with exit code", String(await serve.done));
}

async function idleScenario(w: World, idleSeconds: number): Promise<void> {
  const { s } = w;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const serve = w.cli(["serve", "--port", String(port), "--public-url", url, "--scan-interval", "2s", "--reconcile-interval", "1h"]);
  await ready(url);
  await s.plannr.webhooks.idle();
  await sleep(1_000);
  const p0 = s.plannr.server.requests().length;
  await sleep(idleSeconds * 1000);
  const serviceRequests = s.plannr.server.requests().length - p0;
  serve.child.kill("SIGTERM");
  await serve.done;

  const watchSeconds = Math.max(1, Math.round(idleSeconds / 10));
  const watch = w.cli(["sync", "--watch", "--interval", `${watchSeconds}s`]);
  const p1 = s.plannr.server.requests().length;
  await sleep(idleSeconds * 1000);
  const watchRequests = s.plannr.server.requests().length - p1;
  watch.child.kill("SIGTERM");
  await watch.done;
  line(`idle ${idleSeconds} s: Plannr requests by serve (scan 2 s; target 0)`, String(serviceRequests));
  line(`idle ${idleSeconds} s: Plannr requests by sync --watch --interval ${watchSeconds}s`, String(watchRequests));
  line("  serve ÷ watch (scaled: an idle hour against --interval 6m)", watchRequests === 0 ? "n/a" : (serviceRequests / watchRequests).toFixed(3));
}

export async function serviceBench(): Promise<void> {
  const cases = Number(process.env.BENCH_SERVICE_CASES ?? 500);
  if (cases <= 0) return;
  const seconds = Number(process.env.BENCH_SERVICE_SECONDS ?? 20);
  const idle = Number(process.env.BENCH_SERVICE_IDLE_SECONDS ?? 60);
  process.stdout.write(`\n== case-sync serve: ${cases} linked cases, Plannr's real limit (500/min) ==\n`);
  const w = await world(Math.max(cases, seconds * 10 + 10));
  try {
    const migrated = await w.run(["migrate", "--from", "plannr"]);
    if (migrated !== 0) throw new Error(`migrate exited ${migrated}`);
    await latencyScenario(w, seconds);
    await idleScenario(w, idle);
  } finally {
    await w.s.close();
  }
}

// `npm run bench`: the performance targets of SPEC §8, measured against the simulators and
// printed as ratios. Timing never fails a test; this prints numbers for a person to judge.
// Runs as users do: Plannr's real limit (500 requests a minute, in the simulator and in the
// client's limiter), the default concurrency, and default Node settings (no --max-old-space-size)
// in the syncing process, which is a child of this one so the simulators' memory does not count.
//   BENCH_CASES=1000,10000 (default; the books synced, smallest first: memory, requests, limiter)
//   BENCH_BIG=100000 (adds that book: the memory targets are set at 100,000 cases; 0 = none)
//   BENCH_RATE_CASES=300 (cases migrated into a rate-limited Plannr; 0 skips)
//   BENCH_NOOP_REPEATS=3 (no-op syncs per book for the memory table: median, min and max)
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { discoverMapping } from "../../src/library/discover.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "../../src/library/options.js";
import { parseMapping } from "../../src/mapping/load.js";
import { startSandboxes, type Sandboxes, type SandboxOptions } from "../../src/sandbox/index.js";
import { scanScenario } from "./scan.js";

interface ChildResult {
  exitCode: number;
  abort: { code: string; message: string } | null;
  durationMs: number;
  writes: { plannr: number; onlyoffice: number };
  operations: Record<string, Record<string, number>>;
  requests: { plannr: number; onlyoffice: number };
  links: number;
  errors: number;
  firstError: string | null;
  maxRssMb: number;
  /** Wall time some Plannr request waited for the limiter. */
  limiterWaitMs: number;
  atPeak?: { heapUsedMb: number; heapTotalMb: number; externalMb: number; arrayBuffersMb?: number; phase?: string };
}

const dir = mkdtempSync(join(tmpdir(), "case-sync-bench-"));
const pages = (n: number, size: number) => Math.ceil(n / size);
/** Plannr's limit (reference "Transport"), as the simulator and the client both apply it by default. */
const PLANNR_PER_MINUTE = 500;
/** No-op syncs run per book for its memory figure (BENCH_NOOP_REPEATS, default 3). */
const NOOP_REPEATS = Math.max(1, Number(process.env.BENCH_NOOP_REPEATS ?? 3));
/** SPEC §8 memory targets at 100,000 cases. */
const TARGET_MB = { noop: 250, migration: 300 } as const;

async function setup(name: string, sandbox: SandboxOptions, clientRateLimit?: { limit: number; windowMs: number }): Promise<{ s: Sandboxes; run: (mode: string, run?: object) => Promise<ChildResult> }> {
  const s = await startSandboxes({ seed: 5, ...sandbox });
  const plannr = { baseUrl: s.plannrUrl, token: s.env.PLANNR_TOKEN!, accountUuid: s.env.PLANNR_ACCOUNT_UUID! };
  const onlyoffice = { baseUrl: s.onlyofficeUrl, token: s.env.ONLYOFFICE_TOKEN! };
  const found = await discoverMapping({ plannr: parsePlannrConnection(plannr), onlyoffice: parseOnlyofficeConnection(onlyoffice), createLinkFields: true, logger: pino({ level: "silent" }) });
  const mapping = parseMapping(found.text);
  mapping.people.defaultClient = s.world.clients.find((c) => c.note === "ordinary client")?.plannrUuid ?? null;
  // No http settings: the default concurrency and timeouts, as a user runs it.
  const options = { plannr, onlyoffice, mapping, store: join(dir, `${name}.db`), ...(clientRateLimit ? { plannrRateLimit: clientRateLimit } : {}) };
  // The simulators live in this process, so the child must run while this event loop keeps serving.
  const run = async (mode: string, runOptions: object = {}): Promise<ChildResult> => {
    const configPath = join(dir, `${name}-${mode}.json`);
    writeFileSync(configPath, JSON.stringify({ options, run: runOptions }));
    const child = spawn(process.execPath, [join(import.meta.dirname, "child-sync.mjs"), mode, configPath], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, MEMORY_TRACE: "1" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`child ${mode} failed (${code}): ${err.slice(0, 2000)}`);
    return JSON.parse(out.trim().split("\n").pop() ?? "{}") as ChildResult;
  };
  return { s, run };
}

/**
 * The lower bound of SPEC §8: list pages at the largest page size, reference lists, one write per
 * changed group, and one re-read per ONLYOFFICE full-state PUT (`onlyofficePuts`; invariant 4).
 */
function lowerBound(s: Sandboxes, changedGroups: number, onlyofficePuts: number): { reads: number; writes: number; rereads: number; total: number } {
  const clients = s.world.clients.filter((c) => c.plannrUuid !== null).length;
  const contacts = s.world.clients.filter((c) => c.onlyofficeId !== null).length;
  const plannr = pages(s.plannr.listCases().length, 500) + 1 /* statuses */ + 1 /* fields */ + pages(clients, 500) + 1 /* employees */;
  // ONLYOFFICE lists are complete only at an empty page (its reference: a portal may cap the page size).
  const staff = s.world.staff.length;
  const onlyoffice = pages(s.onlyoffice.listCases().length, 1000) + 1 + 1 /* field definitions */ + pages(staff, 1000) + 1 /* people */ + 1 /* @self */ + pages(contacts, 1000) + 1;
  return { reads: plannr + onlyoffice, writes: changedGroups, rereads: onlyofficePuts, total: plannr + onlyoffice + changedGroups + onlyofficePuts };
}

type Logged = { method: string; path: string };
const onlyofficeCasePath = /\/crm\/case\/\d+$/;
const plannrCasePath = /\/cases\/[0-9a-f]{8}-[0-9a-f-]{27}$/;

function requestBreakdown(s: Sandboxes, fromP: number, fromO: number): string {
  const tally = (entries: Logged[]) => {
    const counts = new Map<string, number>();
    for (const e of entries) {
      const key = `${e.method} ${e.path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "{uuid}").replace(/\/\d+/g, "/{id}")}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts.entries()].map(([k, n]) => `${n}× ${k}`).join(", ");
  };
  return `    plannr: ${tally(s.plannr.server.requests().slice(fromP))}\n    onlyoffice: ${tally(s.onlyoffice.server.requests().slice(fromO))}`;
}

function line(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(62)} ${value}\n`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const heapNote = (r: ChildResult) =>
  r.atPeak ? ` (at the peak, in ${r.atPeak.phase ?? "?"}: heap used ${r.atPeak.heapUsedMb} MB of ${r.atPeak.heapTotalMb} MB, buffers ${r.atPeak.arrayBuffersMb ?? "?"} MB)` : "";

interface MemoryRow {
  cases: number;
  noopMb: number;
  migrationMb: number;
}
const memory: MemoryRow[] = [];

async function syncScenario(n: number): Promise<void> {
  process.stdout.write(`\n== ${n.toLocaleString("en-GB")} linked cases ==\n`);
  const { s, run } = await setup(`sync-${n}`, { cases: n, onlyofficeCases: Math.floor(n / 100) });
  const plannrWritesBefore = s.plannr.server.requests().filter((r) => r.method !== "GET").length;
  const migration = await run("migrate", { from: "plannr" });
  const plannrWrites = s.plannr.server.requests().filter((r) => r.method !== "GET").length - plannrWritesBefore;
  line("migration from Plannr: cases created in ONLYOFFICE", `${migration.writes.onlyoffice} writes in ${seconds(migration.durationMs)}, exit ${migration.exitCode}${migration.abort ? ` (${migration.abort.message})` : ""}`);
  line("migration from Plannr: Plannr writes (target 0)", `${plannrWrites} (Plannr requests: ${migration.requests.plannr}, reads only)`);
  line(`migration: peak RSS${n === 100_000 ? ` (target < ${TARGET_MB.migration} MB)` : ""}`, `${migration.maxRssMb} MB${heapNote(migration)}`);
  const settle = await run("sync", { allowMassCreate: true });
  line("first sync (copies ONLYOFFICE-only cases, fills status fields)", `${settle.writes.plannr + settle.writes.onlyoffice} writes in ${seconds(settle.durationMs)}, exit ${settle.exitCode}`);
  const [p0, o0] = [s.plannr.server.requests().length, s.onlyoffice.server.requests().length];
  const noop = await run("sync");
  const bound = lowerBound(s, 0, 0);
  line("no-op sync: writes (target 0)", String(noop.writes.plannr + noop.writes.onlyoffice));
  line("no-op sync: requests ÷ lower bound (target ≤ 1.02)", `${noop.requests.plannr + noop.requests.onlyoffice} ÷ ${bound.total} = ${((noop.requests.plannr + noop.requests.onlyoffice) / bound.total).toFixed(3)}`);
  line("no-op sync: wall time (of which waiting for Plannr's limiter)", `${seconds(noop.durationMs)} (${seconds(noop.limiterWaitMs)})`);
  line(`no-op sync: peak RSS${n === 100_000 ? ` (target < ${TARGET_MB.noop} MB)` : ""}`, `${noop.maxRssMb} MB${heapNote(noop)}`);
  process.stdout.write(`${requestBreakdown(s, p0, o0)}\n`);
  // The peak depends on when V8 next collects its old generation (it lets it grow to a few times
  // what is live, by its own measure of speed): one run says little, so the no-op runs again.
  const peaks = [noop.maxRssMb];
  for (let k = 1; k < NOOP_REPEATS; k += 1) peaks.push((await run("sync")).maxRssMb);
  const sorted = [...peaks].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? noop.maxRssMb;
  line(`no-op sync: peak RSS over ${NOOP_REPEATS} runs, median (min–max)`, `${median} MB (${sorted[0]}–${sorted[sorted.length - 1]} MB): ${peaks.join(", ")}`);
  memory.push({ cases: n, noopMb: median, migrationMb: migration.maxRssMb });

  // Edits: 1 % of pairs, one field group each, half in each system, one kind of group per record.
  const edits = Math.max(4, Math.floor(n / 100));
  const pCases = s.plannr.listCases();
  const oCases = s.onlyoffice.listCases().filter((c) => !s.world.onlyofficeCases.some((w) => w.id === c.id));
  const drinkField = Object.values(s.world.onlyofficeFields).find((f) => f.label === "Favourite Drink")?.id ?? 1;
  const riskField = Object.values(s.world.onlyofficeFields).find((f) => f.label === "Risk score")?.id ?? 2;
  let made = 0;
  for (let i = 0; i < edits; i += 1) {
    if (i % 2 === 0) {
      const c = pCases[i * 7 + 1];
      if (!c) continue;
      if (i % 4 === 0) s.plannr.editCase(c.uuid, { name: `${c.name} (edited)` });
      else s.plannr.editCase(c.uuid, { value: (c.value ?? 0) + 1_00 });
    } else {
      const c = oCases[i * 7 + 3];
      if (!c) continue;
      if (i % 4 === 1) s.onlyoffice.editCase(c.id, { customFields: { [drinkField]: c.customFields[drinkField] === "Tea" ? "Coffee" : "Tea" } });
      else s.onlyoffice.editCase(c.id, { customFields: { [riskField]: String((i % 9) + 1) } });
    }
    made += 1;
  }
  const [p1, o1] = [s.plannr.server.requests().length, s.onlyoffice.server.requests().length];
  const edited = await run("sync");
  const plannrLog = s.plannr.server.requests().slice(p1);
  const onlyofficeLog = s.onlyoffice.server.requests().slice(o1);
  // Invariant 4: every ONLYOFFICE full-state PUT is preceded by a re-read, and the bound allows one
  // each. The engine also re-reads a Plannr case before each Plannr PUT (its write window): a
  // safety cost the bound does not count.
  const onlyofficePuts = onlyofficeLog.filter((r) => r.method === "PUT" && onlyofficeCasePath.test(r.path)).length;
  const onlyofficeRereads = onlyofficeLog.filter((r) => r.method === "GET" && onlyofficeCasePath.test(r.path)).length;
  const plannrRereads = plannrLog.filter((r) => r.method === "GET" && plannrCasePath.test(r.path)).length;
  const editBound = lowerBound(s, made, onlyofficePuts);
  const total = edited.requests.plannr + edited.requests.onlyoffice;
  const withoutRereads = total - onlyofficeRereads - plannrRereads;
  line(`sync after ${made} one-group edits: writes`, `${edited.writes.plannr + edited.writes.onlyoffice} (exit ${edited.exitCode}${edited.firstError ? `: ${edited.firstError}` : ""})`);
  line("  lower bound: reads + writes + ONLYOFFICE re-reads", `${editBound.reads} + ${editBound.writes} + ${editBound.rereads} = ${editBound.total}`);
  line("  requests ÷ bound, every re-read counted (target ≤ 1.02)", `${total} ÷ ${editBound.total} = ${(total / editBound.total).toFixed(3)}`);
  line("  re-reads: ONLYOFFICE (one per full-state PUT, in the bound)", `${onlyofficeRereads} for ${onlyofficePuts} PUTs`);
  line("  re-reads: Plannr (one before each Plannr PUT, not in the bound)", String(plannrRereads));
  line("  requests ÷ bound, without any re-read on either side", `${withoutRereads} ÷ ${editBound.total - editBound.rereads} = ${(withoutRereads / (editBound.total - editBound.rereads)).toFixed(3)}`);
  // Where the run waits on Plannr's 500 a minute: the limiter's wall time against the floor the
  // limit sets (Plannr requests ÷ 500/min) and the run's own time.
  const floor = (edited.requests.plannr / PLANNR_PER_MINUTE) * 60_000;
  line("  wall time: waiting for Plannr's limiter / working", `${seconds(edited.limiterWaitMs)} / ${seconds(edited.durationMs - edited.limiterWaitMs)} of ${seconds(edited.durationMs)}`);
  line("  Plannr requests, and the time 500/min alone makes them take", `${edited.requests.plannr} → ≥ ${seconds(floor)}`);
  process.stdout.write(`${requestBreakdown(s, p1, o1)}\n`);
  const again = await run("sync");
  line("the sync after that: writes (target 0)", String(again.writes.plannr + again.writes.onlyoffice));
  await s.close();
}

/** RSS per case as the book grows, and where the last growth leads at 1,000,000 cases. */
function memoryTable(): void {
  if (memory.length === 0) return;
  process.stdout.write("\n== memory as the book grows (peak RSS of the syncing process, default Node settings; no-op: the median run) ==\n");
  const rows = [...memory].sort((a, b) => a.cases - b.cases);
  const kb = (mb: number, cases: number) => `${((mb * 1024) / cases).toFixed(2)} KB/case`;
  rows.forEach((row, i) => {
    const previous = i > 0 ? rows[i - 1] : undefined;
    const growth = (now: number, before: number | undefined) => (previous === undefined || before === undefined ? "" : `, +${kb(now - before, row.cases - previous.cases)} since ${previous.cases.toLocaleString("en-GB")}`);
    line(`${row.cases.toLocaleString("en-GB")} cases: no-op sync`, `${row.noopMb} MB (${kb(row.noopMb, row.cases)}${growth(row.noopMb, previous?.noopMb)})`);
    line(`${row.cases.toLocaleString("en-GB")} cases: migration`, `${row.migrationMb} MB (${kb(row.migrationMb, row.cases)}${growth(row.migrationMb, previous?.migrationMb)})`);
  });
  const last = rows[rows.length - 1];
  const before = rows[rows.length - 2];
  if (last === undefined || before === undefined) return;
  // Linear from the growth between the two largest books measured (the fixed cost drops out).
  const at = (mb: number, mbBefore: number) => Math.round(mb + ((mb - mbBefore) / (last.cases - before.cases)) * (1_000_000 - last.cases));
  line("extrapolated to 1,000,000 cases: no-op sync", `≈ ${at(last.noopMb, before.noopMb)} MB`);
  line("extrapolated to 1,000,000 cases: migration", `≈ ${at(last.migrationMb, before.migrationMb)} MB`);
}

async function rateScenario(count: number): Promise<void> {
  process.stdout.write(`\n== migration of ${count} cases into a rate-limited Plannr ==\n`);
  // Plannr's 500 a minute, scaled ×10 in time so the run takes seconds, not minutes: the ratio is the same.
  const rateLimit = { limit: 50, windowMs: 6_000 };
  const { s, run } = await setup("rate", { cases: 0, onlyofficeCases: count, rateLimit }, rateLimit);
  const result = await run("migrate", { from: "onlyoffice" });
  const bound = (result.requests.plannr / rateLimit.limit) * rateLimit.windowMs;
  const toomany = s.plannr.server.requests().filter((r) => r.status === 429).length;
  line("Plannr requests (creates + custom field PUTs + reads)", `${result.requests.plannr} (${JSON.stringify(result.operations.plannr)})`);
  line("wall time ÷ (Plannr requests ÷ rate) (target ≤ 1.15)", `${seconds(result.durationMs)} ÷ ${seconds(bound)} = ${(result.durationMs / bound).toFixed(3)}`);
  line("  of which waiting for the limiter", seconds(result.limiterWaitMs));
  line("429s earned from Plannr (target 0)", String(toomany));
  await s.close();
}

const sizes = (process.env.BENCH_CASES ?? "1000,10000").split(",").map(Number).filter((n) => n > 0);
const big = Number(process.env.BENCH_BIG ?? 0);
const rateCases = Number(process.env.BENCH_RATE_CASES ?? 300);
process.stdout.write(`case-sync benchmark (Node ${process.version}, state in ${dir})\n`);
for (const n of [...sizes, ...(big > 0 ? [big] : [])].sort((a, b) => a - b)) await syncScenario(n);
memoryTable();
if (rateCases > 0) await rateScenario(rateCases);
await scanScenario();
await (await import("./service.js")).serviceBench();
await (await import("./fleet.js")).fleetBench();

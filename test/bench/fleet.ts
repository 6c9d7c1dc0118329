// The fleet's numbers (SPEC §10), printed, never asserted: how many pairs a worker syncs a minute
// when there is nothing to change (the steady state of a fleet), with one worker and with two, and
// the peak RSS of a worker running 4 pairs of 10,000 cases at once (target < 600 MB). Workers are
// real processes of the built CLI on the local PostgreSQL; the sandboxes live in this process.
//   BENCH_FLEET_PAIRS=20  BENCH_FLEET_CASES=1000  BENCH_FLEET_WINDOW_S=30  (throughput)
//   BENCH_FLEET_RSS_CASES=10000 (0 skips the memory run)
import { readFileSync } from "node:fs";
import { fleetWorld, runsOf, waitFor, type Fleet, type WorkerProcess } from "../support/fleet-world.js";

const WORKER = ["--concurrency", "4", "--poll", "1s", "--pair-idle", "5m", "--job-expiry", "10m"];

function line(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(62)} ${value}\n`);
}

/**
 * Brings every pair in step (a migration from Plannr, then the first sync that fills the fields a
 * migration leaves to it), in this process: what the workers do afterwards is no-op syncs.
 */
async function migrateAll(fleet: Fleet): Promise<void> {
  // Four at a time: each open pair holds a few database connections (the server has 100 for everyone).
  for (let i = 0; i < fleet.pairs.length; i += 4) await migrateSome(fleet, fleet.pairs.slice(i, i + 4));
}

async function migrateSome(fleet: Fleet, pairs: Fleet["pairs"]): Promise<void> {
  await Promise.all(
    pairs.map(async (pair) => {
      const sync = await fleet.registry.openSync(pair.name);
      try {
        const report = await sync.migrate({ from: "plannr" });
        if (report.exitCode !== 0) throw new Error(`migration of ${pair.name} ended ${report.exitCode}: ${report.abort?.message ?? report.errors[0]?.message ?? ""}`);
        const settled = await sync.sync({ allowMassCreate: true });
        if (settled.exitCode !== 0) throw new Error(`first sync of ${pair.name} ended ${settled.exitCode}: ${settled.abort?.message ?? settled.errors[0]?.message ?? ""}`);
      } finally {
        await sync.close();
      }
    }),
  );
}

/** Finished syncs of every pair that started at or after `since` (and before `until`). */
async function finishedRuns(fleet: Fleet, since: string, until: string): Promise<{ count: number; meanMs: number }> {
  let count = 0;
  let total = 0;
  for (const pair of fleet.pairs) {
    for (const run of await runsOf(fleet, pair.name)) {
      if (run.finished_at === null || run.started_at < since || run.finished_at > until || run.command !== "sync") continue;
      count += 1;
      total += Date.parse(run.finished_at) - Date.parse(run.started_at);
    }
  }
  return { count, meanMs: count === 0 ? 0 : total / count };
}

async function stop(workers: WorkerProcess[]): Promise<void> {
  for (const worker of workers) worker.child.kill("SIGTERM");
  await Promise.all(workers.map((w) => w.exited));
}

async function throughput(pairs: number, cases: number, windowS: number): Promise<void> {
  process.stdout.write(`\n== fleet: ${pairs} pairs × ${cases.toLocaleString("en-GB")} cases, no-op syncs, every pair due every second ==\n`);
  const fleet = await fleetWorld({ pairs, casesPerPair: cases, onlyofficeCasesPerPair: 0, everyMs: 1_000 });
  try {
    const started = Date.now();
    await migrateAll(fleet);
    line("setup: every pair migrated (not measured)", `${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const count of [1, 2]) {
      const workers = await Promise.all(Array.from({ length: count }, () => fleet.startWorker(WORKER)));
      // Warm-up: each pair once (connections opened, reference lists read), then the window.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const since = new Date().toISOString();
      const cpuBefore = workers.map((w) => cpuSeconds(w.child.pid ?? 0));
      await new Promise((resolve) => setTimeout(resolve, windowS * 1_000));
      const until = new Date().toISOString();
      const cpu = workers.reduce((sum, w, i) => sum + ((cpuSeconds(w.child.pid ?? 0) ?? 0) - (cpuBefore[i] ?? 0)), 0);
      await stop(workers);
      const runs = await finishedRuns(fleet, since, until);
      const perMinute = (runs.count / windowS) * 60;
      line(`${count} worker${count === 1 ? "" : "s"} (concurrency 4): pairs synced per minute per worker`, `${(perMinute / count).toFixed(0)} (${runs.count} runs in ${windowS} s; mean run ${(runs.meanMs / 1000).toFixed(2)} s)`);
      if (runs.count > 0 && cpu > 0) {
        // The machine's 2 cores also serve the sandboxes and PostgreSQL: the worker's own CPU per run
        // says what one core of its own would sustain.
        line("  worker CPU per no-op run, and what one core would sustain", `${((cpu / runs.count) * 1000).toFixed(0)} ms → ${(60 / (cpu / runs.count)).toFixed(0)} pairs a minute`);
      }
      // Each pair is due a second after its last run ends: the schedule, not the workers, may be the limit.
      line("  the schedule's ceiling: pairs × 60 s ÷ (1 s + mean run)", `${((pairs * 60) / (1 + runs.meanMs / 1000)).toFixed(0)} a minute for the fleet`);
    }
  } finally {
    await fleet.close();
  }
}

/** CPU seconds a process used so far (Linux: utime + stime in /proc/<pid>/stat, 100 ticks a second); null elsewhere. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Peak resident memory of a process so far (Linux: VmHWM), in MB; null elsewhere. */
function peakRssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

async function memory(cases: number): Promise<void> {
  process.stdout.write(`\n== fleet: one worker, 4 pairs × ${cases.toLocaleString("en-GB")} cases synced at once ==\n`);
  const fleet = await fleetWorld({ pairs: 4, casesPerPair: cases, onlyofficeCasesPerPair: 0, everyMs: 3_600_000 });
  try {
    const started = Date.now();
    await migrateAll(fleet);
    line("setup: 4 pairs migrated (not measured)", `${((Date.now() - started) / 1000).toFixed(1)} s`);
    // Every pair is due since it was registered: the worker takes all four into its 4 slots.
    const since = new Date().toISOString();
    const worker = await fleet.startWorker(WORKER);
    const pid = worker.child.pid ?? 0;
    await waitFor("one sync of each pair", async () => ((await finishedRuns(fleet, since, "9999")).count >= 4 ? true : undefined), 600_000, 500);
    const peak = peakRssMb(pid);
    const runs = await finishedRuns(fleet, since, "9999");
    await stop([worker]);
    line(`4 concurrent no-op syncs of ${cases.toLocaleString("en-GB")}-case pairs: mean run`, `${(runs.meanMs / 1000).toFixed(1)} s`);
    line(`worker peak RSS${cases === 10_000 ? " (target < 600 MB)" : ""}`, peak === null ? "(no /proc: not measured)" : `${peak} MB`);
  } finally {
    await fleet.close();
  }
}

export async function fleetBench(): Promise<void> {
  const pairs = Number(process.env.BENCH_FLEET_PAIRS ?? 20);
  const cases = Number(process.env.BENCH_FLEET_CASES ?? 1_000);
  const windowS = Number(process.env.BENCH_FLEET_WINDOW_S ?? 30);
  const rssCases = Number(process.env.BENCH_FLEET_RSS_CASES ?? 10_000);
  if (pairs > 0) await throughput(pairs, cases, windowS);
  if (rssCases > 0) await memory(rssCases);
}

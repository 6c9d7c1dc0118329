// Runs one sync (or migration) through the built library in its own process and prints a JSON
// line with the report's numbers and this process's peak RSS, so the simulators' memory (in the
// parent) does not count. Usage: node child-sync.mjs <mode> <config.json>
// MEMORY_TRACE=1 adds what the process held when its RSS peaked (V8 heap spaces, external memory).
// The Plannr adapter is built here with a clock that times its sleeps: the only sleeper in the
// transport is Plannr's rate limiter, so `limiterWaitMs` is the wall time some request waited
// for a slot (the same measure as `RateLimiter.waitedMs`).
import { readFileSync } from "node:fs";
import { clearInterval, setInterval, setTimeout } from "node:timers";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";
import { createPlannrAdapter } from "../../dist/adapters/plannr/adapter.js";
import { createSync, validateMapping } from "../../dist/src/index.js";
import { parsePlannrConnection } from "../../dist/src/library/options.js";

const [mode, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, "utf8"));
// HEAP_SNAPSHOT=dir writes a heap snapshot when planning starts (snapshots and links all in memory),
// or, with HEAP_SNAPSHOT_AT=<n>, once n records are applied.
let written = false;
const phases = {};
/** The phase the run was in when the RSS peaked (where to look first). */
let phaseNow = "start";
const snapshotAt = process.env.HEAP_SNAPSHOT_AT ? Number(process.env.HEAP_SNAPSHOT_AT) : null;
const onProgress = (event) => {
  const due = snapshotAt === null ? event.phase === "plan" : event.phase === "apply" && event.done >= snapshotAt;
  if (process.env.HEAP_SNAPSHOT && due && !written) {
    written = true;
    writeHeapSnapshot(`${process.env.HEAP_SNAPSHOT}/${event.phase}.heapsnapshot`);
  }
  phases[event.phase] ??= Date.now();
  phaseNow = event.phase;
};
const mb = (bytes) => Math.round(bytes / 1024 / 1024);
let peak = null;
const sample = () => {
  const usage = process.memoryUsage();
  if (peak !== null && usage.rss <= peak.rss) return;
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name.replace(/_space$/, ""), mb(s.space_size)]));
  peak = { rss: usage.rss, rssMb: mb(usage.rss), heapUsedMb: mb(usage.heapUsed), heapTotalMb: mb(usage.heapTotal), externalMb: mb(usage.external), arrayBuffersMb: mb(usage.arrayBuffers), phase: phaseNow, spaces };
};
const sampler = process.env.MEMORY_TRACE ? setInterval(sample, 25) : null;
let sleepers = 0;
let sleepingSince = 0;
let limiterWaitMs = 0;
const limiterClock = {
  now: () => new Date(),
  async sleep(ms) {
    if (sleepers === 0) sleepingSince = Date.now();
    sleepers += 1;
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      sleepers -= 1;
      if (sleepers === 0) limiterWaitMs += Date.now() - sleepingSince;
    }
  },
};
const { plannr: connection, plannrRateLimit, http, mapping } = config.options;
const plannr = createPlannrAdapter({
  connection: parsePlannrConnection(connection),
  mapping: validateMapping(mapping),
  http: http ?? {},
  clock: limiterClock,
  ...(plannrRateLimit ? { rateLimit: plannrRateLimit } : {}),
});
const sync = createSync({ ...config.options, plannr, onProgress });
const started = Date.now();
const report = mode === "sync" ? await sync.sync(config.run ?? {}) : await sync.migrate(config.run);
const durationMs = Date.now() - started;
await sync.close();
if (sampler) clearInterval(sampler);
const count = (ops) => Object.values(ops).reduce((a, b) => a + b, 0);
process.stdout.write(
  `${JSON.stringify({
    exitCode: report.exitCode,
    abort: report.abort,
    durationMs,
    writes: { plannr: count(report.sides.plannr.operations), onlyoffice: count(report.sides.onlyoffice.operations) },
    operations: { plannr: report.sides.plannr.operations, onlyoffice: report.sides.onlyoffice.operations },
    requests: { plannr: report.sides.plannr.requests, onlyoffice: report.sides.onlyoffice.requests },
    links: report.links.total,
    errors: report.errors.length,
    firstError: report.errors[0]?.message ?? null,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    limiterWaitMs,
    ...(peak === null ? {} : { atPeak: { ...peak, rss: undefined }, phasesMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, v - started])) }),
  })}\n`,
);

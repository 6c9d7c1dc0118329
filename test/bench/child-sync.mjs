// Runs one sync (or migration) through the built library in its own process and prints a JSON
// line with the report's numbers and this process's peak RSS, so the simulators' memory (in the
// parent) does not count. Usage: node child-sync.mjs <mode> <config.json>
import { readFileSync } from "node:fs";
import { writeHeapSnapshot } from "node:v8";
import { createSync } from "../../dist/src/index.js";

const [mode, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, "utf8"));
// HEAP_SNAPSHOT=dir writes a heap snapshot when planning starts (snapshots and links all in memory).
let written = false;
const onProgress = (event) => {
  if (process.env.HEAP_SNAPSHOT && event.phase === "plan" && !written) {
    written = true;
    writeHeapSnapshot(`${process.env.HEAP_SNAPSHOT}/plan.heapsnapshot`);
  }
};
const sync = createSync({ ...config.options, onProgress });
const started = Date.now();
const report = mode === "sync" ? await sync.sync(config.run ?? {}) : await sync.migrate(config.run);
const durationMs = Date.now() - started;
await sync.close();
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
  })}\n`,
);

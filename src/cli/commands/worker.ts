// `case-sync worker` (SPEC §10): one process of the fleet, until SIGTERM or Ctrl-C, which stop it
// gracefully (webhooks and readyz answer 503, no new job is taken, the jobs in hand finish) and
// exit 0; a second signal also stops the runs in hand (they record what they wrote; the next run
// resumes). The worker itself lives in src/fleet.
import type { Command } from "commander";
import { PairRegistry } from "../../fleet/registry.js";
import { startWorker, type RunningWorker } from "../../fleet/worker.js";
import { wholeNumber } from "../arguments.js";
import type { Cli } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { parseDuration } from "./run-commands.js";

interface WorkerFlags {
  concurrency: number;
  port: number;
  host: string;
  metricsPairLabel?: boolean;
  poll: string;
  jobExpiry: string;
  retryDelay: string;
  pairIdle: string;
}

/** Calls `onSignal` with 1 for the first SIGTERM/SIGINT, 2 for the next. */
function onStopSignals(onSignal: (count: number, signal: string) => void): () => void {
  let count = 0;
  const handler = (signal: string) => {
    count += 1;
    onSignal(count, signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

const seconds = (text: string, flag: string) => Math.round(parseDuration(text, flag) / 1000);

export function registerWorker(program: Command, cli: () => Cli, done: (code: number) => void): void {
  program
    .command("worker")
    .description("Run the fleet's jobs: each registered pair's scheduled syncs and webhook deliveries, at most one run per pair across all workers (CASE_SYNC_STATE=postgres://…, CASE_SYNC_SECRET_KEY)")
    .option("--concurrency <n>", "pairs this worker runs at once", (v) => wholeNumber(v, "--concurrency"), 4)
    .option("--port <port>", "HTTP port for webhooks, /livez, /readyz and /metrics (0: any free port)", (v) => wholeNumber(v, "--port"), 8080)
    .option("--host <host>", "address to listen on (0.0.0.0 in a container or behind a proxy)", "127.0.0.1")
    .option("--metrics-pair-label", "add a pair label to the per-run metrics (one series per pair: mind the cardinality)")
    .option("--poll <duration>", "how often an idle worker looks for due pairs and waiting jobs", "2s")
    .option("--job-expiry <duration>", "a job still running after this is taken for a dead worker's and run again elsewhere (runs stop themselves before it)", "30m")
    .option("--retry-delay <duration>", "first wait before a failed job is tried again (then doubling)", "30s")
    .option("--pair-idle <duration>", "close a pair's connections after this long without a job", "5m")
    .addHelpText(
      "after",
      `
Endpoints: POST /webhooks/plannr/<pair> (Plannr deliveries for that pair, signed with its secret),
GET /livez, GET /readyz (PostgreSQL and the job queue answer), GET /metrics (Prometheus).

Start as many workers as the pairs need, on one machine or several: they share only PostgreSQL
(pg-boss in the schema <fleet>_boss). SIGTERM stops one cleanly (exit 0) after its jobs in hand;
if one dies, its jobs are run again by another after --job-expiry.

Examples:
  case-sync pairs add acme --env-file acme.env --mapping acme.yaml --every 5m
  case-sync worker --concurrency 4 --port 8080
  case-sync worker --host 0.0.0.0 --port 8081 --concurrency 8`,
    )
    .action(async (flags: WorkerFlags) => {
      const c = cli();
      const pollMs = parseDuration(flags.poll, "--poll");
      const expireInSeconds = seconds(flags.jobExpiry, "--job-expiry");
      const retryDelaySeconds = seconds(flags.retryDelay, "--retry-delay");
      const pairIdleMs = parseDuration(flags.pairIdle, "--pair-idle");
      // The key is checked here, against what the fleet's credentials are sealed with: a worker
      // without it, or with another, refuses to start (exit 2).
      const registry = await PairRegistry.open({ url: c.env.CASE_SYNC_STATE, secretKey: c.env.CASE_SYNC_SECRET_KEY ?? "", logger: c.logger });
      let worker: RunningWorker | null = null;
      let release: () => void = () => undefined;
      try {
        worker = await startWorker(
          registry,
          { url: registry.url, fleetSchema: registry.schema },
          {
            concurrency: flags.concurrency,
            port: flags.port,
            host: flags.host,
            metricsPairLabel: flags.metricsPairLabel === true,
            tickMs: pollMs,
            pollMs,
            pairIdleMs,
            // A dead worker's jobs are looked for a few times per expiry.
            maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor(expireInSeconds / 4))),
            jobs: { expireInSeconds, retryDelaySeconds, lockedDelaySeconds: Math.max(1, Math.min(10, Math.round((2 * pollMs) / 1000))) },
          },
          c.logger,
        );
        const running = worker;
        const stopped = new Promise<void>((resolve) => {
          release = onStopSignals((count, signal) => {
            if (count === 1) {
              c.say(`${signal}: stopping (webhooks now get 503; the jobs in hand finish; again to stop them too)`);
              void running
                .close()
                .catch((error: unknown) => c.logger.error({ err: error instanceof Error ? error.message : String(error) }, "the worker did not stop cleanly"))
                .finally(resolve);
            } else {
              c.say(`${signal}: stopping the runs in hand (they record what they wrote; the next run resumes)`);
              void running.close({ force: true });
            }
          });
        });
        c.say(`case-sync worker: listening on ${running.url ?? "?"} (POST /webhooks/plannr/<pair>, GET /livez /readyz /metrics); concurrency ${flags.concurrency}, pairs in schema ${registry.schema}, jobs in ${registry.bossSchema}. Ctrl-C or SIGTERM stops it.`);
        await stopped;
        c.say("stopped.");
      } finally {
        release();
        await worker?.close();
        await registry.close();
      }
      done(EXIT.ok);
    });
}

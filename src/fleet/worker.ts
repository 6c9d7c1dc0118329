// `case-sync worker` (SPEC §10): one process of the fleet. It ticks the schedule, takes jobs from
// pg-boss into its slots, runs each as a call into the library for one pair, and serves the pairs'
// webhooks, readiness and metrics. Workers share nothing but PostgreSQL: start as many as the
// pairs need, stop any of them (SIGTERM: finish the jobs in hand, exit 0; kill -9: its jobs expire
// and another worker retries them, the journal making that safe).
import { z } from "zod";
import { CaseSyncError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/ports.js";
import type { CaseSync } from "../library/create-sync.js";
import type { Readiness } from "../service/health-plugin.js";
import { createMetrics } from "../service/metrics.js";
import type { WebhookHint } from "../service/signature.js";
import { startFleetHttp, type FleetHttp } from "./http.js";
import { DEFAULT_JOB_SETTINGS, JOB_KINDS, JobSettingsSchema } from "./jobs.js";
import { openJobQueue } from "./jobs-queue.js";
import { runJob, type WorkerRegistry } from "./jobs-run.js";
import { bossSchema } from "./pair-names.js";
import type { PairSummary } from "./registry-rows.js";
import { registryDuePairs, startScheduler } from "./scheduler.js";
import { startDispatcher } from "./worker-dispatch.js";
import { createPairPool } from "./worker-pairs.js";

/** What a worker needs of the registry (`PairRegistry` provides it). */
export interface WorkerFleet extends WorkerRegistry {
  list(): Promise<PairSummary[]>;
  duePairs(now: Date): Promise<string[]>;
  webhookSecret(name: string): Promise<string | null>;
  openSync(name: string, options: { logger: Logger }): Promise<CaseSync>;
}

export const WorkerOptionsSchema = z
  .object({
    /** Pairs run at once by this worker (each pair only ever by one worker at a time). */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** HTTP port for webhooks, readyz and metrics (0: any free one); left out, no HTTP server. */
    port: z.number().int().min(0).max(65535).optional(),
    host: z.string().min(1).default("127.0.0.1"),
    /** `--metrics-pair-label`: a `pair` label on the per-run series (hundreds of pairs: hundreds of series). */
    metricsPairLabel: z.boolean().default(false),
    /** How often this worker looks for due pairs (ms). */
    tickMs: z.number().int().min(200).max(3_600_000).default(5_000),
    /** How often an idle slot asks the queues again (ms; pg-boss's minimum is 500). */
    pollMs: z.number().int().min(100).max(60_000).default(2_000),
    /** A pair's open connections are closed after this long without a job (ms). */
    pairIdleMs: z.number().int().min(0).max(24 * 3_600_000).default(5 * 60_000),
    /** How often pg-boss looks for the expired jobs of a dead worker (s). */
    maintenanceIntervalSeconds: z.number().int().min(1).max(3600).default(60),
    jobs: JobSettingsSchema.partial().default({}),
  })
  .strict();
export type WorkerOptions = z.input<typeof WorkerOptionsSchema>;

export interface RunningWorker {
  /** The HTTP server's `http://host:port`, when it has one. */
  readonly url: string | null;
  readonly port: number | null;
  /**
   * Stops: webhooks and readyz answer 503, no new job is taken, the jobs in hand finish and are
   * recorded. `force` also stops the runs in hand (they record what they wrote; the journal makes
   * the next run resume).
   */
  close(options?: { force?: boolean }): Promise<void>;
}

export interface WorkerLocation {
  /** The fleet's postgres:// URL. */
  url: string;
  /** The registry's schema; pg-boss lives in `<fleet>_boss`. */
  fleetSchema: string;
}

function parseOptions(input: WorkerOptions) {
  const parsed = WorkerOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CaseSyncError("CS_CONFIG", `worker option ${issue?.path.join(".") || "?"}: ${issue?.message ?? "invalid"}`, { field: issue?.path.join(".") ?? "worker" });
  }
  return parsed.data;
}

export async function startWorker(fleet: WorkerFleet, location: WorkerLocation, input: WorkerOptions = {}, logger: Logger = silentLogger): Promise<RunningWorker> {
  const options = parseOptions(input);
  const settings = JobSettingsSchema.parse({ ...DEFAULT_JOB_SETTINGS, ...Object.fromEntries(Object.entries(options.jobs).filter(([, value]) => value !== undefined)) });
  const metrics = createMetrics({ pairLabel: options.metricsPairLabel });
  const queue = await openJobQueue({ url: location.url, schema: bossSchema(location.fleetSchema), settings, maintenanceIntervalSeconds: options.maintenanceIntervalSeconds, logger });
  const stopRuns = new AbortController();
  let closing = false;
  const pairs = createPairPool({
    // The store is made ready once per open pair, so a delivery can be stored at once.
    open: async (name) => {
      const sync = await fleet.openSync(name, { logger: logger.child({ pair: name }) });
      await sync.store.init();
      return sync;
    },
    idleMs: options.pairIdleMs,
    // Each open pair holds a pool of up to 5 database connections, and a run fills it: beyond
    // the pairs running, an idle one is closed as soon as another pair needs the room.
    maxOpen: options.concurrency,
    logger,
  });
  const pending = new Map<string, number>();
  const dispatcher = startDispatcher({
    queue,
    concurrency: options.concurrency,
    pollMs: options.pollMs,
    logger,
    run: async (job) => {
      const outcome = await runJob(job, {
        registry: fleet,
        pairs,
        queue,
        metrics,
        pairLabel: options.metricsPairLabel,
        lockedDelaySeconds: settings.lockedDelaySeconds,
        // A run ends itself before its job would be taken for a dead worker's (a tenth of the
        // expiry earlier, at most a minute).
        maxRunTimeMs: Math.max(1_000, settings.expireInSeconds * 1_000 - Math.min(60_000, settings.expireInSeconds * 100)),
        signal: stopRuns.signal,
        sent: () => dispatcher.wake(),
        logger,
        conflicts: (pair, count) => pending.set(pair, count),
      });
      return outcome;
    },
  });
  const scheduler = startScheduler({ duePairs: registryDuePairs(fleet), queue, tickMs: options.tickMs, queued: () => dispatcher.wake(), logger });
  const sweeper = setInterval(() => void pairs.sweep(), Math.max(1_000, Math.min(options.pairIdleMs, 60_000)));
  sweeper.unref();

  const accept = async (pair: string, hint: WebhookHint) => {
    const summary = await fleet.get(pair);
    if (summary === null) throw new CaseSyncError("CS_STATE", `pair ${pair} was removed while its delivery was verified`);
    const receivedAt = new Date().toISOString();
    // Durable before the 202 (SPEC §9): the pair's inbox holds the case; the job only wakes a worker.
    await pairs.use(pair, summary.createdAt, (sync) => sync.store.putInbox({ caseId: hint.caseId, event: hint.event, receivedAt }));
    await queue.enqueue("event", { pair, caseId: hint.caseId, event: hint.event, receivedAt });
    dispatcher.wake();
  };

  const ready = async (): Promise<Readiness> => {
    if (closing) return { ok: false, reason: "the worker is shutting down" };
    await queue.ping();
    return { ok: true };
  };

  const refreshMetrics = async () => {
    const [waiting, all] = await Promise.all([queue.waiting(), fleet.list()]);
    for (const kind of JOB_KINDS) metrics.jobsQueued.set({ queue: kind }, waiting[kind]);
    const states: Record<PairSummary["state"], number> = { active: 0, paused: 0, failing: 0 };
    for (const pair of all) states[pair.state] += 1;
    for (const [state, count] of Object.entries(states)) metrics.pairs.set({ state }, count);
    let conflicts = 0;
    for (const count of pending.values()) conflicts += count;
    metrics.conflictsPending.set(conflicts);
  };

  let http: FleetHttp | null = null;
  if (options.port !== undefined) {
    try {
      http = await startFleetHttp({
        host: options.host,
        port: options.port,
        // An unknown pair has no secret: refused as a forged delivery would be (401).
        webhookSecret: async (pair) => ((await fleet.get(pair)) === null ? null : fleet.webhookSecret(pair)),
        accept,
        closing: () => closing,
        ready,
        metrics: metrics.registry,
        refreshMetrics,
        logger,
      });
    } catch (error) {
      await Promise.all([scheduler.stop(), dispatcher.stop()]);
      await Promise.all([pairs.closeAll(), queue.stop()]);
      const reason = error instanceof Error ? error.message : String(error);
      throw new CaseSyncError("CS_CONFIG", `worker: cannot listen on ${options.host}:${options.port} (${reason})`, { field: "port" });
    }
  }
  logger.info({ concurrency: options.concurrency, url: http?.url ?? null }, "worker started");

  let closed: Promise<void> | null = null;
  return {
    url: http?.url ?? null,
    port: http?.port ?? null,
    close(closeOptions = {}) {
      if (closeOptions.force) stopRuns.abort(new CaseSyncError("CS_INTERRUPTED", "the worker was stopped"));
      closed ??= (async () => {
        closing = true;
        clearInterval(sweeper);
        await scheduler.stop();
        await dispatcher.stop();
        await http?.close();
        await pairs.closeAll();
        await queue.stop();
        logger.info("worker stopped");
      })();
      return closed;
    },
  };
}

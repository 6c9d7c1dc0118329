// The fleet's queues on pg-boss 10 (SPEC §10: no home-made queue), in the fleet's own schema
// `<fleet>_boss` of the same database. This module is the only one that speaks pg-boss: it sends,
// takes, completes and fails jobs of the three kinds of jobs.ts, payloads checked both ways.
import { readFileSync } from "node:fs";
import pg from "pg";
import PgBoss from "pg-boss";
import { CaseSyncError } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
import { parsePostgresLocation, scrubSecrets } from "../state/location.js";
import { postgresSsl } from "../state/postgres-tls.js";
import { JOB_KINDS, JOB_SCHEMAS, parseJob, queueOptions, type JobKind, type JobPayload, type JobSettings } from "./jobs.js";

/** A job taken from a queue: active in pg-boss until completed, failed, or expired. */
export interface TakenJob<K extends JobKind = JobKind> {
  kind: K;
  id: string;
  /** null when the payload failed its schema (the job is failed without a run). */
  payload: JobPayload<K> | null;
  problem: string | null;
  /** Earlier attempts of this job (a retry after a failure or after its worker died). */
  retryCount: number;
}

export interface JobQueue {
  /**
   * Sends a job; null when there is nothing to add: the pair already has one of this kind waiting,
   * or a job with this `id` exists (in any state, until pg-boss archives it).
   */
  enqueue<K extends JobKind>(kind: K, payload: JobPayload<K>, options?: { startAfterSeconds?: number; id?: string }): Promise<string | null>;
  /** Takes the next due job of this kind, or null. */
  take<K extends JobKind>(kind: K): Promise<TakenJob<K> | null>;
  complete(job: TakenJob, output?: Record<string, unknown>): Promise<void>;
  /** Fails a job: pg-boss retries it later with backoff, up to the retry limit. */
  fail(job: TakenJob, reason: string): Promise<void>;
  /** Jobs waiting (created or retry) per kind, for `casesync_jobs_queued`. */
  waiting(): Promise<Record<JobKind, number>>;
  /** A round trip to the database (readiness). */
  ping(): Promise<void>;
  stop(): Promise<void>;
}

export interface JobQueueOptions {
  /** The fleet's postgres:// URL (CASE_SYNC_STATE); its `schema` parameter is the registry's. */
  url: string;
  /** pg-boss's schema, `<fleet>_boss`. */
  schema: string;
  settings: JobSettings;
  /** How often pg-boss looks for expired jobs (a dead worker's), in seconds. */
  maintenanceIntervalSeconds?: number;
  logger: Logger;
}

/** Opens pg-boss, creates (or updates) the three queues; idempotent across workers starting together. */
export async function openJobQueue(options: JobQueueOptions): Promise<JobQueue> {
  const location = parsePostgresLocation(options.url);
  const clean = (error: unknown) => scrubSecrets(error instanceof Error ? error.message : String(error), location.secrets);
  const ssl = postgresSsl(location.tls, process.env.PGSSLMODE, (file) => readFileSync(file, "utf8"));
  const boss = new PgBoss({
    connectionString: location.connectionString,
    ssl,
    schema: options.schema,
    application_name: "case-sync-worker",
    // Short queries only (fetch, complete, send, maintenance): a small pool.
    max: 3,
    // The schedule is the registry's (each pair has its own interval); pg-boss's cron is per minute.
    schedule: false,
    supervise: true,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
  });
  // Unhandled, an 'error' event would end the process; a lost connection is reported and retried.
  boss.on("error", (error) => options.logger.warn({ err: clean(error) }, "job queue: database error (pg-boss retries)"));
  // pg-boss 10 installs its schema and creates each queue's partition with DDL that deadlocks when
  // several processes do it at the same moment (workers started together): one at a time.
  const setup = new pg.Client({ connectionString: location.connectionString, ssl, connectionTimeoutMillis: 10_000, application_name: "case-sync-worker" });
  setup.on("error", () => undefined);
  try {
    await setup.connect();
    await setup.query("SELECT pg_advisory_lock(hashtext($1))", [`case-sync-boss:${options.schema}`]);
    await boss.start();
    for (const kind of JOB_KINDS) {
      const queue = { name: kind, ...queueOptions(options.settings) };
      if ((await boss.getQueue(kind)) === null) await boss.createQueue(kind, queue);
      else await boss.updateQueue(kind, queue);
    }
  } catch (error) {
    await boss.stop({ graceful: false, close: true }).catch(() => undefined);
    throw new CaseSyncError("CS_STATE", `job queue: cannot start pg-boss in schema ${options.schema} of ${location.description}: ${clean(error)}`, { field: "CASE_SYNC_STATE" });
  } finally {
    // Ending the session releases the advisory lock.
    await setup.end().catch(() => undefined);
  }

  return {
    async enqueue(kind, payload, sendOptions = {}) {
      // Checked on the way in too: a payload is data read by others; a secret must never reach it.
      const data = JOB_SCHEMAS[kind].parse(payload) as object;
      return boss.send(kind, data, {
        singletonKey: (payload as { pair: string }).pair,
        // The sender's own settings travel with the job (the queue's defaults are those of the
        // worker that started last): the worker that runs it may be configured another way.
        retryLimit: options.settings.retryLimit,
        retryDelay: options.settings.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: options.settings.expireInSeconds,
        ...(sendOptions.startAfterSeconds ? { startAfter: sendOptions.startAfterSeconds } : {}),
        ...(sendOptions.id ? { id: sendOptions.id } : {}),
      });
    },
    async take(kind) {
      const [job] = await boss.fetch(kind, { batchSize: 1, includeMetadata: true });
      if (job === undefined) return null;
      const parsed = parseJob(kind, job.data);
      return {
        kind,
        id: job.id,
        payload: parsed.ok ? parsed.job : null,
        problem: parsed.ok ? null : parsed.problem,
        retryCount: job.retryCount,
      };
    },
    async complete(job, output) {
      await boss.complete(job.kind, job.id, output ?? {});
    },
    async fail(job, reason) {
      await boss.fail(job.kind, job.id, { message: reason });
    },
    async waiting() {
      const counts = await Promise.all(JOB_KINDS.map((kind) => boss.getQueueSize(kind)));
      return Object.fromEntries(JOB_KINDS.map((kind, i) => [kind, counts[i] ?? 0])) as Record<JobKind, number>;
    },
    async ping() {
      await boss.getDb().executeSql("SELECT 1", []);
    },
    async stop() {
      // No pg-boss workers run here (the dispatcher fetches), so nothing is in hand to wait for.
      await boss.stop({ graceful: false, close: true, wait: true });
    },
  };
}

// The fleet's jobs (SPEC §10, STYLE.md "Jobs are data"): three pg-boss queues whose payloads name
// a pair and what happened to it, never a secret (a job table is read by operators and dumped into
// backups). The handler of each is a thin call into the library (jobs-run.ts).
//
// The queue policy is pg-boss's `short` (at most one *waiting* job per singleton key), keyed by the
// pair: a second scheduler tick, a second worker's tick or a burst of deliveries finds the pair's
// job already waiting and adds nothing (`send` answers null). `singleton` and `stately` would also
// cap the *active* job per pair, but in pg-boss 10 a fetch whose next job collides with an active
// one fails as a whole, so one long pair would stall the queue for every other pair
// (timgit/pg-boss#535). The one-run-per-pair rule is therefore the pair's run lock, held by the
// engine across workers and across the three kinds: a job that meets it (CS_LOCKED) is sent again
// a little later and is not a failure.
import { z } from "zod";
import { PAIR_NAME } from "./pair-names.js";

/** The queues, in the order a free worker slot looks at them: a delivery is the freshest news. */
export const JOB_KINDS = ["event", "sync", "reconcile"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** A pair's name as it travels in a job: the registry's alphabet, so it can name nothing else. */
export const JobPairSchema = z.string().regex(PAIR_NAME, "not a pair name");

const isoTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)), "not an ISO time");

/**
 * Why a full sync was queued: the schedule, a burst of deliveries, a person (or an embedder), or
 * deliveries a targeted sync left to a full sync while a copy was in doubt (`CS_DEFERRED`).
 */
export const SYNC_REASONS = ["schedule", "burst", "manual", "deferred"] as const;

/** `sync` and `reconcile`: a full sync of one pair. */
export const SyncJobSchema = z.object({ pair: JobPairSchema, reason: z.enum(SYNC_REASONS), queuedAt: isoTime }).strict();
export type SyncJob = z.infer<typeof SyncJobSchema>;

/**
 * `event`: a verified Plannr delivery for one pair (the hint only: the case is read from the API).
 * The delivery itself waits in the pair's inbox; this job wakes a worker to drain it, so one job
 * serves every delivery that arrives while it waits.
 */
export const EventJobSchema = z
  .object({
    pair: JobPairSchema,
    caseId: z.string().regex(/^[0-9A-Za-z-]{1,64}$/, "not a case uuid"),
    event: z.string().min(1).max(100),
    receivedAt: isoTime,
  })
  .strict();
export type EventJob = z.infer<typeof EventJobSchema>;

export type JobPayload<K extends JobKind> = K extends "event" ? EventJob : SyncJob;

export const JOB_SCHEMAS: { [K in JobKind]: z.ZodType<JobPayload<K>> } = {
  event: EventJobSchema,
  sync: SyncJobSchema,
  reconcile: SyncJobSchema,
};

/** A job payload checked as it leaves the queue, or an error naming the field. */
export function parseJob<K extends JobKind>(kind: K, data: unknown): { ok: true; job: JobPayload<K> } | { ok: false; problem: string } {
  const parsed = JOB_SCHEMAS[kind].safeParse(data);
  if (parsed.success) return { ok: true, job: parsed.data as JobPayload<K> };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: `${issue?.path.join(".") || "payload"}: ${issue?.message ?? "invalid"}` };
}

/**
 * How long a job may stay active before pg-boss takes it for dead and retries it, and how failed
 * jobs back off. A run's own maximum duration ends it well before the expiry; the expiry is for a
 * worker that died (kill -9, a lost machine). Retries back off exponentially from `retryDelaySeconds`.
 */
export const JobSettingsSchema = z
  .object({
    expireInSeconds: z.number().int().min(1).max(23 * 3600),
    retryLimit: z.number().int().min(0).max(100),
    retryDelaySeconds: z.number().int().min(1).max(24 * 3600),
    /** A job that met the pair's run lock waits this long before it is tried again. */
    lockedDelaySeconds: z.number().int().min(1).max(3600),
  })
  .strict();
export type JobSettings = z.infer<typeof JobSettingsSchema>;

export const DEFAULT_JOB_SETTINGS: JobSettings = { expireInSeconds: 30 * 60, retryLimit: 3, retryDelaySeconds: 30, lockedDelaySeconds: 10 };

/** The pg-boss queue options of every queue (createQueue/updateQueue). */
export function queueOptions(settings: JobSettings) {
  return {
    policy: "short" as const,
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: settings.expireInSeconds,
  };
}

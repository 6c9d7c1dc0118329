// The fleet's schedule (SPEC §10: a scheduled `sync` per pair). Every worker ticks: it asks the
// registry which pairs are due (their interval passed, not paused, not backing off) and sends one
// `sync` job for each. Workers tick independently and need not agree: a due pair's job has an id
// made of the pair and the time it fell due, so however many ticks (of one worker or of many)
// send it while it waits, runs, or waits for its retry, pg-boss keeps one job, and the pair runs
// once per due time (Nango's "one active task per schedule"). Its run moves the due time on.
import { createHash } from "node:crypto";
import type { Logger } from "../core/ports.js";
import type { JobQueue } from "./jobs-queue.js";

/** A pair that is due, and since when (its registry `nextDueAt`). */
export interface DuePair {
  name: string;
  dueAt: string;
}

/** The job id of a pair's scheduled sync for one due time: a UUID (pg-boss's id type) from both. */
export function scheduledJobId(pair: string, dueAt: string): string {
  const hex = createHash("sha256").update(`${pair}\n${new Date(dueAt).toISOString()}`).digest("hex");
  // Version 8 (custom) and the RFC 4122 variant, so it reads as the UUID it is.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** The registry's due pairs with their due times (`duePairs` names them; `get` says since when). */
export function registryDuePairs(registry: { duePairs(now: Date): Promise<string[]>; get(name: string): Promise<{ nextDueAt: string | null } | null> }): (now: Date) => Promise<DuePair[]> {
  return async (now) => {
    const found: DuePair[] = [];
    for (const name of await registry.duePairs(now)) {
      const pair = await registry.get(name);
      if (pair?.nextDueAt) found.push({ name, dueAt: pair.nextDueAt });
    }
    return found;
  };
}

export interface SchedulerOptions {
  duePairs(now: Date): Promise<DuePair[]>;
  queue: Pick<JobQueue, "enqueue">;
  /** How often to look (ms). */
  tickMs: number;
  /** Called after a tick that queued something, so this worker's free slots look at once. */
  queued(): void;
  logger: Logger;
  now?: () => Date;
}

export interface Scheduler {
  /** One look now (also what each tick does); resolves to the pairs newly queued. */
  tick(): Promise<string[]>;
  stop(): Promise<void>;
}

export function startScheduler(options: SchedulerOptions): Scheduler {
  const now = options.now ?? (() => new Date());
  let running: Promise<string[]> | null = null;
  let stopped = false;

  const look = async (): Promise<string[]> => {
    const at = now();
    const due = await options.duePairs(at);
    const queued: string[] = [];
    for (const pair of due) {
      if (stopped) break;
      const id = await options.queue.enqueue("sync", { pair: pair.name, reason: "schedule", queuedAt: at.toISOString() }, { id: scheduledJobId(pair.name, pair.dueAt) });
      if (id !== null) queued.push(pair.name);
    }
    if (queued.length > 0) {
      options.logger.debug({ pairs: queued.length }, "scheduled syncs queued");
      options.queued();
    }
    return queued;
  };

  // One look at a time: a slow database must not pile ticks up.
  const tick = () => (running ??= look().finally(() => (running = null)));

  const timer = setInterval(() => {
    tick().catch((error: unknown) => options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "schedule: could not look for due pairs; next tick tries again"));
  }, options.tickMs);
  timer.unref();

  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

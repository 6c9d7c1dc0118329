// A worker's slots: up to `concurrency` jobs in hand, each a different run. A slot that frees up
// takes the next due job from pg-boss (`fetch`, one at a time, queues in the order of JOB_KINDS),
// so a busy worker never holds jobs it cannot start while another worker idles: what waits, waits
// in the queue. Stopping takes no new job and waits for the jobs in hand (SIGTERM: finish, exit 0).
import type { Logger } from "../core/ports.js";
import { JOB_KINDS } from "./jobs.js";
import type { JobQueue, TakenJob } from "./jobs-queue.js";

/** What became of a job: done (completed in pg-boss) or failed (pg-boss retries it with backoff). */
export type JobOutcome = { status: "done"; output: Record<string, unknown> } | { status: "failed"; reason: string };

export interface DispatcherOptions {
  queue: JobQueue;
  concurrency: number;
  /** How often an idle slot asks the queues again (ms). */
  pollMs: number;
  run(job: TakenJob): Promise<JobOutcome>;
  logger: Logger;
}

export interface Dispatcher {
  /** Jobs in hand now. */
  inHand(): number;
  /** Looks at the queues now rather than at the next poll (a job was just sent by this worker). */
  wake(): void;
  /** Takes no new job; resolves when the jobs in hand are finished and recorded. */
  stop(): Promise<void>;
}

export function startDispatcher(options: DispatcherOptions): Dispatcher {
  const inHand = new Set<Promise<void>>();
  let stopping = false;
  let wakeUp: (() => void) | null = null;
  let woken = false;

  const wake = () => {
    woken = true;
    wakeUp?.();
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopping) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  const takeNext = async (): Promise<TakenJob | null> => {
    for (const kind of JOB_KINDS) {
      const job = await options.queue.take(kind);
      if (job !== null) return job;
    }
    return null;
  };

  const settle = async (job: TakenJob) => {
    let outcome: JobOutcome;
    try {
      outcome = await options.run(job);
    } catch (error) {
      outcome = { status: "failed", reason: error instanceof Error ? error.message : String(error) };
    }
    try {
      if (outcome.status === "done") await options.queue.complete(job, outcome.output);
      else {
        options.logger.warn({ job: job.id, kind: job.kind, pair: job.payload?.pair, retry: job.retryCount, reason: outcome.reason }, "job failed; pg-boss retries it with backoff");
        await options.queue.fail(job, outcome.reason);
      }
    } catch (error) {
      // The job stays active and expires; pg-boss then retries it (the journal makes that safe).
      options.logger.warn({ job: job.id, err: error instanceof Error ? error.message : String(error) }, "could not record a job's end; it is retried after its expiry");
    }
  };

  const launch = (job: TakenJob) => {
    const running = settle(job).finally(() => {
      inHand.delete(running);
      wake();
    });
    inHand.add(running);
  };

  const loop = (async () => {
    while (!stopping) {
      woken = false;
      if (inHand.size < options.concurrency) {
        let job: TakenJob | null = null;
        try {
          job = await takeNext();
        } catch (error) {
          options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "could not read the job queue; trying again");
        }
        // A job taken while stop was being asked is in hand all the same: it is run, not dropped.
        if (job !== null) {
          launch(job);
          continue;
        }
      }
      await pause(options.pollMs);
    }
  })();

  return {
    inHand: () => inHand.size,
    wake,
    async stop() {
      stopping = true;
      wakeUp?.();
      await loop;
      await Promise.all([...inHand]);
    },
  };
}

// The worker's job handling in-process, against the real pieces (PostgreSQL, pg-boss, the
// registry, a pair of sandboxes over HTTP), one step at a time so each rule is seen on its own:
// deliveries coalesce into one targeted sync; a scheduled pair is queued once per due time however
// many ticks see it; a job that meets the pair's lock is sent again and is no failure; paused,
// removed and malformed jobs run nothing; a full sync takes the deliveries that came before it;
// a worker's slots never run more than `concurrency` jobs and stopping waits for the ones in hand.
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/ports.js";
import type { StateStore } from "../../src/core/state.js";
import { parseJob } from "../../src/fleet/jobs.js";
import type { JobQueue, TakenJob } from "../../src/fleet/jobs-queue.js";
import { runJob, type JobRunDeps } from "../../src/fleet/jobs-run.js";
import { registryDuePairs, startScheduler, type Scheduler } from "../../src/fleet/scheduler.js";
import { startDispatcher } from "../../src/fleet/worker-dispatch.js";
import { createPairPool, type PairPool } from "../../src/fleet/worker-pairs.js";
import type { CaseSync } from "../../src/library/create-sync.js";
import { createMetrics } from "../../src/service/metrics.js";
import { checkPair, fleetWorld, runsOf, waitFor, type Fleet, type FleetPair } from "../support/fleet-world.js";

let fleet: Fleet;
let pair: FleetPair;
let queue: JobQueue;
let pool: PairPool;
let deps: JobRunDeps;
const schedulers: Scheduler[] = [];

const manual = () => ({ pair: pair.name, reason: "manual" as const, queuedAt: new Date().toISOString() });

async function takeNow(kind: "sync" | "event" | "reconcile"): Promise<TakenJob> {
  return waitFor(`a ${kind} job`, () => queue.take(kind).then((job) => job ?? undefined), 10_000, 200);
}

async function waiting(kind: string): Promise<number> {
  const [row] = await fleet.sql<{ n: string }>(`SELECT count(*) AS n FROM "${fleet.schema}_boss".job WHERE name = $1 AND state IN ('created', 'retry')`, [kind]);
  return Number(row?.n ?? 0);
}

/** The pair's store, through the same pool (and so the same open library object) the jobs use. */
async function withStore<T>(fn: (store: StateStore) => Promise<T>): Promise<T> {
  const version = (await fleet.registry.get(pair.name))?.createdAt ?? "";
  return pool.use(pair.name, version, (sync) => fn(sync.store));
}

const inbox = () => withStore((store) => store.countInbox());

beforeAll(async () => {
  fleet = await fleetWorld({ pairs: 1, casesPerPair: 4, everyMs: 3_600_000 });
  pair = fleet.pairs[0]!;
  queue = await fleet.queue();
  pool = createPairPool({
    open: async (name) => {
      const sync = await fleet.registry.openSync(name);
      await sync.store.init();
      return sync;
    },
    idleMs: 60_000,
    maxOpen: 4,
    logger: silentLogger,
  });
  deps = { registry: fleet.registry, pairs: pool, queue, metrics: createMetrics(), pairLabel: false, lockedDelaySeconds: 1, maxRunTimeMs: 60_000, sent: () => undefined, logger: silentLogger };
}, 60_000);

afterAll(async () => {
  for (const scheduler of schedulers) await scheduler.stop();
  await pool?.closeAll();
  await fleet?.close();
}, 30_000);

describe("the worker's jobs", () => {
  it("queues a due pair once per due time, however many ticks (of however many workers) see it", async () => {
    const tick = () => {
      const scheduler = startScheduler({ duePairs: registryDuePairs(fleet.registry), queue, tickMs: 3_600_000, queued: () => undefined, logger: silentLogger });
      schedulers.push(scheduler);
      return scheduler.tick();
    };
    expect(await tick()).toEqual([pair.name]);
    expect(await tick()).toEqual([]);
    // Taken (running): the pair is still due until its run ends, and still not queued twice.
    const job = await takeNow("sync");
    expect(await tick()).toEqual([]);
    expect(await runJob(job, deps)).toMatchObject({ status: "done", output: { exitCode: 0 } });
    expect(await tick()).toEqual([]);
    expect(await waiting("sync")).toBe(0);
    expect(checkPair(pair)).toMatchObject({ unpaired: [], duplicates: [], orphans: [] });
  }, 60_000);

  it("coalesces deliveries: many waiting cases, one job, one targeted sync with all of them", async () => {
    const cases = pair.sandboxes.plannr.listCases().slice(0, 3);
    const runsBefore = (await runsOf(fleet, pair.name)).length;
    const ids: (string | null)[] = [];
    for (const [i, c] of cases.entries()) {
      pair.sandboxes.plannr.editCase(c.uuid, { name: `Delivered edit ${i}` });
      const receivedAt = new Date().toISOString();
      await withStore((store) => store.putInbox({ caseId: c.uuid, event: "case.updated", receivedAt }));
      ids.push(await queue.enqueue("event", { pair: pair.name, caseId: c.uuid, event: "case.updated", receivedAt }));
    }
    expect(ids.filter((id) => id !== null)).toHaveLength(1);
    const outcome = await runJob(await takeNow("event"), deps);
    expect(outcome).toMatchObject({ status: "done", output: { exitCode: 0, cases: 3 } });
    const runs = (await runsOf(fleet, pair.name)).slice(runsBefore);
    expect(runs.map((r) => r.command)).toEqual(["sync (targeted)"]);
    const titles = pair.sandboxes.onlyoffice.listCases().map((c) => c.title);
    for (let i = 0; i < 3; i += 1) expect(titles).toContain(`Delivered edit ${i}`);
    expect(await inbox()).toBe(0);
  }, 60_000);

  it("sends a job that meets the pair's lock again a little later, and counts no failure", async () => {
    const before = await fleet.registry.get(pair.name);
    const owner = "another-worker-run";
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    await withStore((store) => store.acquireLock({ owner, host: hostname(), pid: process.pid, expiresAt }));
    try {
      await queue.enqueue("sync", manual());
      const outcome = await runJob(await takeNow("sync"), deps);
      expect(outcome).toMatchObject({ status: "done", output: { locked: true } });
      expect(await waiting("sync")).toBe(1);
      const after = await fleet.registry.get(pair.name);
      expect(after).toMatchObject({ consecutiveFailures: 0, lastRunAt: before?.lastRunAt, lastExitCode: 0 });
    } finally {
      await withStore((store) => store.releaseLock(owner));
    }
    // The copy runs once the pair is free.
    expect(await runJob(await takeNow("sync"), deps)).toMatchObject({ status: "done", output: { exitCode: 0 } });
  }, 60_000);

  it("takes the deliveries that came before a full sync as handled by it", async () => {
    const [c] = pair.sandboxes.plannr.listCases();
    pair.sandboxes.plannr.editCase(c!.uuid, { name: "Seen by the full sync" });
    await withStore((store) => store.putInbox({ caseId: c!.uuid, event: "case.updated", receivedAt: new Date().toISOString() }));
    expect(await inbox()).toBe(1);
    await queue.enqueue("reconcile", manual());
    expect(await runJob(await takeNow("reconcile"), deps)).toMatchObject({ status: "done", output: { exitCode: 0 } });
    expect(await inbox()).toBe(0);
    expect(pair.sandboxes.onlyoffice.listCases().map((o) => o.title)).toContain("Seen by the full sync");
  }, 60_000);

  it("leaves a failing pair's deliveries to its next full sync instead of retrying it at each one", async () => {
    await fleet.registry.recordOutcome(pair.name, { exitCode: 4, finishedAt: new Date().toISOString() });
    try {
      const [c] = pair.sandboxes.plannr.listCases();
      const receivedAt = new Date().toISOString();
      await withStore((store) => store.putInbox({ caseId: c!.uuid, event: "case.updated", receivedAt }));
      await queue.enqueue("event", { pair: pair.name, caseId: c!.uuid, event: "case.updated", receivedAt });
      expect(await runJob(await takeNow("event"), deps)).toEqual({ status: "done", output: { skipped: "backing off" } });
      expect(await inbox()).toBe(1);
      // A person asking for a sync is not the schedule: it runs, and its success clears the failure.
      await queue.enqueue("sync", manual());
      expect(await runJob(await takeNow("sync"), deps)).toMatchObject({ status: "done", output: { exitCode: 0 } });
      expect(await inbox()).toBe(0);
      expect(await fleet.registry.get(pair.name)).toMatchObject({ consecutiveFailures: 0 });
    } finally {
      await fleet.registry.resume(pair.name);
    }
  }, 60_000);

  it("queues a full sync when a delivery names a case a copy in doubt could be (at most one a minute), and that sync settles it", async () => {
    /** A Plannr case whose copy into ONLYOFFICE was started and its answer lost (the journal entry open), and its delivery. */
    const doubtAndDelivery = async (name: string) => {
      const [model] = pair.sandboxes.plannr.listCases();
      const made = pair.sandboxes.plannr.createCaseDirect({ name, participantUuids: model!.participantUuids });
      await withStore((store) =>
        store.addJournal({ id: `doubt-${made.uuid}`, runId: "run-of-the-lost-answer", side: "onlyoffice", sourceId: made.uuid, fingerprint: { title: made.name, participants: [] }, status: "pending", createdId: null, startedAt: new Date(Date.now() - 60_000).toISOString(), settledAt: null }),
      );
      const receivedAt = new Date().toISOString();
      await withStore((store) => store.putInbox({ caseId: made.uuid, event: "case.created", receivedAt }));
      await queue.enqueue("event", { pair: pair.name, caseId: made.uuid, event: "case.created", receivedAt });
      return made;
    };
    const reconcileStartsIn = async () => {
      const [row] = await fleet.sql<{ s: string }>(`SELECT EXTRACT(EPOCH FROM (start_after - now())) AS s FROM "${fleet.schema}_boss".job WHERE name = 'reconcile' AND state = 'created' ORDER BY created_on DESC LIMIT 1`);
      return Number(row?.s ?? Number.NaN);
    };
    const settles = async (name: string) => {
      const reconcile = await takeNow("reconcile");
      expect(reconcile.payload).toMatchObject({ pair: pair.name, reason: "deferred" });
      expect(await runJob(reconcile, deps)).toMatchObject({ status: "done", output: { exitCode: 0 } });
      expect(pair.sandboxes.onlyoffice.listCases().filter((c) => c.title === name)).toHaveLength(1);
      expect(await withStore((store) => store.listPendingJournal())).toEqual([]);
    };
    // The pair's last run was a while ago: the full sync is queued to start at once.
    await fleet.registry.recordOutcome(pair.name, { exitCode: 0, finishedAt: new Date(Date.now() - 120_000).toISOString() });
    const first = await doubtAndDelivery("Its copy's answer was lost");
    expect(await runJob(await takeNow("event"), deps)).toMatchObject({ status: "done", output: { exitCode: 0, cases: 1 } });
    // The targeted sync could not tell, so it made no copy; the full sync that settles it is queued.
    expect(pair.sandboxes.onlyoffice.listCases().map((c) => c.title)).not.toContain(first.name);
    expect(await reconcileStartsIn()).toBeLessThan(5);
    await settles(first.name);
    // That full sync ran just now: a second doubt's full sync waits out the minute.
    const second = await doubtAndDelivery("Another lost answer");
    expect(await runJob(await takeNow("event"), deps)).toMatchObject({ status: "done", output: { exitCode: 0 } });
    expect(await reconcileStartsIn()).toBeGreaterThan(40);
    await fleet.sql(`UPDATE "${fleet.schema}_boss".job SET start_after = now() WHERE name = 'reconcile' AND state = 'created'`);
    await settles(second.name);
    expect(checkPair(pair)).toMatchObject({ unpaired: [], duplicates: [], orphans: [] });
  }, 60_000);

  it("runs nothing for a paused pair, an unknown pair, or a payload that fails its schema", async () => {
    const runsBefore = (await runsOf(fleet, pair.name)).length;
    await fleet.registry.pause(pair.name);
    try {
      await queue.enqueue("sync", manual());
      expect(await runJob(await takeNow("sync"), deps)).toEqual({ status: "done", output: { skipped: "paused" } });
    } finally {
      await fleet.registry.resume(pair.name);
    }
    await queue.enqueue("sync", { ...manual(), pair: "firm-99" });
    expect(await runJob(await takeNow("sync"), deps)).toMatchObject({ status: "done", output: { skipped: expect.stringContaining("no longer registered") } });
    const malformed: TakenJob = { kind: "sync", id: "00000000-0000-4000-8000-000000000000", payload: null, problem: "pair: not a pair name", retryCount: 0 };
    expect(await runJob(malformed, deps)).toEqual({ status: "done", output: { refused: "pair: not a pair name" } });
    expect((await runsOf(fleet, pair.name)).length).toBe(runsBefore);
    // A payload with anything more than its fields (a token, say) is refused both ways.
    expect(parseJob("event", { pair: pair.name, caseId: "abc", event: "case.updated", receivedAt: new Date().toISOString(), token: "x" }).ok).toBe(false);
    await expect(queue.enqueue("sync", { ...manual(), token: "x" } as never)).rejects.toThrow();
  }, 60_000);
});

describe("a worker's open pairs", () => {
  it("keeps one library object per pair, reopens a changed pair, and closes the least recently used beyond the cap", async () => {
    const opened: string[] = [];
    const closed: string[] = [];
    const few = createPairPool({
      open: (name) => {
        opened.push(name);
        return Promise.resolve({ close: () => Promise.resolve(void closed.push(name)) } as unknown as CaseSync);
      },
      idleMs: 60_000,
      maxOpen: 2,
      logger: silentLogger,
    });
    const use = (name: string, version = "1") => few.use(name, version, () => Promise.resolve());
    await use("a");
    await use("a");
    await use("b");
    expect(opened).toEqual(["a", "b"]);
    await use("a"); // a is now the most recently used: b goes first
    await use("c");
    expect(closed).toEqual(["b"]);
    await use("a", "2"); // the pair changed in the registry: a fresh object, the old one closed
    expect(opened).toEqual(["a", "b", "c", "a"]);
    expect(closed).toEqual(["b", "a"]);
    expect(few.size()).toBe(2);
    await few.closeAll();
    expect(closed.sort()).toEqual(["a", "a", "b", "c"]);
  });
});

describe("a worker's slots", () => {
  it("run at most `concurrency` jobs at once, and stopping waits for the jobs in hand", async () => {
    const jobs: TakenJob[] = Array.from({ length: 7 }, (_, i) => ({ kind: "sync", id: `job-${i}`, payload: { pair: `firm-${i}`, reason: "manual", queuedAt: "" }, problem: null, retryCount: 0 }));
    const completed: string[] = [];
    const fake: JobQueue = {
      enqueue: () => Promise.resolve(null),
      take: (kind) => Promise.resolve(kind === "sync" ? (jobs.shift() ?? null) : null) as never,
      complete: (job) => Promise.resolve(void completed.push(job.id)),
      fail: () => Promise.resolve(),
      waiting: () => Promise.resolve({ event: 0, sync: jobs.length, reconcile: 0 }),
      ping: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    };
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const dispatcher = startDispatcher({
      queue: fake,
      concurrency: 3,
      pollMs: 100,
      logger: silentLogger,
      run: async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running -= 1;
        return { status: "done", output: {} };
      },
    });
    await waitFor("three jobs in hand", () => (dispatcher.inHand() === 3 ? true : undefined), 5_000, 20);
    release.splice(0).forEach((r) => r());
    await waitFor("three more in hand", () => (completed.length === 3 && dispatcher.inHand() === 3 ? true : undefined), 5_000, 20);
    const stopped = dispatcher.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(done).toBe(false);
    release.splice(0).forEach((r) => r());
    await stopped;
    expect(most).toBe(3);
    expect(completed).toHaveLength(6);
    // The seventh was never taken: it waits in the queue for another worker.
    expect(jobs.map((j) => j.id)).toEqual(["job-6"]);
  });
});

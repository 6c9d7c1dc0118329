// The fleet's process tests (SPEC §10 targets): 50 pairs, each with its own pair of sandboxes over
// real HTTP, on 2 worker processes sharing one PostgreSQL. They converge with no duplicate, no pair
// ever runs twice at once (read from each pair's runs table), both workers share the work, SIGTERM
// stops a worker cleanly (exit 0), and after `kill -9` of a worker in the middle of its creates,
// the other worker finishes its pairs (pg-boss retries the dead worker's jobs after their expiry)
// and nothing is duplicated. Needs the built CLI (`npx tsc -p tsconfig.build.json`).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPair, fleetWorld, overlaps, runsOf, waitFor, WORKER_ARGS, type Fleet, type WorkerProcess } from "../support/fleet-world.js";

const PAIRS = 50;
/** ONLYOFFICE's case create (`POST crm/case`). */
const CREATE = /\/crm\/case(\.json)?$/;

let fleet: Fleet;
let a: WorkerProcess;
let b: WorkerProcess;

beforeAll(async () => {
  // An hour apart: every pair is due once, at once, and then only when a test asks.
  fleet = await fleetWorld({ pairs: PAIRS, casesPerPair: 4, onlyofficeCasesPerPair: 1, everyMs: 3_600_000 });
}, 60_000);

afterAll(async () => {
  await fleet?.close();
}, 30_000);

/** The names of the pairs a worker finished a run of, from its log. */
function pairsRunBy(worker: WorkerProcess): Set<string> {
  return new Set([...worker.stderr().matchAll(/run finished \{"pair":"([a-z0-9-]+)"/g)].map((m) => m[1] ?? ""));
}

describe("case-sync worker: 50 pairs on 2 workers", () => {
  it("converges every pair once, with no duplicate and never two runs of one pair at once", async () => {
    [a, b] = await Promise.all([fleet.startWorker(WORKER_ARGS), fleet.startWorker(WORKER_ARGS)]);
    const summaries = await waitFor(
      "every pair's first run",
      async () => {
        const all = await fleet.registry.list();
        return all.every((p) => p.lastExitCode !== null) ? all : undefined;
      },
      75_000,
      500,
    );
    expect(summaries.map((p) => [p.name, p.lastExitCode]).filter(([, code]) => code !== 0)).toEqual([]);

    for (const pair of fleet.pairs) {
      const check = checkPair(pair);
      expect(check, pair.name).toMatchObject({ unpaired: [], duplicates: [], orphans: [] });
      expect(check.plannr, pair.name).toBe(5);
      // Once: two workers ticking the schedule queue a due pair once, and a run moves it on.
      const runs = await runsOf(fleet, pair.name);
      expect(runs.length, pair.name).toBe(1);
      expect(runs.filter((r) => r.finished_at === null), pair.name).toEqual([]);
      expect(overlaps(runs), pair.name).toEqual([]);
    }
    // Both processes took pairs: the work is shared, not done by whichever started first.
    const [byA, byB] = [pairsRunBy(a), pairsRunBy(b)];
    expect(byA.size).toBeGreaterThan(0);
    expect(byB.size).toBeGreaterThan(0);
    expect(new Set([...byA, ...byB]).size).toBe(PAIRS);
  }, 90_000);

  it("SIGTERM stops a worker cleanly: exit 0", async () => {
    b.child.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    expect(b.stderr()).toContain("stopped.");
  }, 30_000);

  it("kill -9 in the middle of a run: the other worker finishes its pairs, nothing is duplicated", async () => {
    const chosen = fleet.pairs.slice(0, 6);
    // New work for each chosen pair: three Plannr cases to copy, each ONLYOFFICE create slowed
    // down, so the kill lands while creates are in flight (the journal must settle them).
    const firstCreate = new Promise<string>((resolve) => {
      for (const pair of chosen) {
        const client = pair.sandboxes.world.clients.find((c) => c.note === "ordinary client")?.plannrUuid ?? "";
        for (let i = 0; i < 3; i += 1) pair.sandboxes.plannr.createCaseDirect({ name: `Kill test ${i} – ${pair.name}`, participantUuids: [client] });
        pair.sandboxes.onlyoffice.server.addFault({ kind: "latency", method: "POST", path: CREATE, latencyMs: 700, times: Infinity });
        pair.sandboxes.onlyoffice.server.onRequest((request) => {
          if (request.method === "POST" && CREATE.test(request.path)) resolve(pair.name);
        });
      }
    });
    const queue = await fleet.queue();
    for (const pair of chosen) await queue.enqueue("sync", { pair: pair.name, reason: "manual", queuedAt: new Date().toISOString() });

    const killed = await firstCreate;
    a.child.kill("SIGKILL");
    expect(await a.exited).toBe(128 + 9);
    const killedAt = new Date().toISOString();
    // The run the kill interrupted holds its pair's lock and never finished.
    const interrupted = (await runsOf(fleet, killed)).filter((r) => r.finished_at === null);
    expect(interrupted).toHaveLength(1);

    const c = await fleet.startWorker(WORKER_ARGS);
    for (const pair of chosen) {
      await waitFor(
        `a finished run of ${pair.name} after the kill`,
        async () => ((await runsOf(fleet, pair.name)).some((r) => r.finished_at !== null && r.started_at > killedAt && r.exit_code === 0) ? true : undefined),
        60_000,
        500,
      );
    }
    // The killed pair was finished by the other worker (its job, retried after its expiry).
    expect(pairsRunBy(c).has(killed)).toBe(true);
    for (const pair of fleet.pairs) {
      const check = checkPair(pair);
      expect(check, pair.name).toMatchObject({ unpaired: [], duplicates: [], orphans: [] });
      expect(overlaps(await runsOf(fleet, pair.name), killedAt), pair.name).toEqual([]);
    }
    expect(checkPair(fleet.pairs[0]!).plannr).toBe(8);
    c.child.kill("SIGTERM");
    expect(await c.exited).toBe(0);
  }, 120_000);
});

// `case-sync worker` around the edges (SPEC §10), one real worker process on a small fleet:
// a worker without the fleet's key (or with another) refuses to start (exit 2); a delivery to
// /webhooks/plannr/<pair> signed with that pair's secret is queued as the pair's event job and
// synced, a forged one or one for an unknown pair is refused (401) with nothing queued; no job
// payload holds a secret; a paused pair is not synced, and is once resumed; a pair failing every
// run backs off and shows as failing in `pairs list`; livez, readyz and the metrics answer.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPair, fleetWorld, runsOf, signedDelivery, waitFor, webhookSecretOf, WORKER_ARGS, type Fleet, type WorkerProcess } from "../support/fleet-world.js";

let fleet: Fleet;
let worker: WorkerProcess;
const [ACTIVE, PAUSED, BROKEN, HOOKED] = ["firm-01", "firm-02", "firm-03", "firm-04"];

beforeAll(async () => {
  fleet = await fleetWorld({
    pairs: 4,
    casesPerPair: 3,
    everyMs: 1_000,
    webhookSecrets: true,
    configure: (pair) => {
      // A token Plannr refuses: every run of this pair aborts (exit 4).
      if (pair.name === BROKEN) return { env: { PLANNR_TOKEN: "sandbox-plannr-refused-token" } };
      // Synced once at start, then only by its deliveries.
      if (pair.name === HOOKED) return { everyMs: 3_600_000 };
      return {};
    },
  });
  worker = await fleet.startWorker(WORKER_ARGS);
  await waitFor("the first runs", async () => ((await fleet.registry.list()).every((p) => p.lastRunAt !== null) ? true : undefined), 40_000, 500);
}, 90_000);

afterAll(async () => {
  await fleet?.close();
}, 30_000);

const post = (path: string, body: string, signature: string) =>
  fetch(`${worker.url}${path}`, { method: "POST", headers: { "content-type": "application/json", "x-signature": signature }, body });

async function eventJobs(): Promise<{ data: Record<string, unknown> }[]> {
  return fleet.sql(`SELECT data FROM "${fleet.schema}_boss".job WHERE name = 'event' UNION ALL SELECT data FROM "${fleet.schema}_boss".archive WHERE name = 'event'`);
}

describe("case-sync worker: keys, webhooks, pause, backoff", () => {
  it("refuses to start without the fleet's key, or with another one (exit 2, a clear message)", async () => {
    const other = await fleet.cli(["worker", "--port", "0"], { CASE_SYNC_SECRET_KEY: randomBytes(32).toString("base64") });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/CASE_SYNC_SECRET_KEY does not match the key/);
    const none = await fleet.cli(["worker", "--port", "0"], { CASE_SYNC_SECRET_KEY: "" });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("CASE_SYNC_SECRET_KEY");
  }, 30_000);

  it("queues a delivery signed with the pair's secret as its event job, and syncs that case", async () => {
    const pair = fleet.pairs.find((p) => p.name === HOOKED)!;
    const [target] = pair.sandboxes.plannr.listCases();
    pair.sandboxes.plannr.editCase(target!.uuid, { name: "Renamed by a person in Plannr" });
    const delivery = signedDelivery(webhookSecretOf(HOOKED), { event: "case.updated", uuid: target!.uuid });
    const answer = await post(`/webhooks/plannr/${HOOKED}`, delivery.body, delivery.signature);
    expect(answer.status).toBe(202);
    const jobs = await eventJobs();
    expect(jobs.map((j) => j.data)).toContainEqual(expect.objectContaining({ pair: HOOKED, caseId: target!.uuid, event: "case.updated" }));
    expect(Object.keys(jobs[0]!.data).sort()).toEqual(["caseId", "event", "pair", "receivedAt"]);
    // Only its deliveries sync this pair now: the new title reaching ONLYOFFICE is the event's doing.
    await waitFor(
      "the renamed case in ONLYOFFICE",
      () => (pair.sandboxes.onlyoffice.listCases().some((c) => c.title === "Renamed by a person in Plannr" && c.customFields[pair.linkField] === target!.uuid) ? true : undefined),
      30_000,
    );
    const runs = await runsOf(fleet, HOOKED);
    expect(runs.map((r) => r.command)).toContain("sync (targeted)");
    expect(checkPair(pair)).toMatchObject({ unpaired: [], duplicates: [], orphans: [] });
  }, 45_000);

  it("refuses a forged delivery and one for an unknown pair (401), and queues nothing", async () => {
    const before = (await eventJobs()).length;
    const pair = fleet.pairs.find((p) => p.name === HOOKED)!;
    const uuid = pair.sandboxes.plannr.listCases()[1]!.uuid;
    const forged = signedDelivery("not-the-secret-of-this-pair", { event: "case.updated", uuid });
    expect((await post(`/webhooks/plannr/${HOOKED}`, forged.body, forged.signature)).status).toBe(401);
    // Signed with another pair's secret: still not this pair's.
    const crossed = signedDelivery(webhookSecretOf(ACTIVE), { event: "case.updated", uuid });
    expect((await post(`/webhooks/plannr/${HOOKED}`, crossed.body, crossed.signature)).status).toBe(401);
    const unknown = signedDelivery(webhookSecretOf("firm-99"), { event: "case.updated", uuid });
    expect((await post("/webhooks/plannr/firm-99", unknown.body, unknown.signature)).status).toBe(401);
    expect((await eventJobs()).length).toBe(before);
  }, 20_000);

  it("keeps every secret out of the job payloads", async () => {
    const rows = await fleet.sql<{ data: unknown }>(`SELECT data FROM "${fleet.schema}_boss".job UNION ALL SELECT data FROM "${fleet.schema}_boss".archive`);
    expect(rows.length).toBeGreaterThan(0);
    const text = JSON.stringify(rows);
    const secrets = [fleet.secretKey, ...fleet.pairs.flatMap((p) => [p.env.PLANNR_TOKEN, p.env.ONLYOFFICE_TOKEN, p.sandboxes.world.onlyofficePassword, webhookSecretOf(p.name)]), "sandbox-plannr-refused-token"];
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it("does not sync a paused pair, and syncs it again once resumed", async () => {
    const pair = fleet.pairs.find((p) => p.name === PAUSED)!;
    await fleet.registry.pause(PAUSED);
    // A job taken just before the pause may still run once: wait until the pair holds none.
    await waitFor(
      "the paused pair's last job to end",
      async () => {
        const [jobs] = await fleet.sql<{ n: string }>(`SELECT count(*) AS n FROM "${fleet.schema}_boss".job WHERE singleton_key = $1 AND state IN ('created', 'retry', 'active')`, [PAUSED]);
        const open = (await runsOf(fleet, PAUSED)).filter((r) => r.finished_at === null);
        return Number(jobs?.n ?? 0) === 0 && open.length === 0 ? true : undefined;
      },
      20_000,
    );
    const [target] = pair.sandboxes.plannr.listCases();
    pair.sandboxes.plannr.editCase(target!.uuid, { name: "Edited while paused" });
    const pausedAt = new Date().toISOString();
    // Several runs of the active pair (every second) go by...
    const activeRuns = async () => (await runsOf(fleet, ACTIVE)).filter((r) => r.started_at > pausedAt && r.finished_at !== null).length;
    await waitFor("three runs of the active pair", async () => ((await activeRuns()) >= 3 ? true : undefined), 30_000);
    // ...and none of the paused one.
    expect((await runsOf(fleet, PAUSED)).filter((r) => r.started_at > pausedAt)).toEqual([]);
    expect(pair.sandboxes.onlyoffice.listCases().some((c) => c.title === "Edited while paused")).toBe(false);
    expect((await fleet.cli(["pairs", "list"])).stdout).toMatch(new RegExp(`${PAUSED}\\s+paused`));

    await fleet.registry.resume(PAUSED);
    await waitFor("the paused edit in ONLYOFFICE", () => (pair.sandboxes.onlyoffice.listCases().some((c) => c.title === "Edited while paused") ? true : undefined), 30_000);
  }, 70_000);

  it("backs a pair that fails every run off, and lists it as failing", async () => {
    const summary = await waitFor(
      "the broken pair to be failing",
      async () => {
        const found = await fleet.registry.get(BROKEN);
        return found?.state === "failing" ? found : undefined;
      },
      40_000,
      500,
    );
    expect(summary.lastExitCode).toBe(4);
    // Not retried hot: after 3 failures in a row the next run waits 8 schedules, not one.
    expect(Date.parse(summary.nextDueAt!) - Date.parse(summary.lastRunAt!)).toBeGreaterThanOrEqual(8 * 1_000);
    const runs = await runsOf(fleet, BROKEN);
    expect(runs.every((r) => r.exit_code === 4 || r.finished_at === null)).toBe(true);
    const listed = await fleet.cli(["pairs", "list"]);
    expect(listed.stdout).toMatch(new RegExp(`${BROKEN}\\s+failing`));
  }, 60_000);

  it("answers livez, readyz and metrics, with no pair label by default", async () => {
    expect((await fetch(`${worker.url}/livez`)).status).toBe(200);
    expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    for (const name of ["casesync_runs_total", "casesync_run_duration_seconds", "casesync_writes_total", "casesync_conflicts_pending", "casesync_webhook_lag_seconds", "casesync_jobs_queued", "casesync_pairs"]) {
      expect(metrics).toContain(name);
    }
    expect(metrics).toMatch(/casesync_runs_total\{kind="sync",result="ok"\} [1-9]/);
    expect(metrics).toMatch(/casesync_runs_total\{kind="event",result="ok"\} [1-9]/);
    expect(metrics).toMatch(/casesync_pairs\{state="failing"\} 1/);
    expect(metrics).not.toContain("pair=");
  });

  it("names the pair on the per-run series with --metrics-pair-label", async () => {
    const labelled = await fleet.startWorker([...WORKER_ARGS, "--metrics-pair-label"]);
    const pair = fleet.pairs.find((p) => p.name === HOOKED)!;
    const target = pair.sandboxes.plannr.listCases()[2]!;
    pair.sandboxes.plannr.editCase(target.uuid, { name: "Seen by the labelled worker" });
    const delivery = signedDelivery(webhookSecretOf(HOOKED), { event: "case.updated", uuid: target.uuid });
    // Either worker could take the job, and the one that does counts it: the first one is held still.
    worker.child.kill("SIGSTOP");
    try {
      const answer = await fetch(`${labelled.url}/webhooks/plannr/${HOOKED}`, { method: "POST", headers: { "content-type": "application/json", "x-signature": delivery.signature }, body: delivery.body });
      expect(answer.status).toBe(202);
      const metrics = await waitFor(
        "the labelled run",
        async () => {
          const text = await (await fetch(`${labelled.url}/metrics`)).text();
          return text.includes(`pair="${HOOKED}"`) ? text : undefined;
        },
        20_000,
      );
      expect(metrics).toMatch(new RegExp(`casesync_runs_total\\{kind="event",result="ok",pair="${HOOKED}"\\} 1`));
    } finally {
      worker.child.kill("SIGCONT");
    }
    labelled.child.kill("SIGTERM");
    expect(await labelled.exited).toBe(0);
  }, 40_000);

  it("stops on SIGTERM: exit 0", async () => {
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
  }, 30_000);
});

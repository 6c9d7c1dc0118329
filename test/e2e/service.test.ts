// `case-sync serve` as a real process (the built CLI) against both sandboxes over real HTTP
// (SPEC §9): Plannr's signed deliveries, the ONLYOFFICE scan tick, the subscription kept single
// across restarts, forged and oversized deliveries refused, no echo, SIGTERM and kill -9.
// Times are printed, never asserted: a change only has to arrive within a generous deadline.
import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openStateStore } from "../../src/state/open.js";
import { cliWorld, initMapping, type CliResult, type CliWorld } from "../support/cli.js";
import { freePort } from "../../src/cli/free-port.js";

const sign = (body: string, secret: string) => createHmac("sha256", secret).update(body).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await sleep(25);
  }
  return Date.now() - start;
}

interface Serving {
  url: string;
  child: ReturnType<CliWorld["spawn"]>["child"];
  result: Promise<CliResult>;
}

let w: CliWorld;
let port: number;
let url: string;
const results: CliResult[] = [];
const children: Serving["child"][] = [];

async function serve(): Promise<Serving> {
  const { child, result } = w.spawn(["serve", "--port", String(port), "--public-url", url, "--scan-interval", "1s", "--reconcile-interval", "1h"], { LOG_LEVEL: "info" });
  children.push(child);
  void result.then((r) => results.push(r));
  // Ready once the first reconcile went through (both sides authenticated).
  await until("serve to be ready", async () => {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${(await result).stderr}`);
    return fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
  }, 45_000);
  return { url, child, result };
}

async function metric(name: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.split(" ")[1]);
}

/** Every delivery so far settled at the sandbox, and the service's inbox empty. */
async function settled(): Promise<void> {
  await w.sandboxes.plannr.webhooks.idle();
  await until("the inbox to drain", async () => (await metric("casesync_inbox_depth")) === 0);
}

const plannrWrites = (from: number) => w.sandboxes.plannr.server.requests().slice(from).filter((r) => r.method !== "GET");
const onlyofficeWrites = (from: number) => w.sandboxes.onlyoffice.server.requests().slice(from).filter((r) => r.method !== "GET");
const secret = () => w.sandboxes.plannr.webhooks.subscriptions()[0]?.signingSecret ?? "";

async function partnerOf(plannrUuid: string): Promise<number> {
  const store = openStateStore(w.statePath);
  try {
    await store.init();
    const link = await store.getLinkByPlannr(plannrUuid);
    if (!link) throw new Error(`no link for ${plannrUuid}`);
    return Number(link.onlyofficeId);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  w = await cliWorld({ seed: 61, cases: 10, webhooks: { retryDelaysMs: [100, 300] } });
  await initMapping(w);
  const migrated = await w.run(["migrate", "--from", "plannr"]);
  if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
}, 120_000);

afterEach(async () => {
  // A failed test must not leave its service holding the port for the next one.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await sleep(100);
});

afterAll(async () => {
  await w.close();
  // Invariant 12: no token and no signing secret in anything serve printed.
  const printed = [...w.transcript, ...results.flatMap((r) => [r.stdout, r.stderr])].join("\n");
  for (const value of [w.env.PLANNR_TOKEN, w.env.ONLYOFFICE_TOKEN, w.env.ONLYOFFICE_PASSWORD, ...w.sandboxes.plannr.webhooks.subscriptions().map((s) => s.signingSecret)]) {
    if (value) expect(printed).not.toContain(value);
  }
});

describe("case-sync serve", () => {
  it("subscribes once, refuses forged, unsigned and oversized deliveries, carries edits both ways in seconds without echo, and stops on SIGTERM", async () => {
    const s = await serve();
    const subs = w.sandboxes.plannr.webhooks.subscriptions();
    expect(subs).toHaveLength(1);
    expect(subs[0]?.url).toBe(`${url}/webhooks/plannr`);
    expect([...(subs[0]?.events ?? [])].sort()).toEqual(["case.created", "case.deleted", "case.updated"]);
    await settled();

    // Forged, unsigned and oversized deliveries: refused, nothing stored, Plannr not called.
    const [p0, o0] = [w.sandboxes.plannr.server.requests().length, w.sandboxes.onlyoffice.server.requests().length];
    const target = w.sandboxes.plannr.listCases()[0]!;
    const body = JSON.stringify({ event: "case.updated", data: { uuid: target.uuid } });
    const post = (payload: string, headers: Record<string, string>) => fetch(`${url}/webhooks/plannr`, { method: "POST", body: payload, headers: { "content-type": "application/json", ...headers } });
    expect((await post(body, { "x-signature": sign(body, "a guessed secret of sixty characters.......................") })).status).toBe(401);
    expect((await post(body, {})).status).toBe(401);
    const big = JSON.stringify({ event: "case.updated", uuid: target.uuid, pad: "x".repeat(1024 * 1024) });
    expect((await post(big, { "x-signature": sign(big, secret()) })).status).toBe(413);
    await sleep(300);
    expect(await metric("casesync_inbox_depth")).toBe(0);
    expect(w.sandboxes.plannr.server.requests().length).toBe(p0);
    // (The scan tick lists ONLYOFFICE meanwhile; nothing is written.)
    expect(onlyofficeWrites(o0)).toEqual([]);

    // A Plannr UI edit reaches ONLYOFFICE through its delivery.
    const partner = await partnerOf(target.uuid);
    w.sandboxes.plannr.editCase(target.uuid, { name: "Renamed in the Plannr UI" });
    const toOnlyoffice = await until("the Plannr edit in ONLYOFFICE", () => w.sandboxes.onlyoffice.getCase(partner)?.title === "Renamed in the Plannr UI");
    await settled();

    // An ONLYOFFICE UI edit reaches Plannr through the scan tick.
    const o1 = w.sandboxes.onlyoffice.server.requests().length;
    w.sandboxes.onlyoffice.editCase(partner, { title: "Renamed in the ONLYOFFICE UI" });
    const toPlannr = await until("the ONLYOFFICE edit in Plannr", () => w.sandboxes.plannr.getCase(target.uuid)?.name === "Renamed in the ONLYOFFICE UI");
    process.stdout.write(`  serve: Plannr edit → ONLYOFFICE in ${toOnlyoffice} ms; ONLYOFFICE edit → Plannr in ${toPlannr} ms (scan every 1 s)\n`);
    expect(plannrWrites(p0).filter((r) => r.path.includes(target.uuid))).toHaveLength(1);

    // No echo: our write to Plannr comes back as a delivery, which costs one read and no write.
    const p2 = w.sandboxes.plannr.server.requests().length;
    await until("the echo delivery", () => w.sandboxes.plannr.webhooks.deliveries({ uuid: target.uuid }).filter((d) => d.status === "delivered").length >= 2);
    await settled();
    await sleep(1_500); // one more scan tick
    const echo = w.sandboxes.plannr.server.requests().slice(p2);
    expect(echo.filter((r) => r.method !== "GET")).toEqual([]);
    expect(echo.filter((r) => r.path.includes(target.uuid)).length).toBeLessThanOrEqual(1);
    expect(onlyofficeWrites(o1).filter((r) => r.path.includes(String(partner)))).toEqual([]);

    // Duplicated and reordered deliveries of one edit: one write.
    const other = w.sandboxes.plannr.listCases()[1]!;
    const otherPartner = await partnerOf(other.uuid);
    const o3 = w.sandboxes.onlyoffice.server.requests().length;
    w.sandboxes.plannr.webhooks.setFaults([
      { kind: "duplicate", times: Infinity },
      { kind: "reorder", batch: 2, windowMs: 300, times: Infinity },
    ]);
    w.sandboxes.plannr.editCase(other.uuid, { name: "Edited once, delivered four times" });
    await until("the duplicated edit in ONLYOFFICE", () => w.sandboxes.onlyoffice.getCase(otherPartner)?.title === "Edited once, delivered four times");
    await settled();
    expect(w.sandboxes.plannr.webhooks.deliveries({ uuid: other.uuid }).filter((d) => d.status === "delivered").length).toBeGreaterThanOrEqual(2);
    expect(onlyofficeWrites(o3).filter((r) => r.method === "PUT" && r.path.endsWith(`/crm/case/${otherPartner}`))).toHaveLength(1);

    // A new Plannr case: exactly one ONLYOFFICE copy, however many times it is announced.
    const client = w.sandboxes.world.clients.find((c) => c.note === "ordinary client")!;
    const created = w.sandboxes.plannr.createCaseDirect({ name: "Created in the Plannr UI while serving", participantUuids: [client.plannrUuid!] });
    await until("the new case in ONLYOFFICE", () => w.sandboxes.onlyoffice.listCases().some((c) => c.title === created.name));
    await settled();
    w.sandboxes.plannr.webhooks.clearFaults();
    expect(w.sandboxes.onlyoffice.listCases().filter((c) => c.title === created.name)).toHaveLength(1);

    // A deleted Plannr case: the delete policy (default ignore: unlinked, partner kept, tombstone).
    const doomed = w.sandboxes.plannr.listCases()[2]!;
    const doomedPartner = await partnerOf(doomed.uuid);
    w.sandboxes.plannr.deleteCase(doomed.uuid);
    await until("the delete to unlink the pair", async () => {
      const store = openStateStore(w.statePath);
      try {
        await store.init();
        return (await store.getLinkByPlannr(doomed.uuid)) === null && (await store.listTombstones()).some((t) => t.id === doomed.uuid);
      } finally {
        await store.close();
      }
    });
    expect(w.sandboxes.onlyoffice.getCase(doomedPartner)).toBeDefined();

    // Metrics carry no secret; SIGTERM stops cleanly and releases the lock.
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    expect(metrics).toContain("casesync_webhook_lag_seconds_count");
    expect(metrics).not.toContain(secret());
    expect(metrics).not.toContain(w.env.PLANNR_TOKEN);
    s.child.kill("SIGTERM");
    const done = await s.result;
    expect(done.code, done.stderr).toBe(0);
    const after = await w.run(["sync"]);
    expect(after.code, after.stderr).not.toBe(5);
  }, 150_000);

  it("reuses its subscription after a restart (duplicates removed, events corrected) and keeps a delivery answered 202 through kill -9", async () => {
    const [first] = w.sandboxes.plannr.webhooks.subscriptions();
    // Meanwhile someone narrowed its events through the API, and added a second one for the same URL by hand.
    const narrowed = await fetch(`${w.sandboxes.plannrUrl}/api/v2/webhook-subscriptions/${first!.uuid}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${w.env.PLANNR_TOKEN}`, "X-PLANNR-ACCOUNT-UUID": w.env.PLANNR_ACCOUNT_UUID!, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ events: ["case.updated"] }),
    });
    expect(narrowed.status).toBe(200);
    w.sandboxes.plannr.webhooks.subscribe({ url: `${url}/webhooks/plannr`, events: ["case.updated"] });
    const s = await serve();
    const subs = w.sandboxes.plannr.webhooks.subscriptions();
    expect(subs.map((x) => x.uuid)).toEqual([first!.uuid]);
    expect([...subs[0]!.events].sort()).toEqual(["case.created", "case.deleted", "case.updated"]);
    await settled();

    // Slow Plannr reads keep the drain busy, so the process dies between the 202 and the sync.
    const target = w.sandboxes.plannr.listCases()[3]!;
    const partner = await partnerOf(target.uuid);
    w.sandboxes.plannr.server.addFault({ kind: "latency", method: "GET", path: target.uuid, latencyMs: 4_000, times: Infinity });
    w.sandboxes.plannr.editCase(target.uuid, { name: "Answered 202, then the process died" });
    await until("the delivery's 202", () => w.sandboxes.plannr.webhooks.deliveries({ uuid: target.uuid }).some((d) => d.httpStatus === 202));
    s.child.kill("SIGKILL");
    await s.result;
    w.sandboxes.plannr.server.faults.clear();
    const store = openStateStore(w.statePath);
    await store.init();
    const waiting = await store.countInbox();
    await store.close();
    expect(waiting).toBe(1);
    expect(w.sandboxes.onlyoffice.getCase(partner)?.title).not.toBe("Answered 202, then the process died");

    const again = await serve();
    await until("the change after the restart", () => w.sandboxes.onlyoffice.getCase(partner)?.title === "Answered 202, then the process died");
    await settled();
    expect(w.sandboxes.plannr.webhooks.subscriptions()).toHaveLength(1);
    again.child.kill("SIGTERM");
    expect((await again.result).code).toBe(0);

    // `check` reports the subscription: where it points, its events, Plannr's last delivery.
    const check = await w.run(["check"]);
    const line = check.stdout.split("\n").find((l) => l.includes("Plannr webhook subscription")) ?? "";
    expect(line).toContain(`${url}/webhooks/plannr`);
    expect(line).toContain("case.created, case.deleted, case.updated");
    expect(line).toMatch(/last delivery \d{4}-/);
    expect(line).toContain("0 cases waiting in the inbox");
  }, 150_000);
});

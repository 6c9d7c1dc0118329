// The Plannr simulator's webhooks over real HTTP: the subscription API, signed deliveries for API
// writes and "UI" edits, every body shape, retries, and each delivery fault with fixed seeds. A
// small node:http receiver stands in for the product's service.
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import axios, { type AxiosInstance } from "axios";
import { afterEach, describe, expect, it } from "vitest";
import { PlannrSimulator, type PlannrSimulatorOptions } from "../../src/sandbox/plannr/simulator.js";
import { createWorld, type World } from "../../src/sandbox/world.js";

/** A delivery's body, untyped JSON (`JSON.parse`'s own type). */
type HookBody = ReturnType<typeof JSON.parse>;

interface Received {
  raw: Buffer;
  headers: http.IncomingHttpHeaders;
  body: HookBody;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

interface Running {
  sim: PlannrSimulator;
  world: World;
  url: string;
  api: AxiosInstance;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

/** A receiver answering `answer(n)` (default 202) to its nth request. */
async function startReceiver(answer: (n: number, item: Received) => number | Promise<number> = () => 202): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const item: Received = { raw, headers: req.headers, body: JSON.parse(raw.toString("utf8")) };
      received.push(item);
      void Promise.resolve(answer(received.length, item)).then((status) => res.writeHead(status).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanups.push(close);
  return { url: `http://127.0.0.1:${port}/webhooks/plannr`, received, close };
}

/** Short retries so the retry tests take milliseconds. */
async function start(options: Partial<PlannrSimulatorOptions> = {}): Promise<Running> {
  const world = options.world ?? createWorld({ seed: 11, cases: 8 });
  const sim = new PlannrSimulator({ world, webhooks: { retryDelaysMs: [20, 40, 80] }, ...options });
  const url = await sim.listen(0);
  cleanups.push(() => sim.close());
  const api = axios.create({
    baseURL: `${url}/api`,
    validateStatus: () => true,
    headers: { Authorization: `Bearer ${world.plannrToken}`, "X-PLANNR-ACCOUNT-UUID": world.plannrAccountUuid, Accept: "application/json" },
  });
  return { sim, world, url, api };
}

const CASE_EVENTS = ["case.created", "case.updated", "case.deleted"];
const clientsOf = (world: World) => world.clients.filter((c) => c.plannrUuid !== null && !c.isCompany).map((c) => c.plannrUuid ?? "");
const caseUuids = (r: Running) => r.sim.listCases().map((c) => c.uuid);
const hmac = (raw: Buffer, secret: string) => createHmac("sha256", secret).update(raw).digest("hex");
const events = (receiver: Receiver) => receiver.received.map((item) => `${item.body.event}:${item.body.data.uuid}`);

async function subscribe(r: Running, url: string, eventNames = CASE_EVENTS) {
  const response = await r.api.post("/v2/webhook-subscriptions", { url, events: eventNames });
  expect(response.status).toBe(201);
  return response.data.data as { uuid: string; signing_secret: string; url: string; events: string[] };
}

describe("Plannr simulator: webhook subscriptions API", () => {
  it("creates, lists (secrets included), shows, updates and deletes subscriptions", async () => {
    const r = await start();
    const created = await r.api.post("/v2/webhook-subscriptions", { url: "http://127.0.0.1:9/hook", events: ["case.created", "case.updated"] });
    expect(created.status).toBe(201);
    const sub = created.data.data;
    expect(Object.keys(sub).sort()).toEqual(["created_at", "events", "last_outgoing_webhook_call_at", "signing_secret", "updated_at", "url", "uuid"]);
    expect(sub.signing_secret).toMatch(/^[A-Za-z0-9]{60}$/);
    expect(sub).toMatchObject({ url: "http://127.0.0.1:9/hook", events: ["case.created", "case.updated"], last_outgoing_webhook_call_at: null });
    expect(sub.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);

    const second = await subscribe(r, "http://127.0.0.1:9/other", ["task.created"]);
    expect(second.signing_secret).not.toBe(sub.signing_secret);
    const list = await r.api.get("/v2/webhook-subscriptions");
    expect(list.status).toBe(200);
    expect(list.data.data.map((s: { uuid: string; signing_secret: string }) => [s.uuid, s.signing_secret])).toEqual([
      [sub.uuid, sub.signing_secret],
      [second.uuid, second.signing_secret],
    ]);

    const shown = await r.api.get(`/v2/webhook-subscriptions/${sub.uuid}`);
    expect(shown.data.data).toEqual(sub);
    const updated = await r.api.put(`/v2/webhook-subscriptions/${sub.uuid}`, { events: ["case.deleted"] });
    expect(updated.status).toBe(200);
    expect(updated.data.data).toMatchObject({ uuid: sub.uuid, url: sub.url, events: ["case.deleted"], signing_secret: sub.signing_secret });
    const moved = await r.api.put(`/v2/webhook-subscriptions/${sub.uuid}`, { url: "http://127.0.0.1:9/moved" });
    expect(moved.data.data).toMatchObject({ url: "http://127.0.0.1:9/moved", events: ["case.deleted"] });
    expect(r.sim.webhooks.subscriptions().map((s) => s.uuid)).toEqual([sub.uuid, second.uuid]);

    const removed = await r.api.delete(`/v2/webhook-subscriptions/${sub.uuid}`);
    expect(removed.status).toBe(204);
    expect(removed.data).toBe("");
    expect((await r.api.get(`/v2/webhook-subscriptions/${sub.uuid}`)).status).toBe(404);
    expect((await r.api.delete(`/v2/webhook-subscriptions/${sub.uuid}`)).status).toBe(404);
    expect((await r.api.put(`/v2/webhook-subscriptions/${sub.uuid}`, { events: ["case.updated"] })).status).toBe(404);
    expect((await r.api.get("/v2/webhook-subscriptions")).data.data).toHaveLength(1);
  });

  it("answers 422 in Laravel's shape for an unknown event, a missing url or no events", async () => {
    const r = await start();
    const unknown = await r.api.post("/v2/webhook-subscriptions", { url: "http://127.0.0.1:9/hook", events: ["case.updated", "case.exploded"] });
    expect(unknown.status).toBe(422);
    expect(unknown.data).toEqual({ message: "The selected events.1 is invalid.", errors: { "events.1": ["The selected events.1 is invalid."] } });
    const missing = await r.api.post("/v2/webhook-subscriptions", { events: [] });
    expect(missing.status).toBe(422);
    expect(Object.keys(missing.data.errors).sort()).toEqual(["events", "url"]);
    expect(missing.data.message).toBe("The url field is required. (and 1 more error)");
    const notUrl = await r.api.post("/v2/webhook-subscriptions", { url: "not a url", events: ["case.created"] });
    expect(notUrl.data.errors).toEqual({ url: ["The url field must be a valid URL."] });
    const sub = await subscribe(r, "http://127.0.0.1:9/hook");
    const badUpdate = await r.api.put(`/v2/webhook-subscriptions/${sub.uuid}`, { events: ["plan.created", 7] });
    expect(badUpdate.status).toBe(422);
    expect(badUpdate.data.errors).toEqual({ "events.1": ["The selected events.1 is invalid."] });
    // Nothing was created or changed by the refusals.
    expect(r.sim.webhooks.subscriptions()).toHaveLength(1);
    expect(r.sim.webhooks.subscriptions()[0]?.events).toEqual(CASE_EVENTS);
    // Other events the reference names are accepted.
    expect((await r.api.post("/v2/webhook-subscriptions", { url: "http://127.0.0.1:9/x", events: ["account.updated", "task.created", "plan.deleted"] })).status).toBe(201);
  });

  it("guards the routes like every other: 401 without a token, 403 for another account", async () => {
    const r = await start();
    const bare = await axios.get(`${r.url}/api/v2/webhook-subscriptions`, { validateStatus: () => true });
    expect(bare.status).toBe(401);
    expect(bare.data).toEqual({ message: "Unauthenticated." });
    const foreign = await r.api.post("/v2/webhook-subscriptions", { url: "http://127.0.0.1:9/hook", events: CASE_EVENTS }, { headers: { "X-PLANNR-ACCOUNT-UUID": "00000000-0000-4000-8000-000000000000" } });
    expect(foreign.status).toBe(403);
    expect(r.sim.webhooks.subscriptions()).toEqual([]);
  });
});

describe("Plannr simulator: signed deliveries", () => {
  it("fires created, updated (fields, participants, custom fields) and deleted for API writes, signed over the raw bytes", async () => {
    const r = await start();
    const receiver = await startReceiver();
    const sub = await subscribe(r, receiver.url);
    const [client, other] = clientsOf(r.world);
    const created = await r.api.post("/v1/cases", { name: "Webhook case", participants: [client] });
    expect(created.status).toBe(201);
    const uuid: string = created.data.data.uuid;
    // A name outside ASCII: the signature must cover the UTF-8 bytes sent, not a re-encoding.
    expect((await r.api.put(`/v1/cases/${uuid}`, { name: "Café Müller ✓ 🏠" })).status).toBe(200);
    expect((await r.api.post(`/v1/cases/${uuid}/participants`, { participants: [other] })).status).toBe(200);
    expect((await r.api.put(`/v1/cases/${uuid}`, { custom_fields: { favourite_drink: "Tea" } })).status).toBe(200);
    expect((await r.api.delete(`/v1/cases/${uuid}/participants`, { data: { participants: [other] } })).status).toBe(200);
    expect((await r.api.delete(`/v1/cases/${uuid}`)).status).toBe(204);
    await r.sim.webhooks.idle();

    expect(receiver.received.map((item) => item.body.event)).toEqual(["case.created", "case.updated", "case.updated", "case.updated", "case.updated", "case.deleted"]);
    for (const item of receiver.received) {
      expect(item.headers["x-signature"]).toBe(hmac(item.raw, sub.signing_secret));
      expect(item.headers["content-type"]).toBe("application/json");
      expect(item.body.data.uuid).toBe(uuid);
      expect(Object.keys(item.body)).toEqual(["event", "data", "sent_at"]);
    }
    expect(receiver.received[1]?.body.data.name).toBe("Café Müller ✓ 🏠");
    expect(receiver.received[2]?.body.data.participants_count).toBe(2);
    expect(r.sim.webhooks.counters()).toMatchObject({ queued: 6, sent: 6, delivered: 6, failed: 0, dropped: 0 });
    const log = r.sim.webhooks.deliveries();
    expect(log.map((d) => [d.event, d.uuid, d.url, d.status, d.httpStatus])).toEqual(receiver.received.map((item) => [item.body.event, uuid, receiver.url, "delivered", 202]));
    const shown = await r.api.get(`/v2/webhook-subscriptions/${sub.uuid}`);
    expect(shown.data.data.last_outgoing_webhook_call_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("fires nothing for a write that changes nothing, or a refused one", async () => {
    const r = await start();
    const receiver = await startReceiver();
    await subscribe(r, receiver.url);
    const item = r.sim.listCases()[0]!;
    expect((await r.api.put(`/v1/cases/${item.uuid}`, { name: item.name })).status).toBe(200);
    expect((await r.api.put(`/v1/cases/${item.uuid}`, { custom_fields: { nope: 1 } })).status).toBe(422);
    expect((await r.api.put(`/v1/cases/${item.uuid}`, { name: `${item.name} (edited)` })).status).toBe(200);
    await r.sim.webhooks.idle();
    expect(receiver.received.map((x) => x.body.data.name)).toEqual([`${item.name} (edited)`]);
  });

  it("answers the API before the receiver has answered the delivery", async () => {
    const r = await start();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const receiver = await startReceiver(async () => {
      await held;
      return 200;
    });
    await subscribe(r, receiver.url);
    const uuid = caseUuids(r)[0]!;
    const answer = await r.api.put(`/v1/cases/${uuid}`, { name: "Answered first" });
    expect(answer.status).toBe(200);
    expect(r.sim.webhooks.counters().delivered).toBe(0);
    release();
    await r.sim.webhooks.idle();
    expect(r.sim.webhooks.counters().delivered).toBe(1);
    expect(receiver.received[0]?.body.data.name).toBe("Answered first");
  });

  it("fires for 'UI' edits too, only to the subscriptions that asked for the event", async () => {
    const r = await start();
    const all = await startReceiver();
    const updatesOnly = await startReceiver();
    const subAll = await subscribe(r, all.url);
    const subUpdates = await subscribe(r, updatesOnly.url, ["case.updated"]);
    const [client, other] = clientsOf(r.world);
    const made = r.sim.createCaseDirect({ name: "Made in the UI", participantUuids: [client!], customFields: { risk_score: 4 } });
    r.sim.editCase(made.uuid, { name: "Renamed in the UI" });
    r.sim.addParticipant(made.uuid, other!);
    r.sim.removeParticipant(made.uuid, other!);
    r.sim.editCase(made.uuid, { customFields: { favourite_drink: "Water" } });
    r.sim.deleteCase(made.uuid);
    await r.sim.webhooks.idle();
    expect(all.received.map((x) => x.body.event)).toEqual(["case.created", "case.updated", "case.updated", "case.updated", "case.updated", "case.deleted"]);
    expect(updatesOnly.received.map((x) => x.body.event)).toEqual(["case.updated", "case.updated", "case.updated", "case.updated"]);
    expect(all.received.every((x) => x.headers["x-signature"] === hmac(x.raw, subAll.signing_secret))).toBe(true);
    expect(updatesOnly.received.every((x) => x.headers["x-signature"] === hmac(x.raw, subUpdates.signing_secret))).toBe(true);
    // Each subscription signs with its own secret.
    expect(updatesOnly.received.every((x) => x.headers["x-signature"] !== hmac(x.raw, subAll.signing_secret))).toBe(true);
    expect(all.received[1]?.body.data.name).toBe("Renamed in the UI");
  });

  it("shapes the body as asked: data (default), flat, payload, type", async () => {
    const r = await start({ webhookBodyShape: "flat" });
    const receiver = await startReceiver();
    await subscribe(r, receiver.url, ["case.updated"]);
    const uuid = caseUuids(r)[0]!;
    const bodies: HookBody[] = [];
    for (const shape of ["flat", "data", "payload", "type"] as const) {
      r.sim.webhooks.configure({ bodyShape: shape });
      r.sim.editCase(uuid, { name: `Shape ${shape}` });
      await r.sim.webhooks.idle();
      bodies.push(receiver.received.at(-1)!.body);
    }
    const [flat, data, payload, type] = bodies;
    expect(flat).toMatchObject({ event: "case.updated", uuid, name: "Shape flat" });
    expect(flat!.data).toBeUndefined();
    expect(data).toMatchObject({ event: "case.updated", data: { uuid, name: "Shape data" } });
    expect(payload).toMatchObject({ event: "case.updated", payload: { uuid, name: "Shape payload" } });
    expect(payload!.data).toBeUndefined();
    expect(type).toMatchObject({ type: "case.updated", data: { uuid, name: "Shape type" } });
    expect(type!.event).toBeUndefined();
    expect(() => r.sim.webhooks.configure({ bodyShape: "xml" as never })).toThrow(/one of data, flat, payload, type/);
  });
});

describe("Plannr simulator: failed deliveries", () => {
  it("retries a delivery answered 500, then drops it", async () => {
    const r = await start();
    const receiver = await startReceiver(() => 500);
    await subscribe(r, receiver.url);
    r.sim.editCase(caseUuids(r)[0]!, { name: "Never accepted" });
    await r.sim.webhooks.idle();
    // The first try and three retries, the same bytes each time.
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.received.map((x) => x.raw.toString("utf8"))).size).toBe(1);
    expect(r.sim.webhooks.deliveries()).toMatchObject([{ status: "failed", attempts: 4, httpStatus: 500 }]);
    expect(r.sim.webhooks.counters()).toMatchObject({ sent: 4, retried: 3, failed: 1, delivered: 0 });
  });

  it("delivers on a retry once the receiver recovers", async () => {
    const r = await start();
    const receiver = await startReceiver((n) => (n <= 2 ? 503 : 204));
    await subscribe(r, receiver.url);
    r.sim.editCase(caseUuids(r)[0]!, { name: "Third time lucky" });
    await r.sim.webhooks.idle();
    expect(receiver.received).toHaveLength(3);
    expect(r.sim.webhooks.deliveries()).toMatchObject([{ status: "delivered", attempts: 3, httpStatus: 204 }]);
  });

  it("retries a refused connection, then drops it", async () => {
    const r = await start();
    const gone = await startReceiver();
    await gone.close();
    await subscribe(r, gone.url);
    r.sim.editCase(caseUuids(r)[0]!, { name: "Nobody home" });
    await r.sim.webhooks.idle();
    expect(r.sim.webhooks.deliveries()).toMatchObject([{ status: "failed", attempts: 4, httpStatus: null, error: "ECONNREFUSED" }]);
  });
});

describe("Plannr simulator: delivery faults", () => {
  it("drop (every 2nd): those deliveries are never sent", async () => {
    const r = await start({ webhooks: { retryDelaysMs: [], faults: [{ kind: "drop", every: 2 }] } });
    const receiver = await startReceiver();
    await subscribe(r, receiver.url);
    const uuid = caseUuids(r)[0]!;
    for (const n of [1, 2, 3, 4, 5]) r.sim.editCase(uuid, { name: `Edit ${n}` });
    await r.sim.webhooks.idle();
    expect(receiver.received.map((x) => x.body.data.name)).toEqual(["Edit 1", "Edit 3", "Edit 5"]);
    expect(r.sim.webhooks.deliveries().map((d) => d.status)).toEqual(["delivered", "dropped", "delivered", "dropped", "delivered"]);
    expect(r.sim.webhooks.counters()).toMatchObject({ queued: 5, dropped: 2, delivered: 3 });
    expect(r.sim.webhooks.firedCounts()).toEqual([2]);
  });

  it("drop (probability): the same seed drops the same deliveries, another seed others", async () => {
    const dropped = async (faultSeed: number) => {
      const r = await start({ webhooks: { faultSeed, faults: [{ kind: "drop", probability: 0.5 }] } });
      const receiver = await startReceiver();
      await subscribe(r, receiver.url);
      const uuid = caseUuids(r)[0]!;
      for (let n = 1; n <= 24; n++) r.sim.editCase(uuid, { name: `Edit ${n}` });
      await r.sim.webhooks.idle();
      const names = new Set(receiver.received.map((x) => x.body.data.name));
      return Array.from({ length: 24 }, (_, i) => i + 1).filter((n) => !names.has(`Edit ${n}`));
    };
    const first = await dropped(3);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(24);
    expect(await dropped(3)).toEqual(first);
    expect(await dropped(4)).not.toEqual(first);
  });

  it("duplicate: the same signed bytes arrive twice", async () => {
    const r = await start({ webhooks: { faults: [{ kind: "duplicate", event: "case.updated" }] } });
    const receiver = await startReceiver();
    const sub = await subscribe(r, receiver.url);
    const uuid = caseUuids(r)[0]!;
    r.sim.editCase(uuid, { name: "Twice" });
    r.sim.editCase(uuid, { name: "Once" });
    await r.sim.webhooks.idle();
    expect(receiver.received.map((x) => x.body.data.name)).toEqual(["Twice", "Twice", "Once"]);
    expect(receiver.received[0]!.raw.equals(receiver.received[1]!.raw)).toBe(true);
    expect(receiver.received[1]!.headers["x-signature"]).toBe(hmac(receiver.received[1]!.raw, sub.signing_secret));
    expect(r.sim.webhooks.counters()).toMatchObject({ queued: 2, duplicated: 1, delivered: 3 });
    expect(r.sim.webhooks.deliveries().map((d) => [d.delivery, d.copy])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
  });

  it("delay: a delayed delivery arrives after a later one", async () => {
    const r = await start();
    const receiver = await startReceiver();
    await subscribe(r, receiver.url);
    r.sim.webhooks.setFaults([{ kind: "delay", delayMs: 300 }]);
    const uuid = caseUuids(r)[0]!;
    r.sim.editCase(uuid, { name: "Late" });
    r.sim.editCase(uuid, { name: "On time" });
    await r.sim.webhooks.idle();
    expect(receiver.received.map((x) => x.body.data.name)).toEqual(["On time", "Late"]);
    expect(r.sim.webhooks.deliveries().map((d) => d.delayedMs)).toEqual([300, 0]);
    expect(r.sim.webhooks.counters().delayed).toBe(1);
  });

  it("reorder: a held batch is sent newest first", async () => {
    const r = await start();
    const receiver = await startReceiver();
    await subscribe(r, receiver.url);
    r.sim.webhooks.setFaults([{ kind: "reorder", times: 3, batch: 3, windowMs: 10_000 }]);
    const [a, b, c, d] = caseUuids(r);
    r.sim.editCase(a!, { name: "First" });
    r.sim.editCase(b!, { name: "Second" });
    r.sim.editCase(c!, { name: "Third" });
    r.sim.editCase(d!, { name: "Fourth" });
    await r.sim.webhooks.idle();
    expect(events(receiver)).toEqual([`case.updated:${c}`, `case.updated:${b}`, `case.updated:${a}`, `case.updated:${d}`]);
    expect(r.sim.webhooks.counters().reordered).toBe(3);
  });

  it("reorder: a batch that never fills goes out when its window ends", async () => {
    const r = await start({ webhooks: { faults: [{ kind: "reorder", times: 2, batch: 5, windowMs: 50 }] } });
    const receiver = await startReceiver();
    await subscribe(r, receiver.url);
    const [a, b] = caseUuids(r);
    r.sim.editCase(a!, { name: "First" });
    r.sim.editCase(b!, { name: "Second" });
    await r.sim.webhooks.idle();
    expect(events(receiver)).toEqual([`case.updated:${b}`, `case.updated:${a}`]);
  });

  it("arms faults and reads deliveries over the control routes, refusing a bad rule by name", async () => {
    const r = await start();
    const receiver = await startReceiver();
    await subscribe(r, receiver.url);
    const control = axios.create({ baseURL: `${r.url}/__sandbox`, validateStatus: () => true });
    const bad = await control.put("/webhooks/faults", [{ kind: "drop" }, { kind: "delay", delayMs: -1 }]);
    expect(bad.status).toBe(400);
    expect(bad.data.message).toMatch(/^webhook fault rule 1\.delayMs: /);
    expect((await control.put("/webhooks/faults", [{ kind: "drop", url: "/webhooks\\/plannr$/" }])).status).toBe(204);
    r.sim.editCase(caseUuids(r)[0]!, { name: "Dropped" });
    r.sim.editCase(caseUuids(r)[0]!, { name: "Sent" });
    expect((await control.post("/webhooks/idle")).status).toBe(204);
    const state = await control.get("/webhooks");
    expect(state.data.counters).toMatchObject({ dropped: 1, delivered: 1 });
    expect(state.data.deliveries.map((d: { status: string }) => d.status)).toEqual(["dropped", "delivered"]);
    expect(receiver.received.map((x) => x.body.data.name)).toEqual(["Sent"]);
    expect((await control.delete("/webhooks/faults")).status).toBe(204);
    expect(r.sim.webhooks.firedCounts()).toEqual([]);
  });
});

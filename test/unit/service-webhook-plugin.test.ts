// The webhook receiver as a fastify plugin (SPEC §9 "A delivery"), through fastify's inject: a
// delivery is verified on its raw bytes before anything is parsed or stored; only a verified case
// event reaches the inbox, and then it is answered 202.
import { createHmac } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { WebhookHint } from "../../src/service/signature.js";
import { MAX_WEBHOOK_BYTES, webhookPlugin } from "../../src/service/webhook-plugin.js";

const SECRET = "k".repeat(60);
const UUID = "3f1c2a9e-4b7d-4e21-9a0b-6c5d4e3f2a10";
const sign = (body: string | Buffer, secret = SECRET) => createHmac("sha256", secret).update(body).digest("hex");

interface Harness {
  app: FastifyInstance;
  stored: WebhookHint[];
  secretAsked: number;
  closing: boolean;
  failStore: boolean;
  secret: string | null;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function harness(path = "/webhooks/plannr"): Promise<Harness> {
  // A server allowing far larger bodies: the plugin's own cap is what is tested.
  const app = Fastify({ logger: false, bodyLimit: 16 * MAX_WEBHOOK_BYTES });
  apps.push(app);
  const h: Harness = { app, stored: [], secretAsked: 0, closing: false, failStore: false, secret: SECRET };
  await app.register(webhookPlugin, {
    path,
    secretFor: async () => {
      h.secretAsked += 1;
      return h.secret;
    },
    accept: async (hint) => {
      if (h.failStore) throw new Error("database is locked");
      h.stored.push(hint);
    },
    closing: () => h.closing,
  });
  // A route outside the plugin keeps fastify's own JSON parser (the raw parser is encapsulated).
  app.post("/echo", async (request) => ({ got: request.body }));
  await app.ready();
  return h;
}

const post = (h: Harness, body: string | Buffer, headers: Record<string, string> = {}, url = "/webhooks/plannr") =>
  h.app.inject({ method: "POST", url, payload: body, headers: { "content-type": "application/json", ...headers } });

describe("webhook plugin", () => {
  const body = JSON.stringify({ event: "case.updated", uuid: UUID });

  it("answers 202 to a signed case delivery and stores its hint", async () => {
    const h = await harness();
    const res = await post(h, body, { "x-signature": sign(body) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: "accepted" });
    expect(h.stored).toEqual([{ event: "case.updated", caseId: UUID }]);
  });

  it("verifies the raw bytes whatever the content type (none, text/plain, form) and never lets a parser touch them first", async () => {
    const h = await harness();
    const spaced = `{ "type" : "case.created",\n  "data": { "uuid": "${UUID}" } }`;
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8"]) {
      const res = await post(h, spaced, { "content-type": type, "x-signature": sign(spaced) });
      expect(res.statusCode, type).toBe(202);
    }
    const bare = await h.app.inject({ method: "POST", url: "/webhooks/plannr", payload: Buffer.from(spaced), headers: { "x-signature": sign(spaced) } });
    expect(bare.statusCode).toBe(202);
    expect(h.stored).toHaveLength(4);
    // Outside the plugin fastify still parses JSON as usual.
    const echo = await h.app.inject({ method: "POST", url: "/echo", payload: { a: 1 } });
    expect(echo.json()).toEqual({ got: { a: 1 } });
  });

  it("refuses an unsigned delivery with 401 before reading its body or asking for the secret, and stores nothing", async () => {
    const h = await harness();
    const res = await post(h, body);
    expect(res.statusCode).toBe(401);
    expect(h.secretAsked).toBe(0);
    const malformed = await post(h, body, { "x-signature": "not-hex" });
    expect(malformed.statusCode).toBe(401);
    expect(h.secretAsked).toBe(0);
    expect(h.stored).toEqual([]);
  });

  it("refuses a forged delivery (another secret, or a body changed after signing) with 401 and stores nothing", async () => {
    const h = await harness();
    expect((await post(h, body, { "x-signature": sign(body, "guessed secret") })).statusCode).toBe(401);
    const tampered = JSON.stringify({ event: "case.updated", uuid: "0b9d7e8f-0000-4000-8000-000000000000" });
    expect((await post(h, tampered, { "x-signature": sign(body) })).statusCode).toBe(401);
    expect(h.stored).toEqual([]);
  });

  it("refuses every delivery with 401 while no secret is known", async () => {
    const h = await harness();
    h.secret = null;
    expect((await post(h, body, { "x-signature": sign(body) })).statusCode).toBe(401);
    expect(h.stored).toEqual([]);
  });

  it("answers 413 to a body over 1 MiB, even signed, and stores nothing", async () => {
    const h = await harness();
    const big = JSON.stringify({ event: "case.updated", uuid: UUID, pad: "x".repeat(MAX_WEBHOOK_BYTES) });
    const res = await post(h, big, { "x-signature": sign(big) });
    expect(res.statusCode).toBe(413);
    expect(h.stored).toEqual([]);
    // Just under the cap is fine.
    const fits = JSON.stringify({ event: "case.updated", uuid: UUID, pad: "x".repeat(MAX_WEBHOOK_BYTES - 200) });
    expect((await post(h, fits, { "x-signature": sign(fits) })).statusCode).toBe(202);
  });

  it("answers 503 once the service is closing, before anything else, and stores nothing", async () => {
    const h = await harness();
    h.closing = true;
    const res = await post(h, body, { "x-signature": sign(body) });
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBeDefined();
    // Before the body is read: an oversized one is not even looked at.
    const big = "x".repeat(MAX_WEBHOOK_BYTES + 1);
    expect((await post(h, big, { "x-signature": sign(big) })).statusCode).toBe(503);
    expect(h.secretAsked).toBe(0);
    expect(h.stored).toEqual([]);
  });

  it("answers 503 (Plannr sends it again) when the inbox cannot store the delivery, without the store's message", async () => {
    const h = await harness();
    h.failStore = true;
    const res = await post(h, body, { "x-signature": sign(body) });
    expect(res.statusCode).toBe(503);
    expect(res.body).not.toContain("database is locked");
  });

  it("answers 202 and stores nothing for a signed delivery that is not about a case, or carries no case uuid", async () => {
    const h = await harness();
    for (const other of [JSON.stringify({ event: "account.updated", uuid: UUID }), JSON.stringify({ event: "case.updated" }), "not json"]) {
      const res = await post(h, other, { "x-signature": sign(other) });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ status: "ignored" });
    }
    expect(h.stored).toEqual([]);
  });

  it("serves a parameterised path too (the fleet's /webhooks/plannr/:pair)", async () => {
    const h = await harness("/webhooks/plannr/:pair");
    const res = await post(h, body, { "x-signature": sign(body) }, "/webhooks/plannr/acme");
    expect(res.statusCode).toBe(202);
    expect(h.stored).toHaveLength(1);
  });
});

// The service as a library face (SPEC §7, §9): an integration platform with its own HTTP server
// runs `createSync(...).serve({ listen: false })` and hands each Plannr delivery to
// `handleWebhook(rawBody, headers)`; the answer is the one `POST /webhooks/plannr` would give, and
// the change reaches ONLYOFFICE through the same inbox and targeted sync.
import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSync, type CaseSyncService } from "../../src/index.js";
import { discoverMapping } from "../../src/library/discover.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "../../src/library/options.js";
import { parseMapping } from "../../src/mapping/load.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";

const SECRET = "a-signing-secret-made-by-hand-for-this-test-0123456789abcdef";
const sign = (body: string) => createHmac("sha256", SECRET).update(body).digest("hex");

let s: Sandboxes;
let sync: CaseSyncService;

beforeAll(async () => {
  s = await startSandboxes({ seed: 71, cases: 6 });
  const plannr = { baseUrl: s.plannrUrl, token: s.env.PLANNR_TOKEN!, accountUuid: s.env.PLANNR_ACCOUNT_UUID! };
  const onlyoffice = { baseUrl: s.onlyofficeUrl, token: s.env.ONLYOFFICE_TOKEN! };
  const found = await discoverMapping({ plannr: parsePlannrConnection(plannr), onlyoffice: parseOnlyofficeConnection(onlyoffice), createLinkFields: true, logger: pino({ level: "silent" }) });
  const mapping = parseMapping(found.text);
  mapping.people.defaultClient = s.world.clients.find((c) => c.note === "ordinary client")?.plannrUuid ?? null;
  sync = createSync({ plannr, onlyoffice, mapping, store: join(mkdtempSync(join(tmpdir(), "case-sync-serve-lib-")), "state.db") });
  expect((await sync.migrate({ from: "plannr" })).exitCode).toBe(0);
}, 30_000);

afterAll(async () => {
  await sync.close();
  await s.close();
});

describe("serve({ listen: false }) with handleWebhook", () => {
  it("refuses what the route refuses, accepts a signed delivery and brings the case across", async () => {
    await expect(sync.serve({ listen: false, subscribe: false })).rejects.toThrow(/PLANNR_WEBHOOK_SECRET|webhookSecret/);
    const service = await sync.serve({ listen: false, subscribe: false, webhookSecret: SECRET, scanIntervalMs: 60_000 });
    try {
      expect(service.url).toBeNull();
      // The start's reconcile done, only a delivery can bring the next edit across (scan 60 s, reconcile 1 h).
      await service.drainOnce();
      // Nobody subscribed: the platform made its subscription by hand.
      expect(s.plannr.webhooks.subscriptions()).toEqual([]);
      const target = s.plannr.listCases()[0]!;
      const partner = Number((await sync.store.getLinkByPlannr(target.uuid))!.onlyofficeId);
      s.plannr.editCase(target.uuid, { name: "Renamed; delivered through the platform's server" });
      const body = JSON.stringify({ type: "case.updated", payload: { uuid: target.uuid } });

      expect(await service.handleWebhook(Buffer.from(body), { "X-Signature": sign(`${body} `) })).toMatchObject({ status: 401 });
      expect(await service.handleWebhook(Buffer.from(body), {})).toMatchObject({ status: 401 });
      expect(await sync.store.countInbox()).toBe(0);

      const answer = await service.handleWebhook(Buffer.from(body), { "x-signature": sign(body), "content-type": "application/json", "content-length": "1" });
      expect(answer).toEqual({ status: 202, body: { status: "accepted" } });
      await service.drainOnce();
      expect(s.onlyoffice.getCase(partner)?.title).toBe("Renamed; delivered through the platform's server");
      expect(await sync.store.countInbox()).toBe(0);
    } finally {
      await service.close();
    }
    // Closed: deliveries are refused, so Plannr sends them again later.
    expect((await service.handleWebhook(Buffer.from("{}"), { "x-signature": sign("{}") })).status).toBe(503);
  }, 30_000);
});

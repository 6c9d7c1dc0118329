// An integration platform embedding case-sync: its own StateStore, its own pino logger and
// progress callbacks, the sandboxes over HTTP. Every input is validated with errors that name
// the field.
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSync, type CaseSync, type ProgressEvent } from "../../src/index.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";
import { discoverMapping } from "../../src/library/discover.js";
import { parseMapping } from "../../src/mapping/load.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "../../src/library/options.js";
import { MemoryStateStore } from "../support/memory-store.js";

let s: Sandboxes;
let sync: CaseSync;
const store = new MemoryStateStore();
const lines: string[] = [];
const events: ProgressEvent[] = [];

beforeAll(async () => {
  s = await startSandboxes({ seed: 41, cases: 16 });
  const plannr = { baseUrl: s.env.PLANNR_BASE_URL!, token: s.env.PLANNR_TOKEN!, accountUuid: s.env.PLANNR_ACCOUNT_UUID! };
  const onlyoffice = { baseUrl: `${s.env.ONLYOFFICE_BASE_URL!}/api/2.0/`, username: s.env.ONLYOFFICE_USERNAME!, password: s.env.ONLYOFFICE_PASSWORD! };
  const found = await discoverMapping({ plannr: parsePlannrConnection(plannr), onlyoffice: parseOnlyofficeConnection(onlyoffice), createLinkFields: true, logger: pino({ level: "silent" }) });
  const mapping = parseMapping(found.text);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString("utf8"));
      callback();
    },
  });
  sync = createSync({
    plannr,
    onlyoffice,
    mapping: { ...mapping, people: { ...mapping.people, defaultClient: s.world.clients.find((c) => c.note === "ordinary client")!.plannrUuid } },
    store,
    logger: pino({ level: "debug" }, sink),
    http: { timeoutMs: 10_000, concurrency: 4 },
    onProgress: (e) => events.push(e),
  });
});
afterAll(async () => {
  await sync.close();
  await s.close();
});

describe("createSync embedded with its own store and logger", () => {
  it("checks, migrates and syncs through the platform's store", async () => {
    expect((await sync.check()).ok).toBe(true);
    const migrated = await sync.migrate({ from: "plannr" });
    expect(migrated.exitCode).toBe(0);
    expect(store.links.size).toBe(16);
    const synced = await sync.sync({ allowMassCreate: true });
    expect([0, 3]).toContain(synced.exitCode);
    expect(store.links.size).toBe(16 + s.world.onlyofficeCases.length);
    expect(store.audit.length).toBeGreaterThan(0);
    expect(events.some((e) => e.phase === "apply" && e.total !== undefined)).toBe(true);
    expect(events.some((e) => e.phase === "scan")).toBe(true);
  });

  it("plan shows what sync would do, and sync then does exactly that", async () => {
    const p = s.plannr.listCases()[0]!;
    s.plannr.editCase(p.uuid, { name: "Changed for the plan" });
    const plan = await sync.plan();
    const planned = (plan.plan ?? []).flatMap((i) => i.ops.map((op) => `${op.method} ${op.path}`));
    expect(planned.length).toBeGreaterThan(0);
    const before = s.onlyoffice.server.requests().length;
    const report = await sync.sync();
    const sent = s.onlyoffice.server
      .requests()
      .slice(before)
      .filter((r) => r.method !== "GET")
      .map((r) => `${r.method} ${r.path}`);
    expect(sent).toEqual(planned);
    expect(report.exitCode).toBe(0);
  });

  it("conflicts, history and status through the API", async () => {
    const p = s.plannr.listCases()[1]!;
    const link = store.links.get(p.uuid)!;
    s.plannr.editCase(p.uuid, { name: "Mine" });
    s.onlyoffice.editCase(Number(link.onlyofficeId), { title: "Theirs" });
    const report = await sync.sync();
    expect(report.exitCode).toBe(3);
    const [conflict] = await sync.conflicts.list();
    await sync.conflicts.resolve(conflict!.id, "plannr");
    expect((await sync.sync()).exitCode).toBe(0);
    expect(s.onlyoffice.getCase(Number(link.onlyofficeId))?.title).toBe("Mine");
    const history = await sync.history(link.onlyofficeId);
    expect(history.some((h) => h.record === link.onlyofficeId && h.group === "title")).toBe(true);
    expect((await sync.status()).conflicts).toEqual([]);
  });

  it("logs through the platform's logger, never with a secret in it", () => {
    const text = lines.join("");
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [s.env.PLANNR_TOKEN!, s.env.ONLYOFFICE_PASSWORD!, s.env.ONLYOFFICE_TOKEN!]) expect(text).not.toContain(secret);
  });

  it("validates every input, naming the field", async () => {
    const base = { plannr: { baseUrl: "https://x", token: "t", accountUuid: "a" }, onlyoffice: { baseUrl: "https://y", token: "t" }, mapping: { onlyoffice: { linkField: 1 } }, store };
    expect(() => createSync({ ...base, plannr: { baseUrl: "not a url", token: "t", accountUuid: "a" } })).toThrow(/plannr\.baseUrl/);
    expect(() => createSync({ ...base, onlyoffice: { baseUrl: "https://y" } })).toThrow(/ONLYOFFICE_TOKEN|username/);
    // @ts-expect-error: an invalid policy on purpose (the type says so; the check at run time too)
    expect(() => createSync({ ...base, mapping: { deletes: { policy: "nuke" } } })).toThrow(/deletes\.policy/);
    expect(() => createSync({ ...base, http: { concurrency: 0 } })).toThrow(/http\.concurrency/);
    const ok = createSync(base);
    await expect(ok.migrate({ from: "elsewhere" as "plannr" })).rejects.toThrow(/from/);
    await expect(ok.migrate({ from: "plannr", createdSince: "yesterday" })).rejects.toThrow(/createdSince/);
  });
});

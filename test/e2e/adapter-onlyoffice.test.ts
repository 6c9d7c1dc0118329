// The ONLYOFFICE adapter against the ONLYOFFICE simulator over real HTTP: auth both ways, the
// reference lists, full scans (also of a portal that caps its page size), every write op kind
// round-tripped through the portal, creates, stamps, deletes, and the transport traps (retries
// where allowed, never on a create, a lost create answer, a 429's Retry-After). Each write test
// reads the case back through the adapter and checks the simulator's request log for what was sent.
import axios from "axios";
import { afterEach, describe, expect, it } from "vitest";
import { CORE_GROUPS, customGroup, emptyCase, groupValue, normalizeCase, type Case, type FieldGroup } from "../../src/core/case.js";
import { OnlyofficeConnectionSchema } from "../../src/core/config.js";
import { MappingSchema, type Mapping, type MappingInput } from "../../src/core/mapping.js";
import type { CaseRecord, ChangeSet, PersonInfo, RecordIssue, ScanItem, WriteOp } from "../../src/core/records.js";
import type { LogEntry } from "../../src/sandbox/http-server.js";
import { OnlyofficeSimulator, type OnlyofficeSimulatorOptions } from "../../src/sandbox/onlyoffice/simulator.js";
import { createWorld, type World, type WorldOptions } from "../../src/sandbox/world.js";
import { createOnlyofficeAdapter, type OnlyofficeAdapter } from "../../adapters/onlyoffice/adapter.js";
import { failure } from "../support/failure.js";

const FAST = { retries: 3, minDelayMs: 5, maxDelayMs: 20 };
const STAMP = "0e4f0c5e-7d43-4c1a-9a53-2c2f5b0c9d11";
const LINK_LABEL = "Plannr case UUID";

const CUSTOM_FIELDS: NonNullable<MappingInput["customFields"]> = [
  { key: "favourite_drink", plannr: "favourite_drink", onlyoffice: 1, type: "select" },
  { key: "risk_score", plannr: "risk_score", onlyoffice: 2, type: "number" },
  { key: "vulnerable_client", plannr: "vulnerable_client", onlyoffice: 3, type: "boolean" },
  { key: "next_meeting", plannr: "next_meeting", onlyoffice: 4, type: "date" },
  { key: "notes", plannr: "notes", onlyoffice: 5, type: "longtext" },
  { key: "lender", plannr: "lender", onlyoffice: 6, type: "text" },
];

/** Every group this mapping carries (the link field never is one). */
const MAPPED_GROUPS: FieldGroup[] = [...CORE_GROUPS, ...CUSTOM_FIELDS.map((f) => customGroup(f.key))];

function mappingFor(linkField: number, extra: Partial<MappingInput> = {}): Mapping {
  return MappingSchema.parse({
    fields: {
      status: { onlyofficeField: 8 },
      value: { onlyofficeField: 9 },
      reviewAt: { onlyofficeField: 10 },
      type: { onlyofficeField: 11 },
      groups: { onlyofficeField: 12 },
    },
    customFields: CUSTOM_FIELDS,
    ...extra,
    onlyoffice: { linkField, ...extra.onlyoffice },
  });
}

interface Portal {
  world: World;
  sim: OnlyofficeSimulator;
  base: string;
  linkField: number;
  mapping: Mapping;
  /** The integration user's adapter (token auth), reference lists loaded. */
  adapter: OnlyofficeAdapter;
  connect(credentials: { token: string } | { username: string; password: string }, extra?: Partial<MappingInput>): OnlyofficeAdapter;
}

const running: { sim: OnlyofficeSimulator; adapters: OnlyofficeAdapter[] }[] = [];

afterEach(async () => {
  for (const { sim, adapters } of running.splice(0)) {
    for (const adapter of adapters) adapter.close();
    await sim.close();
  }
});

async function start(options: { world?: WorldOptions; sim?: Partial<OnlyofficeSimulatorOptions>; extra?: Partial<MappingInput> } = {}): Promise<Portal> {
  const world = createWorld({ seed: 7, cases: 40, ...options.world });
  const sim = new OnlyofficeSimulator({ ...options.sim, world });
  const adapters: OnlyofficeAdapter[] = [];
  running.push({ sim, adapters });
  const base = await sim.listen(0);
  const build = (credentials: { token: string } | { username: string; password: string }, mapping: Mapping) => {
    const adapter = createOnlyofficeAdapter({ connection: OnlyofficeConnectionSchema.parse({ baseUrl: base, ...credentials }), mapping, retry: FAST });
    adapters.push(adapter);
    return adapter;
  };
  // The link field does not exist on a fresh portal: create it through the adapter, as `init` does.
  const bootstrap = build({ token: world.onlyofficeToken }, MappingSchema.parse({}));
  const linkField = await bootstrap.createCaseField(LINK_LABEL, 0, JSON.stringify({ size: 40 }));
  const mapping = mappingFor(linkField, options.extra);
  const adapter = build({ token: world.onlyofficeToken }, mapping);
  await adapter.listReference();
  sim.server.log.length = 0;
  return {
    world,
    sim,
    base,
    linkField,
    mapping,
    adapter,
    connect: (credentials, extra = {}) => build(credentials, mappingFor(linkField, { ...options.extra, ...extra })),
  };
}

const integration = (world: World) => world.staff.find((s) => s.isIntegrationUser)!;
const employees = (world: World) => world.staff.filter((s) => !s.isIntegrationUser);
const ordinaryClients = (world: World) => world.clients.filter((c) => c.note === "ordinary client");

async function scan(adapter: OnlyofficeAdapter): Promise<{ records: CaseRecord[]; invalid: ScanItem[]; end: ScanItem | undefined }> {
  const records: CaseRecord[] = [];
  const invalid: ScanItem[] = [];
  let end: ScanItem | undefined;
  for await (const item of adapter.listCases()) {
    if (item.kind === "record") records.push(item.record);
    else if (item.kind === "invalid") invalid.push(item);
    else end = item;
  }
  return { records, invalid, end };
}

async function scanned(p: Portal, id: number, adapter = p.adapter): Promise<CaseRecord> {
  const record = (await scan(adapter)).records.find((r) => r.id === String(id));
  if (!record) throw new Error(`case ${id} not in the scan`);
  return record;
}


const errorsOf = (issues: readonly { severity: string }[]) => issues.filter((i) => i.severity === "error");

interface RoundTrip {
  ops: WriteOp[];
  issues: RecordIssue[];
  sent: LogEntry[];
  after: CaseRecord;
  target: Case;
}

/**
 * Encodes `record` → `edit(record.case)` for the listed groups, applies it, reads the case back and
 * checks every listed group reads as the target. Returns what was sent.
 */
async function roundTrip(
  p: Portal,
  record: CaseRecord,
  edit: (c: Case) => Case,
  set: FieldGroup[],
  options: { adapter?: OnlyofficeAdapter; deltas?: Omit<ChangeSet, "set">; people?: ReadonlyMap<string, PersonInfo> } = {},
): Promise<RoundTrip> {
  const adapter = options.adapter ?? p.adapter;
  const target = normalizeCase(edit(structuredClone(record.case)));
  const encoded = adapter.encodeWrites({ record, target, changes: { set, ...options.deltas }, ...(options.people ? { people: options.people } : {}) });
  expect(errorsOf(encoded.issues)).toEqual([]);
  const before = p.sim.server.log.length;
  await adapter.applyWrites(record.id, encoded.ops);
  const sent = p.sim.server.log.slice(before);
  const after = await adapter.getCase(record.id);
  expect(after).not.toBeNull();
  for (const group of set) expect({ group, value: groupValue(after!.case, group) }).toEqual({ group, value: groupValue(target, group) });
  expect(errorsOf(after!.issues)).toEqual([]);
  return { ops: encoded.ops, issues: encoded.issues, sent, after: after!, target };
}

const publicCase = (p: Portal, skip = 0) => p.sim.listCases().filter((c) => !c.isPrivate)[skip]!;
const privateCase = (p: Portal, skip = 0) => p.sim.listCases().filter((c) => c.isPrivate)[skip]!;

describe("authentication", () => {
  it("sends the configured token on every request and never logs in", async () => {
    const p = await start();
    const adapter = p.connect({ token: p.world.onlyofficeToken });
    await adapter.listReference();
    expect((await scan(adapter)).end).toMatchObject({ kind: "end", complete: true });
    expect(p.sim.server.requests({ path: "/authentication" })).toEqual([]);
    // The portal answers 401 to anything without a token it issued: nothing was refused.
    expect(p.sim.server.log.length).toBeGreaterThan(0);
    expect(p.sim.server.log.filter((e) => e.status === 401)).toEqual([]);
  });

  it("logs in once with username and password, then sends that token on every request", async () => {
    const p = await start();
    const adapter = p.connect({ username: p.world.onlyofficeUsername, password: p.world.onlyofficePassword });
    await adapter.listReference();
    const { records, end } = await scan(adapter);
    expect(end).toMatchObject({ complete: true });
    expect(records).toHaveLength(p.world.onlyofficeCases.length);
    expect(await adapter.getCase(records[0]!.id)).not.toBeNull();
    const logins = p.sim.server.requests({ method: "POST", path: "/api/2.0/authentication" });
    expect(logins).toHaveLength(1);
    expect(logins[0]!.status).toBe(201);
    // The login token is the only one this adapter knows: every other request carried it.
    const others = p.sim.server.log.filter((e) => !e.path.includes("/authentication"));
    expect(others.length).toBeGreaterThan(4);
    expect(others.every((e) => e.status === 200)).toBe(true);
  });

  it("maps a wrong password to CS_AUTH without echoing it", async () => {
    const p = await start();
    const password = "wrong-password-4711";
    const adapter = p.connect({ username: p.world.onlyofficeUsername, password });
    const error = await failure(adapter.whoAmI());
    expect(error).toMatchObject({ code: "CS_AUTH", status: 500 });
    expect(JSON.stringify(error)).not.toContain(password);
    expect(String(error)).not.toContain(password);
  });

  it("maps a token the portal does not know to CS_AUTH from the plain-text 401", async () => {
    const p = await start();
    const adapter = p.connect({ token: "sandbox-oo-not-issued-by-this-portal" });
    const error = await failure(adapter.listReference());
    expect(error).toMatchObject({ code: "CS_AUTH", status: 401 });
    expect(error.message).toContain("Unauthorized");
    expect(error.message).not.toContain("sandbox-oo-not-issued-by-this-portal");
  });
});

describe("reference, identity and admin rights", () => {
  it("lists fields (no Heading), SelectBox options, staff with GUIDs and admin flags, and contacts", async () => {
    const p = await start();
    const ref = await p.adapter.listReference();
    expect(ref.side).toBe("onlyoffice");
    const fields = new Map(ref.customFields.map((f) => [f.id, f]));
    expect([...fields.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(["1", "2", "3", "4", "5", "6", "8", "9", "10", "11", "12", String(p.linkField)]);
    expect(fields.get("1")).toMatchObject({ label: "Favourite Drink", nativeType: "SelectBox", options: ["Coffee", "Tea", "Water"] });
    expect(fields.get("8")).toMatchObject({ label: "Status", nativeType: "SelectBox", options: p.world.statuses.map((s) => s.name) });
    expect(fields.get("3")).toMatchObject({ nativeType: "CheckBox", options: null });
    expect(fields.get("4")).toMatchObject({ nativeType: "Date" });
    expect(fields.get(String(p.linkField))).toMatchObject({ label: LINK_LABEL, nativeType: "TextField" });

    expect(ref.staff.map((s) => ({ id: s.id, key: s.key, isAdmin: s.isAdmin }))).toEqual(
      p.world.staff.map((s) => ({ id: s.onlyofficeId.toLowerCase(), key: s.email, isAdmin: s.isIntegrationUser })),
    );
    expect(ref.integrationUser).toMatchObject({ id: integration(p.world).onlyofficeId.toLowerCase(), key: integration(p.world).email, isAdmin: true });

    const people = new Map(ref.people.map((person) => [person.id, person]));
    const contacts = p.world.clients.filter((c) => c.onlyofficeId !== null);
    expect(ref.people).toHaveLength(contacts.length);
    const company = contacts.find((c) => c.isCompany)!;
    expect(people.get(String(company.onlyofficeId))).toMatchObject({ kind: "company", key: null, email: "office@acme-holdings.example" });
    const noEmail = contacts.find((c) => c.lastName === "Noemail")!;
    expect(people.get(String(noEmail.onlyofficeId))).toMatchObject({ kind: "person", key: null, email: null, firstName: "Nora" });
    const mixed = contacts.find((c) => c.lastName === "Mixedcase")!;
    expect(people.get(String(mixed.onlyofficeId))).toMatchObject({ kind: "person", key: "max.mixedcase@client.example" });
    const ordinary = ordinaryClients(p.world)[0]!;
    expect(people.get(String(ordinary.onlyofficeId))).toMatchObject({ kind: "person", key: ordinary.onlyofficeEmail, firstName: ordinary.firstName, lastName: ordinary.lastName });
  });

  it("names the portal and the integration user; a non-admin token is not an administrator", async () => {
    const p = await start();
    expect(await p.adapter.describe()).toEqual({ side: "onlyoffice", identity: p.base, label: `ONLYOFFICE portal ${new URL(p.base).host}` });
    expect(await p.adapter.whoAmI()).toMatchObject({ id: integration(p.world).onlyofficeId.toLowerCase(), isAdmin: true });
    const priya = employees(p.world)[0]!;
    const nonAdmin = p.connect({ token: p.sim.issueToken(priya.onlyofficeId) });
    expect(await nonAdmin.whoAmI()).toMatchObject({ id: priya.onlyofficeId.toLowerCase(), key: priya.email, isAdmin: false });
    p.sim.setAdmin(priya.onlyofficeId, true, "crm");
    expect((await nonAdmin.whoAmI()).isAdmin).toBe(true);
  });
});

describe("full scan", () => {
  const N = 2500;

  it(`reads a ${N}-case portal in ⌈N/1000⌉ + 1 list requests, every case once, complete, without decode errors`, async () => {
    const p = await start({ world: { cases: 40, onlyofficeCases: N } });
    const { records, invalid, end } = await scan(p.adapter);
    const pages = p.sim.server.requests({ method: "GET", path: "/api/2.0/crm/case/filter" });
    expect(pages).toHaveLength(Math.ceil(N / 1000) + 1);
    expect(pages.every((e) => /sortBy=Id/.test(e.query) && /count=1000/.test(e.query))).toBe(true);
    expect(invalid).toEqual([]);
    expect(end).toEqual({ kind: "end", complete: true, pages: Math.ceil(N / 1000) + 1 });
    const ids = records.map((r) => Number(r.id));
    expect(new Set(ids).size).toBe(N);
    expect(ids.sort((a, b) => a - b)).toEqual(p.world.onlyofficeCases.map((c) => c.id));
    expect(records.flatMap((r) => errorsOf(r.issues))).toEqual([]);
    // Spot-check the decode against the seed.
    const seeded = p.world.onlyofficeCases.find((c) => c.customFields[9] !== undefined && c.customFields[1] !== undefined)!;
    const record = records.find((r) => r.id === String(seeded.id))!;
    expect(record.case).toMatchObject({ title: seeded.title, status: { closed: seeded.isClosed }, customFields: { favourite_drink: seeded.customFields[1] } });
    expect(record.case.value).toBe(Math.round(Number(seeded.customFields[9]) * 100));
  });

  it("still sees every case when the portal caps the page size below the ask (page until empty)", async () => {
    // 800 Plannr cases give the world 400 ordinary clients: contacts page past the cap too.
    const p = await start({ world: { cases: 800, onlyofficeCases: N }, sim: { pageCap: 300 } });
    const contacts = p.world.clients.filter((c) => c.onlyofficeId !== null);
    expect(contacts.length).toBeGreaterThan(300);
    expect((await p.adapter.listReference()).people.map((person) => person.id).sort()).toEqual(contacts.map((c) => String(c.onlyofficeId)).sort());
    const { records, end } = await scan(p.adapter);
    expect(new Set(records.map((r) => r.id)).size).toBe(N);
    expect(records).toHaveLength(N);
    expect(end).toMatchObject({ complete: true });
    const pages = p.sim.server.requests({ method: "GET", path: "/api/2.0/crm/case/filter" });
    expect(pages).toHaveLength(Math.ceil(N / 300) + 1);
    expect(pages.map((e) => new URLSearchParams(e.query).get("startIndex"))).toEqual(Array.from({ length: Math.ceil(N / 300) + 1 }, (_, i) => String(Math.min(i * 300, N))));
  });
});

describe("dates and versions", () => {
  it("reads `created` on a portal with an offset as the same UTC instant, and a re-read has the scan's version", async () => {
    const p = await start({ sim: { utcOffsetMinutes: 120 } });
    const { records } = await scan(p.adapter);
    for (const seeded of p.world.onlyofficeCases) {
      const record = records.find((r) => r.id === String(seeded.id))!;
      expect(record.case.createdAt).toBe(new Date(seeded.created.replace(/\.\d+Z$/, "Z")).toISOString());
      // The engine re-reads before a PUT and re-plans when the version moved: an unchanged case must not move.
      expect((await p.adapter.getCase(record.id))!.version).toBe(record.version);
    }
  });
});

describe("getCase", () => {
  it("reads a case, answers null for a missing one, and null for a private case a non-admin cannot see", async () => {
    const p = await start();
    const some = p.sim.listCases()[0]!;
    expect((await p.adapter.getCase(String(some.id)))?.case.title).toBe(some.title);
    expect(await p.adapter.getCase("999999")).toBeNull();
    expect(await p.adapter.getCase("not-a-number")).toBeNull();

    const hidden = privateCase(p);
    const outsider = employees(p.world).find((s) => !hidden.accessList.includes(s.onlyofficeId.toLowerCase()))!;
    const nonAdmin = p.connect({ token: p.sim.issueToken(outsider.onlyofficeId) });
    await nonAdmin.listReference();
    expect(await nonAdmin.getCase(String(hidden.id))).toBeNull();
    expect(await p.adapter.getCase(String(hidden.id))).not.toBeNull();
    expect(await nonAdmin.getCase(String(publicCase(p).id))).not.toBeNull();
  });
});

describe("writes round-trip through the portal", () => {
  it("a title goes through one PUT resending title, isPrivate and accessList with isNotify false and no members", async () => {
    const p = await start();
    const record = await scanned(p, publicCase(p).id);
    const { ops, sent } = await roundTrip(p, record, (c) => ({ ...c, title: "Renamed through the adapter" }), ["title"]);
    expect(ops.map((op) => op.kind)).toEqual(["case.update"]);
    expect(ops[0]!.rereadFirst).toBe(true);
    const puts = sent.filter((e) => e.method === "PUT");
    expect(puts).toHaveLength(1);
    expect(puts[0]!.path).toBe(`/api/2.0/crm/case/${record.id}`);
    expect(puts[0]!.body).toEqual({ title: "Renamed through the adapter", isPrivate: false, accessList: [], isNotify: false, customFieldList: [] });
    expect(puts[0]!.body).not.toHaveProperty("members");
    expect(p.sim.getCase(Number(record.id))!.memberIds).toEqual(publicCase(p).memberIds);
  });

  it("a single field goes through the per-field POST (field.set) and nothing else", async () => {
    const p = await start();
    const record = await scanned(p, publicCase(p).id);
    const { ops, sent } = await roundTrip(p, record, (c) => ({ ...c, customFields: { ...c.customFields, lender: "Nationwide" } }), ["custom:lender"]);
    expect(ops.map((op) => op.kind)).toEqual(["field.set"]);
    expect(sent.filter((e) => e.method !== "GET").map((e) => [e.method, e.path, e.status, e.body])).toEqual([
      ["POST", `/api/2.0/crm/case/${record.id}/customfield/6`, 201, { fieldValue: "Nationwide" }],
    ]);
  });

  it("several fields go through one PUT", async () => {
    const p = await start();
    const record = await scanned(p, publicCase(p).id);
    const { ops, sent, after } = await roundTrip(
      p,
      record,
      (c) => ({ ...c, value: 4000, reviewAt: "2026-03-14", type: "Mortgage", groups: ["Leeds office", "London office"], customFields: { ...c.customFields, risk_score: 7, notes: "Line one\nLine two", next_meeting: "2026-12-31" } }),
      ["value", "reviewAt", "type", "groups", "custom:risk_score", "custom:notes", "custom:next_meeting"],
    );
    expect(ops.map((op) => op.kind)).toEqual(["case.update"]);
    expect(sent.filter((e) => e.method !== "GET")).toHaveLength(1);
    const stored = p.sim.getCase(Number(record.id))!.customFields;
    expect(stored).toMatchObject({ 2: "7", 4: "2026-12-31", 5: "Line one\nLine two", 9: "40.00", 10: "2026-03-14", 11: "Mortgage", 12: "Leeds office, London office" });
    expect(after.case.value).toBe(4000);
  });

  it("a cleared field goes through the per-field POST with an empty value", async () => {
    const p = await start();
    const withValue = p.sim.listCases().find((c) => c.customFields[9] !== undefined && c.customFields[1] !== undefined)!;
    const record = await scanned(p, withValue.id);
    const { ops, sent } = await roundTrip(p, record, (c) => ({ ...c, value: null, customFields: { ...c.customFields, favourite_drink: null } }), ["value", "custom:favourite_drink"]);
    expect(ops.map((op) => op.kind).sort()).toEqual(["field.clear", "field.clear"]);
    expect(sent.filter((e) => e.method === "POST").map((e) => [e.path, e.body]).sort()).toEqual([
      [`/api/2.0/crm/case/${record.id}/customfield/1`, { fieldValue: "" }],
      [`/api/2.0/crm/case/${record.id}/customfield/9`, { fieldValue: "" }],
    ]);
    expect(p.sim.getCase(withValue.id)!.customFields).not.toHaveProperty("9");
    expect(p.sim.getCase(withValue.id)!.customFields).not.toHaveProperty("1");
  });

  it("a status name with a close, then another name with a reopen", async () => {
    const p = await start();
    const open = p.sim.listCases().find((c) => !c.isClosed && !c.isPrivate)!;
    const record = await scanned(p, open.id);
    const closed = await roundTrip(p, record, (c) => ({ ...c, status: { closed: true, statusName: "Completed" } }), ["status"]);
    expect(closed.ops.map((op) => op.kind)).toEqual(["field.set", "case.close"]);
    expect(p.sim.getCase(open.id)).toMatchObject({ isClosed: true, customFields: { 8: "Completed" } });
    const reopened = await roundTrip(p, closed.after, (c) => ({ ...c, status: { closed: false, statusName: "In Progress" } }), ["status"]);
    expect(reopened.ops.map((op) => op.kind)).toEqual(["field.set", "case.reopen"]);
    expect(reopened.sent.filter((e) => e.method === "PUT").map((e) => e.path)).toEqual([`/api/2.0/crm/case/${open.id}/reopen`]);
    expect(p.sim.getCase(open.id)).toMatchObject({ isClosed: false, customFields: { 8: "In Progress" } });
  });

  it("a value as decimal text, a review date, a checkbox true then false, a select option", async () => {
    const p = await start();
    const id = publicCase(p).id;
    let record = await scanned(p, id);
    const value = await roundTrip(p, record, (c) => ({ ...c, value: 4000 }), ["value"]);
    expect(value.sent.find((e) => e.method === "POST")!.body).toEqual({ fieldValue: "40.00" });
    expect(p.sim.getCase(id)!.customFields[9]).toBe("40.00");
    record = value.after;
    record = (await roundTrip(p, record, (c) => ({ ...c, reviewAt: "2026-02-28" }), ["reviewAt"])).after;
    expect(p.sim.getCase(id)!.customFields[10]).toBe("2026-02-28");
    record = (await roundTrip(p, record, (c) => ({ ...c, customFields: { ...c.customFields, vulnerable_client: true } }), ["custom:vulnerable_client"])).after;
    expect(p.sim.getCase(id)!.customFields[3]).toBe("true");
    record = (await roundTrip(p, record, (c) => ({ ...c, customFields: { ...c.customFields, vulnerable_client: false } }), ["custom:vulnerable_client"])).after;
    // "false" is a stored value, not a cleared field.
    expect(p.sim.getCase(id)!.customFields[3]).toBe("false");
    expect(record.case.customFields.vulnerable_client).toBe(false);
    record = (await roundTrip(p, record, (c) => ({ ...c, customFields: { ...c.customFields, favourite_drink: "Tea" } }), ["custom:favourite_drink"])).after;
    expect(p.sim.getCase(id)!.customFields[1]).toBe("Tea");
  });

  it("assignees make a case private; removing the last keeps it private to the integration user alone, with a warning; the integration user is never an assignee", async () => {
    const p = await start();
    const id = publicCase(p).id;
    const [priya, tom] = employees(p.world);
    const sam = integration(p.world).onlyofficeId;
    const record = await scanned(p, id);
    expect(record.case.assignees).toEqual([]);
    const made = await roundTrip(p, record, (c) => ({ ...c, assignees: [priya!.email, tom!.email] }), ["assignees"]);
    const put = made.sent.find((e) => e.method === "PUT")!;
    expect(put.body).toMatchObject({ isPrivate: true, isNotify: false });
    expect([...(put.body as { accessList: string[] }).accessList].sort()).toEqual([priya!.onlyofficeId, tom!.onlyofficeId].sort());
    const stored = p.sim.getCase(id)!;
    expect(stored.isPrivate).toBe(true);
    // The portal adds the caller to every access list; the codec leaves it out of the assignees.
    expect([...stored.accessList].sort()).toEqual([priya!.onlyofficeId, tom!.onlyofficeId, sam].sort());
    expect(made.after.case.assignees).toEqual([priya!.email, tom!.email].sort());

    const dropped = await roundTrip(p, made.after, (c) => ({ ...c, assignees: [tom!.email] }), ["assignees"]);
    expect(p.sim.getCase(id)).toMatchObject({ isPrivate: true });
    expect(dropped.after.case.assignees).toEqual([tom!.email]);

    // Privacy fails closed: the last assignee gone, the case is still private (SPEC §2, issue 8 item 16).
    const last = await roundTrip(p, dropped.after, (c) => ({ ...c, assignees: [] }), ["assignees"]);
    expect(last.sent.find((e) => e.method === "PUT")!.body).toMatchObject({ isPrivate: true, accessList: [sam] });
    expect(p.sim.getCase(id)).toMatchObject({ isPrivate: true, accessList: [sam] });
    expect(last.issues).toEqual([expect.objectContaining({ severity: "warning", record: String(id), field: "assignees", code: "CS_UNMAPPED", message: expect.stringContaining(`case ${id}`) })]);
    // The read-back is what the engine expects: no assignees, and no second write (fixpoint).
    expect(last.after.case.assignees).toEqual([]);
    expect((await scanned(p, id)).case).toEqual(last.after.case);
    const again = p.adapter.encodeWrites({ record: last.after, target: last.target, changes: { set: MAPPED_GROUPS, assignees: { add: [], remove: [] } } });
    expect(again).toEqual({ ops: [], issues: [] });
  });

  it("a private case whose list lacks the integration user stays private to it when every assignee is removed", async () => {
    const p = await start();
    const sam = integration(p.world).onlyofficeId;
    const hidden = p.sim.listCases().find((c) => c.isPrivate && !c.accessList.includes(sam))!;
    const record = await scanned(p, hidden.id);
    expect(record.case.assignees).toHaveLength(hidden.accessList.length);
    const { sent, after, issues } = await roundTrip(p, record, (c) => ({ ...c, assignees: [] }), ["assignees"]);
    expect(sent.find((e) => e.method === "PUT")!.body).toMatchObject({ isPrivate: true, accessList: [sam] });
    expect(p.sim.getCase(hidden.id)).toMatchObject({ isPrivate: true, accessList: [sam] });
    expect(after.case.assignees).toEqual([]);
    expect(issues.map((i) => `${i.severity} ${i.field} ${i.code}`)).toEqual(["warning assignees CS_UNMAPPED"]);
  });

  it("with access.unassigned: public, removing the last assignee publishes the case", async () => {
    const p = await start();
    const adapter = p.connect({ token: p.world.onlyofficeToken }, { access: { mode: "assignees", unassigned: "public" } });
    await adapter.listReference();
    const hidden = privateCase(p);
    const record = await scanned(p, hidden.id, adapter);
    expect(record.case.assignees.length).toBeGreaterThan(0);
    const { sent, after, issues } = await roundTrip(p, record, (c) => ({ ...c, assignees: [] }), ["assignees"], { adapter });
    expect(sent.find((e) => e.method === "PUT")!.body).toMatchObject({ isPrivate: false, accessList: [] });
    expect(p.sim.getCase(hidden.id)).toMatchObject({ isPrivate: false, accessList: [] });
    expect(after.case.assignees).toEqual([]);
    expect(issues).toEqual([]);
  });

  it("the privacy trap: a title change keeps a private case private with the same access list", async () => {
    const p = await start();
    const hidden = privateCase(p);
    const record = await scanned(p, hidden.id);
    expect(record.case.assignees.length).toBeGreaterThan(0);
    const { sent, after } = await roundTrip(p, record, (c) => ({ ...c, title: `${c.title} (renamed)` }), ["title"]);
    expect(sent.find((e) => e.method === "PUT")!.body).toMatchObject({ isPrivate: true, accessList: hidden.accessList });
    const stored = p.sim.getCase(hidden.id)!;
    expect(stored.isPrivate).toBe(true);
    expect(stored.accessList).toEqual(expect.arrayContaining(hidden.accessList));
    expect(stored.accessList.filter((g) => g !== integration(p.world).onlyofficeId)).toEqual(hidden.accessList);
    expect(after.case.assignees).toEqual(record.case.assignees);

    // The trap is live: the same PUT without the privacy publishes the case.
    const other = privateCase(p, 1);
    const raw = await axios.put(`${p.base}/api/2.0/crm/case/${other.id}`, { title: other.title }, { headers: { Authorization: p.world.onlyofficeToken }, validateStatus: () => true });
    expect(raw.status).toBe(200);
    expect(p.sim.getCase(other.id)).toMatchObject({ isPrivate: false, accessList: [] });
  });

  it("a private case shown without an access list [D] keeps its privacy through a PUT (never an empty list, which publishes)", async () => {
    const p = await start();
    const sam = integration(p.world).onlyofficeId;
    const hidden = privateCase(p);
    p.sim.editCase(hidden.id, { isPrivate: true, accessList: [] });
    for (const extra of [{}, { access: "preserve" as const }]) {
      const adapter = p.connect({ token: p.world.onlyofficeToken }, extra);
      await adapter.listReference();
      const record = await scanned(p, hidden.id, adapter);
      expect(record.case.assignees).toEqual([]);
      const { sent } = await roundTrip(p, record, (c) => ({ ...c, title: `${c.title}!` }), ["title"], { adapter });
      expect(sent.find((e) => e.method === "PUT")!.body).toMatchObject({ isPrivate: true, accessList: [sam] });
      expect(p.sim.getCase(hidden.id)).toMatchObject({ isPrivate: true, accessList: [sam] });
    }
  });

  it("access: preserve keeps a private case private through a title change and never maps assignees", async () => {
    const p = await start();
    const adapter = p.connect({ token: p.world.onlyofficeToken }, { access: "preserve" });
    await adapter.listReference();
    const hidden = privateCase(p);
    const record = await scanned(p, hidden.id, adapter);
    expect(record.case.assignees).toEqual([]);
    // Assignees are not mapped in this mode: asking to change them writes nothing.
    const untouched = adapter.encodeWrites({ record, target: { ...record.case, assignees: [employees(p.world)[0]!.email] }, changes: { set: ["assignees"] } });
    expect(untouched.ops).toEqual([]);
    const { ops, sent } = await roundTrip(p, record, (c) => ({ ...c, title: "Preserved privacy" }), ["title"], { adapter });
    expect(ops.map((op) => op.kind)).toEqual(["case.update"]);
    expect(sent.find((e) => e.method === "PUT")!.body).toEqual({ title: "Preserved privacy", isPrivate: true, accessList: hidden.accessList, isNotify: false, customFieldList: [] });
    expect(p.sim.getCase(hidden.id)).toMatchObject({ title: "Preserved privacy", isPrivate: true });
    expect(p.sim.getCase(hidden.id)!.accessList).toEqual(expect.arrayContaining(hidden.accessList));
  });

  it("members are added then removed through the member endpoints", async () => {
    const p = await start();
    const c = publicCase(p);
    const newcomer = ordinaryClients(p.world).find((client) => !c.memberIds.includes(client.onlyofficeId!))!;
    const record = await scanned(p, c.id);
    const added = await roundTrip(p, record, (x) => ({ ...x, participants: [...x.participants, newcomer.onlyofficeEmail!] }), ["participants"], {
      deltas: { participants: { add: [newcomer.onlyofficeEmail!], remove: [] } },
    });
    expect(added.sent.filter((e) => e.method !== "GET").map((e) => [e.method, e.path, e.status, e.body])).toEqual([
      ["POST", `/api/2.0/crm/case/${c.id}/contact`, 201, { contactid: newcomer.onlyofficeId }],
    ]);
    expect(p.sim.getCase(c.id)!.memberIds).toContain(newcomer.onlyofficeId);
    const removed = await roundTrip(p, added.after, (x) => ({ ...x, participants: x.participants.filter((k) => k !== newcomer.onlyofficeEmail) }), ["participants"], {
      deltas: { participants: { add: [], remove: [newcomer.onlyofficeEmail!] } },
    });
    expect(removed.sent.filter((e) => e.method !== "GET").map((e) => [e.method, e.path])).toEqual([["DELETE", `/api/2.0/crm/case/${c.id}/contact/${newcomer.onlyofficeId}`]]);
    expect(p.sim.getCase(c.id)!.memberIds).toEqual(c.memberIds);
  });

  it("an unknown participant becomes a person contact (shareType 1, e-mail) and is then added", async () => {
    const p = await start({ extra: { people: { unknownContact: "create" } } });
    const c = publicCase(p);
    const email = "new.person@client.example";
    const people = new Map<string, PersonInfo>([[email, { key: email, email: "New.Person@Client.example", firstName: "New", lastName: "Person", name: "New Person" }]]);
    const record = await scanned(p, c.id);
    const { ops, sent, after } = await roundTrip(p, record, (x) => ({ ...x, participants: [...x.participants, email] }), ["participants"], {
      deltas: { participants: { add: [email], remove: [] } },
      people,
    });
    expect(ops.map((op) => op.kind)).toEqual(["contact.create"]);
    const writes = sent.filter((e) => e.method !== "GET");
    expect(writes.map((e) => [e.method, e.path, e.status])).toEqual([
      ["POST", "/api/2.0/crm/contact/person", 201],
      ["POST", expect.stringMatching(/^\/api\/2\.0\/crm\/contact\/\d+\/data$/), 201],
      ["POST", `/api/2.0/crm/case/${c.id}/contact`, 201],
    ]);
    const contactId = (writes[2]!.body as { contactid: number }).contactid;
    expect(writes[0]!.body).toEqual({ firstName: "New", lastName: "Person", shareType: 1 });
    const snapshot = (await axios.get(`${p.base}/__sandbox/state`)).data as { contacts: { id: number; shareType: number; commonData: { infoType: number; data: string }[] }[] };
    const contact = snapshot.contacts.find((x) => x.id === contactId)!;
    expect(contact).toMatchObject({ shareType: 1, commonData: [{ infoType: 1, data: "New.Person@Client.example" }] });
    expect(p.sim.getCase(c.id)!.memberIds).toContain(contactId);
    expect(after.case.participants).toContain(email);
  });

  it("creates one contact for an unknown participant added to two cases at once", async () => {
    const p = await start({ extra: { people: { unknownContact: "create" } } });
    const email = "shared.newcomer@client.example";
    const people = new Map<string, PersonInfo>([[email, { key: email, email, firstName: "Shared", lastName: "Newcomer", name: "Shared Newcomer" }]]);
    const cases = [publicCase(p, 0), publicCase(p, 1)];
    const records = await Promise.all(cases.map((c) => scanned(p, c.id)));
    const encoded = records.map((record) =>
      p.adapter.encodeWrites({ record, target: { ...record.case, participants: [...record.case.participants, email] }, changes: { set: ["participants"] }, people }),
    );
    // The engine applies records concurrently: both ops are in flight together.
    await Promise.all(records.map((record, i) => p.adapter.applyWrites(record.id, encoded[i]!.ops)));
    const creations = p.sim.server.requests({ method: "POST", path: "/api/2.0/crm/contact/person" });
    expect(creations).toHaveLength(1);
    const members = cases.map((c) => p.sim.getCase(c.id)!.memberIds.filter((m) => !c.memberIds.includes(m)));
    expect(members[0]).toHaveLength(1);
    expect(members[1]).toEqual(members[0]);
    for (const record of records) expect((await p.adapter.getCase(record.id))!.case.participants).toContain(email);
  });

  it("a PUT resends the title exactly as read, even one the canonical model trims", async () => {
    const p = await start();
    const [spaced, blank] = [publicCase(p, 0), publicCase(p, 1)];
    // Typed in the UI: the portal stores titles raw (not trimmed; "   " passes its empty check).
    p.sim.editCase(spaced.id, { title: "  Spaced title \r\n" });
    p.sim.editCase(blank.id, { title: "   " });
    for (const c of [spaced, blank]) {
      const record = await scanned(p, c.id);
      const { ops, sent } = await roundTrip(p, record, (x) => ({ ...x, value: 1000, customFields: { ...x.customFields, lender: "Barclays" } }), ["value", "custom:lender"]);
      expect(ops.map((op) => op.kind)).toEqual(["case.update"]);
      expect(sent.find((e) => e.method === "PUT")!.status).toBe(200);
    }
    expect(p.sim.getCase(spaced.id)!.title).toBe("  Spaced title \r\n");
    expect(p.sim.getCase(blank.id)!.title).toBe("   ");
  });

  it("refuses a 256-character title as an error issue and sends nothing", async () => {
    const p = await start();
    const record = await scanned(p, publicCase(p).id);
    const target = { ...record.case, title: "x".repeat(256) };
    const { ops, issues } = p.adapter.encodeWrites({ record, target, changes: { set: ["title"] } });
    expect(ops).toEqual([]);
    expect(issues).toEqual([expect.objectContaining({ severity: "error", field: "title", code: "CS_VALIDATION", record: record.id })]);
    const before = p.sim.server.log.length;
    await p.adapter.applyWrites(record.id, ops);
    expect(p.sim.server.log.length).toBe(before);
    expect(p.sim.getCase(Number(record.id))!.title).toBe(record.case.title);
    // 255 is fine.
    await roundTrip(p, record, (c) => ({ ...c, title: "y".repeat(255) }), ["title"]);
  });
});

describe("create, stamp, delete", () => {
  function richTarget(p: Portal): Case {
    const [priya] = employees(p.world);
    const [first, second] = ordinaryClients(p.world);
    return {
      title: "Created through the adapter",
      status: { closed: true, statusName: "Completed" },
      participants: [first!.onlyofficeEmail!, second!.onlyofficeEmail!],
      assignees: [priya!.email],
      customFields: { favourite_drink: "Water", risk_score: 4, vulnerable_client: false, next_meeting: "2026-07-01", notes: "First\nSecond", lender: "Halifax" },
      value: 123450,
      reviewAt: "2026-05-04",
      type: "Pension",
      groups: ["London office", "Leeds office"],
      createdAt: null,
    };
  }

  it("creates a private, closed case with its stamp, members and fields that reads back as the target", async () => {
    const p = await start();
    const target = richTarget(p);
    const record = await p.adapter.createCase(target, { stamp: STAMP });
    expect(record.stamp).toBe(STAMP);
    expect(errorsOf(record.issues)).toEqual([]);
    const expected = normalizeCase(target);
    for (const group of MAPPED_GROUPS) expect({ group, value: groupValue(record.case, group) }).toEqual({ group, value: groupValue(expected, group) });
    expect(p.sim.server.log.filter((e) => e.method !== "GET").map((e) => [e.method, e.path, e.status])).toEqual([
      ["POST", "/api/2.0/crm/case", 201],
      ["PUT", `/api/2.0/crm/case/${record.id}/close`, 200],
    ]);
    const stored = p.sim.getCase(Number(record.id))!;
    expect(stored).toMatchObject({ isClosed: true, isPrivate: true, customFields: { [p.linkField]: STAMP, 9: "1234.50", 8: "Completed" } });
    expect(stored.accessList).toContain(employees(p.world)[0]!.onlyofficeId);
    // What reads back through getCase is what the create returned.
    expect((await p.adapter.getCase(record.id))!.case).toEqual(record.case);
  });

  it("a new case with no assignee is private to the integration user alone by default, sends no close when open, and reads back as returned", async () => {
    const p = await start();
    const target = { ...richTarget(p), status: { closed: false, statusName: "New" }, assignees: [] };
    const preview = p.adapter.previewCreate(target, { stamp: STAMP });
    expect(preview.issues).toEqual([expect.objectContaining({ severity: "warning", field: "assignees", code: "CS_UNMAPPED", message: expect.stringContaining(target.title) })]);
    const record = await p.adapter.createCase(target, { stamp: STAMP });
    expect(p.sim.server.log.filter((e) => e.method !== "GET").map((e) => e.method)).toEqual(["POST"]);
    expect(p.sim.server.log.find((e) => e.method === "POST")!.body).toMatchObject({ isPrivate: true, accessList: [integration(p.world).onlyofficeId] });
    expect(p.sim.getCase(Number(record.id))).toMatchObject({ isClosed: false, isPrivate: true, accessList: [integration(p.world).onlyofficeId] });
    expect(record.case.status).toEqual({ closed: false, statusName: "New" });
    expect(record.case.assignees).toEqual([]);
    expect(errorsOf(record.issues)).toEqual([]);
    // The base the engine keeps is what reads back, and it asks for no write (fixpoint).
    expect((await p.adapter.getCase(record.id))!.case).toEqual(record.case);
    expect(p.adapter.encodeWrites({ record, target: normalizeCase(target), changes: { set: MAPPED_GROUPS, assignees: { add: [], remove: [] } } })).toEqual({ ops: [], issues: [] });
  });

  it("with access.unassigned: public a new case with no assignee is public", async () => {
    const p = await start({ extra: { access: { mode: "assignees", unassigned: "public" } } });
    const record = await p.adapter.createCase({ ...richTarget(p), status: { closed: false, statusName: "New" }, assignees: [] }, { stamp: STAMP });
    expect(p.sim.getCase(Number(record.id))).toMatchObject({ isClosed: false, isPrivate: false, accessList: [] });
    expect(errorsOf(record.issues)).toEqual([]);
  });

  it("a 400 on the close after the create: the case is returned open with an error on status, as it reads back", async () => {
    const p = await start();
    p.sim.server.addFault({ kind: "status", status: 400, method: "PUT", path: /\/crm\/case\/\d+\/close$/ });
    const target = richTarget(p);
    const record = await p.adapter.createCase(target, { stamp: STAMP });
    expect(p.sim.server.log.filter((e) => e.method !== "GET").map((e) => [e.method, e.path, e.status])).toEqual([
      ["POST", "/api/2.0/crm/case", 201],
      ["PUT", `/api/2.0/crm/case/${record.id}/close`, 400],
    ]);
    expect(p.sim.getCase(Number(record.id))!.isClosed).toBe(false);
    expect(record.case.status).toEqual({ closed: false, statusName: "Completed" });
    expect(errorsOf(record.issues)).toEqual([expect.objectContaining({ side: "onlyoffice", record: record.id, field: "status", code: "CS_VALIDATION", message: expect.stringContaining("closing it failed") })]);
    // Every other step landed; the returned case is the real one.
    const expected = normalizeCase(target);
    for (const group of MAPPED_GROUPS.filter((g) => g !== "status")) expect({ group, value: groupValue(record.case, group) }).toEqual({ group, value: groupValue(expected, group) });
    expect((await p.adapter.getCase(record.id))!.case).toEqual(record.case);
  });

  it("a person contact that cannot be created: the case is created without it, with an error on participants", async () => {
    const p = await start({ extra: { people: { unknownContact: "create" } } });
    const email = "refused.person@client.example";
    const people = new Map<string, PersonInfo>([[email, { key: email, email, firstName: "Refused", lastName: "Person", name: "Refused Person" }]]);
    const known = ordinaryClients(p.world)[0]!.onlyofficeEmail!;
    p.sim.server.addFault({ kind: "status", status: 400, method: "POST", path: "/api/2.0/crm/contact/person" });
    const record = await p.adapter.createCase({ ...emptyCase(), title: "Without the refused contact", participants: [email, known] }, { stamp: STAMP, people });
    expect(record.case.participants).toEqual([known]);
    expect(p.sim.getCase(Number(record.id))).toBeDefined();
    expect(errorsOf(record.issues)).toEqual([expect.objectContaining({ record: record.id, field: "participants", message: expect.stringContaining(email) })]);
    expect((await p.adapter.getCase(record.id))!.case).toEqual(record.case);
  });

  it("creates an unknown participant's contact first and the case with it as a member", async () => {
    const p = await start({ extra: { people: { unknownContact: "create" } } });
    const email = "brand.new@client.example";
    const people = new Map<string, PersonInfo>([[email, { key: email, email, firstName: "Brand", lastName: "New", name: "Brand New" }]]);
    const target = { ...emptyCase(), title: "With a new client", participants: [email, ordinaryClients(p.world)[0]!.onlyofficeEmail!] };
    const record = await p.adapter.createCase(target, { stamp: STAMP, people });
    const writes = p.sim.server.log.filter((e) => e.method !== "GET");
    expect(writes.map((e) => e.path)).toEqual(["/api/2.0/crm/contact/person", expect.stringMatching(/\/crm\/contact\/\d+\/data$/), "/api/2.0/crm/case"]);
    const created = writes[2]!.body as { members: number[] };
    expect(p.sim.getCase(Number(record.id))!.memberIds).toEqual([...created.members].sort((a, b) => a - b));
    expect(record.case.participants).toEqual(normalizeCase(target).participants);
  });

  it("copies createdAt into the createdAtField as a calendar date in the mapping's zone", async () => {
    const p = await start();
    const createdField = await p.adapter.createCaseField("Created in Plannr", 5, "");
    const adapter = p.connect({ token: p.world.onlyofficeToken }, { onlyoffice: { createdAtField: createdField } });
    await adapter.listReference();
    // 23:30 UTC on 6 May is 00:30 on 7 May in London (BST).
    const record = await adapter.createCase({ ...richTarget(p), status: { closed: false, statusName: null } }, { stamp: STAMP, createdAt: "2024-05-06T23:30:00Z" });
    expect(p.sim.getCase(Number(record.id))!.customFields[createdField]).toBe("2024-05-07");
  });

  it("sets and clears the stamp through encodeStamp's per-field POST", async () => {
    const p = await start();
    const id = String(publicCase(p).id);
    const op = p.adapter.encodeStamp(id, STAMP);
    expect(op).toMatchObject({ kind: "stamp", method: "POST", path: `/api/2.0/crm/case/${id}/customfield/${p.linkField}`, body: { fieldValue: STAMP }, record: id });
    await p.adapter.setStamp(id, STAMP);
    expect((await p.adapter.getCase(id))!.stamp).toBe(STAMP);
    await p.adapter.applyWrites(id, [p.adapter.encodeStamp(id, null)]);
    expect((await p.adapter.getCase(id))!.stamp).toBeNull();
    await p.adapter.applyWrites(id, [op]);
    expect((await p.adapter.getCase(id))!.stamp).toBe(STAMP);
    await p.adapter.setStamp(id, null);
    expect(p.sim.getCase(Number(id))!.customFields).not.toHaveProperty(String(p.linkField));
    expect(p.sim.server.requests({ method: "POST", path: "/customfield/" }).map((e) => e.body)).toEqual([
      { fieldValue: STAMP },
      { fieldValue: "" },
      { fieldValue: STAMP },
      { fieldValue: "" },
    ]);
  });

  it("maps the portal's 500 for an unknown field on the per-field POST to CS_VALIDATION", async () => {
    const p = await start();
    const id = String(publicCase(p).id);
    // The link field was deleted on the portal after `init` wrote its id into the mapping.
    const adapter = p.connect({ token: p.world.onlyofficeToken }, { onlyoffice: { linkField: 99 } });
    const error = await failure(adapter.setStamp(id, STAMP));
    expect(error).toMatchObject({ code: "CS_VALIDATION", status: 500, record: id, retryable: false });
    expect(p.sim.server.requests({ method: "POST", path: "/customfield/99" })).toHaveLength(1);
  });

  it("deletes a case; it then reads as null, and deleting it again is done (404)", async () => {
    const p = await start();
    const id = String(publicCase(p).id);
    await p.adapter.deleteCase(id);
    expect(await p.adapter.getCase(id)).toBeNull();
    expect(p.sim.getCase(Number(id))).toBeUndefined();
    await p.adapter.deleteCase(id);
    await p.adapter.applyWrites(id, [p.adapter.encodeDelete(id)]);
    expect(p.sim.server.requests({ method: "DELETE" }).map((e) => [e.path, e.status])).toEqual([
      [`/api/2.0/crm/case/${id}`, 200],
      [`/api/2.0/crm/case/${id}`, 404],
      [`/api/2.0/crm/case/${id}`, 404],
    ]);
  });
});

describe("transport traps", () => {
  it("needs no .json suffix and accepts 201 on every POST", async () => {
    const p = await start();
    const record = await p.adapter.createCase({ ...emptyCase(), title: "Suffix check" }, { stamp: STAMP });
    await p.adapter.setStamp(record.id, "another-stamp");
    expect(p.sim.server.log.some((e) => e.path.endsWith(".json"))).toBe(false);
    const posts = p.sim.server.requests({ method: "POST" });
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts.every((e) => e.status === 201)).toBe(true);
  });

  it("retries an injected 503 on a GET (a case and a list page) and on a PUT", async () => {
    const p = await start();
    const id = publicCase(p).id;
    p.sim.server.addFault({ kind: "status", status: 503, method: "GET", path: `/api/2.0/crm/case/${id}` });
    expect(await p.adapter.getCase(String(id))).not.toBeNull();
    p.sim.server.addFault({ kind: "status", status: 503, method: "GET", path: "/crm/case/filter", times: 2 });
    expect((await scan(p.adapter)).end).toMatchObject({ complete: true });
    const record = await scanned(p, id);
    p.sim.server.addFault({ kind: "status", status: 503, method: "PUT", path: `/api/2.0/crm/case/${id}` });
    await roundTrip(p, record, (c) => ({ ...c, title: "After a 503" }), ["title"]);
    const statuses = (method: string, path: string) => p.sim.server.requests({ method, path }).map((e) => e.status);
    expect(statuses("GET", `/api/2.0/crm/case/${id}`).slice(0, 2)).toEqual([503, 200]);
    expect(statuses("GET", "/crm/case/filter").slice(0, 3)).toEqual([503, 503, 200]);
    expect(statuses("PUT", `/api/2.0/crm/case/${id}`)).toEqual([503, 200]);
  });

  it("never retries a create: an injected 503 costs exactly one POST and creates nothing", async () => {
    const p = await start();
    const before = p.sim.listCases().length;
    p.sim.server.addFault({ kind: "status", status: 503, method: "POST", path: /^\/api\/2\.0\/crm\/case$/ });
    const error = await failure(p.adapter.createCase({ ...emptyCase(), title: "Not twice" }, { stamp: STAMP }));
    expect(error).toMatchObject({ code: "CS_UPSTREAM", status: 503 });
    expect(p.sim.server.requests({ method: "POST", path: /^\/api\/2\.0\/crm\/case$/ })).toHaveLength(1);
    expect(p.sim.listCases()).toHaveLength(before);
  });

  it("a create whose answer is dropped exists with its stamp; the adapter sees a network error and sends no second POST", async () => {
    const p = await start();
    p.sim.server.addFault({ kind: "drop-response", method: "POST", path: /^\/api\/2\.0\/crm\/case$/ });
    const error = await failure(p.adapter.createCase({ ...emptyCase(), title: "Lost answer" }, { stamp: STAMP }));
    expect(error.code).toBe("CS_NETWORK");
    const posts = p.sim.server.requests({ method: "POST", path: /^\/api\/2\.0\/crm\/case$/ });
    expect(posts).toHaveLength(1);
    expect(posts[0]!.dropped).toBe(true);
    const created = p.sim.listCases().filter((c) => c.customFields[p.linkField] === STAMP);
    expect(created).toHaveLength(1);
    expect(created[0]!.title).toBe("Lost answer");
    // The next scan finds it by its stamp (how the engine adopts it instead of creating again).
    const found = (await scan(p.adapter)).records.filter((r) => r.stamp === STAMP);
    expect(found.map((r) => r.id)).toEqual([String(created[0]!.id)]);
  });

  it("waits out a 429's Retry-After before trying again", async () => {
    const p = await start();
    const id = publicCase(p).id;
    p.sim.server.addFault({ kind: "status", status: 429, retryAfterSeconds: 1, method: "GET", path: `/api/2.0/crm/case/${id}` });
    const started = Date.now();
    expect(await p.adapter.getCase(String(id))).not.toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const tries = p.sim.server.requests({ method: "GET", path: `/api/2.0/crm/case/${id}` });
    expect(tries.map((e) => e.status)).toEqual([429, 200]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(950);
  });
});

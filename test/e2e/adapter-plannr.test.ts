// The Plannr adapter against the Plannr simulator over real HTTP: reference lists, full scans and
// their request counts, single reads, every write op kind read back through the API, creates and
// their request budget (SPEC §8), dates in zones east and west of London, and the traps of
// reference/plannr-api.md (trimming, 422s, auth, rate limits, retries, a lost create answer).
import { afterEach, describe, expect, it } from "vitest";
import { customGroup, groupValue, normalizeCase, type Case, type CustomValue, type FieldGroup } from "../../src/core/case.js";
import { PlannrConnectionSchema } from "../../src/core/config.js";
import { MappingSchema, type MappingInput } from "../../src/core/mapping.js";
import { toCalendarDate, toUtcIso } from "../../src/core/normalize.js";
import type { CaseRecord, ChangeSet, RecordIssue, ScanItem, WriteOp } from "../../src/core/records.js";
import { createPlannrAdapter, type PlannrAdapter } from "../../adapters/plannr/adapter.js";
import { PlannrSimulator } from "../../src/sandbox/plannr/simulator.js";
import type { LogEntry } from "../../src/sandbox/http-server.js";
import { createWorld, type World, type WorldPlannrCase } from "../../src/sandbox/world.js";
import { failure } from "../support/failure.js";

const FAST_RETRY = { retries: 3, minDelayMs: 5, maxDelayMs: 20 };
const INCLUDE = "include=participants%2Ccustom_fields";

/** The world's Plannr case fields, mapped (the ONLYOFFICE ids are not used by this adapter). */
const FIELD_MAP = [
  { key: "drink", plannr: "favourite_drink", onlyoffice: 1, type: "select" },
  { key: "risk", plannr: "risk_score", onlyoffice: 2, type: "number" },
  { key: "vulnerable", plannr: "vulnerable_client", onlyoffice: 3, type: "boolean" },
  { key: "nextMeeting", plannr: "next_meeting", onlyoffice: 4, type: "date" },
  { key: "notes", plannr: "notes", onlyoffice: 5, type: "longtext" },
  { key: "lender", plannr: "lender", onlyoffice: 6, type: "text" },
] as const;
const CUSTOM_GROUPS: FieldGroup[] = FIELD_MAP.map((f) => customGroup(f.key));
/** What a create or an update carries into Plannr (type and groups flow Plannr → ONLYOFFICE only). */
const CARRIED: FieldGroup[] = ["title", "status", "participants", "assignees", "value", "reviewAt", ...CUSTOM_GROUPS];

interface Running {
  sim: PlannrSimulator;
  world: World;
  url: string;
  adapter: PlannrAdapter;
}

interface StartOptions {
  seed?: number;
  cases?: number;
  world?: World;
  mapping?: Partial<MappingInput>;
  serverRate?: { limit: number; windowMs: number };
  adapterRate?: { limit: number; windowMs: number };
  token?: string;
  accountUuid?: string;
}

const sims: PlannrSimulator[] = [];
const adapters: PlannrAdapter[] = [];

afterEach(async () => {
  for (const adapter of adapters.splice(0)) adapter.close();
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

function mappingFor(overrides: Partial<MappingInput> = {}) {
  return MappingSchema.parse({ customFields: FIELD_MAP.map((f) => ({ ...f })), ...overrides });
}

function adapterFor(r: { url: string; world: World }, options: StartOptions = {}): PlannrAdapter {
  const adapter = createPlannrAdapter({
    connection: PlannrConnectionSchema.parse({
      baseUrl: r.url,
      token: options.token ?? r.world.plannrToken,
      accountUuid: options.accountUuid ?? r.world.plannrAccountUuid,
    }),
    mapping: mappingFor(options.mapping),
    retry: FAST_RETRY,
    ...(options.adapterRate ? { rateLimit: options.adapterRate } : {}),
  });
  adapters.push(adapter);
  return adapter;
}

async function start(options: StartOptions = {}): Promise<Running> {
  const world = options.world ?? createWorld({ seed: options.seed ?? 7, cases: options.cases ?? 40 });
  const sim = new PlannrSimulator({ world, ...(options.serverRate ? { rateLimit: options.serverRate } : {}) });
  sims.push(sim);
  const url = await sim.listen(0);
  return { sim, world, url, adapter: adapterFor({ url, world }, options) };
}

async function scan(adapter: PlannrAdapter): Promise<{ records: CaseRecord[]; items: ScanItem[] }> {
  const items: ScanItem[] = [];
  for await (const item of adapter.listCases()) items.push(item);
  return { items, records: items.flatMap((i) => (i.kind === "record" ? [i.record] : [])) };
}


/** The requests the simulator logged from now on. */
function logFrom(r: Running): () => LogEntry[] {
  const mark = r.sim.server.log.length;
  return () => r.sim.server.log.slice(mark);
}

const errorsOf = (issues: RecordIssue[]) => issues.filter((i) => i.severity === "error");
const caseListRequests = (r: Running) => r.sim.server.requests({ method: "GET", path: /^\/api\/v1\/cases$/ });
const emailOfClient = (world: World, uuid: string) => world.clients.find((c) => c.plannrUuid === uuid)?.plannrEmail ?? null;
const clientNamed = (world: World, first: string, last: string) => world.clients.find((c) => c.firstName === first && c.lastName === last);
const ordinaryClients = (world: World) => world.clients.filter((c) => c.note === "ordinary client");

/** The canonical case a seeded Plannr case must decode to, computed from the world alone. */
function expectedCase(world: World, seed: WorldPlannrCase, timeZone: string): Case {
  const status = world.statuses.find((s) => s.uuid === seed.statusUuid);
  const customFields: Record<string, CustomValue> = {};
  for (const field of FIELD_MAP) {
    const raw = seed.customFields[field.plannr];
    if (raw === undefined || raw === null) continue;
    customFields[field.key] = field.type === "date" ? toCalendarDate(String(raw), timeZone) : raw;
  }
  return normalizeCase({
    title: seed.name,
    status: { closed: status?.is_type_completed ?? false, statusName: status?.name ?? null },
    participants: seed.participantUuids.flatMap((uuid) => emailOfClient(world, uuid) ?? []),
    assignees: seed.assignedToUuids.map((uuid) => world.staff.find((s) => s.plannrUuid === uuid)?.email ?? "?"),
    customFields,
    value: seed.value,
    reviewAt: seed.reviewAt === null ? null : toCalendarDate(seed.reviewAt, timeZone),
    type: world.caseTypes.find((t) => t.uuid === seed.typeUuid)?.name ?? null,
    groups: seed.groupUuids,
    createdAt: toUtcIso(seed.createdAt),
  });
}

/** Every carried group of `actual` equals the normalized target (what the engine stores as the base). */
function expectCarried(actual: Case, target: Case, groups: readonly FieldGroup[] = CARRIED): void {
  const want = normalizeCase(target);
  for (const group of groups) expect(groupValue(actual, group), group).toEqual(groupValue(want, group));
}

function encode(adapter: PlannrAdapter, record: CaseRecord, target: Case, changes: ChangeSet) {
  return adapter.encodeWrites({ record, target, changes });
}

describe("reference, identity and account", () => {
  it("lists statuses with their closed flags, the case fields, staff and clients keyed by e-mail", async () => {
    const r = await start();
    const reference = await r.adapter.listReference();
    expect(reference.side).toBe("plannr");
    expect(reference.statuses).toEqual(r.world.statuses.map((s) => ({ id: s.uuid, name: s.name, closed: s.is_type_completed, position: s.position })));
    expect(reference.customFields).toEqual(
      r.world.plannrFields.map((f) => ({ id: f.uuid, key: f.reference, label: f.name, nativeType: f.type, options: f.type === "selection" ? f.selection_options : null })),
    );
    expect(reference.staff.map((s) => [s.id, s.key])).toEqual(r.world.staff.map((s) => [s.plannrUuid, s.email]));
    const plannrClients = r.world.clients.filter((c) => c.plannrUuid !== null && !c.isCompany);
    expect(reference.people).toHaveLength(plannrClients.length);
    const keyOf = (first: string, last: string) => reference.people.find((p) => p.id === clientNamed(r.world, first, last)?.plannrUuid)?.key;
    // The awkward ones: no e-mail → no key; joint clients share one key; the company is not a Plannr client.
    expect(keyOf("Nora", "Noemail")).toBeNull();
    expect(keyOf("Alex", "Jones")).toBe("the.joneses@client.example");
    expect(keyOf("Sam", "Jones")).toBe("the.joneses@client.example");
    expect(keyOf("Max", "Mixedcase")).toBe("max.mixedcase@client.example");
    expect(reference.people.some((p) => p.name === "Acme Holdings")).toBe(false);
    expect(reference.people.every((p) => p.kind === "person" && p.key === (p.email === null ? null : p.email.toLowerCase()))).toBe(true);
    expect(reference.integrationUser).toBeNull();
    expect(r.adapter.requestCount()).toBe(4);
  });

  it("describes itself by account uuid and verifies the account against the token's logins", async () => {
    const r = await start();
    expect(await r.adapter.describe()).toEqual({ side: "plannr", identity: r.world.plannrAccountUuid, label: `Plannr account ${r.world.plannrAccountUuid}` });
    expect(await r.adapter.verifyAccount()).toBe(true);
    const other = adapterFor(r, { accountUuid: "00000000-0000-4000-8000-000000000abc" });
    expect(await other.verifyAccount()).toBe(false);
  });
});

describe("full scans", () => {
  const world = createWorld({ seed: 21, cases: 1200 });

  it("1,200 cases at page size 500: three list requests, every case once, complete, every field decoded", async () => {
    const r = await start({ world });
    const { records, items } = await scan(r.adapter);
    expect(caseListRequests(r)).toHaveLength(Math.ceil(1200 / 500));
    expect(caseListRequests(r).every((e) => e.query.includes("per_page=500") && e.query.includes(INCLUDE))).toBe(true);
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: 3 });
    expect(items.filter((i) => i.kind === "invalid")).toEqual([]);
    expect(records.map((c) => c.id).sort()).toEqual(world.plannrCases.map((c) => c.uuid).sort());

    const nora = clientNamed(world, "Nora", "Noemail")?.plannrUuid;
    const seeds = new Map(world.plannrCases.map((c) => [c.uuid, c]));
    let withNora = 0;
    for (const record of records) {
      const seed = seeds.get(record.id) as WorldPlannrCase;
      expect(record.case, record.id).toEqual(expectedCase(world, seed, "Europe/London"));
      expect(errorsOf(record.issues), record.id).toEqual([]);
      // The one awkward thing the world puts on cases on purpose: Nora has no e-mail, so she is
      // reported (a warning) and not carried. Joint and mixed-case clients decode without issue.
      const warnings = record.issues.filter((i) => i.severity === "warning");
      if (seed.participantUuids.includes(nora ?? "")) {
        withNora += 1;
        expect(warnings).toEqual([expect.objectContaining({ code: "CS_UNMAPPED", field: "participants" })]);
      } else expect(warnings, record.id).toEqual([]);
      expect(record.updatedAt).toBe(toUtcIso(seed.createdAt));
    }
    expect(withNora).toBeGreaterThan(0);
  });

  it("a smaller page size costs ⌈N/size⌉ list requests and still sees every case once", async () => {
    const r = await start({ world, mapping: { plannr: { pageSize: 120 } } });
    const { records, items } = await scan(r.adapter);
    expect(caseListRequests(r)).toHaveLength(10);
    expect(new Set(records.map((c) => c.id)).size).toBe(1200);
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: 10 });
  });
});

describe("single reads", () => {
  it("getCase returns the case as the scan does, and null for a 404", async () => {
    const r = await start();
    const { records } = await scan(r.adapter);
    const first = records[0] as CaseRecord;
    const read = await r.adapter.getCase(first.id);
    expect(read).toEqual(first);
    expect(await r.adapter.getCase("00000000-0000-4000-8000-00000000dead")).toBeNull();
    expect(r.sim.server.requests({ path: "/api/v1/cases/00000000" })[0]?.status).toBe(404);
  });
});

describe("single reads carry what the engine compares right before a PUT (issue 8 item 17)", () => {
  it("getCase gives updatedAt and a version that both move when a person edits the case", async () => {
    let now = Date.parse("2026-03-02T09:00:00Z");
    const world = createWorld({ seed: 7, cases: 5 });
    const sim = new PlannrSimulator({ world, now: () => new Date(now) });
    sims.push(sim);
    const url = await sim.listen(0);
    const adapter = adapterFor({ url, world });
    const id = world.plannrCases[0]?.uuid ?? "";
    const before = (await adapter.getCase(id)) as CaseRecord;
    expect(before.updatedAt).not.toBeNull();
    expect((await adapter.getCase(id))?.version).toBe(before.version);
    now += 60_000;
    sim.editCase(id, { name: "Edited in the Plannr UI" });
    const after = (await adapter.getCase(id)) as CaseRecord;
    expect(after.updatedAt).toBe("2026-03-02T09:01:00.000Z");
    expect(after.version).not.toBe(before.version);
    // Within the same second updated_at cannot move (whole seconds): the version still does.
    sim.editCase(id, { value: 4_200 });
    const sameSecond = (await adapter.getCase(id)) as CaseRecord;
    expect(sameSecond.updatedAt).toBe(after.updatedAt);
    expect(sameSecond.version).not.toBe(after.version);
    // The PUT a sync would send for this case asks to be preceded by that read.
    const put = adapter.encodeWrites({ record: sameSecond, target: { ...sameSecond.case, title: "From ONLYOFFICE" }, changes: { set: ["title"] } });
    expect(put.ops.map((o) => [o.kind, o.rereadFirst])).toEqual([["case.update", true]]);
  });
});

describe("every write op kind round-trips through the simulator", () => {
  async function mortgageRecord(r: Running): Promise<CaseRecord> {
    const { records } = await scan(r.adapter);
    const mortgage = records.find((c) => c.case.type === "Mortgage" && c.case.participants.length === 1 && !c.case.status.closed);
    if (!mortgage) throw new Error("the world has no open single-client mortgage case");
    return mortgage;
  }

  it("case.update carries title, status, assignees, value, review date and every custom field type", async () => {
    const r = await start();
    const record = await mortgageRecord(r);
    const target: Case = {
      ...record.case,
      title: "  Remortgage – renamed  ",
      status: { closed: true, statusName: "Completed" },
      assignees: ["hannah.administrator@firm.example", "ben.adviser@firm.example"],
      value: 123_456,
      reviewAt: "2026-04-09",
      customFields: { drink: "Water", risk: 3, vulnerable: false, nextMeeting: "2026-11-02", notes: "Line one\nline two", lender: "Halifax" },
    };
    const result = encode(r.adapter, record, target, { set: ["title", "status", "assignees", "value", "reviewAt", ...CUSTOM_GROUPS] });
    expect(errorsOf(result.issues)).toEqual([]);
    expect(result.ops.map((o) => o.kind)).toEqual(["case.update"]);
    await r.adapter.applyWrites(record.id, result.ops);
    const read = (await r.adapter.getCase(record.id)) as CaseRecord;
    expectCarried(read.case, target);
    expect(read.case.title).toBe("Remortgage – renamed");
    const stored = r.sim.getCase(record.id);
    expect(stored?.value).toBe(123_456);
    expect(stored?.statusUuid).toBe(r.world.statuses.find((s) => s.name === "Completed")?.uuid);
    expect(r.sim.server.requests({ method: "PUT" })[0]?.body).toMatchObject({ value: 123_456, review_at: "2026-04-09T12:00:00+01:00" });
    // completed_at follows the status (Plannr derives it; it is never written).
    expect(r.sim.getCase(record.id)?.completedAt).not.toBeNull();
    const reopen = encode(r.adapter, read, { ...read.case, status: { closed: false, statusName: "In Progress" } }, { set: ["status"] });
    await r.adapter.applyWrites(record.id, reopen.ops);
    expect((await r.adapter.getCase(record.id))?.case.status).toEqual({ closed: false, statusName: "In Progress" });
    expect(r.sim.getCase(record.id)?.completedAt).toBeNull();
    // Clearing: null review date, value and custom fields.
    const cleared: Case = { ...read.case, value: null, reviewAt: null, customFields: {} };
    await r.adapter.applyWrites(record.id, encode(r.adapter, read, cleared, { set: ["value", "reviewAt", ...CUSTOM_GROUPS] }).ops);
    expectCarried(((await r.adapter.getCase(record.id)) as CaseRecord).case, cleared, ["value", "reviewAt", ...CUSTOM_GROUPS]);
  });

  it("a closed flag alone moves to the first completed status", async () => {
    const r = await start();
    const record = await mortgageRecord(r);
    const result = encode(r.adapter, record, { ...record.case, status: { closed: true, statusName: null } }, { set: ["status"] });
    await r.adapter.applyWrites(record.id, result.ops);
    expect((await r.adapter.getCase(record.id))?.case.status).toEqual({ closed: true, statusName: "Completed" });
  });

  it("a conditional field is accepted with the Mortgage type and refused (error issue, nothing sent) with another", async () => {
    const r = await start();
    const { records } = await scan(r.adapter);
    const pension = records.find((c) => c.case.type === "Pension");
    if (!pension) throw new Error("the world has no pension case");
    const log = logFrom(r);
    const refused = encode(r.adapter, pension, { ...pension.case, customFields: { ...pension.case.customFields, lender: "Halifax" } }, { set: [customGroup("lender")] });
    expect(errorsOf(refused.issues)).toEqual([expect.objectContaining({ field: "custom:lender", code: "CS_VALIDATION", record: pension.id })]);
    expect(refused.ops).toEqual([]);
    await r.adapter.applyWrites(pension.id, refused.ops);
    expect(log()).toEqual([]);
    expect(r.sim.getCase(pension.id)?.customFields).not.toHaveProperty("lender");
  });

  it("participants: add, then remove; removing the last client is an error issue and never sent", async () => {
    const r = await start();
    const record = await mortgageRecord(r);
    const original = record.case.participants;
    const other = ordinaryClients(r.world).find((c) => !original.includes(c.plannrEmail ?? ""))?.plannrEmail ?? "";
    const add = encode(r.adapter, record, { ...record.case, participants: [...original, other] }, { set: [], participants: { add: [other], remove: [] } });
    expect(add.ops.map((o) => o.kind)).toEqual(["participants.add"]);
    await r.adapter.applyWrites(record.id, add.ops);
    const added = (await r.adapter.getCase(record.id)) as CaseRecord;
    expect(added.case.participants).toEqual([...original, other].sort());

    const remove = encode(r.adapter, added, { ...added.case, participants: original }, { set: [], participants: { add: [], remove: [other] } });
    expect(remove.ops.map((o) => o.kind)).toEqual(["participants.remove"]);
    await r.adapter.applyWrites(record.id, remove.ops);
    const removed = (await r.adapter.getCase(record.id)) as CaseRecord;
    expect(removed.case.participants).toEqual(original);

    // Replacing the only client: the add goes first, so Plannr never sees a case without a client.
    const swap = encode(r.adapter, removed, { ...removed.case, participants: [other] }, { set: [], participants: { add: [other], remove: original } });
    expect(swap.ops.map((o) => o.kind)).toEqual(["participants.add", "participants.remove"]);
    await r.adapter.applyWrites(record.id, swap.ops);
    expect((await r.adapter.getCase(record.id))?.case.participants).toEqual([other]);
    const back = encode(r.adapter, (await r.adapter.getCase(record.id)) as CaseRecord, removed.case, { set: [], participants: { add: original, remove: [other] } });
    await r.adapter.applyWrites(record.id, back.ops);

    const log = logFrom(r);
    const last = encode(r.adapter, removed, { ...removed.case, participants: [] }, { set: [], participants: { add: [], remove: original } });
    expect(errorsOf(last.issues)).toEqual([expect.objectContaining({ field: "participants", code: "CS_VALIDATION" })]);
    expect(last.ops).toEqual([]);
    await r.adapter.applyWrites(record.id, last.ops);
    expect(log()).toEqual([]);
    expect((await r.adapter.getCase(record.id))?.case.participants).toEqual(original);
  });

  it("no link stamp on Plannr: encodeStamp and setStamp are CS_CONFIG before any request, and a scan reads no stamp", async () => {
    const r = await start();
    const { records } = await scan(r.adapter);
    const id = (records[0] as CaseRecord).id;
    expect(records.every((c) => c.stamp === null)).toBe(true);
    const before = r.sim.server.log.length;
    expect(() => r.adapter.encodeStamp(id, "1")).toThrow(expect.objectContaining({ code: "CS_CONFIG", record: id }));
    expect((await failure(r.adapter.setStamp(id, "1"))).code).toBe("CS_CONFIG");
    expect(r.sim.server.log.length).toBe(before);
  });

  it("case.delete: the case is gone, and deleting it again counts as done", async () => {
    const r = await start();
    const id = r.world.plannrCases[3]?.uuid ?? "";
    await r.adapter.applyWrites(id, [r.adapter.encodeDelete(id)]);
    expect(r.sim.getCase(id)).toBeUndefined();
    expect(await r.adapter.getCase(id)).toBeNull();
    await r.adapter.deleteCase(id);
    expect(r.sim.server.requests({ method: "DELETE", path: `/api/v1/cases/${id}` }).map((e) => e.status)).toEqual([204, 404]);
  });
});

describe("dates read back as the same calendar date in the mapping's zone", () => {
  for (const timeZone of ["Europe/London", "America/New_York", "Pacific/Auckland"]) {
    it(`review date and date field, summer and winter, in ${timeZone}`, async () => {
      const r = await start({ mapping: { timeZone } });
      const { records } = await scan(r.adapter);
      const record = records.find((c) => c.case.type !== "Mortgage") as CaseRecord;
      for (const [reviewAt, nextMeeting] of [
        ["2026-04-09", "2026-01-15"],
        ["2026-12-31", "2026-07-01"],
        ["2026-03-29", "2026-10-25"],
      ] as const) {
        const current = (await r.adapter.getCase(record.id)) as CaseRecord;
        const target: Case = { ...current.case, reviewAt, customFields: { ...current.case.customFields, nextMeeting } };
        const result = encode(r.adapter, current, target, { set: ["reviewAt", customGroup("nextMeeting")] });
        await r.adapter.applyWrites(record.id, result.ops);
        const read = (await r.adapter.getCase(record.id)) as CaseRecord;
        expect([read.case.reviewAt, read.case.customFields.nextMeeting], `${reviewAt} / ${nextMeeting}`).toEqual([reviewAt, nextMeeting]);
      }
      const created = await r.adapter.createCase({ ...records[0]!.case, reviewAt: "2026-06-30", customFields: { nextMeeting: "2026-02-01" } }, { stamp: null });
      expect([created.case.reviewAt, created.case.customFields.nextMeeting]).toEqual(["2026-06-30", "2026-02-01"]);
    });
  }
});

describe("creates", () => {
  async function source(r: Running): Promise<CaseRecord> {
    const { records } = await scan(r.adapter);
    const found = records.find((c) => c.case.participants.length > 0 && c.case.assignees.length > 0 && c.case.value !== null && c.case.reviewAt !== null);
    if (!found) throw new Error("no full case in the world");
    return found;
  }

  it("without custom field values: exactly one request, the POST, answering the whole case", async () => {
    const r = await start();
    const base = await source(r);
    const target: Case = { ...base.case, title: "  Fresh case  ", status: { closed: true, statusName: "Cancelled" }, customFields: {} };
    const log = logFrom(r);
    const created = await r.adapter.createCase(target, { stamp: null });
    expect(log().map((e) => `${e.method} ${e.path}`)).toEqual(["POST /api/v1/cases"]);
    expect(log()[0]?.query).toContain(INCLUDE);
    expect(log()[0]?.body).not.toHaveProperty("custom_fields");
    expectCarried(created.case, target);
    expect(errorsOf(created.issues)).toEqual([]);
    expect(await r.adapter.getCase(created.id)).toEqual(created);
  });

  it("with custom field values: the POST and one PUT, and what reads back is the target", async () => {
    const r = await start();
    const base = await source(r);
    const target: Case = { ...base.case, customFields: { drink: "Coffee", risk: 9, vulnerable: true, nextMeeting: "2026-08-17", notes: "Two\nlines" } };
    const preview = r.adapter.previewCreate(target, { stamp: null });
    expect(preview.ops.map((o) => o.kind)).toEqual(["case.create", "case.update"]);
    const log = logFrom(r);
    const created = await r.adapter.createCase(target, { stamp: null });
    expect(log().map((e) => `${e.method} ${e.path}`)).toEqual(["POST /api/v1/cases", `PUT /api/v1/cases/${created.id}`]);
    expect(log().every((e) => e.query.includes(INCLUDE))).toBe(true);
    expectCarried(created.case, target);
    expect(await r.adapter.getCase(created.id)).toEqual(created);
  });

  it("a type-conditional value cannot go with a create (the type is never sent): reported, the rest is created", async () => {
    const r = await start();
    const base = await source(r);
    const target: Case = { ...base.case, customFields: { lender: "Barclays", risk: 2 } };
    expect(errorsOf(r.adapter.previewCreate(target, { stamp: null }).issues)).toEqual([expect.objectContaining({ field: "custom:lender" })]);
    const created = await r.adapter.createCase(target, { stamp: null });
    expect(created.case.customFields).toEqual({ risk: 2 });
  });

  it("uses the mapping's defaultClient when no participant resolves, and refuses (CS_VALIDATION, participants) without one", async () => {
    const r = await start();
    const base = await source(r);
    const fallback = ordinaryClients(r.world)[2];
    const target: Case = { ...base.case, participants: ["stranger@nowhere.example", "the.joneses@client.example"], customFields: {} };
    const log = logFrom(r);
    const refused = await failure(r.adapter.createCase(target, { stamp: null }));
    expect(refused).toMatchObject({ code: "CS_VALIDATION", field: "participants" });
    expect(log()).toEqual([]);
    const withDefault = adapterFor(r, { mapping: { people: { defaultClient: fallback?.plannrUuid ?? null } } });
    const created = await withDefault.createCase(target, { stamp: null });
    expect(created.case.participants).toEqual([fallback?.plannrEmail]);
    expectCarried(created.case, target, ["title", "status", "assignees", "value", "reviewAt"]);
    // A defaultClient that is no client is Plannr's to refuse: its 422 names the group, once.
    const staffDefault = adapterFor(r, { mapping: { people: { defaultClient: r.world.staff[1]?.plannrUuid ?? null } } });
    const posts = logFrom(r);
    const refusedByPlannr = await failure(staffDefault.createCase(target, { stamp: null }));
    expect(refusedByPlannr).toMatchObject({ code: "CS_VALIDATION", status: 422, field: "participants", endpoint: "POST /api/v1/cases" });
    expect(posts().filter((e) => e.method === "POST")).toHaveLength(1);
  });
});

describe("traps", () => {
  it("strings are trimmed and an empty string clears (Laravel middleware)", async () => {
    const r = await start();
    const { records } = await scan(r.adapter);
    const record = records[0] as CaseRecord;
    const path = `/api/v1/cases/${record.id}`;
    const put = (body: unknown, groups: FieldGroup[]): WriteOp => ({ side: "plannr", record: record.id, kind: "case.update", method: "PUT", path, groups, body, summary: "raw" });
    await r.adapter.applyWrites(record.id, [put({ name: "  Spaced out \n", custom_fields: { notes: "  padded  " } }, ["title", customGroup("notes")])]);
    const read = (await r.adapter.getCase(record.id)) as CaseRecord;
    expect(read.case.title).toBe("Spaced out");
    expect(read.case.customFields.notes).toBe("padded");
    await r.adapter.applyWrites(record.id, [put({ custom_fields: { notes: "" } }, [customGroup("notes")])]);
    expect((await r.adapter.getCase(record.id))?.case.customFields).not.toHaveProperty("notes");
  });

  it("lengths count characters as Plannr does (code points, after trimming), not UTF-16 units", async () => {
    const r = await start();
    const { records } = await scan(r.adapter);
    const record = records.find((c) => c.case.type === "Mortgage") as CaseRecord;
    // 255 characters outside the BMP are 510 UTF-16 code units: Plannr's `max:255` takes them.
    const wide = "\u{1F3E1}".repeat(255);
    const target: Case = { ...record.case, title: `${wide} `, customFields: { ...record.case.customFields, lender: "\u{1F3E6}".repeat(255) } };
    const result = encode(r.adapter, record, target, { set: ["title", customGroup("lender")] });
    expect(errorsOf(result.issues)).toEqual([]);
    await r.adapter.applyWrites(record.id, result.ops);
    const read = (await r.adapter.getCase(record.id)) as CaseRecord;
    expectCarried(read.case, target, ["title", customGroup("lender")]);
    const tooLong = encode(r.adapter, read, { ...read.case, title: `${wide}x` }, { set: ["title"] });
    expect(errorsOf(tooLong.issues)).toEqual([expect.objectContaining({ field: "title", code: "CS_VALIDATION" })]);
    expect(tooLong.ops).toEqual([]);
  });

  it("422 bodies name the canonical field group: refused groups of a PUT, CS_VALIDATION elsewhere", async () => {
    const r = await start();
    const id = r.world.plannrCases[0]?.uuid ?? "";
    const op = (method: WriteOp["method"], path: string, body: unknown, groups: FieldGroup[]): WriteOp => ({ side: "plannr", record: id, kind: "raw", method, path, groups, body, summary: "raw" });
    const drink = await r.adapter.applyWrites(id, [op("PUT", `/api/v1/cases/${id}`, { custom_fields: { favourite_drink: "Juice" } }, [customGroup("drink")])]);
    expect(drink.refused).toEqual([expect.objectContaining({ code: "CS_VALIDATION", field: "custom:drink", record: id, side: "plannr", message: expect.stringContaining("favourite_drink is invalid") })]);
    const name = await r.adapter.applyWrites(id, [op("PUT", `/api/v1/cases/${id}`, { name: "x".repeat(256) }, ["title"])]);
    expect(name.refused).toEqual([expect.objectContaining({ code: "CS_VALIDATION", field: "title" })]);
    expect(r.sim.server.requests({ method: "PUT" }).map((e) => e.status)).toEqual([422, 422]);
    const who = await failure(r.adapter.applyWrites(id, [op("POST", `/api/v1/cases/${id}/participants`, { participants: ["11111111-1111-4111-8111-111111111111"] }, [])]));
    expect(who).toMatchObject({ code: "CS_VALIDATION", field: "participants" });
    expect(who.message).toContain("participants.0");
  });

  it("a 70,000-character note and a title change: the title lands, the note is reported (issue 8 item 8)", async () => {
    const r = await start();
    const { records } = await scan(r.adapter);
    const record = records[0] as CaseRecord;
    const note = "N".repeat(70_000);
    const target: Case = { ...record.case, title: "Title after the long note", customFields: { ...record.case.customFields, notes: note } };
    // Checked before sending: the note is an error issue, and the PUT carries the title alone.
    const result = encode(r.adapter, record, target, { set: ["title", customGroup("notes")] });
    expect(errorsOf(result.issues)).toEqual([expect.objectContaining({ field: "custom:notes", code: "CS_VALIDATION", record: record.id, message: expect.stringContaining("65535") })]);
    expect(result.ops.map((o) => o.groups)).toEqual([["title"]]);
    expect(await r.adapter.applyWrites(record.id, result.ops)).toEqual({ refused: [] });
    let read = (await r.adapter.getCase(record.id)) as CaseRecord;
    expect(read.case.title).toBe("Title after the long note");
    expect(read.case.customFields.notes).toBe(record.case.customFields.notes);

    // Sent anyway (a limit only Plannr knows): the simulator's 422 names the field, the PUT goes
    // again without it, the status lands, and the note comes back refused with Plannr's reason.
    const log = logFrom(r);
    const status = r.world.statuses.find((s) => s.name !== read.case.status.statusName && !s.is_type_completed);
    const put: WriteOp = { ...(result.ops[0] as WriteOp), groups: ["status", customGroup("notes")], body: { status: status?.uuid, custom_fields: { notes: note } } };
    const outcome = await r.adapter.applyWrites(record.id, [put]);
    expect(log().map((e) => `${e.method} ${e.status}`)).toEqual(["PUT 422", "PUT 200"]);
    expect(log()[1]?.body).toEqual({ status: status?.uuid });
    expect(outcome.refused).toEqual([
      expect.objectContaining({ severity: "error", field: "custom:notes", code: "CS_VALIDATION", record: record.id, message: expect.stringContaining("must not be greater than 65535 characters") }),
    ]);
    read = (await r.adapter.getCase(record.id)) as CaseRecord;
    expect(read.case.status.statusName).toBe(status?.name);
    expect(read.case.customFields.notes).toBe(record.case.customFields.notes);
  });

  it("a wrong token is CS_AUTH and a wrong account CS_FORBIDDEN, with no token in the error", async () => {
    const r = await start();
    const badToken = "sandbox-plannr-wrong-token-123";
    const auth = await failure(adapterFor(r, { token: badToken }).listReference());
    expect(auth).toMatchObject({ code: "CS_AUTH", status: 401, side: "plannr" });
    expect(JSON.stringify(auth) + auth.message).not.toContain(badToken);
    const forbidden = await failure(adapterFor(r, { accountUuid: "00000000-0000-4000-8000-000000000abc" }).getCase(r.world.plannrCases[0]?.uuid ?? ""));
    expect(forbidden).toMatchObject({ code: "CS_FORBIDDEN", status: 403 });
  });

  it("an injected 503 on a GET and on a PUT is retried", async () => {
    const r = await start();
    const { records } = await scan(r.adapter);
    const record = records[1] as CaseRecord;
    const path = `/api/v1/cases/${record.id}`;
    r.sim.server.addFault({ kind: "status", status: 503, method: "GET", path });
    expect((await r.adapter.getCase(record.id))?.id).toBe(record.id);
    r.sim.server.addFault({ kind: "status", status: 503, method: "PUT", path, times: 2 });
    await r.adapter.applyWrites(record.id, encode(r.adapter, record, { ...record.case, title: "After two 503s" }, { set: ["title"] }).ops);
    expect(r.sim.server.requests({ path }).map((e) => `${e.method} ${e.status}`)).toEqual(["GET 503", "GET 200", "PUT 503", "PUT 503", "PUT 200"]);
    expect(r.sim.getCase(record.id)?.name).toBe("After two 503s");
  });

  it("an injected 503 on the create is not retried: one POST, a typed error", async () => {
    const r = await start();
    const { records } = await scan(r.adapter);
    r.sim.server.addFault({ kind: "status", status: 503, method: "POST", path: "/api/v1/cases" });
    const before = r.sim.listCases().length;
    const error = await failure(r.adapter.createCase({ ...(records[0] as CaseRecord).case, customFields: {} }, { stamp: null }));
    expect(error).toMatchObject({ code: "CS_UPSTREAM", status: 503, endpoint: "POST /api/v1/cases" });
    expect(r.sim.server.requests({ method: "POST", path: /^\/api\/v1\/cases$/ })).toHaveLength(1);
    expect(r.sim.listCases()).toHaveLength(before);
  });

  it("a dropped create answer: the case exists, the adapter has a network error, no second POST", async () => {
    const r = await start();
    const { records } = await scan(r.adapter);
    r.sim.server.addFault({ kind: "drop-response", method: "POST", path: "/api/v1/cases" });
    const error = await failure(r.adapter.createCase({ ...(records[0] as CaseRecord).case, title: "Lost answer", customFields: {} }, { stamp: null }));
    expect(error.code).toBe("CS_NETWORK");
    expect(r.sim.listCases().filter((c) => c.name === "Lost answer")).toHaveLength(1);
    expect(r.sim.server.requests({ method: "POST" })).toHaveLength(1);
    // The adapter still works afterwards (the broken keep-alive socket is not reused).
    expect((await r.adapter.getCase((records[0] as CaseRecord).id))?.id).toBe((records[0] as CaseRecord).id);
  });
});

describe("rate limit", () => {
  const window = { limit: 20, windowMs: 1000 };

  async function sixtyReads(r: Running): Promise<void> {
    const ids = r.world.plannrCases.map((c) => c.uuid);
    await r.adapter.listReference();
    const reads = await Promise.all(Array.from({ length: 56 }, (_, i) => r.adapter.getCase(ids[i % ids.length] ?? "")));
    expect(reads.every((c) => c !== null)).toBe(true);
  }

  it("with the adapter's limiter at the server's limit, 60 requests earn no 429", async () => {
    const r = await start({ serverRate: window, adapterRate: window });
    const started = Date.now();
    await sixtyReads(r);
    expect(r.sim.server.requests()).toHaveLength(60);
    expect(r.sim.server.requests().filter((e) => e.status === 429)).toEqual([]);
    // 60 requests at 20 a second cannot finish in under two windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it("with a looser limiter the 429s that come are waited out (Retry-After) and every call succeeds", async () => {
    const r = await start({ serverRate: window, adapterRate: { limit: 100, windowMs: 1000 } });
    await sixtyReads(r);
    const log = r.sim.server.requests();
    expect(log.filter((e) => e.status === 200)).toHaveLength(60);
    expect(log.filter((e) => e.status === 429).length).toBeGreaterThan(0);
    expect(r.adapter.requestCount()).toBe(log.length);
  });
});

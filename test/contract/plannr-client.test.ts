// The Plannr adapter against scripted HTTP (nock): headers, envelopes, paging and its completeness
// rule, every error status as its typed error, retries only where the profile allows them, the
// rate limiter honouring Retry-After, and no token in any error.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PlannrConnectionSchema } from "../../src/core/config.js";
import type { MappingInput } from "../../src/core/mapping.js";
import type { CaseRecord, ScanItem, WriteOp } from "../../src/core/records.js";
import { createPlannrAdapter, type PlannrAdapter } from "../../adapters/plannr/adapter.js";
import { fixture, items, testMapping, uuidOf, type Raw } from "../fixtures/plannr/fixtures.js";
import { fakeClock } from "../support/fake-clock.js";
import { failure } from "../support/failure.js";

const BASE = "https://api.plannrcrm.com";
const TOKEN = "plannr-pat-7d1e9c0b5a4f3e2d";
const ACCOUNT = "3f2e1d0c-9b8a-4765-8432-10fedcba9876";
const FAST_RETRY = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };
const CASES = items("cases-page.json");
const CASE = CASES[0];
const CASE_PATH = `/api/v1/cases/${CASE.uuid}`;
/** The create path asks for its answers with participants and custom fields (no GET after it). */
const INCLUDE = { include: "participants,custom_fields" };


let adapters: PlannrAdapter[] = [];
let clock = fakeClock();

function makeAdapter(mapping: Partial<MappingInput> = {}): PlannrAdapter {
  const adapter = createPlannrAdapter({
    connection: PlannrConnectionSchema.parse({ baseUrl: `${BASE}/api/v1/`, token: TOKEN, accountUuid: ACCOUNT }),
    mapping: testMapping(mapping),
    retry: FAST_RETRY,
    clock,
  });
  adapters.push(adapter);
  return adapter;
}

/** Only requests with both Plannr auth headers match. */
function api(): nock.Scope {
  return nock(BASE, { reqheaders: { authorization: `Bearer ${TOKEN}`, "x-plannr-account-uuid": ACCOUNT, accept: "application/json" } });
}

function mockReference(perPage = 500): nock.Scope {
  const page = (extra: Record<string, string>) => (q: Record<string, unknown>) =>
    q.page === "1" && q.per_page === String(perPage) && Object.entries(extra).every(([k, v]) => q[k] === v);
  return api()
    .get("/api/v1/cases-status")
    .query(page({}))
    .reply(200, fixture("statuses.json"))
    .get("/api/v1/custom-field")
    .query(page({ "filter[model_type]": "case" }))
    .reply(200, fixture("custom-fields.json"))
    .get("/api/v1/account")
    .query(page({ "filter[type]": "client" }))
    .reply(200, fixture("clients.json"))
    .get("/api/v1/account")
    .query(page({ "filter[type]": "employee" }))
    .reply(200, fixture("employees.json"));
}

function casePage(data: unknown[], page: number, meta: { last_page: number; total: number; per_page: number } | null) {
  return meta === null ? { data } : { data, links: {}, meta: { current_page: page, ...meta } };
}

function mockCasePage(page: number, perPage: number, body: unknown): nock.Scope {
  return api()
    .get("/api/v1/cases")
    .query({ include: "participants,custom_fields", sort: "created_at", per_page: String(perPage), page: String(page) })
    .reply(200, body as nock.Body);
}

async function scan(adapter: PlannrAdapter): Promise<ScanItem[]> {
  const out: ScanItem[] = [];
  for await (const item of adapter.listCases()) out.push(item);
  return out;
}


function putOp(body: unknown, groups: WriteOp["groups"] = ["title"]): WriteOp {
  return { side: "plannr", record: CASE.uuid, kind: "case.update", method: "PUT", path: CASE_PATH, groups, body, summary: "update" };
}

beforeEach(() => {
  nock.disableNetConnect();
  clock = fakeClock();
});

afterEach(() => {
  for (const adapter of adapters) adapter.close();
  adapters = [];
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("reference lists", () => {
  it("reads statuses, case field definitions, clients and employees with the auth headers", async () => {
    const scope = mockReference();
    const adapter = makeAdapter();
    const reference = await adapter.listReference();
    expect(scope.isDone()).toBe(true);
    expect(adapter.requestCount()).toBe(4);
    expect(reference.side).toBe("plannr");
    expect(reference.statuses).toHaveLength(7);
    expect(reference.customFields.map((f) => f.key)).toContain("lender");
    expect(reference.people.find((p) => p.email === "amelia.smith.0@client.example")?.kind).toBe("person");
    expect(reference.staff.map((s) => s.key)).toContain("priya.adviser@firm.example");
    expect(await adapter.describe()).toEqual({ side: "plannr", identity: ACCOUNT, label: `Plannr account ${ACCOUNT}` });
  });

  it("checks the account against the token's logins", async () => {
    api().get("/api/v1/logins").reply(200, fixture("logins.json"));
    expect(await makeAdapter().verifyAccount()).toBe(true);
    const others = fixture("logins.json");
    others.data = others.data.slice(1);
    api().get("/api/v1/logins").reply(200, others);
    expect(await makeAdapter().verifyAccount()).toBe(false);
    api().get("/api/v1/logins").reply(403, { message: "This action is unauthorized." });
    expect(await makeAdapter().verifyAccount()).toBe(false);
    api().get("/api/v1/logins").reply(401, { message: "Unauthenticated." });
    expect((await failure(makeAdapter().verifyAccount())).code).toBe("CS_AUTH");
  });

  it("pure encoders refuse to run before the reference is loaded", () => {
    const adapter = makeAdapter();
    expect(() => adapter.previewCreate({} as never, { stamp: null })).toThrow(expect.objectContaining({ code: "CS_INTERNAL" }));
  });
});

describe("case scan paging", () => {
  it("reads pages 1..meta.last_page and ends complete", async () => {
    mockReference(2);
    mockCasePage(1, 2, casePage(CASES.slice(0, 2), 1, { last_page: 2, total: 3, per_page: 2 }));
    mockCasePage(2, 2, casePage(CASES.slice(2), 2, { last_page: 2, total: 3, per_page: 2 }));
    const adapter = makeAdapter({ plannr: { pageSize: 2 } });
    const out = await scan(adapter);
    expect(out.map((i) => (i.kind === "record" ? i.record.id : i.kind))).toEqual([...CASES.map((c: Raw) => c.uuid), "end"]);
    expect(out.at(-1)).toEqual({ kind: "end", complete: true, pages: 2 });
    expect(adapter.requestCount()).toBe(4 + 2);
  });

  it("stops at a full last page without asking for a page past the end", async () => {
    mockReference();
    mockCasePage(1, 500, casePage(CASES, 1, { last_page: 1, total: 3, per_page: 500 }));
    const adapter = makeAdapter();
    expect((await scan(adapter)).at(-1)).toEqual({ kind: "end", complete: true, pages: 1 });
    expect(adapter.requestCount()).toBe(5);
  });

  it("without meta, a short page ends the list", async () => {
    mockReference(2);
    mockCasePage(1, 2, casePage(CASES.slice(0, 2), 1, null));
    mockCasePage(2, 2, casePage(CASES.slice(2), 2, null));
    const out = await scan(makeAdapter({ plannr: { pageSize: 2 } }));
    expect(out.filter((i) => i.kind === "record")).toHaveLength(3);
    expect(out.at(-1)).toEqual({ kind: "end", complete: true, pages: 2 });
  });

  it("without meta, an empty page ends the list", async () => {
    mockReference(3);
    mockCasePage(1, 3, casePage(CASES, 1, null));
    mockCasePage(2, 3, casePage([], 2, null));
    expect((await scan(makeAdapter({ plannr: { pageSize: 3 } }))).at(-1)).toEqual({ kind: "end", complete: true, pages: 2 });
  });

  it("is incomplete when the book shrank during the scan (an unseen case may have been skipped)", async () => {
    mockReference(2);
    mockCasePage(1, 2, casePage(CASES.slice(0, 2), 1, { last_page: 2, total: 4, per_page: 2 }));
    mockCasePage(2, 2, casePage(CASES.slice(2), 2, { last_page: 2, total: 3, per_page: 2 }));
    expect((await scan(makeAdapter({ plannr: { pageSize: 2 } }))).at(-1)).toEqual({ kind: "end", complete: false, pages: 2 });
  });

  it("is incomplete when a case shows up twice (another was skipped) and yields it once", async () => {
    mockReference(2);
    mockCasePage(1, 2, casePage(CASES.slice(0, 2), 1, { last_page: 2, total: 3, per_page: 2 }));
    mockCasePage(2, 2, casePage([CASES[1]], 2, { last_page: 2, total: 3, per_page: 2 }));
    const out = await scan(makeAdapter({ plannr: { pageSize: 2 } }));
    expect(out.filter((i) => i.kind === "record")).toHaveLength(2);
    expect(out.at(-1)).toEqual({ kind: "end", complete: false, pages: 2 });
  });

  it("a case failing its schema is yielded as invalid, naming the field path; the rest decode", async () => {
    mockReference();
    const broken = { ...structuredClone(CASES[1]), name: 42 };
    const nameless = { ...structuredClone(CASES[2]), uuid: undefined };
    mockCasePage(1, 500, casePage([CASES[0], broken, nameless], 1, { last_page: 1, total: 3, per_page: 500 }));
    const out = await scan(makeAdapter());
    const invalid = out.find((i) => i.kind === "invalid");
    expect(invalid).toMatchObject({ kind: "invalid", side: "plannr", id: CASES[1].uuid, issue: { severity: "error", code: "CS_SCHEMA", field: "data[1].name", record: CASES[1].uuid } });
    expect(out.filter((i) => i.kind === "record")).toHaveLength(1);
    // A case without a uuid cannot be named: nothing may be inferred from this scan.
    expect(out.at(-1)).toEqual({ kind: "end", complete: false, pages: 1 });
  });

  // Issue 12 item 5: items are parsed one by one from the page's bytes (transport json-list.ts).
  it("reads a page item by item: a case that is not JSON fails the scan naming its place on the page", async () => {
    mockReference();
    const text = JSON.stringify(casePage([CASES[0], CASES[1]], 1, { last_page: 1, total: 2, per_page: 500 })).replace(`"uuid":"${CASES[1].uuid}"`, `"uuid":${CASES[1].uuid}`);
    mockCasePage(1, 500, text);
    const adapter = makeAdapter();
    const seen: ScanItem[] = [];
    const error = await failure(
      (async () => {
        for await (const item of adapter.listCases()) seen.push(item);
      })(),
    );
    expect(seen.map((i) => i.kind === "record" && i.record.id)).toEqual([CASES[0].uuid]);
    expect(error).toMatchObject({ code: "CS_SCHEMA", field: "data[1]" });
    expect(error.message).toBe("GET /api/v1/cases answered an unexpected shape: data[1]: not JSON");
  });

  it("reads a bare list body item by item too", async () => {
    mockReference(3);
    mockCasePage(1, 3, JSON.stringify(CASES));
    mockCasePage(2, 3, "[]");
    const out = await scan(makeAdapter({ plannr: { pageSize: 3 } }));
    expect(out.map((i) => (i.kind === "record" ? i.record.id : i.kind))).toEqual([...CASES.map((c: Raw) => c.uuid), "end"]);
  });

  it("a page that still fails after the retries throws its typed error, with no end item", async () => {
    mockReference();
    api().get("/api/v1/cases").query(true).times(3).reply(503, { message: "Service Unavailable" });
    const adapter = makeAdapter();
    const seen: ScanItem[] = [];
    const error = await failure(
      (async () => {
        for await (const item of adapter.listCases()) seen.push(item);
      })(),
    );
    expect(error.code).toBe("CS_UPSTREAM");
    expect(error.endpoint).toBe("GET /api/v1/cases");
    expect(seen).toEqual([]);
    expect(adapter.requestCount()).toBe(4 + 3);
  });
});

describe("single cases and envelopes", () => {
  it("accepts a case wrapped in {data} or bare, and 404 as absent", async () => {
    mockReference();
    api().get(CASE_PATH).query({ include: "participants,custom_fields" }).reply(200, { data: CASE });
    api().get(CASE_PATH).query(true).reply(200, CASE);
    api().get("/api/v1/cases/missing").query(true).reply(404, { message: "Not Found" });
    const adapter = makeAdapter();
    const wrapped = (await adapter.getCase(CASE.uuid)) as CaseRecord;
    const bare = (await adapter.getCase(CASE.uuid)) as CaseRecord;
    expect(wrapped.case).toEqual(bare.case);
    expect(wrapped.case.title).toBe(CASE.name);
    expect(await adapter.getCase("missing")).toBeNull();
  });

  it("a response failing its schema is CS_SCHEMA naming endpoint, record and field path", async () => {
    mockReference();
    api().get(CASE_PATH).query(true).reply(200, { data: { ...CASE, status: { uuid: 5 } } });
    const error = await failure(makeAdapter().getCase(CASE.uuid));
    expect(error).toMatchObject({ code: "CS_SCHEMA", field: "data.status.uuid", record: CASE.uuid, endpoint: "GET /api/v1/cases/{uuid}" });
    expect(error.message).toContain("data.status.uuid");
  });
});

describe("error statuses become typed errors", () => {
  const table: [number, string, number, Record<string, unknown>][] = [
    [401, "CS_AUTH", 1, { message: "Unauthenticated." }],
    [403, "CS_FORBIDDEN", 1, { message: "This action is unauthorized." }],
    [404, "CS_NOT_FOUND", 1, { message: "Not Found" }],
    // A 422 naming only keys the PUT did not send: sending it again without them cannot help.
    [422, "CS_VALIDATION", 1, { message: "The participants field is required.", errors: { participants: ["The participants field is required."] } }],
    [400, "CS_VALIDATION", 1, { message: "Requested include(s) `plans2` are not allowed." }],
    [429, "CS_RATE_LIMIT", 3, { message: "Too Many Attempts." }],
    [500, "CS_UPSTREAM", 3, { message: "Server Error" }],
    [502, "CS_UPSTREAM", 3, { message: "Bad Gateway" }],
    [503, "CS_UPSTREAM", 3, { message: "Service Unavailable" }],
    [504, "CS_UPSTREAM", 3, { message: "Gateway Timeout" }],
  ];
  for (const [status, code, attempts, body] of table) {
    it(`${status} → ${code} after ${attempts} request(s)`, async () => {
      const scope = api().put(CASE_PATH).times(attempts).reply(status, body);
      const adapter = makeAdapter();
      const error = await failure(adapter.applyWrites(CASE.uuid, [putOp({ name: "x" })]));
      expect(error).toMatchObject({ code, status, side: "plannr", record: CASE.uuid, endpoint: "PUT /api/v1/cases/{uuid}" });
      expect(adapter.requestCount()).toBe(attempts);
      expect(scope.isDone()).toBe(true);
    });
  }

  it("a 422 naming a key the PUT sent is refused, not thrown; with nothing left, nothing more is sent", async () => {
    const scope = api().put(CASE_PATH, { name: "x" }).reply(422, { message: "The name field is required.", errors: { name: ["The name field is required."] } });
    const adapter = makeAdapter();
    const outcome = await adapter.applyWrites(CASE.uuid, [putOp({ name: "x" })]);
    expect(outcome.refused).toEqual([
      { severity: "error", side: "plannr", record: CASE.uuid, field: "title", code: "CS_VALIDATION", message: expect.stringContaining("The name field is required.") as unknown },
    ]);
    expect(adapter.requestCount()).toBe(1);
    expect(scope.isDone()).toBe(true);
  });

  it("a 422 naming some of the keys sent: the PUT goes once more without them and the rest lands", async () => {
    const first = api().put(CASE_PATH, { name: "x", review_at: "2026-03-01" }).reply(422, { message: "The name field is invalid.", errors: { name: ["The name field is invalid."] } });
    const second = api().put(CASE_PATH, { review_at: "2026-03-01" }).reply(200, { data: CASE });
    const adapter = makeAdapter();
    const outcome = await adapter.applyWrites(CASE.uuid, [putOp({ name: "x", review_at: "2026-03-01" }, ["title", "reviewAt"])]);
    expect(outcome.refused).toEqual([expect.objectContaining({ severity: "error", record: CASE.uuid, field: "title", code: "CS_VALIDATION" })]);
    expect(first.isDone() && second.isDone()).toBe(true);
    expect(adapter.requestCount()).toBe(2);
  });

  it("a 422 on the PUT sent again is thrown", async () => {
    api().put(CASE_PATH, { name: "x", review_at: "2026-03-01" }).reply(422, { message: "The name field is invalid.", errors: { name: ["The name field is invalid."] } });
    api().put(CASE_PATH, { review_at: "2026-03-01" }).reply(422, { message: "The review at field must be a valid date.", errors: { review_at: ["The review at field must be a valid date."] } });
    const adapter = makeAdapter();
    const error = await failure(adapter.applyWrites(CASE.uuid, [putOp({ name: "x", review_at: "2026-03-01" }, ["title", "reviewAt"])]));
    expect(error).toMatchObject({ code: "CS_VALIDATION", status: 422, record: CASE.uuid, field: "reviewAt" });
    expect(adapter.requestCount()).toBe(2);
  });

  it("422 names the canonical field group of the native key", async () => {
    const scope = api()
      .put(CASE_PATH)
      .reply(422, { message: "The selected custom fields.favourite drink is invalid.", errors: { "custom_fields.favourite_drink": ["The selected custom fields.favourite drink is invalid."] } });
    const adapter = makeAdapter();
    const outcome = await adapter.applyWrites(CASE.uuid, [putOp({ custom_fields: { favourite_drink: "Juice" } }, ["custom:drink", "title"])]);
    expect(outcome.refused).toHaveLength(1);
    expect(outcome.refused[0]?.field).toBe("custom:drink");
    expect(outcome.refused[0]).toMatchObject({ code: "CS_VALIDATION", record: CASE.uuid, side: "plannr", severity: "error" });
    expect(scope.isDone()).toBe(true);
    expect(adapter.requestCount()).toBe(1);
  });

  it("a network error → CS_NETWORK after the retries", async () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    api().put(CASE_PATH).times(3).replyWithError(reset);
    const adapter = makeAdapter();
    const error = await failure(adapter.applyWrites(CASE.uuid, [putOp({ name: "x" })]));
    expect(error.code).toBe("CS_NETWORK");
    expect(adapter.requestCount()).toBe(3);
  });
});

describe("retries follow the profile", () => {
  it("waits out 429 Retry-After, then succeeds", async () => {
    api().put(CASE_PATH).reply(429, { message: "Too Many Attempts." }, { "Retry-After": "7", "X-Ratelimit-Remaining": "0" });
    api().put(CASE_PATH).reply(200, { data: CASE }, { "X-Ratelimit-Remaining": "499" });
    const adapter = makeAdapter();
    await adapter.applyWrites(CASE.uuid, [putOp({ name: "x" })]);
    expect(adapter.requestCount()).toBe(2);
    expect(Math.max(...clock.sleeps)).toBeGreaterThanOrEqual(7000);
  });

  it("retries an idempotent PUT after a 503", async () => {
    api().put(CASE_PATH).reply(503, { message: "Service Unavailable" });
    api().put(CASE_PATH, { name: "x" }).reply(200, { data: CASE });
    const adapter = makeAdapter();
    await adapter.applyWrites(CASE.uuid, [putOp({ name: "x" })]);
    expect(adapter.requestCount()).toBe(2);
  });

  it("never retries a create: a 503 on POST /cases is one request", async () => {
    mockReference();
    api().post("/api/v1/cases").query(INCLUDE).reply(503, { message: "Service Unavailable" });
    const second = api().post("/api/v1/cases").query(INCLUDE).reply(201, { data: CASE });
    const adapter = makeAdapter();
    await adapter.listReference();
    const target = (await decodeFirst(adapter)).case;
    const error = await failure(adapter.createCase({ ...target, customFields: {} }, { stamp: null }));
    expect(error.code).toBe("CS_UPSTREAM");
    expect(adapter.requestCount()).toBe(4 + 1 + 1);
    expect(second.isDone()).toBe(false);
  });
});

/** Decodes the first fixture case through the adapter (one GET). */
async function decodeFirst(adapter: PlannrAdapter): Promise<CaseRecord> {
  api().get(CASE_PATH).query(true).reply(200, CASE);
  return (await adapter.getCase(CASE.uuid)) as CaseRecord;
}

describe("writes", () => {
  it("creates with POST (201, wrapped), then one PUT for custom fields, and returns the case read back", async () => {
    mockReference();
    const adapter = makeAdapter();
    await adapter.listReference();
    const source = await decodeFirst(adapter);
    const created = { ...structuredClone(CASE), uuid: "c0a80101-0000-4000-8000-0000000000ff" };
    let createBody: Raw;
    let putBody: Raw;
    api()
      .post("/api/v1/cases", (body) => ((createBody = body), true))
      .query(INCLUDE)
      .reply(201, { data: { ...created, custom_fields: [] } });
    api()
      .put(`/api/v1/cases/${created.uuid}`, (body) => ((putBody = body), true))
      .query(INCLUDE)
      .reply(200, { data: created });
    const record = await adapter.createCase(source.case, { stamp: "2042" });
    expect(record.id).toBe(created.uuid);
    expect(record.case.customFields.drink).toBe("Tea");
    expect(createBody).not.toHaveProperty("custom_fields");
    expect(createBody.participants).toEqual([uuidOf("clients.json", (a) => a.first_name === "Amelia"), uuidOf("clients.json", (a) => a.first_name === "Max")]);
    expect(putBody.custom_fields).toMatchObject({ favourite_drink: "Tea" });
    // Plannr cases carry no link stamp: the create's stamp is not written anywhere.
    expect(putBody.custom_fields).not.toHaveProperty("onlyoffice_case_id");
    expect(JSON.stringify([createBody, putBody])).not.toContain("2042");
  });

  it("creates with a bare 200 answer in one request, and reads the case back when the answer lacks participants", async () => {
    mockReference();
    const adapter = makeAdapter();
    await adapter.listReference();
    const source = await decodeFirst(adapter);
    const bare = { ...structuredClone(CASE) };
    delete bare.participants;
    api().post("/api/v1/cases").query(INCLUDE).reply(200, bare);
    api().get(CASE_PATH).query(true).reply(200, CASE);
    const record = await adapter.createCase({ ...source.case, customFields: {} }, { stamp: null });
    expect(record.case.participants).toEqual(source.case.participants);
    expect(adapter.requestCount()).toBe(4 + 1 + 2);
  });

  it("a create refused with 422 names the canonical field group, not Plannr's key", async () => {
    mockReference();
    const adapter = makeAdapter();
    await adapter.listReference();
    const source = await decodeFirst(adapter);
    api().post("/api/v1/cases").query(INCLUDE).reply(422, { message: "The review at field must be a valid date.", errors: { review_at: ["The review at field must be a valid date."] } });
    const error = await failure(adapter.createCase({ ...source.case, customFields: {} }, { stamp: null }));
    expect(error).toMatchObject({ code: "CS_VALIDATION", status: 422, field: "reviewAt", endpoint: "POST /api/v1/cases" });
    expect(error.record).toBeUndefined();
  });

  it("a failure after the case exists names the new case and is an unknown-outcome error", async () => {
    mockReference();
    const adapter = makeAdapter();
    await adapter.listReference();
    const source = await decodeFirst(adapter);
    // A PUT that keeps failing (retried, then given up).
    api().post("/api/v1/cases").query(INCLUDE).reply(201, { data: CASE });
    api().put(CASE_PATH).query(INCLUDE).times(3).reply(503, { message: "Service Unavailable" });
    const unavailable = await failure(adapter.createCase(source.case, { stamp: null }));
    expect(unavailable).toMatchObject({ code: "CS_UPSTREAM", record: CASE.uuid, status: 503 });
    expect(adapter.requestCount()).toBe(4 + 1 + 1 + 3);
    // A 422 is sent once more without the refused field; a second 422 is thrown, naming its group.
    let resent: Raw;
    api().post("/api/v1/cases").query(INCLUDE).reply(201, { data: CASE });
    api().put(CASE_PATH).query(INCLUDE).reply(422, { message: "invalid", errors: { "custom_fields.notes": ["too long"] } });
    api()
      .put(CASE_PATH, (body) => ((resent = body), true))
      .query(INCLUDE)
      .reply(422, { message: "invalid", errors: { "custom_fields.favourite_drink": ["not an option"] } });
    const refused = await failure(adapter.createCase(source.case, { stamp: null }));
    expect(refused).toMatchObject({ code: "CS_UPSTREAM", record: CASE.uuid, field: "custom:drink" });
    expect(resent.custom_fields).not.toHaveProperty("notes");
    expect(resent.custom_fields).toMatchObject({ favourite_drink: "Tea" });
    expect(adapter.requestCount()).toBe(4 + 1 + 1 + 3 + 1 + 2);
  });

  it("applyWrites sends the ops as planned and stops at the first failure", async () => {
    const participants = `${CASE_PATH}/participants`;
    let added: unknown;
    api().put(CASE_PATH, { name: "Renamed" }).reply(200, { data: CASE });
    api()
      .post(participants, (body) => ((added = body), true))
      .reply(422, { message: "The selected participants.0 is invalid.", errors: { "participants.0": ["The selected participants.0 is invalid."] } });
    const removal = api().delete(participants).reply(200, { data: CASE });
    const ops: WriteOp[] = [
      putOp({ name: "Renamed" }),
      { ...putOp({ participants: ["p1"] }, ["participants"]), kind: "participants.add", method: "POST", path: participants },
      { ...putOp({ participants: ["p2"] }, ["participants"]), kind: "participants.remove", method: "DELETE", path: participants },
    ];
    const adapter = makeAdapter();
    const error = await failure(adapter.applyWrites(CASE.uuid, ops));
    expect(error).toMatchObject({ code: "CS_VALIDATION", record: CASE.uuid, field: "participants" });
    expect(added).toEqual({ participants: ["p1"] });
    expect(removal.isDone()).toBe(false);
    expect(adapter.requestCount()).toBe(2);
  });

  it("deleteCase: 204 and 404 both count as done", async () => {
    api().delete(CASE_PATH).reply(204);
    api().delete("/api/v1/cases/gone").reply(404, { message: "Not Found" });
    const adapter = makeAdapter();
    await adapter.deleteCase(CASE.uuid);
    await adapter.deleteCase("gone");
    expect(adapter.requestCount()).toBe(2);
  });

  it("applyWrites takes the delete op as encoded; a 404 is done for a delete only", async () => {
    const adapter = makeAdapter();
    const remove = adapter.encodeDelete(CASE.uuid);
    expect(remove).toMatchObject({ side: "plannr", record: CASE.uuid, kind: "case.delete", method: "DELETE", path: CASE_PATH, groups: [] });
    const gone = api().delete(CASE_PATH).reply(404, { message: "Not Found" });
    expect(await adapter.applyWrites(CASE.uuid, [remove])).toEqual({ refused: [] });
    expect(gone.isDone()).toBe(true);
    api().put(CASE_PATH).reply(404, { message: "Not Found" });
    expect((await failure(adapter.applyWrites(CASE.uuid, [putOp({ name: "x" })]))).code).toBe("CS_NOT_FOUND");
    expect(adapter.requestCount()).toBe(2);
  });

  it("encodeStamp and setStamp are CS_CONFIG and send nothing", async () => {
    // Anything sent, matched or not, is seen here.
    const seen: string[] = [];
    const record = (req: { method?: string; path?: string }): void => {
      seen.push(`${req.method ?? "?"} ${req.path ?? "?"}`);
    };
    const anything = nock(BASE).persist().intercept(/.*/, "PUT").query(true).reply(200, { data: CASE });
    anything.on("request", record);
    nock.emitter.on("no match", record);
    try {
      const adapter = makeAdapter();
      const config = expect.objectContaining({ code: "CS_CONFIG", side: "plannr", record: CASE.uuid }) as unknown;
      expect(() => adapter.encodeStamp(CASE.uuid, "1042")).toThrow(config);
      expect(() => adapter.encodeStamp(CASE.uuid, null)).toThrow(config);
      expect(await failure(adapter.setStamp(CASE.uuid, "1042"))).toMatchObject({ code: "CS_CONFIG", side: "plannr", record: CASE.uuid });
      expect(await failure(adapter.setStamp(CASE.uuid, null))).toMatchObject({ code: "CS_CONFIG", side: "plannr", record: CASE.uuid });
      expect(adapter.requestCount()).toBe(0);
      expect(seen).toEqual([]);
    } finally {
      nock.emitter.removeListener("no match", record);
    }
  });
});

describe("secrets", () => {
  const leaks = (error: unknown) => {
    expect(String(error)).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect((error as Error).message).not.toContain(TOKEN);
  };

  it("no token in an error built from a body that echoes it", async () => {
    api().put(CASE_PATH).reply(401, { message: `Token ${TOKEN} is not valid.` });
    const error = await failure(makeAdapter().applyWrites(CASE.uuid, [putOp({ name: "x" })]));
    expect(error.code).toBe("CS_AUTH");
    expect(error.message).toContain("[REDACTED]");
    leaks(error);
  });

  it("no token in a network error or a schema error", async () => {
    const reset = Object.assign(new Error(`connect ECONNREFUSED (Bearer ${TOKEN})`), { code: "ECONNREFUSED" });
    api().put(CASE_PATH).times(3).replyWithError(reset);
    leaks(await failure(makeAdapter().applyWrites(CASE.uuid, [putOp({ name: "x" })])));
    mockReference();
    api().get(CASE_PATH).query(true).reply(200, { data: { ...CASE, name: null, slug: TOKEN } });
    const schema = await failure(makeAdapter().getCase(CASE.uuid));
    expect(schema.code).toBe("CS_SCHEMA");
    leaks(schema);
  });
});

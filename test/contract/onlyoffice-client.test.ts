// ONLYOFFICE adapter against scripted HTTP (nock): paging and its completeness rule, envelopes,
// every error status mapped to its typed error, retries only where the profile allows them, auth
// by token and by login, writes sent exactly as planned, and no secret in any error.
import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyCase } from "../../src/core/case.js";
import { OnlyofficeConnectionSchema } from "../../src/core/config.js";
import { CaseSyncError } from "../../src/core/errors.js";
import { MappingSchema, type MappingInput } from "../../src/core/mapping.js";
import type { Clock } from "../../src/core/ports.js";
import type { ScanItem, WriteOp } from "../../src/core/records.js";
import { createOnlyofficeAdapter, type OnlyofficeAdapter } from "../../adapters/onlyoffice/adapter.js";
import { fakeClock } from "../support/fake-clock.js";
import { failure } from "../support/failure.js";

const BASE = "https://portal.example.com";
const TOKEN = "tok-SECRET-5f1c2d3e4b5a69788796";
const PASSWORD = "pw-SECRET-very-long-2718";
const LOGIN_TOKEN = "login-token-1234567890";
const STAMP = "0e4f0c5e-7d43-4c1a-9a53-2c2f5b0c9d11";
const FAST = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };

function raw(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/onlyoffice/${name}`, import.meta.url), "utf8"));
}

const MAPPING: MappingInput = {
  onlyoffice: { linkField: 13, datePattern: "dd/MM/yyyy" },
  fields: { status: { onlyofficeField: 8 }, value: { onlyofficeField: 9 } },
  customFields: [{ key: "favourite_drink", plannr: "favourite_drink", onlyoffice: 1, type: "select" }],
};


function makeAdapter(options: { mapping?: MappingInput; login?: boolean; clock?: Clock } = {}): OnlyofficeAdapter {
  const credentials = options.login ? { username: "sam.integration@firm.example", password: PASSWORD } : { token: TOKEN };
  return createOnlyofficeAdapter({
    connection: OnlyofficeConnectionSchema.parse({ baseUrl: `${BASE}/api/2.0/`, ...credentials }),
    mapping: MappingSchema.parse({ ...MAPPING, ...options.mapping }),
    http: { concurrency: 4, timeoutMs: 5_000 },
    retry: FAST,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

const page = (startIndex: number, count = 1000) => ({ sortBy: "Id", sortOrder: "ascending", startIndex: String(startIndex), count: String(count) });
const envelope = (response: unknown, extra: Record<string, unknown> = {}) => ({ status: 0, statusCode: 200, response, ...extra });
const oneCase = (id: number, title = `Case ${id}`) => ({ id, title, created: "2024-01-01T12:00:00.0000000Z", members: [{ id: 101, displayName: "Jane Client" }] });

/** The reference lists: field definitions, people (one page + the empty one), @self, contacts (likewise). */
function mockReference(scope: nock.Scope, count = 1000): nock.Scope {
  scope
    .get("/api/2.0/crm/case/customfield/definitions")
    .reply(200, raw("field-definitions.json"))
    .get("/api/2.0/people/@self")
    .reply(200, raw("self.json"));
  for (const [path, fixtureName] of [
    ["/api/2.0/people", "people.json"],
    ["/api/2.0/crm/contact/filter", "contacts.json"],
  ] as const) {
    const items = raw(fixtureName).response as unknown[];
    for (let start = 0; start < items.length; start += count) {
      scope.get(path).query(page(start, count)).reply(200, envelope(items.slice(start, start + count)));
    }
    scope.get(path).query(page(items.length, count)).reply(200, raw("empty-page.json"));
  }
  return scope;
}

async function ready(options: Parameters<typeof makeAdapter>[0] = {}): Promise<{ adapter: OnlyofficeAdapter; scope: nock.Scope }> {
  const adapter = makeAdapter(options);
  const scope = nock(BASE);
  if (!options.login) mockReference(scope, options.mapping?.onlyoffice?.pageSize ?? 1000);
  if (!options.login) await adapter.listReference();
  return { adapter, scope };
}

async function collect(items: AsyncIterable<ScanItem>): Promise<{ items: ScanItem[]; error: unknown }> {
  const out: ScanItem[] = [];
  try {
    for await (const item of items) out.push(item);
    return { items: out, error: null };
  } catch (error) {
    return { items: out, error };
  }
}


const putOp = (id = "17"): WriteOp => ({
  side: "onlyoffice",
  record: id,
  kind: "case.update",
  method: "PUT",
  path: `/api/2.0/crm/case/${id}`,
  groups: ["title"],
  body: { title: "T", isPrivate: false, accessList: [], isNotify: false, customFieldList: [] },
  summary: "update title",
  rereadFirst: true,
});

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("reference", () => {
  it("lists field definitions, people, the integration user and contacts, each paged to an empty page", async () => {
    const adapter = makeAdapter();
    const scope = mockReference(nock(BASE, { reqheaders: { authorization: TOKEN } }));
    const reference = await adapter.listReference();
    expect(scope.isDone()).toBe(true);
    expect(adapter.requestCount()).toBe(6);
    expect(reference.integrationUser).toMatchObject({ key: "sam.integration@firm.example", isAdmin: true });
    expect(reference.people).toHaveLength(7);
    expect(reference.staff).toHaveLength(7);
    expect(reference.customFields.map((f) => f.id)).not.toContain("7");
  });

  it("reports the integration user's admin flag, CRM-only administrators included", async () => {
    const adapter = makeAdapter();
    nock(BASE).get("/api/2.0/people/@self").reply(200, envelope({ id: "u-1", email: "x@firm.example", listAdminModules: ["crm"] }));
    expect(await adapter.whoAmI()).toMatchObject({ id: "u-1", isAdmin: true });
    nock(BASE).get("/api/2.0/people/@self").reply(200, envelope({ id: "u-1", email: "x@firm.example" }));
    expect((await adapter.whoAmI()).isAdmin).toBe(false);
  });

  it("lists and creates case fields for init", async () => {
    const adapter = makeAdapter();
    let sent: unknown;
    nock(BASE)
      .get("/api/2.0/crm/case/customfield/definitions")
      .reply(200, raw("field-definitions.json"))
      .post("/api/2.0/crm/case/customfield", (body) => ((sent = body), true))
      .reply(201, { status: 0, statusCode: 201, response: { id: 42, label: "Plannr case UUID", fieldType: 0, mask: "" } });
    const fields = await adapter.listCaseFields();
    expect(fields.find((f) => f.id === "13")?.label).toBe("Plannr case UUID");
    expect(fields.some((f) => f.nativeType === "Heading")).toBe(false);
    expect(await adapter.createCaseField("Plannr case UUID", 0, '{"size":40}')).toBe(42);
    expect(sent).toEqual({ label: "Plannr case UUID", fieldType: 0, mask: '{"size":40}' });
  });

  it("names the portal as its identity", async () => {
    expect(await makeAdapter().describe()).toEqual({ side: "onlyoffice", identity: BASE, label: "ONLYOFFICE portal portal.example.com" });
  });
});

describe("case scan", () => {
  it("pages by id until an empty page, advancing by the items actually returned (a portal capped below the ask)", async () => {
    const { adapter, scope } = await ready({ mapping: { onlyoffice: { linkField: 13, pageSize: 3 } } });
    const before = adapter.requestCount();
    // The portal caps count at 2 and lies in total/nextIndex: a short page is not the end.
    scope
      .get("/api/2.0/crm/case/filter")
      .query(page(0, 3))
      .reply(200, envelope([oneCase(1), oneCase(2)], { count: 2, total: 2, nextIndex: 2 }))
      .get("/api/2.0/crm/case/filter")
      .query(page(2, 3))
      .reply(200, envelope([oneCase(3), oneCase(4)], { count: 2, total: 4 }))
      .get("/api/2.0/crm/case/filter")
      .query(page(4, 3))
      .reply(200, envelope([oneCase(5)], { count: 1, total: 5 }))
      .get("/api/2.0/crm/case/filter")
      .query(page(5, 3))
      .reply(200, envelope([], { total: 5 }));
    const { items, error } = await collect(adapter.listCases());
    expect(error).toBeNull();
    expect(items.filter((i) => i.kind === "record").map((i) => (i.kind === "record" ? i.record.id : ""))).toEqual(["1", "2", "3", "4", "5"]);
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: 4 });
    expect(adapter.requestCount() - before).toBe(4);
    expect(scope.isDone()).toBe(true);
  });

  it("costs ⌈N/1000⌉ + 1 requests at the default page size", async () => {
    const { adapter, scope } = await ready();
    const before = adapter.requestCount();
    scope
      .get("/api/2.0/crm/case/filter")
      .query(page(0))
      .reply(200, raw("cases-page.json"))
      .get("/api/2.0/crm/case/filter")
      .query(page(3))
      .reply(200, raw("empty-page.json"));
    const { items } = await collect(adapter.listCases());
    expect(items.filter((i) => i.kind === "record")).toHaveLength(3);
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: 2 });
    expect(adapter.requestCount() - before).toBe(2);
  });

  it("reports invalid cases as present, never drops them; one without an id makes the scan incomplete", async () => {
    const { adapter, scope } = await ready();
    scope
      .get("/api/2.0/crm/case/filter")
      .query(page(0))
      .reply(200, raw("case-invalid-page.json"))
      .get("/api/2.0/crm/case/filter")
      .query(page(2))
      .reply(200, raw("empty-page.json"));
    const { items } = await collect(adapter.listCases());
    const invalid = items.filter((i) => i.kind === "invalid");
    expect(invalid).toHaveLength(2);
    expect(invalid[0]).toMatchObject({ id: "1004", issue: { severity: "error", code: "CS_SCHEMA", field: "response[0].title", record: "1004" } });
    expect(invalid[0]!.kind === "invalid" && invalid[0]!.issue.message).toContain("GET /api/2.0/crm/case/filter");
    expect(items.at(-1)).toEqual({ kind: "end", complete: false, pages: 2 });
  });

  it("throws the typed error when a page still fails after retries (no end item)", async () => {
    const { adapter, scope } = await ready();
    scope
      .get("/api/2.0/crm/case/filter")
      .query(page(0))
      .reply(200, envelope([oneCase(1)]))
      .get("/api/2.0/crm/case/filter")
      .query(page(1))
      .times(3)
      .reply(503, "Service Unavailable");
    const { items, error } = await collect(adapter.listCases());
    expect(error).toBeInstanceOf(CaseSyncError);
    expect((error as CaseSyncError).code).toBe("CS_UPSTREAM");
    expect(items.some((i) => i.kind === "end")).toBe(false);
    expect(scope.isDone()).toBe(true);
  });

  it("retries a page after a 503 and completes", async () => {
    const { adapter, scope } = await ready();
    scope
      .get("/api/2.0/crm/case/filter")
      .query(page(0))
      .reply(503)
      .get("/api/2.0/crm/case/filter")
      .query(page(0))
      .reply(200, envelope([oneCase(1)]))
      .get("/api/2.0/crm/case/filter")
      .query(page(1))
      .reply(200, envelope([]));
    const { items } = await collect(adapter.listCases());
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: 2 });
  });

  // Issue 12 item 5: items are parsed one by one from the page's bytes (transport json-list.ts).
  it("reads a page item by item: a case that is not JSON fails the scan naming its place on the page", async () => {
    const { adapter, scope } = await ready();
    const text = JSON.stringify(envelope([oneCase(1), oneCase(2)])).replace('"title":"Case 2"', '"title":Case 2');
    scope.get("/api/2.0/crm/case/filter").query(page(0)).reply(200, text, { "Content-Type": "application/json" });
    const { items, error } = await collect(adapter.listCases());
    expect(items.map((i) => i.kind === "record" && i.record.id)).toEqual(["1"]);
    expect(error).toMatchObject({ code: "CS_SCHEMA", field: "response[1]" });
    expect((error as CaseSyncError).message).toBe("GET /api/2.0/crm/case/filter answered an unexpected shape: response[1]: not JSON");
  });

  it("reads a page parsed whole where its list does not split plainly (a PascalCase Response key)", async () => {
    const { adapter, scope } = await ready();
    scope
      .get("/api/2.0/crm/case/filter")
      .query(page(0))
      .reply(200, { Status: 0, StatusCode: 200, Count: 2, Response: [oneCase(1), oneCase(2)] })
      .get("/api/2.0/crm/case/filter")
      .query(page(2))
      .reply(200, { Status: 0, Response: [] });
    const { items } = await collect(adapter.listCases());
    expect(items.map((i) => (i.kind === "record" ? i.record.id : i.kind))).toEqual(["1", "2", "end"]);
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: 2 });
  });

  it("fails instead of looping when the portal ignores startIndex", async () => {
    const { adapter, scope } = await ready();
    scope.get("/api/2.0/crm/case/filter").query(true).times(2).reply(200, envelope([oneCase(1), oneCase(2)]));
    const { error } = await collect(adapter.listCases());
    expect((error as CaseSyncError).code).toBe("CS_UPSTREAM");
  });
});

describe("envelopes", () => {
  it("reads PascalCase keys as the docs show them (the seed's example)", async () => {
    const { adapter, scope } = await ready();
    scope.get("/api/2.0/crm/case/1234").reply(200, raw("seed-update-case-response.json"));
    const record = await adapter.getCase("1234");
    expect(record?.case.title).toBe("Exhibition organization");
    expect(record?.case.createdAt).toBe("2020-12-08T17:37:04.573Z");
  });

  it("treats status 1 with an error object as a failure even under a 2xx", async () => {
    const { adapter, scope } = await ready();
    scope.get("/api/2.0/crm/case/5").reply(200, { status: 1, statusCode: 403, error: { message: "Access Denied" } });
    const error = await failure(adapter.getCase("5"));
    expect(error).toMatchObject({ code: "CS_FORBIDDEN", record: "5", status: 403 });
    scope.get("/api/2.0/crm/case/6").reply(200, raw("error-not-found.json"));
    expect(await adapter.getCase("6")).toBeNull();
  });

  it("rejects a body that is not an envelope", async () => {
    const { adapter, scope } = await ready();
    scope.get("/api/2.0/crm/case/5").reply(200, "<html>maintenance</html>", { "Content-Type": "text/html" });
    expect(await failure(adapter.getCase("5"))).toMatchObject({ code: "CS_SCHEMA", field: "body" });
  });

  it("names the endpoint, record and field path of a schema mismatch", async () => {
    const { adapter, scope } = await ready();
    scope.get("/api/2.0/crm/case/17").reply(200, envelope({ id: 17, title: 5 }));
    const error = await failure(adapter.getCase("17"));
    expect(error).toMatchObject({ code: "CS_SCHEMA", record: "17", field: "response.title", endpoint: "GET /api/2.0/crm/case/{id}" });
    expect(error.message).toContain("GET /api/2.0/crm/case/{id}");
    expect(error.message).toContain("17");
    expect(error.message).toContain("response.title");
  });

  it("answers null for a case that does not exist or is hidden (404)", async () => {
    const { adapter, scope } = await ready();
    scope.get("/api/2.0/crm/case/99").reply(404, raw("error-not-found.json"));
    expect(await adapter.getCase("99")).toBeNull();
    expect(await adapter.getCase("not-a-number")).toBeNull();
  });
});

describe("errors", () => {
  const cases: [string, number, unknown, string, number][] = [
    ["401 with a plain-text body", 401, "Unauthorized", "CS_AUTH", 1],
    ["403", 403, { status: 1, statusCode: 403, error: { message: "Access Denied" } }, "CS_FORBIDDEN", 1],
    ["404", 404, raw("error-not-found.json"), "CS_NOT_FOUND", 1],
    ["400", 400, { status: 1, statusCode: 400, error: { message: "title is empty" } }, "CS_VALIDATION", 1],
    ["422", 422, { message: "unprocessable" }, "CS_VALIDATION", 1],
    ["500 (any other)", 500, { status: 1, statusCode: 500, error: { message: "Object reference not set" } }, "CS_UPSTREAM", 3],
    ["500 unknown custom field", 500, { status: 1, statusCode: 500, error: { message: "Custom field with id 77 not found" } }, "CS_VALIDATION", 1],
    ["502", 502, "Bad Gateway", "CS_UPSTREAM", 3],
    ["503", 503, "Service Unavailable", "CS_UPSTREAM", 3],
    ["504", 504, "Gateway Timeout", "CS_UPSTREAM", 3],
  ];
  for (const [name, status, body, code, attempts] of cases) {
    it(`${name} → ${code} after ${attempts} request(s), with record and field`, async () => {
      const { adapter, scope } = await ready();
      const before = adapter.requestCount();
      scope.put("/api/2.0/crm/case/17").times(attempts).reply(status, body as nock.Body);
      const error = await failure(adapter.applyWrites("17", [putOp()]));
      expect(error).toMatchObject({ code, record: "17", field: "title", side: "onlyoffice", status });
      expect(adapter.requestCount() - before).toBe(attempts);
      expect(scope.isDone()).toBe(true);
    });
  }

  it("500 for a too-long title → CS_VALIDATION on title", async () => {
    const { adapter, scope } = await ready();
    scope.put("/api/2.0/crm/case/17").reply(500, { status: 1, statusCode: 500, error: { message: "Data too long for column 'title'" } });
    const error = await failure(adapter.applyWrites("17", [{ ...putOp(), groups: ["title", "value"] }]));
    expect(error).toMatchObject({ code: "CS_VALIDATION", field: "title" });
  });

  it("a network error → CS_NETWORK (after the retries of an idempotent call)", async () => {
    const { adapter, scope } = await ready();
    scope.put("/api/2.0/crm/case/17").times(3).replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    const error = await failure(adapter.applyWrites("17", [putOp()]));
    expect(error).toMatchObject({ code: "CS_NETWORK", record: "17" });
    expect(scope.isDone()).toBe(true);
  });

  it("a 429 on a create is retried: the server refused it before doing anything", async () => {
    const clock = fakeClock();
    const { adapter, scope } = await ready({ clock });
    scope.post("/api/2.0/crm/case").reply(429, "Too Many Requests", { "Retry-After": "1" });
    scope.post("/api/2.0/crm/case").reply(201, envelope(oneCase(1002), { statusCode: 201 }));
    const record = await adapter.createCase({ ...emptyCase(), title: "New" }, { stamp: STAMP });
    expect(record.id).toBe("1002");
    expect(clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(1_000);
  });

  it("waits out a 429's Retry-After, then succeeds", async () => {
    const clock = fakeClock();
    const { adapter, scope } = await ready({ clock });
    scope
      .get("/api/2.0/crm/case/1002")
      .reply(429, "Too Many Requests", { "Retry-After": "2" })
      .get("/api/2.0/crm/case/1002")
      .reply(200, envelope(oneCase(1002)));
    const record = await adapter.getCase("1002");
    expect(record?.id).toBe("1002");
    expect(clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(2_000);
  });

  it("never retries a create: a 503 on POST crm/case is one request only", async () => {
    const { adapter, scope } = await ready();
    const before = adapter.requestCount();
    scope.post("/api/2.0/crm/case").reply(503, "Service Unavailable").post("/api/2.0/crm/case").reply(201, envelope(oneCase(30)));
    const error = await failure(adapter.createCase({ ...emptyCase(), title: "New" }, { stamp: STAMP }));
    expect(error.code).toBe("CS_UPSTREAM");
    expect(adapter.requestCount() - before).toBe(1);
    expect(scope.pendingMocks()).toHaveLength(1);
  });

  it("retries an idempotent PUT after a 503", async () => {
    const { adapter, scope } = await ready();
    scope.put("/api/2.0/crm/case/17").reply(503).put("/api/2.0/crm/case/17").reply(200, envelope(oneCase(17)));
    await adapter.applyWrites("17", [putOp()]);
    expect(scope.isDone()).toBe(true);
  });

  it("never puts a token or password into an error, even when the server echoes it", async () => {
    const { adapter, scope } = await ready();
    scope
      .put("/api/2.0/crm/case/17")
      .reply(500, { status: 1, statusCode: 500, error: { message: `token ${TOKEN} is odd` } })
      .get("/api/2.0/crm/case/18")
      .reply(403, `Forbidden for ${TOKEN}`)
      .get("/api/2.0/crm/case/19")
      .reply(200, envelope({ id: 19, title: null, note: TOKEN }));
    const errors = [await failure(adapter.applyWrites("17", [putOp()])), await failure(adapter.getCase("18")), await failure(adapter.getCase("19"))];
    for (const error of errors) {
      expect(String(error)).not.toContain(TOKEN);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
    }
    expect(String(errors[0])).toContain("[REDACTED]");

    const login = makeAdapter({ login: true });
    nock(BASE).post("/api/2.0/authentication").reply(500, { status: 1, statusCode: 500, error: { message: `User authentication failed (${PASSWORD})` } });
    const refused = await failure(login.listReference());
    expect(refused.code).toBe("CS_AUTH");
    expect(String(refused)).not.toContain(PASSWORD);
    expect(JSON.stringify(refused)).not.toContain(PASSWORD);
  });
});

describe("auth", () => {
  it("sends the token bare in Authorization", async () => {
    const adapter = makeAdapter();
    nock(BASE, { reqheaders: { authorization: TOKEN } }).get("/api/2.0/people/@self").reply(200, raw("self.json"));
    await adapter.whoAmI();
  });

  it("logs in once with username and password, then again once after a 401", async () => {
    const adapter = makeAdapter({ login: true });
    let loginBody: unknown;
    nock(BASE)
      .post("/api/2.0/authentication", (body) => ((loginBody = body), true))
      .reply(201, raw("login.json"));
    nock(BASE, { reqheaders: { authorization: LOGIN_TOKEN } }).get("/api/2.0/people/@self").times(2).reply(200, raw("self.json"));
    await adapter.whoAmI();
    await adapter.whoAmI();
    expect(loginBody).toEqual({ userName: "sam.integration@firm.example", password: PASSWORD });

    nock(BASE, { reqheaders: { authorization: LOGIN_TOKEN } }).get("/api/2.0/people/@self").reply(401, "Unauthorized");
    nock(BASE).post("/api/2.0/authentication").reply(201, { status: 0, statusCode: 201, response: { token: "second-token-0987654321" } });
    nock(BASE, { reqheaders: { authorization: "second-token-0987654321" } }).get("/api/2.0/people/@self").reply(200, raw("self.json"));
    expect((await adapter.whoAmI()).key).toBe("sam.integration@firm.example");
    expect(nock.pendingMocks()).toEqual([]);
    expect(adapter.requestCount()).toBe(6);
  });

  it("gives up with CS_AUTH when the fresh token is refused too", async () => {
    const adapter = makeAdapter({ login: true });
    nock(BASE).post("/api/2.0/authentication").times(2).reply(201, raw("login.json"));
    nock(BASE).get("/api/2.0/people/@self").times(2).reply(401, "Unauthorized");
    expect((await failure(adapter.whoAmI())).code).toBe("CS_AUTH");
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("maps a failed login (500 User authentication failed) to CS_AUTH", async () => {
    const adapter = makeAdapter({ login: true });
    nock(BASE).post("/api/2.0/authentication").reply(500, raw("error-auth-failed.json"));
    const error = await failure(adapter.whoAmI());
    expect(error).toMatchObject({ code: "CS_AUTH", endpoint: "POST /api/2.0/authentication" });
  });

  it("refuses a two-factor login without a token", async () => {
    const adapter = makeAdapter({ login: true });
    nock(BASE).post("/api/2.0/authentication").reply(201, { status: 0, statusCode: 201, response: { token: null, tfa: true } });
    expect((await failure(adapter.whoAmI())).code).toBe("CS_AUTH");
  });
});

describe("writes", () => {
  it("sends the ops exactly as planned, in order, and stops at the first failure", async () => {
    const { adapter, scope } = await ready();
    const bodies: unknown[] = [];
    const clear: WriteOp = { side: "onlyoffice", record: "17", kind: "field.clear", method: "POST", path: "/api/2.0/crm/case/17/customfield/9", groups: ["value"], body: { fieldValue: "" }, summary: "" };
    const close: WriteOp = { side: "onlyoffice", record: "17", kind: "case.close", method: "PUT", path: "/api/2.0/crm/case/17/close", groups: ["status"], body: undefined, summary: "" };
    scope
      .put("/api/2.0/crm/case/17", (body) => (bodies.push(body), true))
      .reply(200, envelope(oneCase(17)))
      .post("/api/2.0/crm/case/17/customfield/9", (body) => (bodies.push(body), true))
      .reply(404, raw("error-not-found.json"))
      .put("/api/2.0/crm/case/17/close")
      .reply(200, envelope(oneCase(17)));
    const error = await failure(adapter.applyWrites("17", [putOp(), clear, close]));
    expect(error).toMatchObject({ code: "CS_NOT_FOUND", record: "17", field: "value" });
    expect(bodies).toEqual([putOp().body, { fieldValue: "" }]);
    expect(scope.pendingMocks()).toEqual(["PUT https://portal.example.com:443/api/2.0/crm/case/17/close"]);
  });

  it("executes a contact.create op as person + e-mail + member add, and reuses the contact afterwards", async () => {
    const { adapter, scope } = await ready({ mapping: { people: { unknownContact: "create" } } });
    const sent: [string, unknown][] = [];
    const op: WriteOp = {
      side: "onlyoffice",
      record: "17",
      kind: "contact.create",
      method: "POST",
      path: "/api/2.0/crm/contact/person",
      groups: ["participants"],
      body: { firstName: "New", lastName: "", shareType: 1, email: "new.person@example.com" },
      summary: "",
    };
    scope
      .post("/api/2.0/crm/contact/person", (body) => (sent.push(["person", body]), true))
      .reply(201, { status: 0, statusCode: 201, response: { id: 300, displayName: "New" } })
      .post("/api/2.0/crm/contact/300/data", (body) => (sent.push(["data", body]), true))
      .reply(201, { status: 0, statusCode: 201, response: { id: 1, infoType: 1, data: "new.person@example.com" } })
      .post("/api/2.0/crm/case/17/contact", (body) => (sent.push(["member", body]), true))
      .reply(201, envelope({ id: 300 }))
      .post("/api/2.0/crm/case/18/contact", (body) => (sent.push(["member", body]), true))
      .reply(201, envelope({ id: 300 }));
    await adapter.applyWrites("17", [op]);
    await adapter.applyWrites("18", [{ ...op, record: "18" }]);
    expect(sent).toEqual([
      ["person", { firstName: "New", lastName: "", shareType: 1 }],
      ["data", { infoType: "Email", data: "new.person@example.com", isPrimary: true, category: "Work" }],
      ["member", { contactid: 300 }],
      ["member", { contactid: 300 }],
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it("refuses an op meant for another record", async () => {
    const { adapter } = await ready();
    expect((await failure(adapter.applyWrites("18", [putOp("17")]))).code).toBe("CS_INTERNAL");
  });

  it("creates a case with its stamp, new contacts and members, closes it, and returns it decoded from the responses", async () => {
    const { adapter, scope } = await ready({ mapping: { people: { unknownContact: "create" } } });
    const target = { ...emptyCase(), title: "Fresh case", participants: ["fresh@example.com", "jane.client@example.com"], status: { closed: true, statusName: null } };
    const people = new Map([["fresh@example.com", { key: "fresh@example.com", email: "fresh@example.com", firstName: "Fresh", lastName: "Face", name: "Fresh Face" }]]);
    let created: unknown;
    const closedCase = {
      id: 31,
      title: "Fresh case",
      isClosed: true,
      created: "2025-01-01T12:00:00.0000000Z",
      members: [{ id: 101 }, { id: 301 }],
      customFields: [{ id: 13, fieldValue: STAMP }],
    };
    scope
      .post("/api/2.0/crm/contact/person")
      .reply(201, { status: 0, statusCode: 201, response: { id: 301 } })
      .post("/api/2.0/crm/contact/301/data")
      .reply(201, envelope({ id: 2 }))
      .post("/api/2.0/crm/case", (body) => ((created = body), true))
      .reply(201, { status: 0, statusCode: 201, response: { ...closedCase, isClosed: false } })
      .put("/api/2.0/crm/case/31/close")
      .reply(200, envelope(closedCase));
    const before = adapter.requestCount();
    const record = await adapter.createCase(target, { stamp: STAMP, people });
    expect(adapter.requestCount() - before).toBe(4);
    expect(created).toEqual({ title: "Fresh case", members: [101, 301], customFieldList: [{ key: 13, value: STAMP }], isPrivate: true, accessList: ["6d2b8a10-0000-4000-8000-000000000001"], isNotify: false });
    expect(record).toMatchObject({ id: "31", stamp: STAMP, case: { title: "Fresh case", status: { closed: true }, participants: ["fresh@example.com", "jane.client@example.com"] } });
    expect(scope.isDone()).toBe(true);
  });

  it("keeps a created case when closing it fails, reporting the status group", async () => {
    const { adapter, scope } = await ready();
    scope
      .post("/api/2.0/crm/case")
      .reply(201, { status: 0, statusCode: 201, response: oneCase(32, "Closed one") })
      .put("/api/2.0/crm/case/32/close")
      .reply(403, { status: 1, statusCode: 403, error: { message: "Access Denied" } });
    const record = await adapter.createCase({ ...emptyCase(), title: "Closed one", status: { closed: true, statusName: null } }, { stamp: STAMP });
    expect(record.id).toBe("32");
    expect(record.issues).toContainEqual(expect.objectContaining({ severity: "error", field: "status", code: "CS_FORBIDDEN" }));
  });

  it("reads the created case back only when the create answer cannot be decoded", async () => {
    const { adapter, scope } = await ready();
    scope
      .post("/api/2.0/crm/case")
      .reply(201, { status: 0, statusCode: 201, response: { id: 33 } })
      .get("/api/2.0/crm/case/33")
      .reply(200, envelope(oneCase(33, "Read back")));
    expect((await adapter.createCase({ ...emptyCase(), title: "Read back" }, { stamp: STAMP })).case.title).toBe("Read back");
    expect(scope.isDone()).toBe(true);
  });

  it("writes and clears the stamp through the per-field endpoint", async () => {
    const { adapter, scope } = await ready();
    const bodies: unknown[] = [];
    scope
      .post("/api/2.0/crm/case/17/customfield/13", (body) => (bodies.push(body), true))
      .times(2)
      .reply(201, envelope({ id: 13 }));
    await adapter.setStamp("17", STAMP);
    await adapter.setStamp("17", null);
    expect(bodies).toEqual([{ fieldValue: STAMP }, { fieldValue: "" }]);
  });

  it("applies the ops encodeStamp and encodeDelete describe; a 404 on a case.delete is done, on anything else it fails", async () => {
    const { adapter, scope } = await ready();
    const bodies: unknown[] = [];
    scope
      .post("/api/2.0/crm/case/17/customfield/13", (body) => (bodies.push(body), true))
      .reply(201, envelope({ id: 13 }))
      .delete("/api/2.0/crm/case/17")
      .reply(200, envelope(oneCase(17)))
      .delete("/api/2.0/crm/case/18")
      .reply(404, raw("error-not-found.json"))
      .post("/api/2.0/crm/case/19/customfield/13")
      .reply(404, raw("error-not-found.json"));
    await adapter.applyWrites("17", [adapter.encodeStamp("17", STAMP), adapter.encodeDelete("17")]);
    await adapter.applyWrites("18", [adapter.encodeDelete("18")]);
    expect(bodies).toEqual([{ fieldValue: STAMP }]);
    expect((await failure(adapter.applyWrites("19", [adapter.encodeStamp("19", STAMP)]))).code).toBe("CS_NOT_FOUND");
    expect(scope.isDone()).toBe(true);
  });

  it("maps a 500 on the per-field POST (unknown field: a bare NullReferenceException) to CS_VALIDATION", async () => {
    const { adapter, scope } = await ready();
    scope.post("/api/2.0/crm/case/17/customfield/13").reply(500, { status: 1, statusCode: 500, error: { message: "Object reference not set to an instance of an object." } });
    expect(await failure(adapter.setStamp("17", STAMP))).toMatchObject({ code: "CS_VALIDATION", record: "17", status: 500 });
    expect(scope.isDone()).toBe(true);
  });

  it("deletes a case; a 404 means it is already gone", async () => {
    const { adapter, scope } = await ready();
    scope.delete("/api/2.0/crm/case/17").reply(200, envelope(oneCase(17))).delete("/api/2.0/crm/case/18").reply(404, raw("error-not-found.json"));
    await adapter.deleteCase("17");
    await adapter.deleteCase("18");
    expect(scope.isDone()).toBe(true);
  });
});

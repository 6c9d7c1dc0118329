// A flaky upstream is the normal case, not an abort (SPEC §5, issue 8 item 12), shown on both
// clients against scripted HTTP (nock): a list page answering 500 is retried and the scan goes on;
// a create answering 500 is sent once (the journal settles it); ONLYOFFICE's deterministic 500s are
// classified before the retry decision and sent once; and a side that keeps failing opens its
// circuit breaker after 5 consecutive failed requests, refusing further requests with CS_CIRCUIT
// until the next run (`beginRun`).
import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OnlyofficeConnectionSchema, PlannrConnectionSchema } from "../../src/core/config.js";
import { silentLogger } from "../../src/core/ports.js";
import type { CircuitPolicy } from "../../src/transport/circuit.js";
import { OnlyofficeClient } from "../../adapters/onlyoffice/client.js";
import { PlannrClient, type PageEvent } from "../../adapters/plannr/client.js";
import type { NativeCase } from "../../adapters/plannr/schemas.js";
import { items } from "../fixtures/plannr/fixtures.js";
import { fakeClock } from "../support/fake-clock.js";
import { failure } from "../support/failure.js";

const FAST = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };
const rateLimit = { limit: 1_000_000, windowMs: 60_000, remainingHeader: "X-Ratelimit-Remaining", retryAfterHeader: "Retry-After" };

// ---- Plannr ---------------------------------------------------------------------------------

const PLANNR = "https://api.plannrcrm.com";
const CASES = items("cases-page.json");
const UUID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

function plannrClient(options: { requestBudget?: number; circuit?: Partial<CircuitPolicy> } = {}): PlannrClient {
  return new PlannrClient({
    connection: PlannrConnectionSchema.parse({ baseUrl: PLANNR, token: "plannr-pat-0123456789abcdef", accountUuid: "acct-1" }),
    profile: { pageSize: 1, concurrency: 2, rateLimit },
    timeoutMs: 5_000,
    requestBudget: options.requestBudget ?? 0,
    logger: silentLogger,
    clock: fakeClock(),
    retry: FAST,
    circuit: options.circuit,
  });
}

const listQuery = (page: number) => ({ include: "participants,custom_fields", sort: "created_at", per_page: "1", page: String(page) });
const casePage = (page: number) => ({ data: [CASES[page - 1]], links: {}, meta: { current_page: page, last_page: 2, per_page: 1, total: 2 } });

async function drain(events: AsyncIterable<PageEvent<NativeCase>>): Promise<PageEvent<NativeCase>[]> {
  const out: PageEvent<NativeCase>[] = [];
  for await (const event of events) out.push(event);
  return out;
}

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("Plannr: retries under a flaky upstream", () => {
  it("a 500 on a list page is retried and the scan completes", async () => {
    const scope = nock(PLANNR)
      .get("/api/v1/cases")
      .query(listQuery(1))
      .reply(200, casePage(1))
      .get("/api/v1/cases")
      .query(listQuery(2))
      .reply(500, { message: "Server Error" })
      .get("/api/v1/cases")
      .query(listQuery(2))
      .reply(200, casePage(2));
    const client = plannrClient();
    const events = await drain(client.casePages());
    expect(events.map((e) => (e.kind === "page" ? [...e.items].length : e.complete))).toEqual([1, 1, true]);
    expect(client.requestCount()).toBe(3);
    expect(scope.isDone()).toBe(true);
  });

  it("a POST create answering 500 is sent once: it may have made the case", async () => {
    nock(PLANNR).post("/api/v1/cases").query(true).reply(500, { message: "Server Error" });
    const second = nock(PLANNR).post("/api/v1/cases").query(true).reply(201, { data: CASES[0] });
    const client = plannrClient();
    const error = await failure(client.createCase({ name: "New" }));
    expect(error).toMatchObject({ code: "CS_UPSTREAM", status: 500, endpoint: "POST /api/v1/cases" });
    expect(client.requestCount()).toBe(1);
    expect(second.isDone()).toBe(false);
  });

  it("a create's lost answer (socket hang-up) is sent once too", async () => {
    nock(PLANNR).post("/api/v1/cases").query(true).replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    const client = plannrClient();
    expect((await failure(client.createCase({ name: "New" }))).code).toBe("CS_NETWORK");
    expect(client.requestCount()).toBe(1);
  });
});

describe("Plannr: circuit breaker", () => {
  it("opens after 5 consecutive requests failed after their retries, then refuses without sending", async () => {
    const client = plannrClient();
    for (let n = 1; n <= 5; n++) nock(PLANNR).get(`/api/v1/cases/${UUID(n)}`).query(true).times(3).reply(503, { message: "Service Unavailable" });
    for (let n = 1; n <= 5; n++) expect((await failure(client.getCase(UUID(n)))).code).toBe("CS_UPSTREAM");
    expect(client.requestCount()).toBe(15);

    const untouched = nock(PLANNR).get(`/api/v1/cases/${UUID(6)}`).query(true).reply(200, { data: CASES[0] });
    const refused = await failure(client.getCase(UUID(6)));
    expect(refused).toMatchObject({ code: "CS_CIRCUIT", side: "plannr", endpoint: "GET /api/v1/cases/{uuid}", record: UUID(6) });
    expect(refused.message).toMatch(/^plannr circuit breaker open: 5 consecutive requests failed after their retries \(last: GET \/api\/v1\/cases\/\{uuid\} answered 503/);
    expect(client.requestCount()).toBe(15);
    expect(untouched.isDone()).toBe(false);

    // The next run (--watch reuses the client) starts closed.
    client.beginRun();
    expect((await client.getCase(UUID(6)))?.uuid).toBe(CASES[0].uuid);
    expect(untouched.isDone()).toBe(true);
  });

  it("404s, 422s and 400s are the record's problem and never open it", async () => {
    const client = plannrClient();
    nock(PLANNR).get(/\/api\/v1\/cases\/.+/).query(true).times(8).reply(404, { message: "Not Found" });
    nock(PLANNR).put(/\/api\/v1\/cases\/.+/).times(8).reply(422, { message: "Invalid.", errors: { name: ["Too long."] } });
    nock(PLANNR).put(/\/api\/v1\/cases\/.+/).times(8).reply(400, { message: "Bad include." });
    for (let n = 1; n <= 8; n++) expect(await client.getCase(UUID(n))).toBeNull();
    for (let n = 1; n <= 16; n++) expect((await failure(client.updateCase(UUID(n), { name: "x" }))).code).toBe("CS_VALIDATION");
    nock(PLANNR).get(`/api/v1/cases/${UUID(99)}`).query(true).reply(200, { data: CASES[0] });
    expect(await client.getCase(UUID(99))).not.toBeNull();
    expect(client.requestCount()).toBe(25);
  });

  it("a success between failures keeps it closed; the thresholds come from the client options", async () => {
    const client = plannrClient({ circuit: { consecutiveFailures: 2 } });
    nock(PLANNR).get(`/api/v1/cases/${UUID(1)}`).query(true).times(3).reply(502, "Bad Gateway");
    nock(PLANNR).get(`/api/v1/cases/${UUID(2)}`).query(true).reply(200, { data: CASES[0] });
    nock(PLANNR).get(`/api/v1/cases/${UUID(3)}`).query(true).times(3).reply(502, "Bad Gateway");
    nock(PLANNR).get(`/api/v1/cases/${UUID(4)}`).query(true).times(3).reply(502, "Bad Gateway");
    expect((await failure(client.getCase(UUID(1)))).code).toBe("CS_UPSTREAM");
    await client.getCase(UUID(2));
    expect((await failure(client.getCase(UUID(3)))).code).toBe("CS_UPSTREAM");
    expect((await failure(client.getCase(UUID(4)))).code).toBe("CS_UPSTREAM");
    expect((await failure(client.getCase(UUID(5)))).code).toBe("CS_CIRCUIT");
  });

  it("stops a request's remaining retries once the circuit opened under it", async () => {
    // Two requests in flight (concurrency 2); the first run of failures opens the circuit while
    // the second is between attempts: the second stops with CS_CIRCUIT instead of sending again.
    const client = plannrClient({ circuit: { consecutiveFailures: 1 } });
    nock(PLANNR).get(`/api/v1/cases/${UUID(1)}`).query(true).times(3).reply(503, "Service Unavailable");
    nock(PLANNR).get(`/api/v1/cases/${UUID(2)}`).query(true).delay(250).reply(503, "Service Unavailable");
    const spare = nock(PLANNR).get(`/api/v1/cases/${UUID(2)}`).query(true).times(2).reply(200, { data: CASES[0] });
    const [first, second] = await Promise.all([failure(client.getCase(UUID(1))), failure(client.getCase(UUID(2)))]);
    expect(first.code).toBe("CS_UPSTREAM");
    expect(second.code).toBe("CS_CIRCUIT");
    expect(spare.isDone()).toBe(false);
  });

  it("the request budget is per run: beginRun gives a fresh one, requestCount stays cumulative", async () => {
    const client = plannrClient({ requestBudget: 2 });
    nock(PLANNR).get(/\/api\/v1\/cases\/.+/).query(true).times(4).reply(200, { data: CASES[0] });
    await client.getCase(UUID(1));
    await client.getCase(UUID(2));
    expect((await failure(client.getCase(UUID(3)))).code).toBe("CS_BUDGET");
    client.beginRun();
    await client.getCase(UUID(3));
    await client.getCase(UUID(4));
    expect(client.requestCount()).toBe(4);
  });
});

// ---- ONLYOFFICE -----------------------------------------------------------------------------

const PORTAL = "https://portal.example.com";
const OO_TOKEN = "oo-token-SECRET-0123456789";
const PASSWORD = "pw-SECRET-0123456789";

function onlyofficeFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/onlyoffice/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;
}

function onlyofficeClient(options: { login?: boolean } = {}): OnlyofficeClient {
  const credentials = options.login ? { username: "sam.integration@firm.example", password: PASSWORD } : { token: OO_TOKEN };
  return new OnlyofficeClient({
    connection: OnlyofficeConnectionSchema.parse({ baseUrl: PORTAL, ...credentials }),
    profile: { pageSize: 1000, concurrency: 2, rateLimit },
    timeoutMs: 5_000,
    requestBudget: 0,
    logger: silentLogger,
    clock: fakeClock(),
    retry: FAST,
  });
}

const portalError = (message: string) => ({ status: 1, statusCode: 500, error: { message, hresult: -2146233088, data: {} } });
const ooPage = (startIndex: number) => ({ sortBy: "Id", sortOrder: "ascending", startIndex: String(startIndex), count: "1000" });

describe("ONLYOFFICE: retries under a flaky upstream", () => {
  it("a 500 on a case list page is retried and the scan completes", async () => {
    const page = onlyofficeFixture("cases-page.json");
    const scope = nock(PORTAL)
      .get("/api/2.0/crm/case/filter")
      .query(ooPage(0))
      .reply(500, { message: "Injected 500" })
      .get("/api/2.0/crm/case/filter")
      .query(ooPage(0))
      .reply(200, page)
      .get("/api/2.0/crm/case/filter")
      .query(ooPage(3))
      .reply(200, onlyofficeFixture("empty-page.json"));
    const client = onlyofficeClient();
    const sizes: number[] = [];
    for await (const items of client.casePages()) sizes.push(items.length);
    expect(sizes).toEqual([3, 0]);
    expect(scope.isDone()).toBe(true);
  });

  it("POST crm/case answering 500 is sent once", async () => {
    nock(PORTAL).post("/api/2.0/crm/case").reply(500, portalError("Timeout expired"));
    const second = nock(PORTAL).post("/api/2.0/crm/case").reply(201, { status: 0, statusCode: 201, response: { id: 1 } });
    const client = onlyofficeClient();
    expect(await failure(client.createCase({ title: "New" }))).toMatchObject({ code: "CS_UPSTREAM", status: 500 });
    expect(client.requestCount()).toBe(1);
    expect(second.isDone()).toBe(false);
  });

  it("an unknown 500 on the per-field POST is retried (only the NullReferenceException is the field's fault)", async () => {
    const scope = nock(PORTAL)
      .post("/api/2.0/crm/case/17/customfield/13")
      .reply(500, { message: "Injected 500" })
      .post("/api/2.0/crm/case/17/customfield/13")
      .reply(201, { status: 0, statusCode: 201, response: { id: 13 } });
    const client = onlyofficeClient();
    await client.send("POST", "/api/2.0/crm/case/17/customfield/13", { fieldValue: "x" }, "17");
    expect(client.requestCount()).toBe(2);
    expect(scope.isDone()).toBe(true);
  });

  it("an unknown 500 on a PUT is retried", async () => {
    const scope = nock(PORTAL)
      .put("/api/2.0/crm/case/17")
      .reply(500, portalError("Deadlock found when trying to get lock"))
      .put("/api/2.0/crm/case/17")
      .reply(200, { status: 0, statusCode: 200, response: { id: 17, title: "x" } });
    const client = onlyofficeClient();
    await client.send("PUT", "/api/2.0/crm/case/17", { title: "x" }, "17");
    expect(client.requestCount()).toBe(2);
    expect(scope.isDone()).toBe(true);
  });

  it("a proxy's 500 on login (not the portal's envelope) is retried, not an auth failure", async () => {
    const scope = nock(PORTAL)
      .post("/api/2.0/authentication")
      .reply(500, "<html><body>500 Internal Server Error</body></html>")
      .post("/api/2.0/authentication")
      .reply(201, onlyofficeFixture("login.json"))
      .get("/api/2.0/people/@self")
      .reply(200, onlyofficeFixture("self.json"));
    const client = onlyofficeClient({ login: true });
    await client.self();
    expect(client.requestCount()).toBe(3);
    expect(scope.isDone()).toBe(true);
  });
});

describe("ONLYOFFICE: deterministic 500s are classified first and sent once", () => {
  const rows: [string, "POST" | "PUT", string, unknown, string, string | undefined][] = [
    ["a too-long title", "PUT", "/api/2.0/crm/case/17", { title: "x".repeat(300) }, "Data too long for column 'title' at row 1", "title"],
    ["an unknown custom field on the per-field POST", "POST", "/api/2.0/crm/case/17/customfield/77", { fieldValue: "x" }, "Object reference not set to an instance of an object.", undefined],
    ["an unknown custom field on a PUT", "PUT", "/api/2.0/crm/case/17", { customFieldList: [{ key: 77, value: "x" }] }, "Custom field with id 77 not found", undefined],
  ];
  for (const [name, method, path, body, message, field] of rows) {
    it(`${name} → CS_VALIDATION after 1 request`, async () => {
      const scope = nock(PORTAL).intercept(path, method).reply(500, portalError(message));
      const client = onlyofficeClient();
      const error = await failure(client.send(method, path, body, "17"));
      expect(error).toMatchObject({ code: "CS_VALIDATION", status: 500, retryable: false, record: "17" });
      expect(error.field).toBe(field);
      expect(client.requestCount()).toBe(1);
      expect(scope.isDone()).toBe(true);
    });
  }

  it("a bad password → CS_AUTH after 1 request (a retry would only bring the 60 s lock-out closer)", async () => {
    nock(PORTAL).post("/api/2.0/authentication").reply(500, onlyofficeFixture("error-auth-failed.json"));
    const client = onlyofficeClient({ login: true });
    const error = await failure(client.self());
    expect(error).toMatchObject({ code: "CS_AUTH", endpoint: "POST /api/2.0/authentication", retryable: false });
    expect(error.message).not.toContain(PASSWORD);
    expect(client.requestCount()).toBe(1);
  });

  it("a login refused with another wording is still CS_AUTH when the portal itself answered", async () => {
    nock(PORTAL).post("/api/2.0/authentication").reply(500, portalError("Benutzerauthentifizierung fehlgeschlagen"));
    const client = onlyofficeClient({ login: true });
    expect((await failure(client.self())).code).toBe("CS_AUTH");
    expect(client.requestCount()).toBe(1);
  });

  it("ten of them in a row do not open the circuit", async () => {
    nock(PORTAL).put("/api/2.0/crm/case/17").times(10).reply(500, portalError("Data too long for column 'title' at row 1"));
    nock(PORTAL).get("/api/2.0/crm/case/17").reply(200, { status: 0, statusCode: 200, response: { id: 17, title: "x", created: "2024-01-01T12:00:00.0000000Z" } });
    const client = onlyofficeClient();
    for (let i = 0; i < 10; i++) expect((await failure(client.send("PUT", "/api/2.0/crm/case/17", { title: "x".repeat(300) }, "17"))).code).toBe("CS_VALIDATION");
    expect(await client.getCase(17)).not.toBeNull();
  });
});

describe("ONLYOFFICE: circuit breaker", () => {
  it("opens after 5 consecutive failures (resets, timeouts, 5xx) and names the side", async () => {
    const client = onlyofficeClient();
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    nock(PORTAL).get("/api/2.0/crm/case/1").times(3).replyWithError(reset);
    nock(PORTAL).get("/api/2.0/crm/case/2").times(3).reply(504, "Gateway Timeout");
    nock(PORTAL).get("/api/2.0/crm/case/3").times(3).reply(500, portalError("Timeout expired"));
    nock(PORTAL).post("/api/2.0/crm/case").reply(500, { message: "Injected 500" });
    nock(PORTAL).get("/api/2.0/crm/case/4").times(3).reply(429, "Too Many Requests", { "Retry-After": "1" });
    expect((await failure(client.getCase(1))).code).toBe("CS_NETWORK");
    expect((await failure(client.getCase(2))).code).toBe("CS_UPSTREAM");
    expect((await failure(client.getCase(3))).code).toBe("CS_UPSTREAM");
    expect((await failure(client.createCase({ title: "New" }))).code).toBe("CS_UPSTREAM");
    expect((await failure(client.getCase(4))).code).toBe("CS_RATE_LIMIT");
    const sent = client.requestCount();
    const refused = await failure(client.getCase(5));
    expect(refused).toMatchObject({ code: "CS_CIRCUIT", side: "onlyoffice" });
    expect(refused.message).toMatch(/^onlyoffice circuit breaker open: 5 consecutive requests failed/);
    expect(refused.message).not.toContain(OO_TOKEN);
    expect(client.requestCount()).toBe(sent);

    client.beginRun();
    nock(PORTAL).get("/api/2.0/crm/case/5").reply(404, onlyofficeFixture("error-not-found.json"));
    expect(await client.getCase(5)).toBeNull();
  });
});

// The Plannr client with a token provider (SPEC §10, library `plannr.token: () => Promise<string>`)
// against scripted HTTP (nock): the provider is asked before each request and its token is the
// Bearer; a 401 asks it once more with the refused token and retries that request once with the
// new one (a create too: a 401 comes before Plannr acts); nothing loops, a personal token is never
// "renewed", and every token the provider handed out is redacted from errors.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PlannrClient } from "../../adapters/plannr/client.js";
import { plannrProfile } from "../../adapters/plannr/profile.js";
import { PlannrConnectionSchema, type TokenProvider } from "../../src/core/config.js";
import { silentLogger } from "../../src/core/ports.js";
import { parsePlannrConnection } from "../../src/library/options.js";
import { fixture, testMapping } from "../fixtures/plannr/fixtures.js";
import { fakeClock } from "../support/fake-clock.js";
import { failure } from "../support/failure.js";

const BASE = "https://api.plannrcrm.com";
const ACCOUNT = "3f2e1d0c-9b8a-4765-8432-10fedcba9876";
const UUID = "0ab72051-56af-4f82-bda1-8a9ac26a996e";
const CASE_PATH = `/api/v1/cases/${UUID}`;
const INCLUDE = { include: "participants,custom_fields" };
const OLD = "oauth-access-old-4f1c2b7e9a";
const NEW = "oauth-access-new-8d3e6a0c5b";
const UNAUTHENTICATED = { message: "Unauthenticated." };

const clients: PlannrClient[] = [];

function client(token: string | TokenProvider): PlannrClient {
  const made = new PlannrClient({
    connection: PlannrConnectionSchema.parse({ baseUrl: BASE, token, accountUuid: ACCOUNT }),
    profile: plannrProfile(testMapping({})),
    timeoutMs: 5_000,
    requestBudget: 0,
    logger: silentLogger,
    clock: fakeClock(),
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 },
  });
  clients.push(made);
  return made;
}

/** A provider answering `tokens` in turn (the last one from then on), recording how it was asked. */
function provider(...tokens: string[]): TokenProvider & { calls: ({ rejected?: string } | undefined)[] } {
  const calls: ({ rejected?: string } | undefined)[] = [];
  let next = 0;
  const ask = (context?: { rejected?: string }) => {
    calls.push(context);
    // Asked without a refusal: the current token; after one: the next token, if any.
    if (context?.rejected !== undefined && next < tokens.length - 1) next += 1;
    return Promise.resolve(tokens[next] ?? "");
  };
  return Object.assign(ask, { calls });
}

/** Only requests carrying exactly this Bearer token match. */
const as = (token: string) => nock(BASE, { reqheaders: { authorization: `Bearer ${token}`, "x-plannr-account-uuid": ACCOUNT } });
const caseBody = () => ({ data: (fixture("cases-page.json") as { data: unknown[] }).data[0] });

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("Plannr token provider", () => {
  it("asks the provider before every request and sends what it answers as the Bearer token", async () => {
    let current = OLD;
    const tokens: string[] = [];
    const ask: TokenProvider = () => {
      tokens.push(current);
      return Promise.resolve(current);
    };
    const scope = as(OLD).get(CASE_PATH).query(INCLUDE).reply(200, caseBody());
    const later = as(NEW).get(CASE_PATH).query(INCLUDE).reply(200, caseBody());
    const plannr = client(ask);
    await plannr.getCase(UUID);
    current = NEW; // the provider refreshed between two requests
    await plannr.getCase(UUID);
    expect(tokens).toEqual([OLD, NEW]);
    expect(scope.isDone() && later.isDone()).toBe(true);
  });

  it("after a 401 asks once more with the refused token and retries the request once with the new one", async () => {
    const ask = provider(OLD, NEW);
    as(OLD).get(CASE_PATH).query(INCLUDE).reply(401, UNAUTHENTICATED);
    const retried = as(NEW).get(CASE_PATH).query(INCLUDE).reply(200, caseBody());
    const found = await client(ask).getCase(UUID);
    expect(found?.uuid).toBeDefined();
    expect(ask.calls).toEqual([undefined, { rejected: OLD }]);
    expect(retried.isDone()).toBe(true);
  });

  it("retries even a create after a 401: Plannr refused it before acting", async () => {
    const ask = provider(OLD, NEW);
    const refused = as(OLD).post("/api/v1/cases").query(INCLUDE).reply(401, UNAUTHENTICATED);
    const created = as(NEW).post("/api/v1/cases").query(INCLUDE).reply(200, caseBody());
    const answer = await client(ask).createCase({ name: "Smith v Jones" });
    expect(answer.uuid).toBeTruthy();
    expect(refused.isDone() && created.isDone()).toBe(true);
  });

  it("keeps the 401 when the provider has nothing newer (same token): one request, no loop", async () => {
    const ask = provider(OLD);
    const scope = as(OLD).get(CASE_PATH).query(INCLUDE).reply(401, UNAUTHENTICATED);
    const error = await failure(client(ask).getCase(UUID));
    expect(error.code).toBe("CS_AUTH");
    expect(error.status).toBe(401);
    expect(ask.calls).toEqual([undefined, { rejected: OLD }]);
    expect(scope.isDone()).toBe(true);
  });

  it("gives up after the renewed token is refused as well (one renewal per request)", async () => {
    const ask = provider(OLD, NEW, "oauth-access-third-0000000");
    as(OLD).get(CASE_PATH).query(INCLUDE).reply(401, UNAUTHENTICATED);
    as(NEW).get(CASE_PATH).query(INCLUDE).reply(401, UNAUTHENTICATED);
    const error = await failure(client(ask).getCase(UUID));
    expect(error.code).toBe("CS_AUTH");
    expect(ask.calls).toHaveLength(2);
  });

  it("never renews a personal access token: its 401 is final", async () => {
    const scope = as(OLD).get(CASE_PATH).query(INCLUDE).reply(401, UNAUTHENTICATED);
    const error = await failure(client(OLD).getCase(UUID));
    expect(error.code).toBe("CS_AUTH");
    expect(scope.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("redacts every token the provider handed out from errors (old and renewed)", async () => {
    const ask = provider(OLD, NEW);
    as(OLD).get(CASE_PATH).query(INCLUDE).reply(401, UNAUTHENTICATED);
    as(NEW)
      .get(CASE_PATH)
      .query(INCLUDE)
      .reply(422, { message: `token ${NEW} replaced ${OLD}`, errors: { name: [`bad ${NEW}`] } });
    const error = await failure(client(ask).getCase(UUID));
    expect(error.message).not.toContain(NEW);
    expect(error.message).not.toContain(OLD);
    expect(error.message).toContain("[REDACTED]");
  });

  it("turns a failing provider into CS_AUTH for the Plannr side, and refuses an empty token", async () => {
    const broken = await failure(client(() => Promise.reject(new Error("token store unreachable"))).getCase(UUID));
    expect(broken.code).toBe("CS_AUTH");
    expect(broken.side).toBe("plannr");
    expect(broken.message).toContain("the Plannr token provider failed: token store unreachable");
    const empty = await failure(client(() => Promise.resolve("")).getCase(UUID));
    expect(empty.code).toBe("CS_AUTH");
    expect(empty.message).toContain("gave no token");
  });

  it("is accepted by the library's plannr option, which refuses anything else than text or a function", () => {
    const ask: TokenProvider = () => Promise.resolve(OLD);
    expect(parsePlannrConnection({ baseUrl: BASE, token: ask, accountUuid: ACCOUNT }).token).toBe(ask);
    const error = (() => {
      try {
        parsePlannrConnection({ baseUrl: BASE, token: 42, accountUuid: ACCOUNT });
      } catch (caught) {
        return caught as Error;
      }
      return null;
    })();
    expect(error?.message).toContain("plannr.token");
  });
});

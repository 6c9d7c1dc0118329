// Issue 9 item 7: a 200,000-deep JSON answer is a clear CS_SCHEMA error naming the depth cap, on
// both sides, never a stack overflow (JSON.parse copes; every recursive walk after it did not).
import { describe, expect, it } from "vitest";
import { camelizeKeys } from "../../adapters/onlyoffice/schemas.js";
import { OnlyofficeClient } from "../../adapters/onlyoffice/client.js";
import { PlannrClient } from "../../adapters/plannr/client.js";
import { OnlyofficeConnectionSchema, PlannrConnectionSchema } from "../../src/core/config.js";
import { CaseSyncError } from "../../src/core/errors.js";
import { silentLogger, systemClock } from "../../src/core/ports.js";
import { MAX_JSON_DEPTH } from "../../src/transport/json-depth.js";
import { useHostileHarness } from "./harness.js";
import { deepJson, json } from "./hostile-server.js";

const DEPTH = 200_000;
const NO_RETRY = { retries: 0, minDelayMs: 1, maxDelayMs: 2 };
const RATE = { limit: 1_000, windowMs: 60_000, remainingHeader: "X-Ratelimit-Remaining", retryAfterHeader: "Retry-After" };
/** Both sides' clients here, past their connection. */
const CLIENT_OPTIONS = {
  profile: { pageSize: 10, concurrency: 2, rateLimit: RATE },
  timeoutMs: 5_000,
  requestBudget: 0,
  logger: silentLogger,
  clock: systemClock,
  retry: NO_RETRY,
};

const harness = useHostileHarness();

/** `depth` nested one-key objects, built without recursion (as a parser would hand them over). */
function nested(depth: number, key = "Inner"): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { [key]: value };
  return value;
}

function onlyofficeClient(baseUrl: string): OnlyofficeClient {
  return new OnlyofficeClient({
    connection: OnlyofficeConnectionSchema.parse({ baseUrl, token: "tok-deep-0123456789" }),
    ...CLIENT_OPTIONS,
  });
}

async function failure(promise: Promise<unknown>): Promise<CaseSyncError> {
  try {
    await promise;
  } catch (error) {
    return error as CaseSyncError;
  }
  throw new Error("expected a failure");
}

describe("a 200,000-deep answer (issue 9 item 7)", () => {
  it("camelizeKeys stops at the depth cap with CS_SCHEMA instead of overflowing the stack", () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    let thrown: unknown;
    try {
      camelizeKeys(nested(DEPTH));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CaseSyncError);
    expect((thrown as CaseSyncError).code).toBe("CS_SCHEMA");
    expect((thrown as CaseSyncError).message).toBe("JSON nested deeper than 64 levels, the depth cap");
    // Up to the cap it still camelizes every level.
    let deepest = camelizeKeys(nested(63)) as Record<string, unknown>;
    for (let i = 0; i < 62; i += 1) deepest = deepest.inner as Record<string, unknown>;
    expect(deepest).toEqual({ inner: 1 });
  });

  it("the transport refuses a 2xx answer nested past the cap: CS_SCHEMA naming the endpoint and the cap, not retried", async () => {
    const server = await harness.server({ lifetimeMs: 20_000 });
    server.route("GET", /^\/deep$/, json(deepJson(DEPTH)));
    const client = harness.client({ side: "plannr", baseUrl: server.url, headers: () => ({}), secrets: () => [], timeoutMs: 5_000, concurrency: 1, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 2 } });
    const error = await failure(client.request({ method: "GET", path: "/deep", endpoint: "GET /deep", idempotent: true }));
    expect(error.code).toBe("CS_SCHEMA");
    expect(error.message).toBe("GET /deep answered JSON nested deeper than 64 levels, the depth cap: refused unread");
    expect(server.hits(/^\/deep$/)).toBe(1);
  });

  it("an error answer nested past the cap is classified by its status alone (ONLYOFFICE's 500 classifier never walks it)", async () => {
    const server = await harness.server({ lifetimeMs: 20_000 });
    server.route("GET", /\/crm\/case\/7$/, json(`{"status":1,"error":{"message":${deepJson(DEPTH)}}}`, 500));
    const onlyoffice = onlyofficeClient(server.url);
    try {
      const error = await failure(onlyoffice.getCase(7));
      expect(error.code).toBe("CS_UPSTREAM");
      expect(error.status).toBe(500);
      expect(error.message).toBe(`GET /api/2.0/crm/case/{id} answered 500: (an error body nested deeper than ${MAX_JSON_DEPTH} levels)`);
    } finally {
      onlyoffice.close();
    }
  });

  it("ONLYOFFICE: a case list whose response is 200,000 levels deep fails page 1 with CS_SCHEMA naming the cap", async () => {
    const server = await harness.server({ lifetimeMs: 20_000 });
    server.route("GET", /\/crm\/case\/filter$/, json(`{"status":0,"statusCode":200,"response":${deepJson(DEPTH)}}`));
    const onlyoffice = onlyofficeClient(server.url);
    try {
      const error = await failure(onlyoffice.casePages().next());
      expect(error).toBeInstanceOf(CaseSyncError);
      expect(error.code).toBe("CS_SCHEMA");
      expect(error.message).toMatch(/GET \/api\/2\.0\/crm\/case\/filter answered JSON nested deeper than 64 levels, the depth cap.*\(list page 1\)/);
    } finally {
      onlyoffice.close();
    }
  });

  it("Plannr: a list item holding a 200,000-deep value fails page 1 with CS_SCHEMA naming the cap", async () => {
    const server = await harness.server({ lifetimeMs: 20_000 });
    const body = `{"data":[{"uuid":"00000000-0000-4000-8000-000000000001","custom_fields":[{"value":${deepJson(DEPTH)}}]}],"meta":{"current_page":1,"last_page":1,"per_page":10,"total":1}}`;
    server.route("GET", /^\/api\/v1\/cases$/, json(body));
    const plannr = new PlannrClient({
      connection: PlannrConnectionSchema.parse({ baseUrl: server.url, token: "tok-deep-0123456789", accountUuid: "acct-1" }),
      ...CLIENT_OPTIONS,
    });
    try {
      const error = await failure(plannr.casePages().next());
      expect(error.code).toBe("CS_SCHEMA");
      expect(error.message).toMatch(/GET \/api\/v1\/cases answered JSON nested deeper than 64 levels, the depth cap.*\(list page 1\)/);
    } finally {
      plannr.close();
    }
  });
});

// Issue 9 ("what held", kept under test): a redirect is never followed, since the redirected request
// would carry the token wherever the server points; it is a clear, non-retried error.
import { describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { useHostileHarness } from "./harness.js";
import { json, redirect } from "./hostile-server.js";

const harness = useHostileHarness();

describe("a redirecting upstream", () => {
  it.each([301, 302, 307, 308])("a %i is refused, not followed, not retried, and says where it pointed", async (status) => {
    const server = await harness.server({ lifetimeMs: 20_000 });
    const seen: (string | undefined)[] = [];
    server.route("GET", /^\/elsewhere$/, (req, res) => {
      seen.push(req.headers.authorization);
      json("{}")(req, res);
    });
    server.route("GET", /^\/api\/v1\/cases$/, redirect(`${server.url}/elsewhere?token=leak`, status));
    const client = harness.client({
      side: "plannr",
      baseUrl: server.url,
      headers: () => ({ Authorization: "Bearer tok-redirect-0123456789" }),
      secrets: () => ["tok-redirect-0123456789"],
      timeoutMs: 5_000,
      concurrency: 1,
      retry: { retries: 3, minDelayMs: 1, maxDelayMs: 2 },
    });
    let error: unknown;
    try {
      await client.request({ method: "GET", path: "/api/v1/cases", endpoint: "GET /api/v1/cases", idempotent: true });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CaseSyncError);
    const e = error as CaseSyncError;
    expect(e.code).toBe("CS_UPSTREAM");
    expect(e.status).toBe(status);
    expect(e.retryable).toBe(false);
    expect(e.message).toBe(`GET /api/v1/cases answered a redirect (${status}) to ${server.url}, which is not followed: check the base URL (https://, host, path)`);
    expect(server.hits(/^\/api\/v1\/cases$/)).toBe(1);
    expect(seen).toEqual([]);
  });
});

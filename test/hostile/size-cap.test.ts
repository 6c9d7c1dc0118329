// Issue 9 item 3: a response size cap. A 1 GiB list page is dropped while it streams (the process
// never holds it), named with its endpoint and the cap, and not retried. Memory is sampled during
// the call: RSS growth stays far below the body size.
import { describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { DEFAULT_MAX_RESPONSE_BYTES, type HttpClient } from "../../src/transport/http.js";
import { useHostileHarness } from "./harness.js";
import { hugePage } from "./hostile-server.js";

const LIST = /^\/api\/2\.0\/crm\/case\/filter$/;
const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

const harness = useHostileHarness();
const httpClient = harness.clients({
  side: "onlyoffice",
  headers: () => ({ Authorization: "tok-size-0123456789" }),
  secrets: () => ["tok-size-0123456789"],
  timeoutMs: 20_000,
  concurrency: 2,
  // Retries on: a too-large answer must not use them.
  retry: { retries: 3, minDelayMs: 1, maxDelayMs: 2 },
});

const list = (c: HttpClient) => c.request({ method: "GET", path: "/api/2.0/crm/case/filter", endpoint: "GET /api/2.0/crm/case/filter", idempotent: true });

/** Runs `call` while sampling RSS every 10 ms; returns its error and the peak growth. */
async function withPeakRss(call: () => Promise<unknown>): Promise<{ error: CaseSyncError; growth: number }> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  try {
    await call();
  } catch (error) {
    return { error: error as CaseSyncError, growth: Math.max(peak, process.memoryUsage.rss()) - baseline };
  } finally {
    clearInterval(sampler);
  }
  throw new Error("expected a failure");
}

describe("a response size cap (issue 9 item 3)", () => {
  it("a 1 GiB streamed list page fails at the 64 MiB default cap: clear error, not retried, memory bounded", async () => {
    const server = await harness.server({ lifetimeMs: 30_000 });
    server.route("GET", LIST, hugePage(GiB));
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(64 * MiB);
    const { error, growth } = await withPeakRss(() => list(httpClient(server.url)));
    expect(error).toBeInstanceOf(CaseSyncError);
    expect(error.code).toBe("CS_UPSTREAM");
    expect(error.retryable).toBe(false);
    expect(error.message).toBe("GET /api/2.0/crm/case/filter answered more than 64 MiB, the response size cap (http.maxResponseBytes): dropped unread, not retried");
    expect(server.hits(LIST)).toBe(1);
    // The cap's worth of chunks is held until the socket drops; 1 GiB never is.
    expect(growth).toBeLessThan(384 * MiB);
  });

  it("the cap is configurable, and it counts decompressed bytes (a gzip bomb is cut too)", async () => {
    const server = await harness.server({ lifetimeMs: 30_000 });
    server.route("GET", LIST, hugePage(GiB, { gzip: true }));
    const { error, growth } = await withPeakRss(() => list(httpClient(server.url, { maxResponseBytes: 2 * MiB })));
    expect(error.code).toBe("CS_UPSTREAM");
    expect(error.message).toMatch(/answered more than 2 MiB, the response size cap/);
    expect(server.hits(LIST)).toBe(1);
    expect(growth).toBeLessThan(128 * MiB);
  });

  it("an answer under the cap is read as usual", async () => {
    const server = await harness.server({ lifetimeMs: 30_000 });
    server.route("GET", LIST, hugePage(MiB));
    const answer = await list(httpClient(server.url, { maxResponseBytes: 2 * MiB }));
    expect(answer.status).toBe(200);
    expect((answer.data as { data: unknown[] }).data.at(-1)).toBe("end");
  });

  it("a request body past the cap is not sent: a record-level CS_VALIDATION, not retried", async () => {
    const server = await harness.server({ lifetimeMs: 30_000 });
    const c = httpClient(server.url, { maxResponseBytes: 1024 });
    let error: unknown;
    try {
      await c.request({ method: "PUT", path: "/api/2.0/crm/case/7", endpoint: "PUT /api/2.0/crm/case/{id}", idempotent: true, record: "7", body: { title: "x".repeat(4096) } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CaseSyncError);
    expect(error).toMatchObject({ code: "CS_VALIDATION", record: "7", retryable: false, message: "PUT /api/2.0/crm/case/{id} was not sent: its body is larger than 1 KiB, the size cap (http.maxResponseBytes)" });
    expect(server.hits(/crm\/case\/7$/)).toBe(0);
  });
});

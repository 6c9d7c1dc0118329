// Issue 9 item 2 (request half): every attempt has a total deadline covering headers and body, and
// the run's abort signal cancels reads in flight at once, without a retry. Against a local server
// that trickles a list one byte a second (axios's idle-socket `timeout` never fires on it).
import { describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/core/ports.js";
import type { HttpClient } from "../../src/transport/http.js";
import { PlannrClient } from "../../adapters/plannr/client.js";
import { PlannrConnectionSchema } from "../../src/core/config.js";
import { useHostileHarness } from "./harness.js";
import { trickle } from "./hostile-server.js";

const LIST = /^\/api\/v1\/cases$/;
const PAGE = JSON.stringify({ data: [], meta: { current_page: 1, last_page: 1, per_page: 10, total: 0 } });
const SLACK_MS = 1_000;

const harness = useHostileHarness();
const hostile = () => harness.server({ lifetimeMs: 20_000 });
const httpClient = harness.clients({
  side: "plannr",
  headers: () => ({ Authorization: "Bearer tok-deadline-0123456789" }),
  secrets: () => ["tok-deadline-0123456789"],
  timeoutMs: 800,
  concurrency: 2,
  retry: { retries: 0, minDelayMs: 1, maxDelayMs: 2 },
});

const list = (c: HttpClient) => c.request({ method: "GET", path: "/api/v1/cases", endpoint: "GET /api/v1/cases", idempotent: true });

async function timed<T>(promise: Promise<T>): Promise<{ error: CaseSyncError; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error: error as CaseSyncError, ms: Date.now() - started };
  }
  throw new Error("expected a failure");
}

describe("a total deadline on every request (issue 9 item 2)", () => {
  it("a list that trickles one byte a second fails with CS_TIMEOUT at the deadline, not when the body ends", async () => {
    const s = await hostile();
    // One byte a second under a 1.5 s deadline: the socket is never idle for 1.5 s, so only a
    // deadline over the whole exchange can end it (the page would take over a minute).
    s.route("GET", LIST, trickle(PAGE, 1_000));
    const { error, ms } = await timed(list(httpClient(s.url, { timeoutMs: 1_500 })));
    expect(error).toBeInstanceOf(CaseSyncError);
    expect(error.code).toBe("CS_TIMEOUT");
    expect(error.message).toMatch(/GET \/api\/v1\/cases did not complete within 1500 ms/);
    expect(error.retryable).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(1_450);
    expect(ms).toBeLessThan(1_500 + SLACK_MS);
  });

  it("a server that never sends headers fails at the deadline too", async () => {
    const s = await hostile();
    s.route("GET", LIST, () => undefined);
    const { error, ms } = await timed(list(httpClient(s.url)));
    expect(error.code).toBe("CS_TIMEOUT");
    expect(ms).toBeLessThan(800 + SLACK_MS);
  });

  it("each retry of an idempotent read gets its own deadline: the call ends after (retries + 1) deadlines", async () => {
    const s = await hostile();
    s.route("GET", LIST, trickle(PAGE, 100));
    const c = httpClient(s.url, { timeoutMs: 400, retry: { retries: 1, minDelayMs: 10, maxDelayMs: 20 } });
    const { error, ms } = await timed(list(c));
    expect(error.code).toBe("CS_TIMEOUT");
    expect(s.hits(LIST)).toBe(2);
    expect(ms).toBeLessThan(2 * 400 + SLACK_MS);
  });

  it("through the Plannr client: the case scan fails on page 1 with CS_TIMEOUT within the deadline", async () => {
    const s = await hostile();
    s.route("GET", LIST, trickle(PAGE, 200));
    const plannr = new PlannrClient({
      connection: PlannrConnectionSchema.parse({ baseUrl: s.url, token: "tok-deadline-0123456789", accountUuid: "acct-1" }),
      profile: { pageSize: 10, concurrency: 2, rateLimit: { limit: 1_000, windowMs: 60_000, remainingHeader: "X-Ratelimit-Remaining", retryAfterHeader: "Retry-After" } },
      timeoutMs: 600,
      requestBudget: 0,
      logger: silentLogger,
      clock: { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      retry: { retries: 0, minDelayMs: 1, maxDelayMs: 2 },
    });
    try {
      const pages = plannr.casePages();
      const { error, ms } = await timed(pages.next());
      expect(error.code).toBe("CS_TIMEOUT");
      expect(error.message).toMatch(/list page 1/);
      expect(ms).toBeLessThan(600 + SLACK_MS);
    } finally {
      plannr.close();
    }
  });
});

describe("the run's abort signal cancels reads at once (issue 9 item 2); writes in hand finish", () => {
  it("aborting the run mid-body ends the read at once with CS_INTERRUPTED, and it is not retried", async () => {
    const s = await hostile();
    s.route("GET", LIST, trickle(PAGE, 1_000));
    const c = httpClient(s.url, { timeoutMs: 10_000, retry: { retries: 4, minDelayMs: 10, maxDelayMs: 20 } });
    const run = new AbortController();
    c.beginRun(run.signal);
    const pending = timed(list(c));
    setTimeout(() => run.abort(), 300);
    const { error, ms } = await pending;
    expect(error.code).toBe("CS_INTERRUPTED");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/GET \/api\/v1\/cases cancelled: the run was stopped/);
    expect(ms).toBeLessThan(300 + 500);
    expect(s.hits(LIST)).toBe(1);
  });

  it("a retry waiting out its backoff stops at once, and requests queued behind the bound are never sent", async () => {
    const s = await hostile();
    let n = 0;
    s.route("GET", LIST, (_req, res) => {
      n += 1;
      res.writeHead(503, { "Content-Type": "text/plain" });
      res.end("busy");
    });
    const c = httpClient(s.url, { concurrency: 1, timeoutMs: 5_000, retry: { retries: 4, minDelayMs: 5_000, maxDelayMs: 5_000 } });
    const run = new AbortController();
    c.beginRun(run.signal);
    const first = timed(list(c));
    const queued = timed(list(c));
    setTimeout(() => run.abort(), 200);
    const [a, b] = await Promise.all([first, queued]);
    expect(a.error.code).toBe("CS_INTERRUPTED");
    expect(a.ms).toBeLessThan(1_000);
    expect(b.error.code).toBe("CS_INTERRUPTED");
    expect(n).toBe(1);
  });

  it("a write in flight is not cut by the stop (its answer is kept), and is not retried after it", async () => {
    const s = await hostile();
    const PUT = /^\/api\/v1\/cases\/1$/;
    s.route("PUT", PUT, (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end('{"data":{"uuid":"1"}}');
      }, 400);
    });
    const c = httpClient(s.url, { timeoutMs: 5_000, retry: { retries: 4, minDelayMs: 10, maxDelayMs: 20 } });
    const run = new AbortController();
    c.beginRun(run.signal);
    const put = () => c.request({ method: "PUT", path: "/api/v1/cases/1", endpoint: "PUT /api/v1/cases/{uuid}", idempotent: true, body: { title: "x" } });
    const written = put();
    setTimeout(() => run.abort(), 100);
    expect((await written).status).toBe(200);
    // A write failing after the stop is reported as it failed, without another attempt.
    s.route("PUT", /^\/api\/v1\/cases\/2$/, (_req, res) => {
      res.writeHead(503, { "Content-Type": "text/plain" });
      res.end("busy");
    });
    const failed = await timed(c.request({ method: "PUT", path: "/api/v1/cases/2", endpoint: "PUT /api/v1/cases/{uuid}", idempotent: true, body: {} }));
    expect(failed.error.code).toBe("CS_UPSTREAM");
    expect(s.hits(/^\/api\/v1\/cases\/2$/)).toBe(1);
  });

  it("many reads in flight on one run signal: all cancelled at once, and Node warns of no listener leak", async () => {
    const s = await hostile();
    s.route("GET", LIST, trickle(PAGE, 200));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const c = httpClient(s.url, { concurrency: 16, timeoutMs: 10_000, retry: { retries: 2, minDelayMs: 10, maxDelayMs: 20 } });
      const run = new AbortController();
      c.beginRun(run.signal);
      const reads = Array.from({ length: 16 }, () => timed(list(c)));
      while (s.hits(LIST) < 16) await new Promise((r) => setTimeout(r, 10));
      run.abort();
      const results = await Promise.all(reads);
      expect(results.map((r) => r.error.code)).toEqual(Array.from({ length: 16 }, () => "CS_INTERRUPTED"));
      await new Promise((r) => setTimeout(r, 20));
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("a stopped run sends nothing; the next run (its own signal, or none) reads again", async () => {
    const s = await hostile();
    s.route("GET", LIST, trickle(PAGE, 1));
    const c = httpClient(s.url, { timeoutMs: 5_000 });
    const run = new AbortController();
    c.beginRun(run.signal);
    run.abort();
    expect((await timed(list(c))).error.code).toBe("CS_INTERRUPTED");
    expect(s.hits(LIST)).toBe(0);
    c.beginRun(new AbortController().signal);
    expect((await list(c)).status).toBe(200);
    c.beginRun();
    expect((await list(c)).status).toBe(200);
  });
});

// The per-side circuit breaker (SPEC §5): a flaky upstream is normal, a side is given up on only
// when it is really down: 5 consecutive requests failed after their retries, or more than 20 % of
// the run's requests once at least 20 have finished. Only transport trouble counts; a 404/422 is
// the record's problem and proves the side is up.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import {
  CircuitBreaker,
  countOutcome,
  DEFAULT_CIRCUIT,
  NO_COUNTS,
  openReason,
  outcomeOf,
  type CircuitCounts,
  type Outcome,
} from "../../src/transport/circuit.js";
import { errorFromNetwork, errorFromResponse, type CallContext } from "../../src/transport/errors.js";
import { classifyOnlyoffice } from "../../adapters/onlyoffice/profile.js";

const context: CallContext = { side: "plannr", endpoint: "GET /api/v1/cases", secrets: [] };
const status = (code: number) => errorFromResponse(code, { message: `HTTP ${code}` }, context);
const network = (code: string) => errorFromNetwork(Object.assign(new Error(`boom ${code}`), { code }), context);

function run(outcomes: readonly Outcome[]): CircuitCounts {
  return outcomes.reduce(countOutcome, NO_COUNTS);
}

describe("outcomeOf: which failures count", () => {
  const rows: [string, unknown, Outcome][] = [
    ["a reset", network("ECONNRESET"), "failed"],
    ["a hang-up", errorFromNetwork(new Error("socket hang up"), context), "failed"],
    ["a timeout", network("ECONNABORTED"), "failed"],
    ["408", status(408), "failed"],
    ["429 after the retries", status(429), "failed"],
    ["500", status(500), "failed"],
    ["502", status(502), "failed"],
    ["503", status(503), "failed"],
    ["504", status(504), "failed"],
    ["400", status(400), "ok"],
    ["401", status(401), "ok"],
    ["403", status(403), "ok"],
    ["404", status(404), "ok"],
    ["409", status(409), "ok"],
    ["422", status(422), "ok"],
    ["501", status(501), "ok"],
    ["a schema error", new CaseSyncError("CS_SCHEMA", "bad shape"), "ok"],
    ["the budget spent (nothing sent)", new CaseSyncError("CS_BUDGET", "spent"), "none"],
    ["the circuit already open", new CaseSyncError("CS_CIRCUIT", "open"), "none"],
    ["cancelled by the run's stop (issue 9 item 2)", new CaseSyncError("CS_INTERRUPTED", "GET /api/v1/cases cancelled: the run was stopped"), "none"],
    ["something not built by the transport", new Error("bug"), "none"],
  ];
  for (const [name, error, outcome] of rows) {
    it(`${name} → ${outcome}`, () => expect(outcomeOf(error)).toBe(outcome));
  }

  it("ONLYOFFICE's deterministic 500s, classified first, do not count; an unknown 500 does", () => {
    const oo = (endpoint: string, message: string) =>
      classifyOnlyoffice(500, { status: 1, statusCode: 500, error: { message } }, { side: "onlyoffice", endpoint, secrets: [] }) ??
      errorFromResponse(500, { status: 1, statusCode: 500, error: { message } }, { side: "onlyoffice", endpoint, secrets: [] });
    expect(outcomeOf(oo("POST /api/2.0/authentication", "User authentication failed"))).toBe("ok");
    expect(outcomeOf(oo("PUT /api/2.0/crm/case/{id}", "Data too long for column 'title' at row 1"))).toBe("ok");
    expect(outcomeOf(oo("POST /api/2.0/crm/case/{id}/customfield/{fieldid}", "Object reference not set to an instance of an object."))).toBe("ok");
    expect(outcomeOf(oo("PUT /api/2.0/crm/case/{id}", "Deadlock found when trying to get lock"))).toBe("failed");
  });
});

describe("openReason: the default thresholds", () => {
  const fail = (n: number): Outcome[] => Array.from({ length: n }, () => "failed");
  const ok = (n: number): Outcome[] => Array.from({ length: n }, () => "ok");

  it("opens after 5 consecutive failures, not after 4", () => {
    expect(openReason(run(fail(4)), DEFAULT_CIRCUIT)).toBeNull();
    expect(openReason(run(fail(5)), DEFAULT_CIRCUIT)).toBe("5 consecutive requests failed after their retries");
  });

  it("a success in between starts the streak again", () => {
    expect(openReason(run([...fail(4), "ok", ...fail(4)]), DEFAULT_CIRCUIT)).toBeNull();
    // and a 404 is a success here: the side answered
    expect(openReason(run([...fail(4), outcomeOf(status(404)), ...fail(4)]), DEFAULT_CIRCUIT)).toBeNull();
  });

  it("requests that were never sent change nothing", () => {
    expect(run([...fail(3), "none", "none", ...fail(1)])).toEqual({ requests: 4, failures: 4, consecutive: 4 });
  });

  it("1 failure of 3 does not open it: the ratio needs at least 20 requests", () => {
    expect(openReason(run(["ok", "failed", "ok"]), DEFAULT_CIRCUIT)).toBeNull();
    expect(openReason(run([...ok(15), "failed", "ok", "failed", "ok", "failed"]), DEFAULT_CIRCUIT)).toBeNull();
  });

  it("opens at more than 20 % of a run of at least 20, never at exactly 20 %", () => {
    // One failure in five (exactly 20 %), never two in a row.
    const spread = (failures: number): Outcome[] => Array.from({ length: failures }, (): Outcome[] => ["failed", ...ok(4)]).flat();
    expect(run(spread(4))).toMatchObject({ requests: 20, failures: 4 });
    expect(openReason(run(spread(4)), DEFAULT_CIRCUIT)).toBeNull();
    expect(openReason(run([...spread(4), "failed"]), DEFAULT_CIRCUIT)).toBe("5 of 21 requests (24 %) failed after their retries this run, more than 20 %");
    expect(openReason(run(spread(20)), DEFAULT_CIRCUIT)).toBeNull();
    expect(openReason(run([...spread(20), "failed"]), DEFAULT_CIRCUIT)).toMatch(/^21 of 101 requests/);
  });

  it("5 % random failures after retries never open it (issue 8 item 12), a dead side always does", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Outcome>(...ok(19), "failed"), { maxLength: 400 }), (outcomes) => {
        const counts = run(outcomes);
        if (counts.consecutive < 5 && counts.failures * 5 <= counts.requests) expect(openReason(counts, DEFAULT_CIRCUIT)).toBeNull();
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Outcome>("ok", "failed")), (before) => {
        expect(openReason(run([...before, ...fail(5)]), DEFAULT_CIRCUIT)).not.toBeNull();
      }),
    );
  });

  it("thresholds are configurable, and 0 / 1 switch a rule off", () => {
    expect(openReason(run(fail(2)), { ...DEFAULT_CIRCUIT, consecutiveFailures: 2 })).not.toBeNull();
    expect(openReason(run(fail(50)), { consecutiveFailures: 0, failureRatio: 1, minRequests: 20 })).toBeNull();
    expect(openReason(run([...ok(5), "failed", "ok"]), { consecutiveFailures: 0, failureRatio: 0.1, minRequests: 5 })).toMatch(/^1 of 7 requests \(14 %\)/);
  });
});

describe("CircuitBreaker", () => {
  it("throws CS_CIRCUIT naming the side, why, and the failure that opened it, until reset", () => {
    const breaker = new CircuitBreaker("onlyoffice");
    for (let i = 0; i < 4; i++) breaker.record(status(503));
    expect(() => breaker.check()).not.toThrow();
    breaker.record(network("ECONNRESET"));
    expect(breaker.isOpen()).toBe(true);
    let thrown: unknown;
    try {
      breaker.check({ endpoint: "GET /api/2.0/crm/case/filter", record: "17" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CaseSyncError);
    expect(thrown).toMatchObject({ code: "CS_CIRCUIT", side: "onlyoffice", endpoint: "GET /api/2.0/crm/case/filter", record: "17", retryable: false });
    expect((thrown as Error).message).toBe(
      "onlyoffice circuit breaker open: 5 consecutive requests failed after their retries (last: GET /api/v1/cases failed: boom ECONNRESET); no more onlyoffice requests this run",
    );
    // A success does not close it within the run.
    breaker.record();
    expect(breaker.isOpen()).toBe(true);
    breaker.reset();
    expect(breaker.isOpen()).toBe(false);
    expect(breaker.snapshot()).toEqual(NO_COUNTS);
    expect(() => breaker.check()).not.toThrow();
  });

  it("4xx answers never open it", () => {
    const breaker = new CircuitBreaker("plannr");
    for (let i = 0; i < 100; i++) breaker.record(status(i % 2 === 0 ? 404 : 422));
    expect(breaker.isOpen()).toBe(false);
    expect(breaker.snapshot()).toEqual({ requests: 100, failures: 0, consecutive: 0 });
  });
});

// Issue 9 "Done when": the hostile answers replayed through a local proxy in front of both
// simulators, against a whole run (`createSync(...).sync()`). Whatever the upstream does, the run
// ends on time with a clear exit code: 3 when a case scan could not complete (no deletes are
// inferred, the failed page is named), 4 when a reference list cannot be read or the run is stopped.
// Runs are dry (every read happens, no write does), so the simulators' world is the same for each test.
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOnlyofficeAdapter } from "../../adapters/onlyoffice/adapter.js";
import { createPlannrAdapter } from "../../adapters/plannr/adapter.js";
import type { Mapping } from "../../src/core/mapping.js";
import type { RunReport } from "../../src/core/report.js";
import { createSync, type CaseSync } from "../../src/index.js";
import { discoverMapping } from "../../src/library/discover.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "../../src/library/options.js";
import { parseMapping } from "../../src/mapping/load.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";
import { openStateStore } from "../../src/state/open.js";
import { deepJson, hugePage, json, redirect, startHostileServer, trickle, type HostileServer } from "./hostile-server.js";

const PLANNR_CASES = /^\/api\/v1\/cases$/;
const PLANNR_STATUSES = /^\/api\/v1\/cases-status$/;
const ONLYOFFICE_CASES = /^\/api\/2\.0\/crm\/case\/filter$/;
const ONLYOFFICE_FIELDS = /^\/api\/2\.0\/crm\/case\/customfield\/definitions$/;
const GiB = 1024 * 1024 * 1024;
const DEEP_ENVELOPE = `{"status":0,"statusCode":200,"response":${deepJson(200_000)}}`;
const FAST_RETRY = { retries: 1, minDelayMs: 10, maxDelayMs: 20 };

let s: Sandboxes;
let mapping: Mapping;
let proxies: { plannr: HostileServer; onlyoffice: HostileServer } | null = null;
let sync: CaseSync | null = null;

beforeAll(async () => {
  s = await startSandboxes({ seed: 97, cases: 12, onlyofficeCases: 3 });
  const found = await discoverMapping({
    plannr: parsePlannrConnection({ baseUrl: s.plannrUrl, token: s.env.PLANNR_TOKEN, accountUuid: s.env.PLANNR_ACCOUNT_UUID }),
    onlyoffice: parseOnlyofficeConnection({ baseUrl: s.onlyofficeUrl, token: s.env.ONLYOFFICE_TOKEN }),
    createLinkFields: true,
    logger: pino({ level: "silent" }),
  });
  mapping = parseMapping(found.text);
  mapping.people.defaultClient = s.world.clients.find((c) => c.note === "ordinary client")!.plannrUuid;
});

afterAll(async () => {
  await s.close();
});

afterEach(async () => {
  await sync?.close();
  sync = null;
  await Promise.all([proxies?.plannr.close(), proxies?.onlyoffice.close()]);
  proxies = null;
});

async function proxied(): Promise<{ plannr: HostileServer; onlyoffice: HostileServer }> {
  proxies = {
    plannr: await startHostileServer({ upstream: s.plannrUrl, lifetimeMs: 20_000 }),
    onlyoffice: await startHostileServer({ upstream: s.onlyofficeUrl, lifetimeMs: 20_000 }),
  };
  return proxies;
}

const plannrConnection = (baseUrl: string) => ({ baseUrl, token: s.env.PLANNR_TOKEN!, accountUuid: s.env.PLANNR_ACCOUNT_UUID! });
const onlyofficeConnection = (baseUrl: string) => ({ baseUrl, token: s.env.ONLYOFFICE_TOKEN! });

/** The library as an embedding platform opens it, pointed at the proxies. */
function library(p: { plannr: HostileServer; onlyoffice: HostileServer }, timeoutMs = 5_000): CaseSync {
  sync = createSync({
    plannr: plannrConnection(p.plannr.url),
    onlyoffice: onlyofficeConnection(p.onlyoffice.url),
    mapping,
    store: openStateStore(":memory:"),
    http: { concurrency: 4, timeoutMs },
  });
  return sync;
}

/** Same, with adapters built here so that a retried read costs milliseconds of backoff, not seconds. */
function libraryWithFastRetries(p: { plannr: HostileServer; onlyoffice: HostileServer }, timeoutMs: number): CaseSync {
  const http = { concurrency: 4, timeoutMs };
  sync = createSync({
    plannr: createPlannrAdapter({ connection: parsePlannrConnection(plannrConnection(p.plannr.url)), mapping, http, retry: FAST_RETRY }),
    onlyoffice: createOnlyofficeAdapter({ connection: parseOnlyofficeConnection(onlyofficeConnection(p.onlyoffice.url)), mapping, http, retry: FAST_RETRY }),
    mapping,
    store: openStateStore(":memory:"),
  });
  return sync;
}

function expectNothingDeleted(report: RunReport): void {
  expect(report.sides.plannr.deletes + report.sides.onlyoffice.deletes + report.sides.plannr.unlinks + report.sides.onlyoffice.unlinks).toBe(0);
}

describe("a whole run against a hostile upstream (issue 9)", () => {
  it("a 1 GiB Plannr case list page: exit 3, the page named with the cap, fetched once", async () => {
    const p = await proxied();
    p.plannr.route("GET", PLANNR_CASES, hugePage(GiB));
    const report = await library(p).sync({ dryRun: true, allowMassCreate: true });
    expect(report.exitCode).toBe(3);
    expect(report.abort).toBeNull();
    expect(report.errors).toContainEqual(
      expect.objectContaining({ side: "plannr", message: expect.stringMatching(/plannr scan incomplete \(GET \/api\/v1\/cases answered more than 64 MiB, the response size cap .*\(list page 1\)\)/) }),
    );
    expect(p.plannr.hits(PLANNR_CASES, "GET")).toBe(1);
    expectNothingDeleted(report);
  });

  it("a 200,000-deep ONLYOFFICE case list: exit 3, naming the depth cap, no stack overflow", async () => {
    const p = await proxied();
    p.onlyoffice.route("GET", ONLYOFFICE_CASES, json(DEEP_ENVELOPE));
    const report = await library(p).sync({ dryRun: true, allowMassCreate: true });
    expect(report.exitCode).toBe(3);
    expect(report.abort).toBeNull();
    expect(report.errors).toContainEqual(
      expect.objectContaining({ side: "onlyoffice", code: "CS_SCHEMA", message: expect.stringMatching(/onlyoffice scan incomplete.*nested deeper than 64 levels, the depth cap/) }),
    );
    expectNothingDeleted(report);
  });

  it("a Plannr case list that trickles one byte a second: exit 3 once its deadlines (one per attempt) have passed", async () => {
    const p = await proxied();
    p.plannr.route("GET", PLANNR_CASES, trickle('{"data":[],"meta":{"current_page":1,"last_page":1,"per_page":500,"total":0}}', 1_000));
    const started = Date.now();
    const report = await libraryWithFastRetries(p, 1_500).sync({ dryRun: true, allowMassCreate: true });
    const ms = Date.now() - started;
    expect(report.exitCode).toBe(3);
    expect(report.errors).toContainEqual(expect.objectContaining({ side: "plannr", code: "CS_TIMEOUT", message: expect.stringMatching(/did not complete within 1500 ms.*list page 1/) }));
    expect(p.plannr.hits(PLANNR_CASES, "GET")).toBe(2);
    expect(ms).toBeLessThan(2 * 1_500 + 2_000);
    expectNothingDeleted(report);
  });

  it("a redirecting Plannr reference list: exit 4, nothing followed", async () => {
    const p = await proxied();
    p.plannr.route("GET", PLANNR_STATUSES, redirect(`${p.onlyoffice.url}/api/v1/cases-status`));
    const report = await library(p).sync({ dryRun: true });
    expect(report.exitCode).toBe(4);
    expect(report.abort).toMatchObject({ code: "CS_UPSTREAM", message: expect.stringMatching(/GET \/api\/v1\/cases-status answered a redirect \(302\).*not followed/) });
    expect(p.onlyoffice.hits(PLANNR_STATUSES)).toBe(0);
  });

  it("a 200,000-deep ONLYOFFICE field definition list: exit 4", async () => {
    const p = await proxied();
    p.onlyoffice.route("GET", ONLYOFFICE_FIELDS, json(DEEP_ENVELOPE));
    const report = await library(p).sync({ dryRun: true });
    expect(report.exitCode).toBe(4);
    expect(report.abort).toMatchObject({ code: "CS_SCHEMA", message: expect.stringMatching(/nested deeper than 64 levels, the depth cap/) });
  });

  it("a trickling ONLYOFFICE field definition list: exit 4 at its deadlines", async () => {
    const p = await proxied();
    p.onlyoffice.route("GET", ONLYOFFICE_FIELDS, trickle('{"status":0,"response":[]}', 1_000));
    const started = Date.now();
    const report = await libraryWithFastRetries(p, 1_000).sync({ dryRun: true });
    expect(report.exitCode).toBe(4);
    expect(report.abort).toMatchObject({ code: "CS_TIMEOUT" });
    expect(Date.now() - started).toBeLessThan(2 * 1_000 + 2_000);
  });

  it("stopping the run (Ctrl-C, SIGTERM) cancels a trickling read at once: exit 4, CS_INTERRUPTED, no retry", async () => {
    const p = await proxied();
    p.plannr.route("GET", PLANNR_CASES, trickle('{"data":[],"meta":{"current_page":1,"last_page":1,"per_page":500,"total":0}}', 200));
    const engine = library(p, 20_000);
    const stop = new AbortController();
    const started = Date.now();
    const running = engine.sync({ dryRun: true, signal: stop.signal });
    // Abort once the case list is being read.
    const deadline = Date.now() + 5_000;
    while (p.plannr.hits(PLANNR_CASES, "GET") === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const stoppedAt = Date.now();
    stop.abort();
    const report = await running;
    expect(report.exitCode).toBe(4);
    expect(report.abort).toMatchObject({ code: "CS_INTERRUPTED" });
    expect(Date.now() - stoppedAt).toBeLessThan(1_000);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(p.plannr.hits(PLANNR_CASES, "GET")).toBe(1);
  });
});

// Issue 8 item 12, SPEC §5: a flaky upstream is the normal case, not an abort. Against both
// simulators over HTTP, with 5 % random 500s on both sides, every 25th Plannr request a 429, and a
// few creates whose answers are lost after they were committed, a sync never aborts, converges
// within two runs, and makes no duplicate. A side that is really down opens its circuit breaker.
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { countWrites as writes } from "../../src/core/report.js";
import { createSync, type CaseSync } from "../../src/index.js";
import { discoverMapping } from "../../src/library/discover.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "../../src/library/options.js";
import { parseMapping } from "../../src/mapping/load.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";
import { openStateStore } from "../../src/state/open.js";

let s: Sandboxes | null = null;
let sync: CaseSync | null = null;

afterEach(async () => {
  await sync?.close();
  await s?.close();
  sync = null;
  s = null;
});

async function world(seed: number, pageSize = 500, cases = 40, onlyofficeCases = 10): Promise<{ s: Sandboxes; sync: CaseSync; linkField: number }> {
  const sandboxes = await startSandboxes({ seed, cases, onlyofficeCases });
  s = sandboxes;
  const plannr = { baseUrl: sandboxes.plannrUrl, token: sandboxes.env.PLANNR_TOKEN!, accountUuid: sandboxes.env.PLANNR_ACCOUNT_UUID! };
  const onlyoffice = { baseUrl: sandboxes.onlyofficeUrl, token: sandboxes.env.ONLYOFFICE_TOKEN! };
  const found = await discoverMapping({ plannr: parsePlannrConnection(plannr), onlyoffice: parseOnlyofficeConnection(onlyoffice), createLinkFields: true, logger: pino({ level: "silent" }) });
  const mapping = parseMapping(found.text);
  mapping.people.defaultClient = sandboxes.world.clients.find((c) => c.note === "ordinary client")!.plannrUuid;
  mapping.plannr.pageSize = pageSize;
  const engine = createSync({ plannr, onlyoffice, mapping, store: openStateStore(":memory:"), http: { concurrency: 4, timeoutMs: 5_000 } });
  sync = engine;
  return { s: sandboxes, sync: engine, linkField: mapping.onlyoffice.linkField! };
}

function expectNoDuplicates(sandboxes: Sandboxes, linkField: number): void {
  const stamps = sandboxes.onlyoffice.listCases().map((c) => c.customFields[linkField]);
  expect(stamps.every((x) => typeof x === "string")).toBe(true);
  expect(new Set(stamps).size).toBe(stamps.length);
  expect(sandboxes.plannr.listCases().length).toBe(sandboxes.onlyoffice.listCases().length);
  expect(new Set(stamps)).toEqual(new Set(sandboxes.plannr.listCases().map((c) => c.uuid)));
}

describe("a flaky upstream (SPEC §5)", () => {
  it("5 % 500s on both sides, a 429 every 25th Plannr request and lost create answers: no abort, converged in two runs, no duplicate", async () => {
    const w = await world(88, 10, 60, 25);
    const arm = () => {
      const any = { kind: "status" as const, status: 500, probability: 0.05, seed: 7 };
      w.s.plannr.server.addFault(any);
      w.s.onlyoffice.server.addFault({ ...any, seed: 8 });
      w.s.plannr.server.addFault({ kind: "status", status: 429, retryAfterSeconds: 0, every: 25 });
      // Committed creates whose answers never arrive (the journal settles them next run).
      w.s.onlyoffice.server.addFault({ kind: "drop-response", method: "POST", path: /crm\/case$/, after: 3, times: 2 });
      w.s.plannr.server.addFault({ kind: "drop-response", method: "POST", path: /\/cases$/, after: 1, times: 1 });
    };
    const twoRunsUnderFaults = async () => {
      arm();
      for (const run of [1, 2]) {
        const report = await w.sync.sync({ allowMassCreate: true });
        expect(report.abort, `run ${run}`).toBeNull();
        expect([0, 3]).toContain(report.exitCode);
      }
      // The faults really happened: 500s on both sides, the 429s, and every lost create answer.
      const [p500, p429, pDrop] = w.s.plannr.server.faults.firedCounts();
      const [o500, oDrop] = w.s.onlyoffice.server.faults.firedCounts();
      w.s.plannr.server.faults.clear();
      w.s.onlyoffice.server.faults.clear();
      return { p500: p500 ?? 0, p429: p429 ?? 0, o500: o500 ?? 0, drops: (pDrop ?? 0) + (oDrop ?? 0) };
    };
    const expectConverged = async () => {
      expectNoDuplicates(w.s, w.linkField);
      const plan = await w.sync.plan();
      expect(plan.errors).toEqual([]);
      expect(plan.plan ?? []).toEqual([]);
    };
    // A first copy of both books under the faults.
    const copy = await twoRunsUnderFaults();
    expect(copy.drops).toBe(3);
    await expectConverged();
    // Then edits on both sides, synced under the faults again.
    for (const c of w.s.plannr.listCases().slice(0, 25)) w.s.plannr.editCase(c.uuid, { name: `${c.name} (P)` });
    for (const c of w.s.onlyoffice.listCases().slice(30, 55)) w.s.onlyoffice.editCase(c.id, { title: `${c.title} (O)` });
    const edits = await twoRunsUnderFaults();
    await expectConverged();
    expect(copy.p500 + edits.p500).toBeGreaterThan(0);
    expect(copy.o500 + edits.o500).toBeGreaterThan(0);
    expect(copy.p429 + edits.p429).toBeGreaterThan(0);
    // Converged: with the faults gone, nothing is left to write.
    const fixpoint = await w.sync.sync();
    expect(fixpoint.errors).toEqual([]);
    expect(writes(fixpoint)).toBe(0);
  }, 120_000);

  it("a scan page that keeps failing is named, infers no deletes, and exits 3 (item 13)", async () => {
    const w = await world(89, 10);
    expect((await w.sync.sync({ allowMassCreate: true })).exitCode).toBe(0);
    w.s.plannr.server.addFault({ kind: "status", status: 500, method: "GET", path: /\/cases$/, after: 1, times: Infinity });
    const report = await w.sync.sync();
    expect(report.exitCode).toBe(3);
    expect(report.abort).toBeNull();
    expect(report.errors).toMatchObject([{ side: "plannr", message: expect.stringMatching(/scan incomplete.*page 2/) }]);
    expect(report.sides.onlyoffice.deletes + report.sides.plannr.unlinks).toBe(0);
  }, 120_000);

  it("a stopped run leaves the same instance usable: check and link work after it (found by the model suite)", async () => {
    const w = await world(91);
    const stopped = await w.sync.sync({ allowMassCreate: true, signal: AbortSignal.abort() });
    expect(stopped.exitCode).toBe(4);
    expect((await w.sync.check()).exitCode).toBe(0);
    expect((await w.sync.sync({ allowMassCreate: true })).exitCode).toBe(0);
  }, 120_000);

  it("a side that is really down opens its circuit breaker: exit 4, named", async () => {
    const w = await world(90);
    expect((await w.sync.sync({ allowMassCreate: true })).exitCode).toBe(0);
    for (const c of w.s.plannr.listCases().slice(0, 12)) w.s.plannr.editCase(c.uuid, { name: `${c.name} (edited)` });
    // Reads of single cases and every write fail from now on: the re-reads before PUTs fail.
    w.s.onlyoffice.server.addFault({ kind: "status", status: 503, path: /crm\/case\/\d+/, times: Infinity });
    const report = await w.sync.sync();
    expect(report.exitCode).toBe(4);
    expect(report.abort).toMatchObject({ code: "CS_CIRCUIT" });
  }, 120_000);
});

// The engine's invariants end to end: the real adapters against both simulators over HTTP,
// random edits on both sides, and injected faults on every run (Plannr 429s with Retry-After,
// 503s on both sides, latency, and dropped answers to writes that were committed). After the
// faults stop, a clean sync converges, the next one writes nothing, and nothing was duplicated.
import fc from "fast-check";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countWrites as writes } from "../../src/core/report.js";
import { createSync, type CaseSync } from "../../src/index.js";
import { discoverMapping } from "../../src/library/discover.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "../../src/library/options.js";
import { parseMapping } from "../../src/mapping/load.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";
import { openStateStore } from "../../src/state/open.js";

let s: Sandboxes;
let sync: CaseSync;
let linkField: number;


beforeAll(async () => {
  s = await startSandboxes({ seed: 61, cases: 30, onlyofficeCases: 8 });
  const plannr = { baseUrl: s.plannrUrl, token: s.env.PLANNR_TOKEN!, accountUuid: s.env.PLANNR_ACCOUNT_UUID! };
  const onlyoffice = { baseUrl: s.onlyofficeUrl, token: s.env.ONLYOFFICE_TOKEN! };
  const found = await discoverMapping({ plannr: parsePlannrConnection(plannr), onlyoffice: parseOnlyofficeConnection(onlyoffice), createLinkFields: true, logger: pino({ level: "silent" }) });
  const mapping = parseMapping(found.text);
  mapping.people.defaultClient = s.world.clients.find((c) => c.note === "ordinary client")!.plannrUuid;
  mapping.conflicts.default = "plannr-wins";
  linkField = mapping.onlyoffice.linkField!;
  sync = createSync({ plannr, onlyoffice, mapping, store: openStateStore(":memory:"), http: { concurrency: 4, timeoutMs: 5_000 } });
  const first = await sync.sync({ allowMassCreate: true });
  expect(first.errors).toEqual([]);
});
afterAll(async () => {
  await sync.close();
  await s.close();
});

const edit = fc.record({
  side: fc.constantFrom("plannr" as const, "onlyoffice" as const),
  index: fc.nat(),
  kind: fc.constantFrom("title", "status", "value", "drink"),
  n: fc.nat({ max: 1000 }),
});

const fault = fc.record({
  side: fc.constantFrom("plannr" as const, "onlyoffice" as const),
  kind: fc.constantFrom("status-429", "status-503", "drop-response", "latency"),
  method: fc.constantFrom("GET", "PUT", "POST", "DELETE"),
  after: fc.nat({ max: 30 }),
  times: fc.integer({ min: 1, max: 3 }),
});

describe("engine over HTTP with injected faults", () => {
  it("converges, reaches a zero-write fixpoint and never duplicates, whatever fails in between", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.array(fault, { minLength: 1, maxLength: 4 }), async (edits, faults) => {
        const pCases = s.plannr.listCases();
        const oCases = s.onlyoffice.listCases();
        const statuses = s.world.statuses;
        for (const e of edits) {
          if (e.side === "plannr") {
            const c = pCases[e.index % pCases.length]!;
            if (e.kind === "title") s.plannr.editCase(c.uuid, { name: `P edit ${e.n}` });
            else if (e.kind === "status") s.plannr.editCase(c.uuid, { statusUuid: statuses[e.n % statuses.length]!.uuid });
            else if (e.kind === "value") s.plannr.editCase(c.uuid, { value: e.n * 100 });
            else s.plannr.editCase(c.uuid, { customFields: { favourite_drink: ["Coffee", "Tea", "Water"][e.n % 3]! } });
          } else {
            const c = oCases[e.index % oCases.length]!;
            if (e.kind === "title") s.onlyoffice.editCase(c.id, { title: `O edit ${e.n}` });
            else if (e.kind === "status") s.onlyoffice.editCase(c.id, { isClosed: e.n % 2 === 0 });
            else if (e.kind === "value") s.onlyoffice.editCase(c.id, { customFields: { ...c.customFields, 9: `${e.n}.50` } });
            else s.onlyoffice.editCase(c.id, { customFields: { ...c.customFields, 1: ["Coffee", "Tea", "Water"][e.n % 3]! } });
          }
        }
        for (const f of faults) {
          const server = (f.side === "plannr" ? s.plannr : s.onlyoffice).server;
          const base = { method: f.method, after: f.after, times: f.times };
          if (f.kind === "status-429") server.addFault({ ...base, kind: "status", status: f.side === "plannr" ? 429 : 503, retryAfterSeconds: 0 });
          else if (f.kind === "status-503") server.addFault({ ...base, kind: "status", status: 503 });
          else if (f.kind === "drop-response") server.addFault({ ...base, kind: "drop-response" });
          else server.addFault({ ...base, kind: "latency", latencyMs: 30 });
        }
        await sync.sync({ allowMassCreate: true, allowMassDelete: true });
        s.plannr.server.faults.clear();
        s.onlyoffice.server.faults.clear();
        let report = await sync.sync({ allowMassCreate: true });
        if (writes(report) > 0) report = await sync.sync({ allowMassCreate: true });
        const fixpoint = await sync.sync();
        expect(fixpoint.errors).toEqual([]);
        expect(writes(fixpoint)).toBe(0);
        // No duplicates: each Plannr case has exactly one ONLYOFFICE case stamped with it, and vice versa.
        const stamps = s.onlyoffice.listCases().map((c) => c.customFields[linkField]);
        expect(stamps.every((x) => typeof x === "string")).toBe(true);
        expect(new Set(stamps).size).toBe(stamps.length);
        expect(s.plannr.listCases().length).toBe(s.onlyoffice.listCases().length);
        expect(new Set(stamps)).toEqual(new Set(s.plannr.listCases().map((c) => c.uuid)));
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS_HTTP ?? 12) },
    );
  }, 180_000);
});

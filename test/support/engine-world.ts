// A small shared world for engine tests: both references, a mapping, two in-memory CRMs and a
// store, wired through the real engine.
import { emptyCase, type Case } from "../../src/core/case.js";
import { MappingSchema, type Mapping, type MappingInput } from "../../src/core/mapping.js";
import type { Progress } from "../../src/core/ports.js";
import type { RunReport } from "../../src/core/report.js";
import type { Reference } from "../../src/core/reference.js";
import type { StateStore } from "../../src/core/state.js";
import { runEngine, type RunMode } from "../../src/engine/run.js";
import { MemoryCrm } from "./memory-crm.js";
import { MemoryStateStore } from "./memory-store.js";

export const CLIENTS = ["ann@client.test", "bob@client.test", "cat@client.test", "dan@client.test", "eve@client.test", "fay@client.test"];
export const STAFF = ["sam@firm.test", "tia@firm.test", "uma@firm.test"];
export const STATUSES = [
  { id: "st-new", name: "New", closed: false, position: 1 },
  { id: "st-prog", name: "In Progress", closed: false, position: 2 },
  { id: "st-done", name: "Completed", closed: true, position: 3 },
  { id: "st-cancel", name: "Cancelled", closed: true, position: 4 },
];
export const DRINKS = ["Coffee", "Tea", "Water"];

export function references(): { plannr: Reference; onlyoffice: Reference } {
  const people = (prefix: string) =>
    CLIENTS.map((email, i) => ({ id: `${prefix}-c${i}`, key: email, email, name: email.split("@")[0] ?? "", firstName: email.split("@")[0] ?? null, lastName: "Client", kind: "person" as const }));
  const staff = (prefix: string) => STAFF.map((email, i) => ({ id: `${prefix}-s${i}`, key: email, email, name: email, isAdmin: false }));
  const integration = { id: "oo-int", key: "integration@firm.test", email: "integration@firm.test", name: "Integration", isAdmin: true };
  return {
    plannr: { side: "plannr", statuses: STATUSES, customFields: [], staff: staff("p"), people: people("p"), integrationUser: null },
    onlyoffice: { side: "onlyoffice", statuses: [], customFields: [], staff: [...staff("o"), integration], people: people("o"), integrationUser: integration },
  };
}

export function testMapping(overrides: MappingInput = {}): Mapping {
  return MappingSchema.parse({
    onlyoffice: { linkField: 99 },
    fields: { status: { onlyofficeField: 50 }, value: { onlyofficeField: 51 }, reviewAt: { onlyofficeField: 52 } },
    customFields: [{ key: "drink", plannr: "drink", onlyoffice: 60, type: "select" }],
    ...overrides,
  });
}

export function aCase(partial: Partial<Case> = {}): Case {
  return { ...emptyCase(), title: "A case", status: { closed: false, statusName: "New" }, participants: [CLIENTS[0] ?? ""], ...partial };
}

export interface EngineWorld {
  mapping: Mapping;
  plannr: MemoryCrm;
  onlyoffice: MemoryCrm;
  store: StateStore;
  run(mode?: RunMode, signal?: AbortSignal): Promise<RunReport>;
  sync(options?: Partial<Extract<RunMode, { kind: "sync" }>>): Promise<RunReport>;
}

export const SYNC: RunMode = { kind: "sync", dryRun: false, allowMassDelete: false, allowMassCreate: false };

export function engineWorld(options: { mapping?: Mapping; store?: StateStore; progress?: Progress } = {}): EngineWorld {
  const refs = references();
  const mapping = options.mapping ?? testMapping();
  const plannr = new MemoryCrm("plannr", refs.plannr);
  const onlyoffice = new MemoryCrm("onlyoffice", refs.onlyoffice);
  const store = options.store ?? new MemoryStateStore();
  const world: EngineWorld = {
    mapping,
    plannr,
    onlyoffice,
    store,
    run: (mode = SYNC, signal) => runEngine({ plannr, onlyoffice, store, mapping, ...(options.progress ? { progress: options.progress } : {}) }, mode, signal),
    sync: (o = {}) => world.run({ ...(SYNC as Extract<RunMode, { kind: "sync" }>), allowMassCreate: true, ...o }),
  };
  return world;
}

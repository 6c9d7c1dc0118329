// The two systems the model-based suite drives: both simulators over real HTTP, seeded from one
// world with no cases (the command sequence creates them), on the suite's virtual clock. Also the
// cast (the clients and staff a person may put on a case) and the mapping, which the model owns:
// its conflict policy, whether the `risk` field is mapped, which ONLYOFFICE field holds the case
// value, and whether the opt-in Plannr mirror stamp is on are all commands of the sequence.
import type { ConflictPolicy, Mapping } from "../../src/core/mapping.js";
import { validateMapping } from "../../src/mapping/load.js";
import { OnlyofficeSimulator, PlannrSimulator, createWorld, type World } from "../../src/sandbox/index.js";
import type { WorldClient, WorldStaff } from "../../src/sandbox/world.js";
import type { VirtualClock } from "./model-clock.js";

/** ONLYOFFICE case field ids of the seeded world (src/sandbox/world.ts), plus the two added here. */
export const OO_FIELD = { drink: 1, risk: 2, notes: 5, value: 9, reviewAt: 10, spareValue: 11, link: 13 } as const;
export const MIRROR_REFERENCE = "onlyoffice_case_id";
/** Plannr refuses longer `longtext` values (reference "Validation"); ONLYOFFICE takes them. */
export const PLANNR_LONGTEXT_MAX = 65_535;

export interface Cast {
  /** Ordinary clients, the same person on both sides (one e-mail). */
  clients: WorldClient[];
  /** Employees (never the integration user). */
  employees: WorldStaff[];
  integration: WorldStaff;
  statusUuid: { open: string; closed: string };
}

export interface ModelSandbox {
  world: World;
  plannr: PlannrSimulator;
  onlyoffice: OnlyofficeSimulator;
  plannrUrl: string;
  onlyofficeUrl: string;
  cast: Cast;
  close(): Promise<void>;
}

export async function startModelSandbox(seed: number, clock: VirtualClock): Promise<ModelSandbox> {
  const world = createWorld({ seed, cases: 0, onlyofficeCases: 0 });
  // The link field `case-sync init --create-link-fields` would make, and the opt-in Plannr mirror.
  world.onlyofficeFields.push({ id: OO_FIELD.link, label: "Plannr case UUID", fieldType: 0, mask: JSON.stringify({ size: 40 }), position: world.onlyofficeFields.length });
  world.plannrFields.push({ uuid: "0d5e6b1a-7c1f-4b8e-9a55-6f0e1d2c3b4a", reference: MIRROR_REFERENCE, name: "ONLYOFFICE case id", type: "string", selection_options: [], help_text: "", position: world.plannrFields.length + 1, conditions: [] });
  const now = () => clock.now();
  const plannr = new PlannrSimulator({ world, now, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
  const onlyoffice = new OnlyofficeSimulator({ world, now });
  const [plannrUrl, onlyofficeUrl] = await Promise.all([plannr.listen(0), onlyoffice.listen(0)]);
  const integration = world.staff.find((s) => s.isIntegrationUser);
  const open = world.statuses.find((s) => !s.is_type_completed);
  const closed = world.statuses.find((s) => s.is_type_completed);
  if (!integration || !open || !closed) throw new Error("the seeded world lacks an integration user or statuses");
  const cast: Cast = {
    clients: world.clients.filter((c) => c.note === "ordinary client").slice(0, 4),
    employees: world.staff.filter((s) => !s.isIntegrationUser).slice(0, 4),
    integration,
    // The engine's defaults for an ONLYOFFICE close/reopen are the first completed / not completed
    // status by position, so a person's Plannr edits use those two and the closed flag says it all.
    statusUuid: { open: open.uuid, closed: closed.uuid },
  };
  return {
    world,
    plannr,
    onlyoffice,
    plannrUrl,
    onlyofficeUrl,
    cast,
    async close() {
      await Promise.all([plannr.close(), onlyoffice.close()]);
    },
  };
}

export interface MappingState {
  policy: ConflictPolicy;
  riskMapped: boolean;
  valueField: number;
  mirror: boolean;
}

export const INITIAL_MAPPING: MappingState = { policy: "manual", riskMapped: false, valueField: OO_FIELD.value, mirror: false };

/**
 * The mapping for a model state. Small pages on both sides, so every scan pages (and a page can
 * fail on its own). No status field in ONLYOFFICE: the status group compares the closed flag.
 */
export function buildMapping(state: MappingState): Mapping {
  const customFields = [
    { key: "drink", plannr: "favourite_drink", onlyoffice: OO_FIELD.drink, type: "select" },
    { key: "notes", plannr: "notes", onlyoffice: OO_FIELD.notes, type: "longtext" },
    ...(state.riskMapped ? [{ key: "risk", plannr: "risk_score", onlyoffice: OO_FIELD.risk, type: "number" }] : []),
  ];
  return validateMapping({
    plannr: { pageSize: 2, ...(state.mirror ? { mirrorField: MIRROR_REFERENCE } : {}) },
    onlyoffice: { linkField: OO_FIELD.link, pageSize: 3 },
    fields: {
      status: { onlyofficeField: null },
      value: { onlyofficeField: state.valueField },
      reviewAt: { onlyofficeField: OO_FIELD.reviewAt },
      type: { onlyofficeField: null },
      groups: { onlyofficeField: null },
    },
    customFields,
    conflicts: { default: state.policy },
  });
}

/** Whether this version still offers the opt-in Plannr mirror stamp (issue 8 item 9 may remove it). */
export function mirrorSupported(): boolean {
  try {
    buildMapping({ ...INITIAL_MAPPING, mirror: true });
    return true;
  } catch {
    return false;
  }
}

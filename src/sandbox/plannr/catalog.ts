// The firm's reference data as the Plannr simulator holds it, built once from the shared world:
// case statuses, case types, groups, case custom field definitions and accounts (employees from
// `world.staff`, clients from `world.clients` that have a Plannr uuid). None of it can be changed
// through the API the adapter uses (reference: "Plannr's API cannot create field definitions";
// accounts are never created by this tool), so it is read-only here.
import type { World, WorldCaseType, WorldPlannrField, WorldStatus } from "../world.js";

export type AccountType = "client" | "employee" | "external";

export interface SimAccount {
  uuid: string;
  type: AccountType;
  role: string;
  firstName: string;
  lastName: string;
  email: string | null;
}

/** Reference records carry timestamps too; a fixed one keeps the simulator deterministic. */
export const CATALOG_TIMESTAMP = "2023-01-02T09:00:00+00:00";

export const FIRM_NAME = "Sandbox Financial Planning";

function staffRole(lastName: string): string {
  const role = lastName.toLowerCase();
  return role === "adviser" || role === "paraplanner" || role === "administrator" ? role : "administrator";
}

export class PlannrCatalog {
  readonly statuses: WorldStatus[];
  readonly types: WorldCaseType[];
  readonly groups: { uuid: string; name: string }[];
  readonly fields: WorldPlannrField[];
  readonly accounts: SimAccount[];
  readonly accountUuid: string;
  private readonly statusIndex: Map<string, WorldStatus>;
  private readonly typeIndex: Map<string, WorldCaseType>;
  private readonly groupIndex: Set<string>;
  private readonly fieldIndex: Map<string, WorldPlannrField>;
  private readonly accountIndex: Map<string, SimAccount>;

  constructor(world: World) {
    this.accountUuid = world.plannrAccountUuid;
    this.statuses = [...world.statuses].sort((a, b) => a.position - b.position || a.uuid.localeCompare(b.uuid));
    this.types = [...world.caseTypes];
    this.groups = [...world.groups];
    this.fields = [...world.plannrFields].sort((a, b) => a.position - b.position);
    const employees: SimAccount[] = world.staff.map((s) => ({
      uuid: s.plannrUuid,
      type: "employee",
      role: staffRole(s.lastName),
      firstName: s.firstName,
      lastName: s.lastName,
      email: s.email,
    }));
    const clients: SimAccount[] = world.clients.flatMap((c) =>
      c.plannrUuid === null || c.isCompany
        ? []
        : [{ uuid: c.plannrUuid, type: "client" as const, role: "client", firstName: c.firstName, lastName: c.lastName, email: c.plannrEmail }],
    );
    this.accounts = [...employees, ...clients];
    this.statusIndex = new Map(this.statuses.map((s) => [s.uuid, s]));
    this.typeIndex = new Map(this.types.map((t) => [t.uuid, t]));
    this.groupIndex = new Set(this.groups.map((g) => g.uuid));
    this.fieldIndex = new Map(this.fields.map((f) => [f.reference, f]));
    this.accountIndex = new Map(this.accounts.map((a) => [a.uuid, a]));
  }

  status(uuid: string): WorldStatus | undefined {
    return this.statusIndex.get(uuid);
  }

  /** A new case without a `status` gets the first status by position. */
  defaultStatus(): WorldStatus {
    const first = this.statuses[0];
    if (!first) throw new Error("the world has no case statuses");
    return first;
  }

  type(uuid: string): WorldCaseType | undefined {
    return this.typeIndex.get(uuid);
  }

  hasGroup(uuid: string): boolean {
    return this.groupIndex.has(uuid);
  }

  field(reference: string): WorldPlannrField | undefined {
    return this.fieldIndex.get(reference);
  }

  account(uuid: string): SimAccount | undefined {
    return this.accountIndex.get(uuid);
  }
}

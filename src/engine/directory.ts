// The cross-side directory: which people and staff can be carried between the two systems, and
// the Plannr status catalog. Built once per run from both references (canonical shapes only), so
// the engine never asks either system who someone is.
import type { Mapping } from "../core/mapping.js";
import type { CaseRecord, PersonInfo, RecordIssue } from "../core/records.js";
import type { PersonRef, Reference, StaffRef } from "../core/reference.js";
import { StatusCatalog } from "../core/status-catalog.js";

function countKeys<T extends { key: string | null }>(items: readonly T[], keep: (item: T) => boolean): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    if (item.key === null || !keep(item)) continue;
    counts.set(item.key, (counts.get(item.key) ?? 0) + 1);
  }
  return counts;
}

export class Directory {
  readonly statuses: StatusCatalog;
  private readonly plannrPeople: Map<string, number>;
  private readonly onlyofficePeople: Map<string, number>;
  private readonly plannrStaff: Map<string, number>;
  private readonly onlyofficeStaff: Map<string, number>;
  private readonly integrationKey: string | null;
  private readonly personInfo = new Map<string, PersonInfo>();
  private readonly createContacts: boolean;
  /** Key of the mapping's default client, if it resolves. */
  readonly defaultClientKey: string | null;

  constructor(
    readonly plannr: Reference,
    readonly onlyoffice: Reference,
    mapping: Mapping,
  ) {
    this.statuses = new StatusCatalog(plannr.statuses, mapping);
    const person = (p: PersonRef) => p.kind === "person";
    this.plannrPeople = countKeys(plannr.people, person);
    this.onlyofficePeople = countKeys(onlyoffice.people, person);
    const anyone = (_: StaffRef) => true;
    this.plannrStaff = countKeys(plannr.staff, anyone);
    this.onlyofficeStaff = countKeys(onlyoffice.staff, anyone);
    this.integrationKey = onlyoffice.integrationUser?.key ?? null;
    this.createContacts = mapping.people.unknownContact === "create";
    for (const p of plannr.people) {
      if (p.key === null || p.kind !== "person" || this.personInfo.has(p.key)) continue;
      this.personInfo.set(p.key, { key: p.key, email: p.email, firstName: p.firstName, lastName: p.lastName, name: p.name });
    }
    const defaultClient = mapping.people.defaultClient?.toLowerCase();
    this.defaultClientKey = plannr.people.find((p) => p.id.toLowerCase() === defaultClient)?.key ?? null;
  }

  /**
   * A person is carried when exactly one record holds the key on each side; with
   * `unknownContact: create`, a Plannr client with no ONLYOFFICE contact is carried too (the
   * contact is created on the way). Ambiguous keys (joint clients) are never guessed.
   */
  carriesPerson(key: string): boolean {
    const p = this.plannrPeople.get(key) ?? 0;
    const o = this.onlyofficePeople.get(key) ?? 0;
    if (p === 1 && o === 1) return true;
    return this.createContacts && p === 1 && o === 0;
  }

  /** Staff are carried when both sides know exactly one user by the key; the integration user never is. */
  carriesStaff(key: string): boolean {
    if (key === this.integrationKey) return false;
    return (this.plannrStaff.get(key) ?? 0) === 1 && (this.onlyofficeStaff.get(key) ?? 0) === 1;
  }

  people(): ReadonlyMap<string, PersonInfo> {
    return this.personInfo;
  }

  /** Run-level warnings: ambiguous e-mails and people or staff only one side knows. */
  describeGaps(): RecordIssue[] {
    const issues: RecordIssue[] = [];
    const ambiguous = (counts: Map<string, number>, side: "plannr" | "onlyoffice", what: string) => {
      for (const [key, count] of counts) {
        if (count > 1) {
          issues.push({
            severity: "warning",
            side,
            record: null,
            field: what,
            code: "CS_AMBIGUOUS",
            message: `${count} ${side} ${what} share the key ${key}; they are never matched automatically (add an override to the mapping)`,
          });
        }
      }
    };
    ambiguous(this.plannrPeople, "plannr", "people");
    ambiguous(this.onlyofficePeople, "onlyoffice", "people");
    ambiguous(this.plannrStaff, "plannr", "staff");
    ambiguous(this.onlyofficeStaff, "onlyoffice", "staff");
    return issues;
  }
}

/** Resolves the status name an ONLYOFFICE record shows against the Plannr catalog. */
export function refineOnlyoffice(directory: Directory): (record: CaseRecord) => CaseRecord {
  return (record) => {
    const name = record.case.status.statusName;
    if (name === null) return record;
    const resolved = directory.statuses.resolve(name);
    if (resolved !== undefined) return { ...record, case: { ...record.case, status: { ...record.case.status, statusName: resolved } } };
    const issue: RecordIssue = {
      severity: "error",
      side: "onlyoffice",
      record: record.id,
      field: "status",
      code: "CS_VALIDATION",
      message: `the status field holds "${name}", which is no Plannr status (known: ${directory.statuses.statuses.map((s) => s.name).join(", ")})`,
    };
    return { ...record, case: { ...record.case, status: { ...record.case.status, statusName: null } }, issues: [...record.issues, issue] };
  };
}

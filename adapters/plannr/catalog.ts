// The firm's Plannr reference lists as the adapter caches them (SPEC §1 `listReference()`), with
// the indexes the codec and the write encoder need to turn native ids into canonical keys and
// back. Facts relied on (reference "Statuses, custom fields, people"): statuses carry
// `is_type_completed` and `position`; people are accounts, clients (`type=client`) take part in
// cases, employees (`type=employee`) are the ones `assigned_to_uuids` names; an account's e-mail
// is `primary_email`, else `email`. Pure: built from lists already fetched.
import type { Mapping } from "../../src/core/mapping.js";
import { normalizeEmail, normalizeText } from "../../src/core/normalize.js";
import type { PersonRef, Reference, StaffRef, StatusRef } from "../../src/core/reference.js";
import { KeyIndex, plannrPersonKey, plannrStaffKey } from "../../src/mapping/people.js";
import { StatusCatalog } from "../../src/mapping/status.js";
import type { NativeAccount, NativeFieldDefinition, NativeStatus } from "./schemas.js";
import { StringPool } from "../../src/core/string-pool.js";

export interface PlannrReferenceLists {
  statuses: NativeStatus[];
  fields: NativeFieldDefinition[];
  clients: NativeAccount[];
  employees: NativeAccount[];
}

/** How a canonical key resolves to one native account. */
export type Resolution = { kind: "one"; id: string } | { kind: "ambiguous"; ids: string[] } | { kind: "unknown" };

function displayName(account: NativeAccount): string {
  const joined = [account.first_name, account.last_name].map((part) => normalizeText(part)).filter((part) => part !== null).join(" ");
  return normalizeText(account.name) ?? (joined || account.uuid);
}

function accountEmail(account: NativeAccount): string | null {
  return normalizeEmail(account.primary_email) ?? normalizeEmail(account.email);
}

class AccountIndex {
  private readonly keyById = new Map<string, string | null>();
  private readonly idsByKey = new Map<string, string[]>();
  private readonly keys = new KeyIndex();

  add(id: string, key: string | null): void {
    this.keyById.set(id.toLowerCase(), key);
    this.keys.add(key, id);
    if (key !== null) {
      const ids = this.idsByKey.get(key) ?? [];
      if (!ids.includes(id)) ids.push(id);
      this.idsByKey.set(key, ids);
    }
  }

  /** The key of a known account (null: known, no usable key); undefined when unknown. */
  keyOf(id: string): string | null | undefined {
    return this.keyById.get(id.toLowerCase());
  }

  resolve(key: string): Resolution {
    const one = this.keys.resolve(key);
    if (one !== null) return { kind: "one", id: one };
    if (this.keys.isAmbiguous(key)) return { kind: "ambiguous", ids: [...(this.idsByKey.get(key) ?? [])] };
    return { kind: "unknown" };
  }
}

export class PlannrCatalog {
  /** Ids repeated across records (statuses, types, accounts) are held once (memory of large scans). */
  readonly pool = new StringPool();
  readonly statuses: StatusCatalog;
  private readonly statusRefs: StatusRef[];
  private readonly fieldsByReference = new Map<string, NativeFieldDefinition>();
  private readonly clientIndex = new AccountIndex();
  private readonly staffIndex = new AccountIndex();
  private readonly people: PersonRef[];
  private readonly staff: StaffRef[];

  constructor(
    readonly lists: PlannrReferenceLists,
    private readonly mapping: Mapping,
  ) {
    this.statusRefs = lists.statuses.map((status, index) => ({
      id: status.uuid,
      name: status.name.trim(),
      closed: status.is_type_completed ?? false,
      position: status.position ?? index + 1,
    }));
    this.statuses = new StatusCatalog(this.statusRefs, mapping);
    for (const field of lists.fields) {
      // `filter[model_type]=case` should already hold only case fields; a firm-wide list is tolerated.
      if (field.model_type === undefined || field.model_type === "case") this.fieldsByReference.set(field.reference, field);
    }
    this.people = lists.clients.map((account) => {
      const key = plannrPersonKey(mapping, account.uuid, [account.primary_email, account.email]);
      this.clientIndex.add(account.uuid, key);
      return {
        id: account.uuid,
        key,
        email: accountEmail(account),
        name: displayName(account),
        firstName: normalizeText(account.first_name),
        lastName: normalizeText(account.last_name),
        kind: "person" as const,
      };
    });
    this.staff = lists.employees.map((account) => {
      const email = accountEmail(account);
      const key = plannrStaffKey(mapping, account.uuid, email);
      this.staffIndex.add(account.uuid, key);
      return { id: account.uuid, key, email, name: displayName(account), isAdmin: false };
    });
  }

  /** The canonical Reference (SPEC §1). Plannr has no integration user to ignore. */
  toReference(): Reference {
    return {
      side: "plannr",
      statuses: this.statusRefs,
      customFields: [...this.fieldsByReference.values()].map((field) => ({
        id: field.uuid,
        key: field.reference,
        label: field.name,
        nativeType: field.type,
        options: field.type === "selection" ? [...field.selection_options] : null,
      })),
      staff: this.staff,
      people: this.people,
      integrationUser: null,
    };
  }

  statusById(uuid: string): StatusRef | undefined {
    return this.statuses.byId(uuid);
  }

  field(reference: string): NativeFieldDefinition | undefined {
    return this.fieldsByReference.get(reference);
  }

  /** Key of a client account: null when it has no usable e-mail, undefined when not a known client. */
  clientKey(uuid: string): string | null | undefined {
    return this.clientIndex.keyOf(uuid);
  }

  staffKey(uuid: string): string | null | undefined {
    return this.staffIndex.keyOf(uuid);
  }

  resolveClient(key: string): Resolution {
    return this.clientIndex.resolve(key);
  }

  resolveStaff(key: string): Resolution {
    return this.staffIndex.resolve(key);
  }

  /** The mapping's `defaultClient`, if set (its existence is Plannr's to judge). */
  defaultClient(): string | null {
    return this.mapping.people.defaultClient;
  }
}

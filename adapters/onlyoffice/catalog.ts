// The adapter's cache of ONLYOFFICE's reference lists (field definitions, portal users, the
// integration user, contacts), indexed the ways the codec needs: contact id → person key, person
// key → contact ids, user GUID → staff key, staff key → GUIDs. Built once per `listReference()`
// and read by decode and encode, which stay pure. Facts relied on (reference "Contacts",
// "People", "Custom fields"): a contact's e-mail is a `commonData` item with `infoType` 1;
// GUIDs are compared case-insensitively; a SelectBox's options are its `mask`, a JSON string;
// Heading (type 4) fields hold no value.
import { createHash, type Hash } from "node:crypto";
import type { Mapping } from "../../src/core/mapping.js";
import { normalizeEmail } from "../../src/core/normalize.js";
import type { PersonInfo, RecordIssue, SetDelta } from "../../src/core/records.js";
import type { FieldRef, PersonRef, Reference, StaffRef } from "../../src/core/reference.js";
import { KeyIndex, onlyofficePersonKey, onlyofficeStaffKey } from "../../src/mapping/people.js";
import { FIELD_TYPE, FIELD_TYPE_NAMES, type Contact, type FieldDefinition, type PortalUser } from "./schemas.js";
import { StringPool } from "../../src/core/string-pool.js";

export interface NativeLists {
  definitions: FieldDefinition[];
  people: PortalUser[];
  self: PortalUser;
  contacts: Contact[];
}

interface ContactEntry {
  key: string | null;
  kind: "person" | "company";
}

/** E-mail addresses of a contact, primary first (`infoType` 1, or the enum name `Email`). */
export function contactEmails(contact: Contact): string[] {
  return contact.commonData
    .filter((item) => item.infoType === 1 || (typeof item.infoType === "string" && item.infoType.toLowerCase() === "email"))
    .sort((a, b) => Number(b.isPrimary) - Number(a.isPrimary))
    .map((item) => item.data ?? "")
    .filter((data) => data.trim() !== "");
}

/** A portal administrator, or a CRM-only administrator (`listAdminModules` holds `crm`). */
export function isCrmAdmin(user: PortalUser): boolean {
  return user.isAdmin || user.listAdminModules.some((module) => module.toLowerCase() === "crm");
}

/** SelectBox options from the mask JSON string; null for other types or an unreadable mask. */
export function selectOptions(definition: FieldDefinition): string[] | null {
  if (definition.fieldType !== FIELD_TYPE.SelectBox) return null;
  try {
    const parsed = JSON.parse(definition.mask) as unknown;
    return Array.isArray(parsed) ? parsed.map((option) => String(option)) : null;
  } catch {
    return null;
  }
}

function userName(user: PortalUser): string {
  const full = [user.firstName, user.lastName].filter((part) => part !== null && part !== undefined && part !== "").join(" ");
  return user.displayName ?? (full || (user.userName ?? user.id));
}

export function staffRefOf(mapping: Mapping, user: PortalUser): StaffRef {
  return {
    id: user.id,
    key: onlyofficeStaffKey(mapping, user.id, user.email),
    email: normalizeEmail(user.email),
    name: userName(user),
    isAdmin: isCrmAdmin(user),
  };
}

export function fieldRefOf(definition: FieldDefinition): FieldRef {
  return {
    id: String(definition.id),
    key: String(definition.id),
    label: definition.label,
    nativeType: FIELD_TYPE_NAMES[definition.fieldType] ?? String(definition.fieldType),
    options: selectOptions(definition),
  };
}

export class OnlyofficeCatalog {
  /** Texts repeated across records (user GUIDs, select options) are held once (memory of large scans). */
  readonly pool = new StringPool();
  readonly definitions = new Map<number, FieldDefinition>();
  readonly personKeys = new KeyIndex();
  readonly staffKeys = new KeyIndex();
  readonly integrationGuid: string;
  private readonly contacts = new Map<number, ContactEntry>();
  private readonly staff = new Map<string, string | null>();
  private readonly ref: Reference;
  /**
   * A running hash of every fact decoding reads from this catalog, in the order it was added (a
   * contact added twice counts twice, as its key index does): see `fingerprint()`.
   */
  private readonly facts: Hash = createHash("sha1");

  constructor(
    private readonly mapping: Mapping,
    lists: NativeLists,
  ) {
    const fields: FieldRef[] = [];
    for (const definition of lists.definitions) {
      const ref = this.addDefinition(definition);
      if (ref !== null) fields.push(ref);
    }
    const people: PersonRef[] = lists.contacts.map((contact) => this.addContact(contact));
    const staff: StaffRef[] = lists.people.map((user) => this.addUser(user));
    this.integrationGuid = lists.self.id.toLowerCase();
    this.facts.update(`${JSON.stringify(["self", this.integrationGuid])}\n`);
    const self = staffRefOf(this.mapping, lists.self);
    this.ref = { side: "onlyoffice", statuses: [], customFields: fields, staff, people, integrationUser: self };
  }

  reference(): Reference {
    return this.ref;
  }

  /**
   * A digest of everything `decodeCase` can read here (field definitions, contact and user keys,
   * the integration user), including what was added since the lists were read. A listed case
   * decodes differently when this changes even though its raw item did not (a status option or a
   * contact's e-mail changed), so its raw hash mixes this in (raw-hash.ts).
   */
  fingerprint(): string {
    return this.facts.copy().digest("base64");
  }

  contact(id: number): ContactEntry | undefined {
    return this.contacts.get(id);
  }

  /** Staff key of a user GUID: undefined when the GUID is not a listed user, null when it has no usable e-mail. */
  staffKey(guid: string): string | null | undefined {
    return this.staff.get(guid.toLowerCase());
  }

  isIntegrationUser(guid: string): boolean {
    return guid.toLowerCase() === this.integrationGuid;
  }

  /** Adds a contact (also one created during a run, so later records reuse it). */
  addContact(contact: Contact): PersonRef {
    const kind = contact.isCompany ? "company" : "person";
    const emails = contactEmails(contact);
    // Companies never take part in participants (SPEC §2), so they get no key to collide on.
    const key = kind === "person" ? onlyofficePersonKey(this.mapping, contact.id, emails) : null;
    this.contacts.set(contact.id, { key, kind });
    this.facts.update(`${JSON.stringify(["contact", contact.id, kind, key])}\n`);
    if (kind === "person") this.personKeys.add(key, String(contact.id));
    return {
      id: String(contact.id),
      key,
      email: emails.map((e) => normalizeEmail(e)).find((e) => e !== null) ?? null,
      name: contact.displayName || [contact.firstName, contact.lastName].filter(Boolean).join(" "),
      firstName: contact.firstName ?? null,
      lastName: contact.lastName ?? null,
      kind,
    };
  }

  /** Adds a field definition (also one created by `init`); Headings hold no value and are skipped. */
  addDefinition(definition: FieldDefinition): FieldRef | null {
    if (definition.fieldType === FIELD_TYPE.Heading) return null;
    this.definitions.set(definition.id, definition);
    this.facts.update(`${JSON.stringify(["definition", definition])}\n`);
    return fieldRefOf(definition);
  }

  private addUser(user: PortalUser): StaffRef {
    const ref = staffRefOf(this.mapping, user);
    this.staff.set(user.id.toLowerCase(), ref.key);
    this.facts.update(`${JSON.stringify(["user", user.id, ref.key])}\n`);
    this.staffKeys.add(ref.key, user.id);
    return ref;
  }
}

// ---- participant deltas → native ids (used by the write encoder; pure; privacy: access.ts) --

function warning(record: string | null, field: string, code: RecordIssue["code"], message: string): RecordIssue {
  return { severity: "warning", side: "onlyoffice", record, field, code, message };
}

/** Body of a `contact.create` op: `POST crm/contact/person` plus the e-mail `applyWrites` adds through `…/data`. */
export interface ContactCreate {
  firstName: string;
  lastName: string;
  shareType: 1;
  email: string;
}

function contactFor(key: string, person: PersonInfo): ContactCreate {
  const email = normalizeEmail(person.email) === key && person.email !== null ? person.email.trim() : key;
  const firstName = person.firstName?.trim() || person.name.trim() || key;
  // shareType 1: a contact created with the default (private) share type vanishes for a non-admin creator.
  return { firstName, lastName: person.firstName?.trim() ? (person.lastName?.trim() ?? "") : "", shareType: 1, email };
}

/**
 * Participant deltas applied to the native member set: adds resolve a key to one person contact
 * (or a contact to create), removes take out every member holding the key. Members the canonical
 * model does not carry (companies, hidden or e-mail-less contacts) are never touched.
 */
export function resolveMembers(
  memberIds: readonly number[],
  delta: SetDelta,
  ctx: { catalog: OnlyofficeCatalog; mapping: Mapping; record: string | null; people?: ReadonlyMap<string, PersonInfo> | undefined },
): { add: number[]; remove: number[]; creates: ContactCreate[]; issues: RecordIssue[] } {
  const { catalog, mapping, record, people } = ctx;
  const add: number[] = [];
  const remove: number[] = [];
  const creates: ContactCreate[] = [];
  const issues: RecordIssue[] = [];
  const isMember = (key: string) => memberIds.some((id) => catalog.contact(id)?.key === key);
  for (const key of delta.add) {
    if (isMember(key)) continue;
    if (catalog.personKeys.isAmbiguous(key)) {
      issues.push(warning(record, "participants", "CS_AMBIGUOUS", `${key} belongs to several ONLYOFFICE contacts; not added`));
      continue;
    }
    const resolved = catalog.personKeys.resolve(key);
    if (resolved !== null) {
      if (!add.includes(Number(resolved))) add.push(Number(resolved));
      continue;
    }
    const person = people?.get(key);
    if (mapping.people.unknownContact === "create" && person !== undefined && !key.includes(":")) {
      if (!creates.some((c) => normalizeEmail(c.email) === key)) creates.push(contactFor(key, person));
    } else {
      issues.push(warning(record, "participants", "CS_UNMAPPED", `${key} has no ONLYOFFICE person contact; not added`));
    }
  }
  for (const key of delta.remove) {
    for (const id of memberIds) if (catalog.contact(id)?.key === key && !remove.includes(id)) remove.push(id);
  }
  return { add, remove, creates, issues };
}

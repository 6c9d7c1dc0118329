// The portal's data, with no HTTP: users, contacts, case custom field definitions and cases, seeded
// from the shared world. Rules about who may see or change what live in access.ts; the operations
// the API performs live in cases.ts and contacts.ts.
import type { World, WorldOnlyofficeCase } from "../world.js";

export interface SimUser {
  /** GUID, lower case (what `accessList` and `createBy.id` carry). */
  id: string;
  userName: string;
  email: string;
  firstName: string;
  lastName: string;
  /** Portal administrator: sees every case and contact. */
  isAdmin: boolean;
  /** CRM-only administrator (listed with `listAdminModules: ["crm"]`). */
  isCrmAdmin: boolean;
  isOwner: boolean;
  isVisitor: boolean;
}

export interface SimContactInfo {
  id: number;
  /** ContactInfoType: Phone 0, Email 1, ... (a number in JSON). */
  infoType: number;
  /** ContactInfoBaseCategory for e-mails: Home 0, Work 1, Other 2. */
  category: number;
  data: string;
  isPrimary: boolean;
}

export interface SimContact {
  id: number;
  isCompany: boolean;
  firstName: string;
  lastName: string;
  companyName: string;
  /** ShareType: None 0 (private: admins and managers only), ReadWrite 1, Read 2. */
  shareType: 0 | 1 | 2;
  managerList: string[];
  /** UTC epoch milliseconds. */
  createdAt: number;
  createdBy: string;
  commonData: SimContactInfo[];
}

export interface SimField {
  id: number;
  label: string;
  /** TextField 0, TextArea 1, SelectBox 2, CheckBox 3, Heading 4, Date 5. */
  fieldType: number;
  /** A JSON string, as the portal stores it. */
  mask: string;
  position: number;
}

export interface SimOnlyofficeCase {
  id: number;
  title: string;
  isClosed: boolean;
  isPrivate: boolean;
  /** User GUIDs with access (only meaningful when private). */
  accessList: string[];
  memberIds: number[];
  /** ISO 8601 UTC instant (second precision: the portal shows `.0000000`). */
  created: string;
  createdBy: string;
  /** Field id → trimmed, non-empty value. */
  customFields: Record<number, string>;
}

const SEEDED_CASE_CREATED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** Reads the portal's own date text (`2024-03-01T12:00:00.0000000Z`), which Date.parse may refuse. */
export function parsePortalDate(text: string): number {
  const m = SEEDED_CASE_CREATED.exec(text);
  if (!m) {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new RangeError(`not a date: ${text}`);
    return ms;
  }
  const [, y, mo, d, h, mi, s, zone] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone === undefined || zone === "Z") return utc;
  const sign = zone.startsWith("-") ? -1 : 1;
  const [oh, om] = zone.slice(1).split(":").map(Number);
  return utc - sign * ((oh ?? 0) * 60 + (om ?? 0)) * 60_000;
}

export function toIsoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

export function cloneCase(c: SimOnlyofficeCase): SimOnlyofficeCase {
  return { ...c, accessList: [...c.accessList], memberIds: [...c.memberIds], customFields: { ...c.customFields } };
}

/**
 * A map that counts its changes, so that a list derived from it (the id-sorted cases every list
 * page starts from) is rebuilt only after a case is added or removed, not for each of the 100 pages
 * of a 100,000-case scan. Values changed in place (an update) need no rebuild: the list holds them.
 */
class CountingMap<K, V> extends Map<K, V> {
  changes = 0;

  override set(key: K, value: V): this {
    this.changes += 1;
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    this.changes += 1;
    return super.delete(key);
  }

  override clear(): void {
    this.changes += 1;
    super.clear();
  }
}

export class PortalState {
  readonly users: SimUser[];
  readonly contacts = new Map<number, SimContact>();
  readonly cases = new CountingMap<number, SimOnlyofficeCase>();
  private sortedCases: { at: number; list: readonly SimOnlyofficeCase[] } | null = null;
  readonly fields: SimField[];
  private nextCaseId: number;
  private nextContactId: number;
  private nextInfoId = 1;
  private nextFieldId: number;

  constructor(world: World) {
    this.users = world.staff.map((s) => ({
      id: s.onlyofficeId.toLowerCase(),
      userName: s.email.split("@")[0] ?? s.email,
      email: s.email,
      firstName: s.firstName,
      lastName: s.lastName,
      isAdmin: s.isAdmin || s.isIntegrationUser,
      isCrmAdmin: false,
      isOwner: false,
      isVisitor: false,
    }));
    this.fields = world.onlyofficeFields.map((f) => ({ id: f.id, label: f.label, fieldType: f.fieldType, mask: f.mask, position: f.position }));
    this.nextFieldId = Math.max(0, ...this.fields.map((f) => f.id)) + 1;

    const integration = world.staff.find((s) => s.isIntegrationUser)?.onlyofficeId.toLowerCase() ?? this.users[0]?.id ?? "";
    // Seeded contacts were entered over the years: one a day from 2022, so "Created" sorts by id.
    const epoch = Date.UTC(2022, 0, 3, 9, 0, 0);
    for (const client of world.clients) {
      if (client.onlyofficeId === null) continue;
      const id = client.onlyofficeId;
      this.contacts.set(id, {
        id,
        isCompany: client.isCompany,
        firstName: client.isCompany ? "" : client.firstName,
        lastName: client.isCompany ? "" : client.lastName,
        companyName: client.isCompany ? `${client.firstName} ${client.lastName}` : "",
        shareType: 1,
        managerList: [],
        createdAt: epoch + (id - 100) * 86_400_000,
        createdBy: integration,
        commonData:
          client.onlyofficeEmail === null
            ? []
            : [{ id: this.nextInfoId++, infoType: 1, category: 1, data: client.onlyofficeEmail, isPrimary: true }],
      });
    }
    this.nextContactId = Math.max(100, ...this.contacts.keys()) + 1;

    const employees = this.users.filter((u) => u.id !== integration);
    for (const seeded of world.onlyofficeCases) this.cases.set(seeded.id, this.seedCase(seeded, employees));
    this.nextCaseId = Math.max(999, ...this.cases.keys()) + 1;
  }

  private seedCase(seeded: WorldOnlyofficeCase, employees: SimUser[]): SimOnlyofficeCase {
    const accessList = seeded.accessList.map((g) => g.toLowerCase());
    // The world does not say who created a case: its first access-list user (the owner of a
    // private case), else an employee picked by id, so the choice is stable across runs.
    const createdBy = accessList[0] ?? employees[seeded.id % Math.max(1, employees.length)]?.id ?? "";
    const customFields: Record<number, string> = {};
    for (const [key, value] of Object.entries(seeded.customFields)) {
      if (value.trim() !== "") customFields[Number(key)] = value.trim();
    }
    return {
      id: seeded.id,
      title: seeded.title,
      isClosed: seeded.isClosed,
      isPrivate: seeded.isPrivate && accessList.length > 0,
      accessList: seeded.isPrivate ? accessList : [],
      memberIds: [...new Set(seeded.memberIds)].filter((m) => this.contacts.has(m)).sort((a, b) => a - b),
      created: toIsoSeconds(parsePortalDate(seeded.created)),
      createdBy,
      customFields,
    };
  }

  user(id: string): SimUser | undefined {
    const wanted = id.toLowerCase();
    return this.users.find((u) => u.id === wanted || u.email.toLowerCase() === wanted);
  }

  field(id: number): SimField | undefined {
    return this.fields.find((f) => f.id === id);
  }

  fieldsByPosition(): SimField[] {
    return [...this.fields].sort((a, b) => a.position - b.position || a.id - b.id);
  }

  allocateCaseId(): number {
    return this.nextCaseId++;
  }

  allocateContactId(): number {
    return this.nextContactId++;
  }

  allocateInfoId(): number {
    return this.nextInfoId++;
  }

  addField(input: Omit<SimField, "id" | "position">): SimField {
    const field: SimField = { ...input, id: this.nextFieldId++, position: Math.max(-1, ...this.fields.map((f) => f.position)) + 1 };
    this.fields.push(field);
    return field;
  }

  /** Every case by id (a shared list: callers filter or copy it, never change it). */
  casesById(): readonly SimOnlyofficeCase[] {
    if (this.sortedCases?.at !== this.cases.changes) {
      this.sortedCases = { at: this.cases.changes, list: [...this.cases.values()].sort((a, b) => a.id - b.id) };
    }
    return this.sortedCases.list;
  }

  contactsById(): SimContact[] {
    return [...this.contacts.values()].sort((a, b) => a.id - b.id);
  }
}

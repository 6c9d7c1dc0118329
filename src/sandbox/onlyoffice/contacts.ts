// Contact operations (CRMApi.Contacts.cs / ContactInfo.cs, reference: "Contacts"): the filter list
// (default Created descending), lookup by contact info (a substring match, case-insensitive as
// MySQL's LIKE), person creation (shareType 0 = private by default) and adding an e-mail.
import { canEditContact, canReadContact } from "./access.js";
import { accessDenied, badArgument, notFound } from "./errors.js";
import { compareText, matchesKeywords } from "./paging.js";
import type { PortalState, SimContact, SimContactInfo, SimUser } from "./state.js";

/** ContactInfoType names → numbers (the JSON carries the number). */
const INFO_TYPES: Record<string, number> = {
  phone: 0,
  email: 1,
  website: 2,
  skype: 3,
  twitter: 4,
  linkedin: 5,
  facebook: 6,
  address: 7,
};

/** ContactInfoBaseCategory (e-mail, website, ...): Home 0, Work 1, Other 2. */
const CATEGORIES: Record<string, number> = { home: 0, work: 1, other: 2 };

const SHARE_TYPES: Record<string, 0 | 1 | 2> = { none: 0, readwrite: 1, read: 2 };

function enumValue<T extends number>(table: Record<string, T>, text: string, max: number): T {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed) && Number(trimmed) <= max) return Number(trimmed) as T;
  const value = table[trimmed.toLowerCase()];
  if (value === undefined) throw badArgument();
  return value;
}

export const parseInfoType = (text: string): number => enumValue(INFO_TYPES, text, 17);
export const parseCategory = (text: string): number => enumValue(CATEGORIES, text, 2);
export const parseShareType = (text: string): 0 | 1 | 2 => enumValue(SHARE_TYPES, text, 2);

export function displayName(contact: SimContact): string {
  return contact.isCompany ? contact.companyName : `${contact.firstName} ${contact.lastName}`.trim();
}

export function readContact(state: PortalState, actor: SimUser, id: number): SimContact {
  const contact = state.contacts.get(id);
  if (!contact || !canReadContact(actor, contact)) throw notFound();
  return contact;
}

export type ContactListView = "all" | "company" | "person" | "withopportunity";

export function parseListView(text: string | undefined): ContactListView {
  const view = (text ?? "all").toLowerCase();
  if (view === "all" || view === "company" || view === "person" || view === "withopportunity") return view;
  throw badArgument();
}

export function filterContacts(state: PortalState, actor: SimUser, view: ContactListView, filterValue: string): SimContact[] {
  return state.contactsById().filter((contact) => {
    if (!canReadContact(actor, contact)) return false;
    // No opportunities exist in the simulated portal.
    if (view === "withopportunity") return false;
    if (view === "company" && !contact.isCompany) return false;
    if (view === "person" && contact.isCompany) return false;
    // filterValue searches names, not e-mails.
    return matchesKeywords(`${displayName(contact)} ${contact.firstName} ${contact.lastName} ${contact.companyName}`, filterValue);
  });
}

const CONTACT_KEYS: Record<string, (a: SimContact, b: SimContact) => number> = {
  displayname: (a, b) => compareText(displayName(a), displayName(b)),
  firstname: (a, b) => compareText(a.firstName, b.firstName),
  lastname: (a, b) => compareText(a.lastName, b.lastName),
  created: (a, b) => a.createdAt - b.createdAt,
  id: (a, b) => a.id - b.id,
};

/** Default Created descending; an unknown sortBy keeps the natural (id) order [D]. */
export function sortContacts(contacts: SimContact[], sortBy: string, descending: boolean): SimContact[] {
  const name = sortBy === "" ? "created" : sortBy.toLowerCase();
  const sign = sortBy === "" || descending ? -1 : 1;
  const byId = [...contacts].sort((a, b) => a.id - b.id);
  const compare = CONTACT_KEYS[name];
  if (!compare) return byId;
  return byId.sort((a, b) => sign * compare(a, b) || sign * (a.id - b.id));
}

export interface ContactInfoQuery {
  infoType: number;
  data: string;
  category: number | undefined;
  isPrimary: boolean | undefined;
}

export function findByContactInfo(state: PortalState, actor: SimUser, query: ContactInfoQuery): SimContact[] {
  const needle = query.data.toLowerCase();
  return state.contactsById().filter(
    (contact) =>
      canReadContact(actor, contact) &&
      contact.commonData.some(
        (info) =>
          info.infoType === query.infoType &&
          info.data.toLowerCase().includes(needle) &&
          (query.category === undefined || info.category === query.category) &&
          (query.isPrimary === undefined || info.isPrimary === query.isPrimary),
      ),
  );
}

export interface PersonInput {
  firstName: string | undefined;
  lastName: string | undefined;
  shareType: 0 | 1 | 2;
  managerList: string[];
}

/** firstName required; lastName must be present but may be "" (else ArgumentException). */
export function createPerson(state: PortalState, actor: SimUser, input: PersonInput, now: number): SimContact {
  if (input.firstName === undefined || input.firstName.trim() === "" || input.lastName === undefined) throw badArgument();
  const contact: SimContact = {
    id: state.allocateContactId(),
    isCompany: false,
    firstName: input.firstName.trim(),
    lastName: input.lastName.trim(),
    companyName: "",
    shareType: input.shareType,
    // The creator is not added: a private contact of a non-admin vanishes for its creator.
    managerList: [...new Set(input.managerList)],
    createdAt: Math.floor(now / 1000) * 1000,
    createdBy: actor.id,
    commonData: [],
  };
  state.contacts.set(contact.id, contact);
  return contact;
}

export interface ContactInfoInput {
  infoType: number;
  data: string | undefined;
  isPrimary: boolean;
  category: number;
}

export function addContactInfo(state: PortalState, actor: SimUser, contactId: number, input: ContactInfoInput): SimContactInfo {
  const contact = readContact(state, actor, contactId);
  if (!canEditContact(actor, contact)) throw accessDenied();
  if (input.data === undefined || input.data.trim() === "") throw badArgument();
  if (input.isPrimary) {
    for (const info of contact.commonData) if (info.infoType === input.infoType) info.isPrimary = false;
  }
  const info: SimContactInfo = { id: state.allocateInfoId(), infoType: input.infoType, category: input.category, data: input.data.trim(), isPrimary: input.isPrimary };
  contact.commonData.push(info);
  return info;
}

// Case operations as CRMApi.Cases.cs performs them, traps included (reference: "Cases"):
// - a PUT needs `title` every time; members apply only when non-empty and then replace the set
//   (filtered to readable contacts first); empty field values are skipped, so a PUT cannot clear;
// - an administrator's or the creator's PUT re-applies access: omitted `isPrivate` or an empty
//   `accessList` makes the case public, otherwise the list plus the caller; anyone else's PUT
//   leaves access alone without an error;
// - `title` is varchar(255): longer fails in the database (500) [D].
import type { KeyValue } from "./args.js";
import { canEditCase, canReadCase, canReadContact, canSetCaseAccess } from "./access.js";
import { accessDenied, badArgument, notFound, serverError } from "./errors.js";
import { cloneCase, toIsoSeconds, type PortalState, type SimContact, type SimOnlyofficeCase, type SimUser } from "./state.js";

export interface CaseInput {
  title: string | undefined;
  members: number[];
  customFieldList: KeyValue[];
  isPrivate: boolean | undefined;
  accessList: string[];
}

const TITLE_MAX = 255;
const NULL_REFERENCE = "Object reference not set to an instance of an object.";

function checkTitle(title: string | undefined): string {
  // string.IsNullOrEmpty: "" is refused, "   " is not (the title is stored as sent, untrimmed).
  if (title === undefined || title === "") throw badArgument();
  if ([...title].length > TITLE_MAX) throw serverError("Data too long for column 'title' at row 1");
  return title;
}

function existing(state: PortalState, id: number): SimOnlyofficeCase {
  const found = state.cases.get(id);
  if (!found) throw notFound();
  return found;
}

/** GET crm/case/{id}: missing or unreadable are both 404. */
export function readCase(state: PortalState, actor: SimUser, id: number): SimOnlyofficeCase {
  const found = state.cases.get(id);
  if (!found || !canReadCase(actor, found)) throw notFound();
  return found;
}

/** SetAccessToCases: private only with a non-empty list, and then the caller is always on it. */
function applyAccess(c: SimOnlyofficeCase, actor: SimUser, isPrivate: boolean | undefined, accessList: string[]): void {
  const list = [...new Set(accessList)];
  if (isPrivate === true && list.length > 0) {
    if (!list.includes(actor.id)) list.push(actor.id);
    c.isPrivate = true;
    c.accessList = list;
  } else {
    c.isPrivate = false;
    c.accessList = [];
  }
}

/** Unknown and unreadable contact ids are dropped silently. */
function readableMembers(state: PortalState, actor: SimUser, ids: number[]): number[] {
  const kept = ids.filter((id) => {
    const contact = state.contacts.get(id);
    return contact !== undefined && canReadContact(actor, contact);
  });
  return [...new Set(kept)].sort((a, b) => a - b);
}

/** CustomFieldDao.SetFieldValue: the value is trimmed; an empty result deletes it. */
function storeFieldValue(c: SimOnlyofficeCase, fieldId: number, value: string): void {
  const trimmed = value.trim();
  if (trimmed === "") delete c.customFields[fieldId];
  else c.customFields[fieldId] = trimmed;
}

/** Entries with an empty value or a field that is not a case field are skipped. */
function applyFieldList(state: PortalState, c: SimOnlyofficeCase, list: KeyValue[]): void {
  for (const entry of list) {
    if (entry.value === null || entry.value === "") continue;
    const field = state.field(entry.key);
    if (!field || field.fieldType === 4) continue;
    storeFieldValue(c, field.id, entry.value);
  }
}

export function createCase(state: PortalState, actor: SimUser, input: CaseInput, now: number): SimOnlyofficeCase {
  const title = checkTitle(input.title);
  const c: SimOnlyofficeCase = {
    id: state.allocateCaseId(),
    title,
    isClosed: false,
    isPrivate: false,
    accessList: [],
    memberIds: [],
    created: toIsoSeconds(now),
    createdBy: actor.id,
    customFields: {},
  };
  applyAccess(c, actor, input.isPrivate, input.accessList);
  if (input.members.length > 0) c.memberIds = readableMembers(state, actor, input.members);
  applyFieldList(state, c, input.customFieldList);
  state.cases.set(c.id, c);
  return c;
}

export function updateCase(state: PortalState, actor: SimUser, id: number, input: CaseInput): SimOnlyofficeCase {
  if (input.title === undefined || input.title === "") throw badArgument();
  const c = existing(state, id);
  if (!canEditCase(actor, c)) throw accessDenied();
  c.title = checkTitle(input.title);
  if (canSetCaseAccess(actor, c)) applyAccess(c, actor, input.isPrivate, input.accessList);
  if (input.members.length > 0) c.memberIds = readableMembers(state, actor, input.members);
  applyFieldList(state, c, input.customFieldList);
  return c;
}

/** PUT crm/case/{id}/access: administrator or creator only (403 otherwise). */
export function setCaseAccess(state: PortalState, actor: SimUser, id: number, isPrivate: boolean | undefined, accessList: string[]): SimOnlyofficeCase {
  const c = existing(state, id);
  if (!canSetCaseAccess(actor, c)) throw accessDenied();
  applyAccess(c, actor, isPrivate, accessList);
  return c;
}

/** PUT close / reopen: idempotent; needs read access (403, not 404, when the case exists). */
export function setCaseClosed(state: PortalState, actor: SimUser, id: number, closed: boolean): SimOnlyofficeCase {
  const c = existing(state, id);
  if (!canReadCase(actor, c)) throw accessDenied();
  c.isClosed = closed;
  return c;
}

/**
 * DELETE crm/case/{id}: answers with the case as it is after the delete: values, members and its
 * access entry already gone (so `isPrivate: false`) [I].
 */
export function deleteCase(state: PortalState, actor: SimUser, id: number): SimOnlyofficeCase {
  const c = existing(state, id);
  if (!canEditCase(actor, c)) throw accessDenied();
  state.cases.delete(id);
  return { ...cloneCase(c), isPrivate: false, accessList: [], memberIds: [], customFields: {} };
}

function memberPair(state: PortalState, actor: SimUser, caseId: number, contactId: number): [SimOnlyofficeCase, SimContact] {
  if (caseId <= 0 || contactId <= 0) throw badArgument();
  const c = readCase(state, actor, caseId);
  const contact = state.contacts.get(contactId);
  if (!contact || !canReadContact(actor, contact)) throw notFound();
  return [c, contact];
}

export function addCaseMember(state: PortalState, actor: SimUser, caseId: number, contactId: number): SimContact {
  const [c, contact] = memberPair(state, actor, caseId, contactId);
  if (!c.memberIds.includes(contactId)) c.memberIds = [...c.memberIds, contactId].sort((a, b) => a - b);
  return contact;
}

export function removeCaseMember(state: PortalState, actor: SimUser, caseId: number, contactId: number): SimContact {
  const [c, contact] = memberPair(state, actor, caseId, contactId);
  c.memberIds = c.memberIds.filter((m) => m !== contactId);
  return contact;
}

/**
 * POST crm/case/{id}/customfield/{fieldid}: no case or access check at all; `""` clears (the only
 * way to); an unknown field or a missing value is a NullReferenceException (500). The answer
 * echoes the value as sent. Headings hold no value here, as everywhere in this simulator.
 */
export function setCaseFieldValue(state: PortalState, caseId: number, fieldId: number, value: string | undefined): { fieldId: number; caseId: number; value: string } {
  const field = state.field(fieldId);
  if (!field || value === undefined) throw serverError(NULL_REFERENCE);
  const c = state.cases.get(caseId);
  if (c && field.fieldType !== 4) storeFieldValue(c, field.id, value);
  return { fieldId: field.id, caseId, value };
}

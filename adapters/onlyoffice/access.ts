// ONLYOFFICE case privacy from canonical assignees (SPEC §2 "Assignees and privacy", mapping
// `access`). Pure: the catalog resolves staff keys to user GUIDs. Facts relied on (reference
// "Cases", trap 3): an administrator's PUT or create re-applies access every time, and omitting
// `isPrivate` or sending an empty `accessList` (`[]` ≡ omitted) makes the case **public**;
// otherwise the ACL becomes the list plus the caller, so a list holding only the integration user
// keeps the case private to it. A private case read back lists the caller [C]; one made private by
// someone else may not list the integration user, or may come without a list at all [D: both
// tolerated]. Privacy fails closed: no write makes a private case public unless the mapping opts
// in with `access.unassigned: public`.
import type { AccessSettings } from "../../src/core/mapping.js";
import type { RecordIssue, SetDelta } from "../../src/core/records.js";
import type { OnlyofficeCatalog } from "./catalog.js";

export interface Privacy {
  isPrivate: boolean;
  accessList: string[];
}

export interface AccessResult extends Privacy {
  /** Whether the privacy differs from what was read (a PUT must carry the `assignees` group). */
  changed: boolean;
  issues: RecordIssue[];
}

interface AccessContext {
  catalog: OnlyofficeCatalog;
  /** Native id; null for a case not created yet. */
  record: string | null;
  unassigned: AccessSettings["unassigned"];
}

function warning(record: string | null, code: RecordIssue["code"], message: string): RecordIssue {
  return { severity: "warning", side: "onlyoffice", record, field: "assignees", code, message };
}

const sameGuid = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The privacy a PUT resends when assignees do not change (and always in `preserve` mode): as
 * read, except that a private case never goes out with an empty list, which would publish it.
 * The integration user stands in for the list the portal did not show (it adds the caller anyway).
 */
export function privacyAsRead(carry: Privacy, catalog: OnlyofficeCatalog): Privacy {
  if (carry.isPrivate && carry.accessList.length === 0) return { isPrivate: true, accessList: [catalog.integrationGuid] };
  return { isPrivate: carry.isPrivate, accessList: carry.accessList };
}

/** Adds the users of `keys` to `list` (GUIDs, compared case-insensitively); unmapped keys are warnings. */
function addUsers(list: string[], keys: readonly string[], ctx: AccessContext, issues: RecordIssue[]): void {
  const { catalog, record } = ctx;
  for (const key of keys) {
    if (catalog.staffKeys.isAmbiguous(key)) {
      issues.push(warning(record, "CS_AMBIGUOUS", `${key} belongs to several portal users; not added`));
      continue;
    }
    const guid = catalog.staffKeys.resolve(key);
    if (guid === null) issues.push(warning(record, "CS_UNMAPPED", `${key} is not a portal user; not added to the access list`));
    else if (!list.some((g) => sameGuid(g, guid))) list.push(guid);
  }
}

/** Private to the integration user alone: the fail-closed fallback for a case nobody is assigned to. */
function integrationOnly(list: readonly string[], catalog: OnlyofficeCatalog): string[] {
  const kept = list.filter((guid) => catalog.isIntegrationUser(guid));
  return kept.length > 0 ? kept : [catalog.integrationGuid];
}

/**
 * The privacy a PUT sends when assignees change: the access list as read (integration user
 * included) plus the added users minus the removed ones, so users the canonical model does not
 * carry stay. Private while someone besides the integration user remains. When nobody does, a
 * private case stays private with the integration user alone and a warning names it (an empty
 * list would publish it), unless `unassigned: public`; a public case stays public.
 */
export function resolveAccess(carry: Privacy, delta: SetDelta, targetAssignees: readonly string[], ctx: AccessContext): AccessResult {
  const { catalog, record } = ctx;
  const issues: RecordIssue[] = [];
  if (delta.add.length === 0 && delta.remove.length === 0) return { ...privacyAsRead(carry, catalog), changed: false, issues };
  const list = carry.isPrivate ? [...carry.accessList] : [];
  addUsers(list, delta.add, ctx, issues);
  for (const key of delta.remove) {
    for (let i = list.length - 1; i >= 0; i -= 1) {
      const guid = list[i] ?? "";
      if (!catalog.isIntegrationUser(guid) && catalog.staffKey(guid) === key) list.splice(i, 1);
    }
  }
  let next: Privacy;
  let fellBack = false;
  if (list.some((guid) => !catalog.isIntegrationUser(guid))) {
    next = { isPrivate: true, accessList: list };
  } else if (carry.isPrivate && ctx.unassigned === "private") {
    next = { isPrivate: true, accessList: integrationOnly(list, catalog) };
    fellBack = true;
  } else {
    next = { isPrivate: false, accessList: [] };
    if (targetAssignees.length > 0) issues.push(warning(record, "CS_UNMAPPED", `no assignee of case ${record ?? "(new)"} maps to a portal user: the case is public in ONLYOFFICE`));
  }
  const same = next.accessList.length === carry.accessList.length && next.accessList.every((g) => carry.accessList.some((c) => sameGuid(c, g)));
  const changed = next.isPrivate !== carry.isPrivate || !same;
  if (fellBack && changed) {
    // Said once, by the write that leaves the case so; a case already in that state is not re-reported.
    issues.push(
      warning(record, "CS_UNMAPPED", `case ${record ?? "(new)"} has no assignee that maps to a portal user: it stays private with the integration user alone (set access.unassigned: public to publish such cases)`),
    );
  }
  return { ...next, changed, issues };
}

/**
 * The privacy of a new case: private to its mapped assignees; with none (or in `preserve` mode,
 * where assignees are not mapped) private to the integration user alone with a warning, unless
 * `unassigned: public`.
 */
export function accessForCreate(targetAssignees: readonly string[], ctx: AccessContext & { title: string; mapped: boolean }): Privacy & { issues: RecordIssue[] } {
  const { catalog, record } = ctx;
  const issues: RecordIssue[] = [];
  const list: string[] = [];
  if (ctx.mapped) addUsers(list, targetAssignees, ctx, issues);
  if (list.some((guid) => !catalog.isIntegrationUser(guid))) return { isPrivate: true, accessList: list, issues };
  const why = ctx.mapped ? "has no assignee that maps to a portal user" : "takes no assignees (access: preserve)";
  if (ctx.unassigned === "private") {
    issues.push(warning(record, "CS_UNMAPPED", `new case "${ctx.title}" ${why}: it is created private to the integration user alone (set access.unassigned: public to publish such cases)`));
    return { isPrivate: true, accessList: integrationOnly(list, catalog), issues };
  }
  if (ctx.mapped && targetAssignees.length > 0) issues.push(warning(record, "CS_UNMAPPED", `no assignee of new case "${ctx.title}" maps to a portal user: the case is public in ONLYOFFICE`));
  return { isPrivate: false, accessList: [], issues };
}

// The comparable view of a canonical case: only the compared groups, people and staff limited to
// those the directory can carry, the status name only when ONLYOFFICE holds one. Two cases that
// are equal in view need no write; a record whose view hash equals its link's base hash is
// unchanged since the last agreed state and costs nothing (after Nango's records hashing).
import { groupValue, type Case, type FieldGroup } from "../core/case.js";
import { contentHash, sameContent } from "../core/hash.js";
import type { EngineSettings } from "./context.js";
import type { Directory } from "./directory.js";

export interface ViewScope {
  settings: EngineSettings;
  directory: Directory;
}

export function viewValue(scope: ViewScope, group: FieldGroup, c: Case): unknown {
  switch (group) {
    case "participants":
      return c.participants.filter((key) => scope.directory.carriesPerson(key));
    case "assignees":
      return c.assignees.filter((key) => scope.directory.carriesStaff(key));
    case "status":
      return scope.settings.statusNameCarried ? c.status : { closed: c.status.closed };
    default:
      return groupValue(c, group);
  }
}

/** What the audit holds for a group: the status as a whole (its name even where ONLYOFFICE has only the flag), people as carried. */
export function auditValue(scope: ViewScope, group: string, c: Case): unknown {
  if (group === "status") return c.status;
  return viewValue(scope, group as FieldGroup, c) ?? null;
}

export function groupEquals(scope: ViewScope, group: FieldGroup, a: Case, b: Case): boolean {
  return sameContent(viewValue(scope, group, a), viewValue(scope, group, b));
}

export function viewHash(scope: ViewScope, c: Case): string {
  const view: Record<string, unknown> = {};
  for (const spec of scope.settings.groups) view[spec.group] = viewValue(scope, spec.group, c);
  return contentHash({ f: scope.settings.fingerprint, view });
}

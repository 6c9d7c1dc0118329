// What the engine derives from the mapping once per run: which field groups are compared, in
// which direction each flows, and which policy settles a conflict on each.
import { customGroup, type FieldGroup } from "../core/case.js";
import { contentHash } from "../core/hash.js";
import type { ConflictPolicy, Direction, Mapping } from "../core/mapping.js";
import type { Side } from "../core/errors.js";

export interface GroupSpec {
  group: FieldGroup;
  direction: Direction;
  policy: ConflictPolicy;
  /**
   * The group and the fields it is mapped to (`value@o51`, `custom:drink@p:drink/o60`): a base
   * value belongs to the fields it was read from, so a re-pointed field is a new group with no
   * base yet (first contact), never a change to copy over.
   */
  signature: string;
}

export interface EngineSettings {
  mapping: Mapping;
  groups: GroupSpec[];
  /** Whether ONLYOFFICE holds the status name (a mapped status field), or only the closed flag. */
  statusNameCarried: boolean;
  /** Changes whenever the set of compared groups changes, so stale base hashes never match. */
  fingerprint: string;
}

function policyFor(mapping: Mapping, group: FieldGroup, name: string): ConflictPolicy {
  return mapping.conflicts.groups[name] ?? mapping.conflicts.groups[group] ?? mapping.conflicts.default;
}

export function deriveSettings(mapping: Mapping): EngineSettings {
  const groups: GroupSpec[] = [];
  const add = (group: FieldGroup, direction: Direction, target: string, name: string = group) => {
    if (direction !== "none") groups.push({ group, direction, policy: policyFor(mapping, group, name), signature: target === "" ? group : `${group}@${target}` });
  };
  add("title", mapping.fields.title, "");
  add("status", mapping.fields.status.direction, `o${mapping.fields.status.onlyofficeField ?? "-"}`);
  add("participants", mapping.fields.participants, "");
  if (mapping.access.mode === "assignees") add("assignees", mapping.fields.assignees, "");
  for (const group of ["value", "reviewAt", "type", "groups"] as const) {
    const field = mapping.fields[group];
    if (field.onlyofficeField !== null) add(group, field.direction, `o${field.onlyofficeField}`);
  }
  for (const field of mapping.customFields) add(customGroup(field.key), field.direction, `p:${field.plannr}/o${field.onlyoffice}/${field.type}`, field.key);
  const statusNameCarried = mapping.fields.status.onlyofficeField !== null;
  const fingerprint = contentHash({ groups: groups.map((g) => [g.signature, g.direction]), statusNameCarried, tz: mapping.timeZone });
  return { mapping, groups, statusNameCarried, fingerprint };
}

/** The groups of `settings` a link's base does not cover yet (first contact for them, SPEC §2). */
export function groupsWithoutBase(settings: EngineSettings, covered: ReadonlySet<string> | null): Set<string> {
  if (covered === null) return new Set(settings.groups.map((g) => g.group));
  return new Set(settings.groups.filter((g) => !covered.has(g.signature)).map((g) => g.group));
}

/** May this group be written on `side`? (`plannr-to-onlyoffice` writes only ONLYOFFICE.) */
export function writableOn(direction: Direction, side: Side): boolean {
  if (direction === "both") return true;
  if (direction === "plannr-to-onlyoffice") return side === "onlyoffice";
  if (direction === "onlyoffice-to-plannr") return side === "plannr";
  return false;
}

/** May a `sync` create the partner of an unlinked case found on `from`? */
export function createsFrom(mapping: Mapping, from: Side): boolean {
  return writableOn(mapping.creates, from === "plannr" ? "onlyoffice" : "plannr");
}

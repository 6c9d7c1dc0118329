// What `case-sync init` proposes (SPEC §3): statuses matched by name, staff by e-mail, custom
// fields by label and compatible type, the ONLYOFFICE link field's id and the date pattern. What
// it cannot match becomes a TODO with candidates. Pure: the CLI feeds it both references.
import { CORE_GROUPS } from "../core/case.js";
import type { CustomFieldType } from "../core/mapping.js";
import type { FieldRef, Reference } from "../core/reference.js";
import { detectDatePattern } from "./dates.js";
import { canonicalTypeOfPlannr, COMPATIBLE } from "./verify.js";

export const LINK_FIELD_LABEL = "Plannr case UUID";

export interface ProposedField {
  key: string;
  plannr: string;
  onlyoffice: number;
  type: CustomFieldType;
  label: string;
  options: Record<string, string>;
  note: string | null;
}

export interface Todo {
  /** Where in the file it belongs (a path like `customFields` or `fields.value`). */
  at: string;
  text: string;
}

export interface Proposal {
  linkField: number | null;
  statusField: FieldRef | null;
  value: FieldRef | null;
  reviewAt: FieldRef | null;
  type: FieldRef | null;
  groups: FieldRef | null;
  customFields: ProposedField[];
  statuses: Record<string, string>;
  datePattern: string;
  todos: Todo[];
  /** Facts worth a comment (matched counts, what each side has). */
  notes: string[];
}

export function labelKey(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function findByLabel(fields: readonly FieldRef[], labels: readonly string[], types: readonly string[], used: Set<string>): FieldRef | null {
  const wanted = new Set(labels.map(labelKey));
  return fields.find((f) => !used.has(f.id) && wanted.has(labelKey(f.label)) && types.includes(f.nativeType)) ?? null;
}

/**
 * A canonical key for a Plannr field reference that the mapping schema accepts: a letter first,
 * then letters, digits, `_ . -`; never a core field group's name (conflict policies and reports
 * name groups and custom keys in one namespace); never one already taken.
 */
export function customKeyFor(reference: string, taken: ReadonlySet<string>): string {
  let key = reference.trim().replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "");
  if (key === "") key = "field";
  if (!/^[A-Za-z]/.test(key)) key = `f_${key}`;
  if ((CORE_GROUPS as readonly string[]).includes(key)) key = `plannr_${key}`;
  let candidate = key;
  for (let n = 2; taken.has(candidate); n += 1) candidate = `${key}_${n}`;
  return candidate;
}

function describeField(f: FieldRef): string {
  return `${f.id} "${f.label}" (${f.nativeType})`;
}

export interface ProposeInput {
  plannr: Reference;
  onlyoffice: Reference;
  /** Texts found in ONLYOFFICE Date fields, to tell the portal's date pattern. */
  dateSamples: readonly string[];
  /** The link field's id, when init just created it. */
  createdLinkField?: number | null;
}

export function proposeMapping(input: ProposeInput): Proposal {
  const { plannr, onlyoffice } = input;
  const todos: Todo[] = [];
  const notes: string[] = [];
  const used = new Set<string>();
  const take = (f: FieldRef | null) => {
    if (f) used.add(f.id);
    return f;
  };
  const oFields = onlyoffice.customFields;

  const link = input.createdLinkField ?? Number(take(findByLabel(oFields, [LINK_FIELD_LABEL, "Plannr uuid", "Plannr id"], ["TextField", "TextArea"], used))?.id ?? NaN);
  if (input.createdLinkField) used.add(String(input.createdLinkField));
  const linkField = Number.isFinite(link) ? link : null;
  if (linkField === null) todos.push({ at: "onlyoffice.linkField", text: `no ONLYOFFICE case field "${LINK_FIELD_LABEL}" yet: rerun with --create-link-fields, or create a text field with that label and put its id here` });

  const statusField = take(findByLabel(oFields, ["Status", "Case status", "Plannr status"], ["SelectBox", "TextField"], used));
  const value = take(findByLabel(oFields, ["Case value", "Value", "Amount", "Expected value"], ["TextField"], used));
  const reviewAt = take(findByLabel(oFields, ["Review date", "Review", "Next review", "Review at"], ["Date"], used));
  const type = take(findByLabel(oFields, ["Case type", "Type", "Plannr type"], ["TextField", "TextArea"], used));
  const groups = take(findByLabel(oFields, ["Groups", "Case groups", "Plannr groups"], ["TextField", "TextArea"], used));
  for (const [name, found, hint] of [
    ["fields.status", statusField, "a SelectBox listing the Plannr status names (or a text field)"],
    ["fields.value", value, "a text field for the amount (written as 40.00)"],
    ["fields.reviewAt", reviewAt, "a Date field"],
    ["fields.type", type, "a text field for the Plannr case type"],
    ["fields.groups", groups, "a text field for the Plannr groups"],
  ] as const) {
    if (!found) todos.push({ at: name, text: `no ONLYOFFICE field found for it: create ${hint} and put its id in onlyofficeField, or leave it unmapped` });
  }

  // Statuses by name (SPEC §3): renames only where the status field's options differ.
  const statuses: Record<string, string> = {};
  const options = statusField?.options ?? null;
  if (options) {
    for (const status of plannr.statuses) {
      if (options.includes(status.name)) continue;
      const near = options.find((o) => labelKey(o) === labelKey(status.name));
      if (near) statuses[status.name] = near;
      else todos.push({ at: "statuses", text: `Plannr status "${status.name}" has no option in the ONLYOFFICE status field (options: ${options.join(", ")}); add one, or map it here: "${status.name}": <option>` });
    }
  }

  // Custom fields by label/name and compatible type.
  const customFields: ProposedField[] = [];
  for (const field of plannr.customFields) {
    const canonical = canonicalTypeOfPlannr(field.nativeType);
    if (canonical === null) {
      todos.push({ at: "customFields", text: `Plannr field "${field.key}" has type ${field.nativeType}, which case-sync does not map` });
      continue;
    }
    const compatible = COMPATIBLE[canonical].onlyoffice;
    const match = oFields.find((o) => !used.has(o.id) && compatible.includes(o.nativeType) && (labelKey(o.label) === labelKey(field.label) || labelKey(o.label) === labelKey(field.key)));
    if (!match) {
      const candidates = oFields.filter((o) => !used.has(o.id) && compatible.includes(o.nativeType)).map(describeField);
      todos.push({
        at: "customFields",
        text: `Plannr field "${field.key}" ("${field.label}", ${field.nativeType}) has no ONLYOFFICE field of the same label${candidates.length > 0 ? `; candidates: ${candidates.join(", ")}` : ": create one"}`,
      });
      continue;
    }
    used.add(match.id);
    const renames: Record<string, string> = {};
    let note: string | null = null;
    if (canonical === "select" && field.options && match.options && match.nativeType === "SelectBox") {
      const missing: string[] = [];
      for (const opt of field.options) {
        if (match.options.includes(opt)) continue;
        const near = match.options.find((o) => labelKey(o) === labelKey(opt));
        if (near) renames[opt] = near;
        else missing.push(opt);
      }
      if (missing.length > 0) note = `TODO: ONLYOFFICE "${match.label}" lacks the options ${missing.join(", ")}; add them there or map them under options`;
    }
    const key = customKeyFor(field.key, new Set(customFields.map((f) => f.key)));
    customFields.push({ key, plannr: field.key, onlyoffice: Number(match.id), type: canonical, label: field.label, options: renames, note });
  }

  // Date pattern: detected from Date field values typed in the UI; required when ambiguous.
  const detected = detectDatePattern(input.dateSamples);
  const nonIso = input.dateSamples.filter((s) => !/^\d{4}-\d{2}-\d{2}/.test(s.trim()));
  let datePattern = "yyyy-MM-dd";
  if (detected) datePattern = detected;
  else if (nonIso.length > 0) todos.push({ at: "onlyoffice.datePattern", text: `the portal's Date fields hold values like ${nonIso.slice(0, 3).map((s) => JSON.stringify(s)).join(", ")} that fit more than one pattern: set datePattern (e.g. dd/MM/yyyy or MM/dd/yyyy)` });

  const staffMatched = plannr.staff.filter((s) => s.key !== null && onlyoffice.staff.some((o) => o.key === s.key)).length;
  notes.push(`staff matched by e-mail: ${staffMatched} of ${plannr.staff.length} Plannr employees (${onlyoffice.staff.length} ONLYOFFICE users)`);
  const unmatchedStaff = plannr.staff.filter((s) => s.key === null || !onlyoffice.staff.some((o) => o.key === s.key)).map((s) => s.email ?? s.name);
  if (unmatchedStaff.length > 0) notes.push(`staff without an ONLYOFFICE user of the same e-mail (not carried as assignees; add staff.overrides if they are the same person): ${unmatchedStaff.slice(0, 10).join(", ")}`);
  const clientKeys = new Set(plannr.people.filter((p) => p.kind === "person" && p.key !== null).map((p) => p.key));
  const contactKeys = new Set(onlyoffice.people.filter((p) => p.kind === "person" && p.key !== null).map((p) => p.key));
  notes.push(`people match at run time by e-mail: ${[...clientKeys].filter((k) => contactKeys.has(k)).length} Plannr clients have an ONLYOFFICE person contact of the same e-mail`);
  const noEmail = plannr.people.filter((p) => p.kind === "person" && p.key === null).length;
  if (noEmail > 0) notes.push(`${noEmail} Plannr clients have no e-mail: they are not carried (add people.overrides to pair them by hand)`);

  return { linkField, statusField, value, reviewAt, type, groups, customFields, statuses, datePattern, todos, notes };
}

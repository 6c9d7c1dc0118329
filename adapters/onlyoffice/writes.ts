// Canonical changes → ONLYOFFICE write operations (SPEC §4 write table, invariant 8). Pure: the
// catalog resolves keys to native ids, the record's carry holds the native current state. Traps
// handled (reference "Traps a sync engine must handle"): every case PUT resends `title`,
// `isPrivate` and the whole `accessList` and sends `isNotify: false` (3); PUT never carries
// `members`, member endpoints do (4); a PUT skips empty field values, so a cleared field goes
// through `POST …/customfield/{id}` with `""` (5); field values are unvalidated strings, so select
// options are checked against the mask here (9). Nothing is truncated or coerced (invariant 11).
// Privacy rules (fail closed) live in access.ts. Every update op is marked `rereadFirst`: each one
// overwrites something a person may have changed since the snapshot (a value, the closed flag, the
// member set, the access list), so the engine reads the case again and re-plans if its version
// moved (invariant 4; `caseVersion` covers everything these ops touch).
import { customGroup, groupValue, type Case, type FieldGroup } from "../../src/core/case.js";
import { sameContent } from "../../src/core/hash.js";
import { CaseSyncError } from "../../src/core/errors.js";
import type { Mapping } from "../../src/core/mapping.js";
import { minorUnitsToDecimal, toCalendarDate } from "../../src/core/normalize.js";
import type { CreateOptions, CreatePreview, EncodeInput, EncodeResult, RecordIssue, SetDelta, WriteMethod, WriteOp } from "../../src/core/records.js";
import { checkOption, toFieldText } from "../../src/mapping/custom-values.js";
import { accessForCreate, privacyAsRead, resolveAccess } from "./access.js";
import { resolveMembers, selectOptions, type OnlyofficeCatalog } from "./catalog.js";
import { OnlyofficeCarrySchema, type OnlyofficeCarry } from "./codec.js";
import { ENDPOINTS, endpointPath, type EndpointSpec } from "./profile.js";

export const MAX_TITLE = 255;

type WriteEndpoint = EndpointSpec & { method: WriteMethod };

export interface EncodeContext {
  mapping: Mapping;
  catalog: OnlyofficeCatalog;
}

/** One mapped ONLYOFFICE field and how a canonical case fills it. */
interface FieldSlot {
  group: FieldGroup;
  fieldId: number;
  text(target: Case): string;
}

export function fieldSlots(mapping: Mapping): FieldSlot[] {
  const slots: FieldSlot[] = [];
  const { status, value, reviewAt, type, groups } = mapping.fields;
  if (status.onlyofficeField !== null) {
    slots.push({ group: "status", fieldId: status.onlyofficeField, text: (c) => (c.status.statusName === null ? "" : (mapping.statuses[c.status.statusName] ?? c.status.statusName)) });
  }
  if (value.onlyofficeField !== null) slots.push({ group: "value", fieldId: value.onlyofficeField, text: (c) => (c.value === null ? "" : minorUnitsToDecimal(c.value)) });
  if (reviewAt.onlyofficeField !== null) slots.push({ group: "reviewAt", fieldId: reviewAt.onlyofficeField, text: (c) => toFieldText("date", c.reviewAt) });
  if (type.onlyofficeField !== null) slots.push({ group: "type", fieldId: type.onlyofficeField, text: (c) => c.type ?? "" });
  if (groups.onlyofficeField !== null) slots.push({ group: "groups", fieldId: groups.onlyofficeField, text: (c) => c.groups.join(", ") });
  for (const entry of mapping.customFields) {
    slots.push({
      group: customGroup(entry.key),
      fieldId: entry.onlyoffice,
      text: (c) => {
        const raw = c.customFields[entry.key] ?? null;
        const value = entry.type === "select" && typeof raw === "string" ? (entry.options[raw] ?? raw) : raw;
        return toFieldText(entry.type, value);
      },
    });
  }
  return slots;
}

/** The canonical value a slot holds (for status only the name: the closed flag has its own endpoints). */
function slotValue(group: FieldGroup, c: Case): unknown {
  return group === "status" ? c.status.statusName : groupValue(c, group);
}

/** The text a slot writes, checked against the portal's field definition; RangeError when it cannot hold it. */
function slotText(slot: FieldSlot, target: Case, catalog: OnlyofficeCatalog): string {
  const text = slot.text(target).trim();
  if (text === "") return "";
  const definition = catalog.definitions.get(slot.fieldId);
  if (definition === undefined) throw new RangeError(`ONLYOFFICE case field ${slot.fieldId} does not exist on the portal`);
  checkOption(text, selectOptions(definition), `ONLYOFFICE field "${definition.label}"`);
  return text;
}

/** Title rule: required on every PUT and create, at most 255 characters (varchar(255)), never truncated. */
export function titleProblem(title: string): string | null {
  if (title.trim() === "") return "title is empty (ONLYOFFICE requires one)";
  const length = [...title].length;
  return length > MAX_TITLE ? `title has ${length} characters; ONLYOFFICE holds at most ${MAX_TITLE}` : null;
}

function issueFor(record: string | null, field: string, message: string): RecordIssue {
  return { severity: "error", side: "onlyoffice", record, field, code: "CS_VALIDATION", message };
}

function parseCarry(carry: unknown, record: string): OnlyofficeCarry {
  const parsed = OnlyofficeCarrySchema.safeParse(carry);
  if (!parsed.success) throw new CaseSyncError("CS_INTERNAL", `record ${record} carries no ONLYOFFICE state to encode from`, { side: "onlyoffice", record });
  return parsed.data;
}

/** A set delta from the engine, or derived from the two cases when it only listed the group. */
function deltaOf(explicit: SetDelta | undefined, listed: boolean, current: readonly string[], target: readonly string[]): SetDelta {
  if (explicit !== undefined) return explicit;
  if (!listed) return { add: [], remove: [] };
  return { add: target.filter((k) => !current.includes(k)), remove: current.filter((k) => !target.includes(k)) };
}

export function encodeUpdate(input: EncodeInput, ctx: EncodeContext): EncodeResult {
  const { record, target, changes } = input;
  if (record === null) return encodeCreate(target, { stamp: null, ...(input.people ? { people: input.people } : {}) }, ctx);
  const { mapping, catalog } = ctx;
  const id = record.id;
  const carry = parseCarry(record.carry, id);
  const set = new Set(changes.set);
  const issues: RecordIssue[] = [];
  const ops: WriteOp[] = [];
  const op = (kind: string, spec: WriteEndpoint, params: Record<string, string | number>, groups: FieldGroup[], body: unknown, summary: string): WriteOp => ({
    side: "onlyoffice",
    record: id,
    kind,
    method: spec.method,
    path: endpointPath(spec, { id, ...params }),
    groups,
    body,
    summary,
    rereadFirst: true,
  });

  const putGroups: FieldGroup[] = [];
  // Resent as read unless the title group itself changes (reference: title required on every PUT).
  let title = carry.title ?? record.case.title;
  if (set.has("title") && target.title !== record.case.title) {
    const problem = titleProblem(target.title);
    if (problem === null) {
      title = target.title;
      putGroups.push("title");
    } else issues.push(issueFor(id, "title", problem));
  }

  const customFieldList: { key: number; value: string }[] = [];
  const clears: WriteOp[] = [];
  /** Groups the side cannot hold: left out entirely (the status field and the closed flag go together). */
  const failed = new Set<FieldGroup>();
  for (const slot of fieldSlots(mapping)) {
    if (!set.has(slot.group)) continue;
    let text: string;
    try {
      text = slotText(slot, target, catalog);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      issues.push(issueFor(id, slot.group, `${slot.group}: ${error.message}`));
      failed.add(slot.group);
      continue;
    }
    // Canonically equal already (e.g. "1,234.50" read, "1234.50" meant): nothing to write.
    if (sameContent(slotValue(slot.group, target), slotValue(slot.group, record.case))) continue;
    const current = (carry.fieldValues[String(slot.fieldId)] ?? "").trim();
    if (text === current) continue;
    if (text === "") {
      clears.push(op("field.clear", ENDPOINTS.setField, { fieldid: slot.fieldId }, [slot.group], { fieldValue: "" }, `clear ${slot.group} (field ${slot.fieldId}) on case ${id}`));
    } else {
      customFieldList.push({ key: slot.fieldId, value: text });
      if (!putGroups.includes(slot.group)) putGroups.push(slot.group);
    }
  }

  // Resent as read (a private case never with an empty list) unless assignees change.
  let access = privacyAsRead(carry, catalog);
  if (mapping.access.mode === "assignees") {
    const delta = deltaOf(changes.assignees, set.has("assignees"), record.case.assignees, target.assignees);
    const resolved = resolveAccess(carry, delta, target.assignees, { catalog, record: id, unassigned: mapping.access.unassigned });
    issues.push(...resolved.issues);
    if (resolved.changed) {
      access = { isPrivate: resolved.isPrivate, accessList: resolved.accessList };
      putGroups.push("assignees");
    }
  }

  const onlyOneField = customFieldList.length === 1 && putGroups.length === 1 && putGroups[0] !== "title" && putGroups[0] !== "assignees";
  if (onlyOneField) {
    // One field and nothing else: the per-field endpoint sets it without resending title and
    // access (one request instead of a PUT that resends everything).
    const [field] = customFieldList;
    const group = putGroups[0] as FieldGroup;
    if (field) ops.push(op("field.set", ENDPOINTS.setField, { fieldid: field.key }, [group], { fieldValue: field.value }, `set ${group} (field ${field.key}) on case ${id}`));
  } else if (putGroups.length > 0) {
    ops.push(op("case.update", ENDPOINTS.updateCase, {}, putGroups, { title, isPrivate: access.isPrivate, accessList: access.accessList, isNotify: false, customFieldList }, `update ${putGroups.join(", ")} of case ${id}`));
  }
  ops.push(...clears);

  if (set.has("status") && !failed.has("status") && target.status.closed !== record.case.status.closed) {
    const spec = target.status.closed ? ENDPOINTS.closeCase : ENDPOINTS.reopenCase;
    ops.push(op(target.status.closed ? "case.close" : "case.reopen", spec, {}, ["status"], undefined, `${target.status.closed ? "close" : "reopen"} case ${id}`));
  }

  const participants = deltaOf(changes.participants, set.has("participants"), record.case.participants, target.participants);
  const members = resolveMembers(carry.memberIds, participants, { catalog, mapping, record: id, people: input.people });
  issues.push(...members.issues);
  for (const create of members.creates) {
    ops.push(op("contact.create", ENDPOINTS.createPerson, {}, ["participants"], create, `create person contact ${create.email} and add it to case ${id}`));
  }
  for (const contactid of members.add) {
    ops.push(op("members.add", ENDPOINTS.addMember, {}, ["participants"], { contactid }, `add contact ${contactid} to case ${id}`));
  }
  for (const contactid of members.remove) {
    ops.push(op("members.remove", ENDPOINTS.removeMember, { contactid }, ["participants"], undefined, `remove contact ${contactid} from case ${id}`));
  }
  return { ops, issues };
}

/**
 * The link stamp through the per-field endpoint (`POST crm/case/{id}/customfield/{fieldid}`):
 * it touches nothing else, and `""` is the only way to clear a value (reference "Custom fields").
 * The link field is never a field group (invariant 6), so the op carries none.
 */
export function encodeStamp(id: string, value: string | null, mapping: Mapping): WriteOp {
  const linkField = mapping.onlyoffice.linkField;
  if (linkField === null) throw new CaseSyncError("CS_CONFIG", "no onlyoffice.linkField is mapped", { side: "onlyoffice", record: id });
  return {
    side: "onlyoffice",
    record: id,
    kind: "stamp",
    method: ENDPOINTS.setField.method,
    path: endpointPath(ENDPOINTS.setField, { id, fieldid: linkField }),
    groups: [],
    body: { fieldValue: value ?? "" },
    summary: value === null ? `clear the link stamp (field ${linkField}) on case ${id}` : `stamp case ${id} with ${value} (field ${linkField})`,
  };
}

/** `DELETE crm/case/{id}` (delete policy `propagate`); never the batch deletes (reference trap 10). */
export function encodeDelete(id: string): WriteOp {
  return {
    side: "onlyoffice",
    record: id,
    kind: "case.delete",
    method: ENDPOINTS.deleteCase.method,
    path: endpointPath(ENDPOINTS.deleteCase, { id }),
    groups: [],
    body: undefined,
    summary: `delete case ${id}`,
  };
}

/** Placeholder for the id of a case that does not exist yet (filled in by `createCase`). */
export const NEW_CASE_ID = "{id}";

export function encodeCreate(target: Case, options: CreateOptions, ctx: EncodeContext): CreatePreview {
  const { mapping, catalog } = ctx;
  const linkField = mapping.onlyoffice.linkField;
  if (linkField === null) {
    throw new CaseSyncError("CS_CONFIG", "creating ONLYOFFICE cases needs onlyoffice.linkField (run `case-sync init --create-link-fields`)", { side: "onlyoffice" });
  }
  if (!catalog.definitions.has(linkField)) {
    // The create would drop an unknown field silently and leave the case unstamped (invariant 6).
    throw new CaseSyncError("CS_CONFIG", `onlyoffice.linkField ${linkField} is not a case custom field on this portal`, { side: "onlyoffice", field: "onlyoffice.linkField" });
  }
  const issues: RecordIssue[] = [];
  const titleIssue = titleProblem(target.title);
  if (titleIssue !== null) return { ops: [], issues: [issueFor(null, "title", titleIssue)] };

  const groups: FieldGroup[] = ["title"];
  const customFieldList: { key: number; value: string }[] = [];
  for (const slot of fieldSlots(mapping)) {
    try {
      const text = slotText(slot, target, catalog);
      if (text === "") continue;
      customFieldList.push({ key: slot.fieldId, value: text });
      groups.push(slot.group);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      issues.push(issueFor(null, slot.group, `${slot.group}: ${error.message}`));
    }
  }
  if (options.stamp !== null) customFieldList.push({ key: linkField, value: options.stamp });
  const createdAtField = mapping.onlyoffice.createdAtField;
  if (options.createdAt && createdAtField !== null) {
    try {
      customFieldList.push({ key: createdAtField, value: toCalendarDate(options.createdAt, mapping.timeZone) });
    } catch (error) {
      issues.push({ ...issueFor(null, "createdAt", `createdAt: ${(error as Error).message}`), severity: "warning" });
    }
  }

  // Private to the mapped assignees; with none, `access.unassigned` decides (private by default).
  const mapped = mapping.access.mode === "assignees";
  const access = accessForCreate(target.assignees, { catalog, record: null, unassigned: mapping.access.unassigned, title: target.title, mapped });
  issues.push(...access.issues);
  if (mapped) groups.push("assignees");

  const members = resolveMembers([], { add: target.participants, remove: [] }, { catalog, mapping, record: null, people: options.people });
  issues.push(...members.issues);
  groups.push("participants");
  const ops: WriteOp[] = members.creates.map((create) => ({
    side: "onlyoffice",
    record: null,
    kind: "contact.create",
    method: ENDPOINTS.createPerson.method,
    path: endpointPath(ENDPOINTS.createPerson),
    groups: ["participants"],
    body: create,
    summary: `create person contact ${create.email} for the new case`,
  }));
  if (target.status.closed || target.status.statusName !== null) groups.push("status");
  ops.push({
    side: "onlyoffice",
    record: null,
    kind: "case.create",
    method: ENDPOINTS.createCase.method,
    path: endpointPath(ENDPOINTS.createCase),
    groups,
    body: { title: target.title, members: members.add, customFieldList, isPrivate: access.isPrivate, accessList: access.accessList, isNotify: false },
    summary: `create case "${target.title}"${members.creates.length > 0 ? ` (+ ${members.creates.length} contact(s) created first)` : ""}`,
  });
  if (target.status.closed) {
    ops.push({
      side: "onlyoffice",
      record: null,
      kind: "case.close",
      method: ENDPOINTS.closeCase.method,
      path: ENDPOINTS.closeCase.template.replace("{id}", NEW_CASE_ID),
      groups: ["status"],
      body: undefined,
      summary: "close the new case",
    });
  }
  return { ops, issues };
}

// Canonical changes → Plannr write operations (SPEC §4 write-operation table). Pure: from the
// record's carry, the whole target case and the cached catalog. Facts relied on (reference
// "Cases", "Validation and query behaviour"): PUT is partial and takes `name` (≤ 255), `status`
// (uuid), `assigned_to_uuids`, `review_at`, `value` (integer pennies) and `custom_fields` keyed by
// reference (`null` clears; a `selection` value must be an option; a field whose `conditions` the
// case does not meet is refused, judged against the new status); participants change only through
// `POST`/`DELETE /cases/{uuid}/participants` and the last client cannot be removed; the create
// takes no custom fields. `type`, `groups` and `completed_at` are never written. Calendar dates
// (`review_at`, `datetime` fields) go out as noon in the mapping's zone (see dates.ts).
import type { Case, CustomValue, FieldGroup } from "../../src/core/case.js";
import { customGroup, isCustomGroup, customKeyOf } from "../../src/core/case.js";
import { CaseSyncError } from "../../src/core/errors.js";
import type { Direction } from "../../src/core/mapping.js";
import { isCalendarDate } from "../../src/core/normalize.js";
import type { CaseRecord, CreateOptions, CreatePreview, EncodeInput, EncodeResult, RecordIssue, SetDelta, WriteOp } from "../../src/core/records.js";
import { checkOption, toPlannrValue } from "../../src/mapping/custom-values.js";
import type { NativeFieldDefinition } from "./schemas.js";
import { carryOf, type CodecContext, type PlannrCarry } from "./codec.js";
import { plannrNoon } from "./dates.js";
import { ENDPOINTS, endpointPath } from "./profile.js";

/** Plannr's `name` (and a `string` custom field, a VARCHAR) holds at most 255 characters. */
export const MAX_NAME = 255;
/** A `longtext` custom field (a TEXT column) holds at most 65,535 characters. */
export const MAX_LONGTEXT = 65_535;

/**
 * A length as Plannr judges it: after its TrimStrings middleware, in characters (Laravel's `max`
 * rule counts with mb_strlen and a utf8mb4 VARCHAR holds code points), so an emoji is one
 * character here, not the two UTF-16 units of `String.length`.
 */
export function plannrLength(text: string): number {
  return [...text.trim()].length;
}
/** The path of a PUT that follows a create, before the new uuid is known. */
export const CREATED_CASE_PATH = ENDPOINTS.updateCase.template;

type Add = (severity: RecordIssue["severity"], field: string, code: RecordIssue["code"], message: string) => void;

interface Judge {
  statusId: string | null;
  typeId: string | null;
  typeName: string | null;
}

const writableToPlannr = (direction: Direction): boolean => direction === "both" || direction === "onlyoffice-to-plannr";

function titleProblem(title: string): string | null {
  const length = plannrLength(title);
  if (length === 0) return "a Plannr case needs a name";
  if (length > MAX_NAME) return `the title has ${length} characters; Plannr's name holds at most ${MAX_NAME}`;
  return null;
}

/** The status uuid for a canonical status group: by name, else the mapping's default for the flag. */
function statusIdFor(target: Case, ctx: CodecContext): string | null {
  const name = target.status.statusName;
  const status = name === null ? ctx.catalog.statuses.defaultFor(target.status.closed) : ctx.catalog.statuses.get(name);
  return status?.id ?? null;
}

/** All conditions hold for the case's status and type (an attribute we cannot judge is Plannr's to judge). */
export function conditionsMet(field: NativeFieldDefinition, judge: Judge, ctx: CodecContext): boolean {
  return field.conditions.every((condition) => {
    if (condition.attribute === "status") {
      const name = judge.statusId === null ? undefined : ctx.catalog.statusById(judge.statusId)?.name;
      return condition.values.some((v) => v === judge.statusId || v === name);
    }
    if (condition.attribute === "type") return condition.values.some((v) => v === judge.typeId || v === judge.typeName);
    return true;
  });
}

/** One custom field value as Plannr will take it, or why it cannot hold it (invariant 11). */
export function encodeCustomValue(
  key: string,
  value: CustomValue,
  judge: Judge,
  ctx: CodecContext,
): { ok: true; reference: string; value: string | number | boolean | null } | { ok: false; message: string } {
  const entry = ctx.mapping.customFields.find((field) => field.key === key);
  if (entry === undefined) return { ok: false, message: `custom field "${key}" is not in the mapping` };
  const field = ctx.catalog.field(entry.plannr);
  if (field === undefined) return { ok: false, message: `Plannr has no case custom field with reference "${entry.plannr}"` };
  try {
    const native = toPlannrValue(entry.type, value);
    if (native === null) return { ok: true, reference: field.reference, value: null };
    const what = `Plannr field ${field.reference}`;
    if (field.type === "number" && (typeof native !== "number" || !Number.isFinite(native))) throw new RangeError(`${JSON.stringify(native)} is not a number (${what})`);
    if (field.type === "boolean" && typeof native !== "boolean") throw new RangeError(`${JSON.stringify(native)} is not true/false (${what})`);
    if (field.type === "datetime" && (typeof native !== "string" || !isCalendarDate(native))) throw new RangeError(`${JSON.stringify(native)} is not a date (${what})`);
    const sent = field.type === "datetime" && typeof native === "string" ? plannrNoon(native, ctx.mapping.timeZone) : native;
    if (field.type === "selection") checkOption(native, field.selection_options, what);
    // Checked before sending (invariant 11): one value Plannr cannot hold would 422 the whole PUT.
    const limit = field.type === "string" ? MAX_NAME : field.type === "longtext" ? MAX_LONGTEXT : null;
    if (limit !== null && plannrLength(String(native)) > limit) {
      throw new RangeError(`the value has ${plannrLength(String(native))} characters; ${what} (${field.type}) holds at most ${limit}`);
    }
    if (!conditionsMet(field, judge, ctx)) {
      const rules = field.conditions.map((c) => `${c.attribute} ∈ {${c.values.join(", ")}}`).join(" and ");
      throw new RangeError(`${what} applies only to cases with ${rules}`);
    }
    return { ok: true, reference: field.reference, value: sent };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** Native uuids to add: resolved client keys not yet on the case (ambiguous and unknown keys are reported). */
function participantAdds(delta: SetDelta, carry: PlannrCarry, ctx: CodecContext, add: Add): string[] {
  const out: string[] = [];
  for (const key of delta.add) {
    const found = ctx.catalog.resolveClient(key);
    if (found.kind === "ambiguous") add("warning", "participants", "CS_AMBIGUOUS", `${key} is shared by Plannr clients ${found.ids.join(", ")}; not added`);
    else if (found.kind === "unknown") add("warning", "participants", "CS_UNMAPPED", `no Plannr client has the key ${key}; not added`);
    else if (!carry.participantIds.includes(found.id) && !out.includes(found.id)) out.push(found.id);
  }
  return out;
}

/** Native uuids to remove: the case's own clients holding each key (never a non-client). */
function participantRemoves(delta: SetDelta, carry: PlannrCarry, ctx: CodecContext, add: Add): string[] {
  const out: string[] = [];
  for (const key of delta.remove) {
    const ids = carry.clientIds.filter((id) => ctx.catalog.clientKey(id) === key);
    if (ids.length > 1) add("warning", "participants", "CS_AMBIGUOUS", `${key} is shared by clients ${ids.join(", ")} on this case; not removed`);
    else if (ids[0] !== undefined && !out.includes(ids[0])) out.push(ids[0]);
  }
  return out;
}

/** The case's native assignee list after the delta, or null when it would not change. */
function assigneeList(delta: SetDelta, carry: PlannrCarry, ctx: CodecContext, add: Add): string[] | null {
  const removing = new Set(delta.remove.flatMap((key) => carry.assigneeIds.filter((id) => ctx.catalog.staffKey(id) === key)));
  const next = carry.assigneeIds.filter((id) => !removing.has(id));
  for (const key of delta.add) {
    const found = ctx.catalog.resolveStaff(key);
    if (found.kind === "one") {
      if (!next.includes(found.id)) next.push(found.id);
    } else {
      const why = found.kind === "ambiguous" ? `is shared by employees ${found.ids.join(", ")}` : "matches no Plannr employee";
      add("warning", "assignees", found.kind === "ambiguous" ? "CS_AMBIGUOUS" : "CS_UNMAPPED", `assignee ${key} ${why}; not assigned`);
    }
  }
  const same = next.length === carry.assigneeIds.length && next.every((id) => carry.assigneeIds.includes(id));
  return same ? null : next;
}

/** A set group asked for as a whole (in `set`) becomes the delta between the record and the target. */
function deltaOf(group: "participants" | "assignees", input: EncodeInput, record: CaseRecord): SetDelta | undefined {
  const explicit = input.changes[group];
  if (explicit !== undefined) return explicit;
  if (!input.changes.set.includes(group)) return undefined;
  const now = record.case[group];
  const want = input.target[group];
  return { add: want.filter((key) => !now.includes(key)), remove: now.filter((key) => !want.includes(key)) };
}

function op(record: string | null, kind: string, method: WriteOp["method"], path: string, groups: FieldGroup[], body: unknown, summary: string): WriteOp {
  return { side: "plannr", record, kind, method, path, groups, body, summary };
}

/** ChangeSet → the PUT, then participant adds, then removes (invariant 5: adds before removes). */
export function encodeUpdate(input: EncodeInput & { record: CaseRecord }, ctx: CodecContext): EncodeResult {
  const { record, target } = input;
  const id = record.id;
  const carry = carryOf(record);
  const issues: RecordIssue[] = [];
  const add: Add = (severity, field, code, message) => issues.push({ severity, side: "plannr", record: id, field, code, message });
  const set = new Set(input.changes.set);
  const body: Record<string, unknown> = {};
  const groups: FieldGroup[] = [];
  const judge: Judge = { statusId: carry.statusId, typeId: carry.typeId, typeName: record.case.type };

  if (set.has("title")) {
    const problem = titleProblem(target.title);
    if (problem === null) {
      body.name = target.title;
      groups.push("title");
    } else add("error", "title", "CS_VALIDATION", problem);
  }
  if (set.has("status")) {
    const statusId = statusIdFor(target, ctx);
    if (statusId === null) add("error", "status", "CS_VALIDATION", `Plannr has no status named ${JSON.stringify(target.status.statusName)}`);
    else {
      body.status = statusId;
      judge.statusId = statusId;
      groups.push("status");
    }
  }
  if (set.has("value")) {
    if (target.value !== null && !Number.isSafeInteger(target.value)) add("error", "value", "CS_VALIDATION", `${target.value} is not a whole number of pennies`);
    else {
      body.value = target.value;
      groups.push("value");
    }
  }
  if (set.has("reviewAt")) {
    if (target.reviewAt !== null && !isCalendarDate(target.reviewAt)) add("error", "reviewAt", "CS_VALIDATION", `${JSON.stringify(target.reviewAt)} is not a calendar date`);
    else {
      body.review_at = target.reviewAt === null ? null : plannrNoon(target.reviewAt, ctx.mapping.timeZone);
      groups.push("reviewAt");
    }
  }
  const customFields: Record<string, string | number | boolean | null> = {};
  for (const group of input.changes.set) {
    if (!isCustomGroup(group)) continue;
    const key = customKeyOf(group);
    const encoded = encodeCustomValue(key, target.customFields[key] ?? null, judge, ctx);
    if (!encoded.ok) add("error", group, "CS_VALIDATION", encoded.message);
    else {
      customFields[encoded.reference] = encoded.value;
      groups.push(group);
    }
  }
  if (Object.keys(customFields).length > 0) body.custom_fields = customFields;
  const assigneeDelta = deltaOf("assignees", input, record);
  const assignees = assigneeDelta === undefined ? null : assigneeList(assigneeDelta, carry, ctx, add);
  if (assignees !== null) {
    body.assigned_to_uuids = assignees;
    groups.push("assignees");
  }

  const ops: WriteOp[] = [];
  const path = endpointPath(ENDPOINTS.updateCase, { uuid: id });
  if (groups.length > 0) {
    // A PUT sets values a person may have changed since the scan: the engine reads the case's
    // updated_at right before sending it and re-plans the record if it moved (invariant 4).
    ops.push({ ...op(id, "case.update", "PUT", path, groups, body, `update Plannr case ${id}: ${groups.join(", ")}`), rereadFirst: true });
  }

  const participantDelta = deltaOf("participants", input, record);
  if (participantDelta !== undefined) {
    const adds = participantAdds(participantDelta, carry, ctx, add);
    let removes = participantRemoves(participantDelta, carry, ctx, add);
    const remaining = [...carry.clientIds.filter((client) => !removes.includes(client)), ...adds];
    if (removes.length > 0 && remaining.length === 0) {
      add("error", "participants", "CS_VALIDATION", "Plannr refuses to remove a case's last client; the removal is not written");
      removes = [];
    }
    const participantsPath = endpointPath(ENDPOINTS.addParticipants, { uuid: id });
    if (adds.length > 0) ops.push(op(id, "participants.add", "POST", participantsPath, ["participants"], { participants: adds }, `add ${adds.length} participant(s) to Plannr case ${id}`));
    if (removes.length > 0) ops.push(op(id, "participants.remove", "DELETE", participantsPath, ["participants"], { participants: removes }, `remove ${removes.length} participant(s) from Plannr case ${id}`));
  }
  return { ops, issues };
}

function fail(field: string, message: string): never {
  throw new CaseSyncError("CS_VALIDATION", message, { side: "plannr", field });
}

/**
 * A canonical case → `POST /cases`, then (only when there are custom values, which the create
 * cannot carry) one `PUT` at CREATED_CASE_PATH. The options' stamp is not used: Plannr cases carry
 * no link stamp (the link lives in the ONLYOFFICE link field, invariant 6). Throws CS_VALIDATION
 * when the case cannot be created at all (no name, or no client and no `defaultClient`).
 */
export function encodeCreate(target: Case, _options: CreateOptions, ctx: CodecContext): CreatePreview {
  const { mapping, catalog } = ctx;
  const issues: RecordIssue[] = [];
  const add: Add = (severity, field, code, message) => issues.push({ severity, side: "plannr", record: null, field, code, message });
  const problem = titleProblem(target.title);
  if (problem !== null) fail("title", problem);

  let participants = participantAdds({ add: target.participants, remove: [] }, { statusId: null, typeId: null, clientIds: [], participantIds: [], assigneeIds: [] }, ctx, add);
  if (participants.length === 0) {
    const fallback = catalog.defaultClient();
    if (fallback === null) fail("participants", "Plannr needs a client participant: none of the case's people is a Plannr client and the mapping has no defaultClient");
    add("warning", "participants", "CS_UNMAPPED", `no participant is a Plannr client; the mapping's defaultClient ${fallback} is used`);
    participants = [fallback];
  }
  const body: Record<string, unknown> = { name: target.title, participants };
  const groups: FieldGroup[] = ["title", "participants"];
  if (mapping.access.mode === "assignees" && writableToPlannr(mapping.fields.assignees)) {
    const empty = { statusId: null, typeId: null, clientIds: [], participantIds: [], assigneeIds: [] };
    const assignees = assigneeList({ add: target.assignees, remove: [] }, empty, ctx, add) ?? [];
    if (assignees.length > 0) {
      body.assigned_to_uuids = assignees;
      groups.push("assignees");
    }
  }
  let statusId: string | null = null;
  if (writableToPlannr(mapping.fields.status.direction)) {
    statusId = statusIdFor(target, ctx);
    if (statusId === null) add("error", "status", "CS_VALIDATION", `Plannr has no status named ${JSON.stringify(target.status.statusName)}; the firm's default status is given`);
    else {
      body.status = statusId;
      groups.push("status");
    }
  }
  if (writableToPlannr(mapping.fields.reviewAt.direction) && target.reviewAt !== null) {
    if (!isCalendarDate(target.reviewAt)) add("error", "reviewAt", "CS_VALIDATION", `${JSON.stringify(target.reviewAt)} is not a calendar date`);
    else {
      body.review_at = plannrNoon(target.reviewAt, mapping.timeZone);
      groups.push("reviewAt");
    }
  }
  if (writableToPlannr(mapping.fields.value.direction) && target.value !== null) {
    body.value = target.value;
    groups.push("value");
  }
  const ops: WriteOp[] = [op(null, "case.create", "POST", ENDPOINTS.createCase.template, groups, body, `create Plannr case "${target.title}"`)];

  // The create takes no custom fields (seed 002): they follow in one PUT. The type is never sent,
  // so a field conditional on a type cannot apply to the new case.
  const judge: Judge = { statusId, typeId: null, typeName: null };
  const customFields: Record<string, string | number | boolean> = {};
  const customGroups: FieldGroup[] = [];
  for (const field of mapping.customFields) {
    const value = target.customFields[field.key] ?? null;
    if (!writableToPlannr(field.direction) || value === null) continue;
    const encoded = encodeCustomValue(field.key, value, judge, ctx);
    if (!encoded.ok) add("error", customGroup(field.key), "CS_VALIDATION", encoded.message);
    else if (encoded.value !== null) {
      customFields[encoded.reference] = encoded.value;
      customGroups.push(customGroup(field.key));
    }
  }
  if (Object.keys(customFields).length > 0) {
    ops.push(op(null, "case.update", "PUT", CREATED_CASE_PATH, customGroups, { custom_fields: customFields }, `set ${Object.keys(customFields).length} custom field(s) on the new Plannr case`));
  }
  return { ops, issues };
}

// Plannr case → canonical Case (SPEC §2, Plannr column). Pure: no HTTP, only the cached catalog
// and the mapping. A field group that cannot be read for one record is left at its default and
// reported as an error issue naming the group (the engine freezes it); what is simply not carried
// is a warning. Missing is not empty: an answer that lacks a key (`participants` or
// `custom_fields` not included, a PUT answer without `review_at`, as seed 001 shows) says nothing
// about that group, so it is a CS_INCOMPLETE error issue (frozen this run), never a clear. Facts
// relied on (reference "Cases"): money reads `{amount: "4000", currency, formatted}` in minor units
// (the seeds' `{amount: {example}}` artefact tolerated); timestamps are ISO-8601 with the UK
// offset, some fields date-only; `status` may omit `is_type_completed` (looked up in the status
// list); participants are accounts, only clients are carried.
import { customGroup, emptyCase, normalizeCase, type Case, type CustomValue, type FieldGroup } from "../../src/core/case.js";
import { contentHash } from "../../src/core/hash.js";
import type { Mapping } from "../../src/core/mapping.js";
import { toCalendarDate, toUtcIso } from "../../src/core/normalize.js";
import type { CaseRecord, RecordIssue } from "../../src/core/records.js";
import { fromPlannrValue } from "../../src/mapping/custom-values.js";
import { plannrPersonKey } from "../../src/mapping/people.js";
import type { PlannrCatalog } from "./catalog.js";
import type { NativeCase, NativeParticipant } from "./schemas.js";

/**
 * Native facts kept per record for `encodeWrites` (no re-read needed): the status and type the
 * case has now (conditional custom fields are judged against them), and the native id lists the
 * set deltas apply to, so that participants and assignees the canonical model does not carry
 * (non-clients, unmapped staff) are never touched. Lists are sorted.
 */
export interface PlannrCarry {
  statusId: string | null;
  typeId: string | null;
  clientIds: string[];
  participantIds: string[];
  assigneeIds: string[];
}

export interface CodecContext {
  mapping: Mapping;
  catalog: PlannrCatalog;
}

type Issue = (severity: RecordIssue["severity"], field: string, code: RecordIssue["code"], message: string) => void;

const sorted = (values: readonly string[]): string[] => [...new Set(values)].sort();

/** Reads `{example}` placeholders of the generated docs as their example value. */
function exampleOf(value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && "example" in value) return value.example;
  return value;
}

/** Money → integer minor units, or a reason it cannot be read. Null/absent is "no value". */
export function readMoney(raw: unknown, currency: string): { ok: true; value: number | null } | { ok: false; message: string } {
  if (raw === null || raw === undefined) return { ok: true, value: null };
  let amount: unknown = raw;
  let moneyCurrency: unknown = undefined;
  if (typeof raw === "object" && !Array.isArray(raw)) {
    const money = raw as Record<string, unknown>;
    amount = exampleOf(money.amount);
    moneyCurrency = exampleOf(money.currency);
  }
  if (amount === null || amount === undefined) return { ok: true, value: null };
  let minor: number;
  if (typeof amount === "number") minor = amount;
  else if (typeof amount === "string" && /^\s*-?\d+\s*$/.test(amount)) minor = Number(amount.trim());
  else return { ok: false, message: `value amount ${JSON.stringify(amount)} is not an integer number of minor units` };
  if (!Number.isSafeInteger(minor)) return { ok: false, message: `value amount ${JSON.stringify(amount)} is not an integer number of minor units` };
  if (moneyCurrency !== undefined && moneyCurrency !== null) {
    const code = typeof moneyCurrency === "string" ? moneyCurrency.trim().toUpperCase() : JSON.stringify(moneyCurrency);
    // Never converted (invariant 11): a value in another currency is a record error.
    if (code !== currency) return { ok: false, message: `value is in ${code}, not the firm's currency ${currency}` };
  }
  return { ok: true, value: minor };
}

/**
 * A Plannr timestamp as a calendar date in `timeZone`. A wall-clock time without an offset
 * (`2026-04-29 16:54:31`, seen in the seeds) is Plannr's UK time; its date part is taken as it is.
 */
export function readPlannrDate(text: string, timeZone: string): string {
  const wall = /^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.exec(text.trim());
  if (wall?.[1] !== undefined) return toCalendarDate(wall[1], timeZone);
  return toCalendarDate(text, timeZone);
}

function utcOrNull(text: string | null | undefined): string | null {
  if (text === null || text === undefined || text.trim() === "") return null;
  try {
    return toUtcIso(text);
  } catch {
    return null;
  }
}

function isClient(participant: NativeParticipant, catalog: PlannrCatalog): boolean {
  if (catalog.clientKey(participant.uuid) !== undefined) return true;
  return participant.type === "client" || (participant.type == null && participant.role === "client");
}

function decodeStatus(native: NativeCase, ctx: CodecContext, issue: Issue): Case["status"] | null {
  const status = native.status;
  if (status === null || status === undefined) {
    issue("error", "status", "CS_VALIDATION", "the case has no status");
    return null;
  }
  const listed = ctx.catalog.statusById(status.uuid);
  if (listed === undefined) {
    issue("error", "status", "CS_VALIDATION", `status ${status.uuid} is not in the firm's status list`);
    return null;
  }
  return { closed: status.is_type_completed ?? listed.closed, statusName: status.name ?? listed.name };
}

function decodeParticipants(native: NativeCase, ctx: CodecContext, issue: Issue): { keys: string[]; clientIds: string[] } {
  const keys: string[] = [];
  const clientIds: string[] = [];
  let others = 0;
  for (const participant of native.participants ?? []) {
    if (!isClient(participant, ctx.catalog)) {
      others += 1;
      continue;
    }
    clientIds.push(participant.uuid);
    const listed = ctx.catalog.clientKey(participant.uuid);
    const key = listed ?? plannrPersonKey(ctx.mapping, participant.uuid, [participant.primary_email, participant.email]);
    if (key === null) issue("warning", "participants", "CS_UNMAPPED", `client ${participant.uuid} has no e-mail address and is not carried`);
    else keys.push(key);
  }
  if (others > 0) issue("warning", "participants", "CS_NOT_CARRIED", `${others} non-client participant${others === 1 ? " is" : "s are"} not carried`);
  return { keys, clientIds };
}

function decodeAssignees(native: NativeCase, ctx: CodecContext, issue: Issue): string[] {
  const keys: string[] = [];
  for (const uuid of native.assigned_to_uuids ?? []) {
    const key = ctx.catalog.staffKey(uuid);
    if (key === undefined) issue("warning", "assignees", "CS_UNMAPPED", `assignee ${uuid} is not an employee of the firm's list and is not carried`);
    else if (key === null) issue("warning", "assignees", "CS_UNMAPPED", `assignee ${uuid} has no e-mail address and is not carried`);
    else keys.push(key);
  }
  return keys;
}

function decodeCustomFields(native: NativeCase, ctx: CodecContext, issue: Issue): Record<string, CustomValue> {
  const out: Record<string, CustomValue> = {};
  const byReference = new Map((native.custom_fields ?? []).map((field) => [field.reference, field]));
  const valueContext = { datePattern: "yyyy-MM-dd", timeZone: ctx.mapping.timeZone };
  for (const field of ctx.mapping.customFields) {
    if (field.direction === "none") continue;
    const raw = byReference.get(field.plannr)?.value;
    try {
      out[field.key] = fromPlannrValue(field.type, raw, valueContext);
    } catch (error) {
      issue("error", `custom:${field.key}`, "CS_VALIDATION", `custom field ${field.plannr}: ${(error as Error).message}`);
    }
  }
  return out;
}

/**
 * Native keys of a case answer whose absence leaves canonical groups unknown. `type` and
 * `group_uuids` are on every case answer (reference "Cases"); the others may be left out (an
 * `include` not asked for or not honoured, a PUT answer that omits keys).
 */
const ANSWER_KEYS = ["participants", "custom_fields", "value", "review_at", "assigned_to_uuids", "group_uuids", "type"] as const;
type AnswerKey = (typeof ANSWER_KEYS)[number];

/** The canonical groups a native key feeds, limited to those the mapping carries (as the engine scopes them). */
function groupsFedBy(key: AnswerKey, mapping: Mapping): FieldGroup[] {
  const mapped = (field: { direction: string; onlyofficeField: number | null }): boolean => field.direction !== "none" && field.onlyofficeField !== null;
  switch (key) {
    case "participants":
      return mapping.fields.participants === "none" ? [] : ["participants"];
    case "assigned_to_uuids":
      return mapping.access.mode === "assignees" && mapping.fields.assignees !== "none" ? ["assignees"] : [];
    case "custom_fields":
      return mapping.customFields.filter((field) => field.direction !== "none").map((field) => customGroup(field.key));
    case "value":
      return mapped(mapping.fields.value) ? ["value"] : [];
    case "review_at":
      return mapped(mapping.fields.reviewAt) ? ["reviewAt"] : [];
    case "type":
      return mapped(mapping.fields.type) ? ["type"] : [];
    case "group_uuids":
      return mapped(mapping.fields.groups) ? ["groups"] : [];
  }
}

/** The native keys this answer lacks (absent, as opposed to present and null or empty). */
function absentKeys(native: NativeCase): AnswerKey[] {
  return ANSWER_KEYS.filter((key) => native[key] === undefined);
}

/**
 * What an answer lacks that the mapping needs: per absent key, the groups it leaves unknown. An
 * empty list means the answer can be decoded in full (the adapter reads a create's answer back
 * with a GET otherwise).
 */
export function missingIncludes(native: NativeCase, mapping: Mapping): { include: AnswerKey; groups: FieldGroup[] }[] {
  return absentKeys(native).flatMap((include) => {
    const groups = groupsFedBy(include, mapping);
    return groups.length === 0 ? [] : [{ include, groups }];
  });
}

/**
 * The native content writes depend on: a re-read with another version means the case moved. An
 * absent key hashes differently from a present null, so an answer lacking a key never matches one
 * that said "cleared".
 */
function versionOf(native: NativeCase, carry: PlannrCarry, mapping: Mapping): string {
  const references = new Set(mapping.customFields.map((field) => field.plannr));
  const custom = (native.custom_fields ?? []).filter((field) => references.has(field.reference)).map((field) => [field.reference, field.value ?? null]);
  return contentHash({
    name: native.name,
    carry,
    review_at: native.review_at ?? null,
    value: native.value ?? null,
    custom,
    groups: sorted(native.group_uuids ?? []),
    absent: absentKeys(native),
  });
}

/** Decodes one validated native case. Never throws for a bad field group: it becomes an issue. */
export function decodeCase(native: NativeCase, ctx: CodecContext): CaseRecord {
  const issues: RecordIssue[] = [];
  const issue: Issue = (severity, field, code, message) => issues.push({ severity, side: "plannr", record: native.uuid, field, code, message });
  const result = emptyCase();

  result.title = native.name;
  const status = decodeStatus(native, ctx, issue);
  if (status !== null) result.status = status;
  const participants = decodeParticipants(native, ctx, issue);
  result.participants = participants.keys;
  result.assignees = decodeAssignees(native, ctx, issue);
  const money = readMoney(native.value, ctx.mapping.currency);
  if (money.ok) result.value = money.value;
  else issue("error", "value", "CS_VALIDATION", money.message);
  if (native.review_at !== null && native.review_at !== undefined && native.review_at.trim() !== "") {
    try {
      result.reviewAt = readPlannrDate(native.review_at, ctx.mapping.timeZone);
    } catch (error) {
      issue("error", "reviewAt", "CS_VALIDATION", `review_at: ${(error as Error).message}`);
    }
  }
  result.type = native.type?.name ?? null;
  result.groups = native.group_uuids ?? [];
  result.customFields = decodeCustomFields(native, ctx, issue);
  result.createdAt = utcOrNull(native.created_at);
  // Each group an absent key feeds keeps its default and is frozen for this record this run.
  for (const { include, groups } of missingIncludes(native, ctx.mapping)) {
    for (const group of groups) issue("error", group, "CS_INCOMPLETE", `the Plannr case answer lacked ${include}; left as it is this run`);
  }

  const pool = ctx.catalog.pool;
  const statusId = native.status?.uuid;
  const typeId = native.type?.uuid;
  const clientIds = pool.internAll(sorted(participants.clientIds));
  const participantIds = pool.internAll(sorted((native.participants ?? []).map((participant) => participant.uuid)));
  const carry: PlannrCarry = {
    statusId: statusId === undefined ? null : pool.intern(statusId),
    typeId: typeId === undefined ? null : pool.intern(typeId),
    clientIds,
    // Usually every participant is a client: then one array serves both.
    participantIds: participantIds.length === clientIds.length && participantIds.every((id, i) => id === clientIds[i]) ? clientIds : participantIds,
    assigneeIds: pool.internAll(sorted(native.assigned_to_uuids ?? [])),
  };
  return {
    side: "plannr",
    id: native.uuid,
    case: normalizeCase(result),
    // Plannr cases carry no link stamp: the link lives in the ONLYOFFICE link field (invariant 6).
    stamp: null,
    updatedAt: utcOrNull(native.updated_at),
    version: versionOf(native, carry, ctx.mapping),
    carry,
    issues,
  };
}

/** The carry of a record this adapter decoded (the engine hands it back opaque). */
export function carryOf(record: CaseRecord): PlannrCarry {
  const carry = record.carry as Partial<PlannrCarry> | null | undefined;
  return {
    statusId: carry?.statusId ?? null,
    typeId: carry?.typeId ?? null,
    clientIds: carry?.clientIds ?? [],
    participantIds: carry?.participantIds ?? [],
    assigneeIds: carry?.assigneeIds ?? [],
  };
}

// Request bodies as Plannr's Laravel stack sees them: the TrimStrings and
// ConvertEmptyStringsToNull middleware rewrite every string of the input first (reference
// "Validation and query behaviour": `"  x "` is stored as `x`, `""` becomes null), then the form
// request checks shapes (required, string, array, integer). Referential rules (does this status,
// account or custom field exist; does a field apply) are the store's, in state.ts.
import type { CaseChanges, NewCase } from "./case-model.js";
import { ErrorBag, attributeName } from "./validation.js";

/** Trims every string, recursively, and turns empty strings into null. */
export function applyInputMiddleware(value: unknown): unknown {
  if (typeof value === "string") {
    const trimmed = value.trim();
    return trimmed === "" ? null : trimmed;
  }
  if (Array.isArray(value)) return value.map(applyInputMiddleware);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, applyInputMiddleware(v)]));
  }
  return value;
}

/** The request input as an object (a body that is not one reads as empty input, as in Laravel). */
export function readInput(body: unknown): Record<string, unknown> {
  const input = applyInputMiddleware(body);
  return input !== null && typeof input === "object" && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
}

const has = (input: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(input, key);

function readString(bag: ErrorBag, input: Record<string, unknown>, key: string, required: boolean): string | null | undefined {
  if (!has(input, key)) {
    if (required) bag.add(key, `The ${attributeName(key)} field is required.`);
    return undefined;
  }
  const value = input[key];
  if (value === null) {
    if (required) bag.add(key, `The ${attributeName(key)} field is required.`);
    return null;
  }
  if (typeof value !== "string") {
    bag.add(key, `The ${attributeName(key)} field must be a string.`);
    return undefined;
  }
  return value;
}

/** A list of uuids; null reads as an empty list (e.g. `plans: null` detaches all plans). */
function readUuidList(bag: ErrorBag, input: Record<string, unknown>, key: string): string[] | undefined {
  if (!has(input, key)) return undefined;
  const value = input[key];
  if (value === null) return [];
  if (!Array.isArray(value)) {
    bag.add(key, `The ${attributeName(key)} field must be an array.`);
    return undefined;
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item === "string") out.push(item);
    else bag.add(`${key}.${i}`, `The ${key}.${i} field must be a valid UUID.`);
  });
  return out;
}

/** Laravel's `integer` rule: integers and integer strings. */
function readInteger(bag: ErrorBag, input: Record<string, unknown>, key: string, nullable: boolean): number | null | undefined {
  if (!has(input, key)) return undefined;
  const value = input[key];
  if (value === null && nullable) return null;
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  bag.add(key, `The ${attributeName(key)} field must be an integer.`);
  return undefined;
}

function readDate(bag: ErrorBag, input: Record<string, unknown>, key: string): string | null | undefined {
  if (!has(input, key)) return undefined;
  const value = input[key];
  if (value === null || typeof value === "string") return value;
  bag.add(key, `The ${attributeName(key)} field must be a valid date.`);
  return undefined;
}

/** Fields both create and update take (absent keys stay absent). */
function readCommon(bag: ErrorBag, input: Record<string, unknown>): CaseChanges {
  const out: CaseChanges = {};
  const assigned = readUuidList(bag, input, "assigned_to_uuids");
  if (assigned !== undefined) out.assignedToUuids = assigned;
  const groups = readUuidList(bag, input, "group_uuids");
  if (groups !== undefined) out.groupUuids = groups;
  const plans = readUuidList(bag, input, "plans");
  if (plans !== undefined) out.planUuids = plans;
  const type = readString(bag, input, "type", false);
  if (type !== undefined) out.typeUuid = type;
  const reviewAt = readDate(bag, input, "review_at");
  if (reviewAt !== undefined) out.reviewAt = reviewAt;
  const value = readInteger(bag, input, "value", true);
  if (value !== undefined) out.value = value;
  return out;
}

/** `POST /api/v1/cases`. `custom_fields` are not taken on create (seed 002) and are ignored. */
export function readCreateBody(body: unknown): NewCase {
  const input = readInput(body);
  const bag = new ErrorBag();
  const name = readString(bag, input, "name", true);
  let participants: string[] | undefined;
  if (!has(input, "participants") || input.participants === null) bag.add("participants", "The participants field is required.");
  else participants = readUuidList(bag, input, "participants");
  const common = readCommon(bag, input);
  const status = readString(bag, input, "status", false);
  bag.throwIfAny();
  const out: NewCase = { ...common, name: name ?? "", participantUuids: participants ?? [] };
  if (typeof status === "string") out.statusUuid = status;
  return out;
}

/** `PUT /api/v1/cases/{uuid}`: partial. [D] `participants` is ignored (participant endpoints only). */
export function readUpdateBody(body: unknown): CaseChanges {
  const input = readInput(body);
  const bag = new ErrorBag();
  const out = readCommon(bag, input);
  const name = readString(bag, input, "name", has(input, "name"));
  if (typeof name === "string") out.name = name;
  const status = readString(bag, input, "status", has(input, "status"));
  if (typeof status === "string") out.statusUuid = status;
  const position = readInteger(bag, input, "status_position", false);
  if (typeof position === "number") out.statusPosition = position;
  const completedAt = readDate(bag, input, "completed_at");
  if (completedAt !== undefined) out.completedAt = completedAt;
  if (has(input, "custom_fields") && input.custom_fields !== null) {
    const fields = input.custom_fields;
    if (typeof fields !== "object") bag.add("custom_fields", "The custom fields field must be an array.");
    else out.customFields = Array.isArray(fields) ? Object.fromEntries(fields.map((v, i) => [String(i), v])) : (fields as Record<string, unknown>);
  }
  bag.throwIfAny();
  return out;
}

/** `POST`/`DELETE /api/v1/cases/{uuid}/participants` with `{participants: [uuid...]}`. */
export function readParticipantsBody(body: unknown): string[] {
  const input = readInput(body);
  const bag = new ErrorBag();
  const list = readUuidList(bag, input, "participants");
  if ((list === undefined || list.length === 0) && !bag.has("participants")) bag.add("participants", "The participants field is required.");
  bag.throwIfAny();
  return list ?? [];
}

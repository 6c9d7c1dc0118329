// The rules Plannr applies to a case write before it stores anything (reference "Cases" and
// "Validation and query behaviour"): a name of at most 255 characters; participants that are
// accounts of the firm, at least one a client on create; employees as assignees; known statuses,
// types and groups; integer pennies; ISO-8601 dates; custom fields by known reference, valid for
// their type, and only where their conditions hold for the case's new status and type. Each
// violation is added to the bag under Laravel's key (`participants.0`, `custom_fields.lender`).
import type { PlannrCatalog } from "./catalog.js";
import { characterCount, coerceFieldValue, fieldApplies } from "./custom-fields.js";
import { normalizeTimestamp } from "./london-time.js";
import type { CaseChanges } from "./case-model.js";
import { attributeName, type ErrorBag } from "./validation.js";

const MAX_NAME = 255;

export function checkName(bag: ErrorBag, name: string): void {
  if (name === "") bag.add("name", "The name field is required.");
  else if (characterCount(name) > MAX_NAME) bag.add("name", `The name field must not be greater than ${MAX_NAME} characters.`);
}

export function checkParticipants(catalog: PlannrCatalog, bag: ErrorBag, uuids: readonly string[], needClient: boolean): void {
  uuids.forEach((uuid, i) => {
    if (!catalog.account(uuid)) bag.add(`participants.${i}`, `The selected participants.${i} is invalid.`);
  });
  if (needClient && !uuids.some((uuid) => catalog.account(uuid)?.type === "client")) {
    bag.add("participants", "The participants must include at least one client.");
  }
}

/** Referential and value rules shared by create and update, judged against the new status/type. */
export function checkChanges(catalog: PlannrCatalog, bag: ErrorBag, changes: CaseChanges, statusUuid: string, typeUuid: string | null): void {
  const invalid = (key: string): void => bag.add(key, `The selected ${attributeName(key)} is invalid.`);
  if (changes.statusUuid !== undefined && !catalog.status(changes.statusUuid)) invalid("status");
  if (changes.typeUuid !== undefined && changes.typeUuid !== null && !catalog.type(changes.typeUuid)) invalid("type");
  changes.assignedToUuids?.forEach((uuid, i) => {
    if (catalog.account(uuid)?.type !== "employee") invalid(`assigned_to_uuids.${i}`);
  });
  changes.groupUuids?.forEach((uuid, i) => {
    if (!catalog.hasGroup(uuid)) invalid(`group_uuids.${i}`);
  });
  // The simulated firm holds no plans, so any plan uuid fails Laravel's `exists` rule.
  changes.planUuids?.forEach((_uuid, i) => invalid(`plans.${i}`));
  if (changes.statusPosition !== undefined && (!Number.isSafeInteger(changes.statusPosition) || changes.statusPosition < 1)) {
    bag.add("status_position", "The status position field must be at least 1.");
  }
  if (changes.value !== undefined && changes.value !== null && !Number.isSafeInteger(changes.value)) {
    bag.add("value", "The value field must be an integer.");
  }
  for (const [key, text] of [
    ["review_at", changes.reviewAt],
    ["completed_at", changes.completedAt],
  ] as const) {
    if (typeof text === "string" && normalizeTimestamp(text) === null) bag.add(key, `The ${attributeName(key)} field must be a valid date.`);
  }
  for (const [reference, raw] of Object.entries(changes.customFields ?? {})) {
    const key = `custom_fields.${reference}`;
    const field = catalog.field(reference);
    if (!field) {
      bag.add(key, `The custom field with reference "${reference}" does not exist.`);
      continue;
    }
    const coerced = coerceFieldValue(field, raw);
    if (!coerced.ok) bag.add(key, coerced.message);
    else if (coerced.value !== null && !fieldApplies(field, statusUuid, typeUuid)) {
      bag.add(key, `The ${field.name} field does not apply to this case's type or status.`);
    }
  }
}

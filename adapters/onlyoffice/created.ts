// What an ONLYOFFICE create really produced. The engine takes the created record as the pair's
// base, so it must be the case as it is after every step, and every step that did not land must
// be a record error naming its field group (a silent gap would later read as a person's edit and
// be copied back). The portal drops what it will not take without an error (reference "Cases":
// unknown or unreadable member ids and empty or non-case field entries are dropped silently; a
// non-administrator's privacy is ignored), so the case read back is compared with what was asked.
// Pure.
import type { Mapping } from "../../src/core/mapping.js";
import type { CaseRecord, RecordIssue } from "../../src/core/records.js";
import type { OnlyofficeCatalog } from "./catalog.js";
import type { OnlyofficeCarry } from "./codec.js";
import { fieldSlots } from "./writes.js";

/** The native create request, plus whether a close followed it. */
export interface CreateRequest {
  members: number[];
  customFieldList: { key: number; value: string }[];
  isPrivate: boolean;
  accessList: string[];
  closed: boolean;
}

/** The field an issue names for a custom field id: its canonical group, or the mapping path of the link and created-at fields. */
function fieldNameOf(mapping: Mapping, fieldId: number): string {
  if (fieldId === mapping.onlyoffice.linkField) return "onlyoffice.linkField";
  if (fieldId === mapping.onlyoffice.createdAtField) return "createdAt";
  return fieldSlots(mapping).find((slot) => slot.fieldId === fieldId)?.group ?? `customFields.${fieldId}`;
}

/**
 * One error issue per field group the created case does not hold as asked, skipping groups that
 * `reported` already names (a failed step is reported once, with its own cause).
 */
export function createShortfalls(request: CreateRequest, record: CaseRecord, ctx: { mapping: Mapping; catalog: OnlyofficeCatalog }, reported: readonly RecordIssue[]): RecordIssue[] {
  const carry = record.carry as OnlyofficeCarry;
  const found = new Map<string, string[]>();
  const note = (field: string, message: string) => found.set(field, [...(found.get(field) ?? []), message]);

  const dropped = request.members.filter((id) => !carry.memberIds.includes(id));
  if (dropped.length > 0) note("participants", `contact(s) ${dropped.join(", ")} were sent with the create but are not members (hidden or unknown to the portal)`);

  for (const { key, value } of request.customFieldList) {
    const read = (carry.fieldValues[String(key)] ?? "").trim();
    if (read !== value.trim()) note(fieldNameOf(ctx.mapping, key), `field ${key} was sent as "${value}" with the create but reads ${read === "" ? "empty" : `"${read}"`}`);
  }

  if (request.isPrivate && !carry.isPrivate) {
    note("assignees", "the case was created public although it was sent private (is the integration user a CRM administrator?)");
  } else if (request.isPrivate) {
    const missing = request.accessList.filter((guid) => !ctx.catalog.isIntegrationUser(guid) && !carry.accessList.some((g) => g.toLowerCase() === guid.toLowerCase()));
    if (missing.length > 0) note("assignees", `user(s) ${missing.join(", ")} were sent with the create but are not on the access list`);
  } else if (carry.isPrivate) {
    note("assignees", "the case was created private although it was sent public");
  }

  if (request.closed && !record.case.status.closed) note("status", "the case was created open and is still open after its close");

  const already = new Set(reported.filter((issue) => issue.severity === "error").map((issue) => issue.field));
  return [...found]
    .filter(([field]) => !already.has(field))
    .map(([field, messages]) => ({ severity: "error", side: "onlyoffice", record: record.id, field, code: "CS_VALIDATION", message: `created case ${record.id}: ${messages.join("; ")}` }));
}

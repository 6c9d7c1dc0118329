// ONLYOFFICE case → canonical Case (SPEC §2, ONLYOFFICE column). Pure: no HTTP, reads only the
// catalog the adapter built from the reference lists. A field group that cannot be read for one
// record is left at its default and reported as an error issue naming the group (the engine
// freezes it); people the canonical model does not carry are warnings. Facts relied on
// (reference): `created` is portal-local with the portal offset and 7 fractional digits; field
// values are unvalidated strings; a public case has no access list; a private one lists the user
// who made it private, so the integration user (never an assignee, SPEC §2) is skipped and a case
// private to it alone reads as no assignees, which is what the fail-closed write leaves (access.ts);
// one made private by someone else may lack it or come without a list [D]; Heading fields (type 4)
// hold no value; no modification time exists.
import { z } from "zod";
import { emptyCase, normalizeCase, customGroup, type Case, type FieldGroup } from "../../src/core/case.js";
import { contentHash } from "../../src/core/hash.js";
import type { Mapping } from "../../src/core/mapping.js";
import { decimalToMinorUnits, normalizeText, toUtcIso } from "../../src/core/normalize.js";
import type { CaseRecord, RecordIssue } from "../../src/core/records.js";
import { fromFieldText } from "../../src/mapping/custom-values.js";
import { readCalendarDate } from "../../src/mapping/dates.js";
import { selectOptions, type OnlyofficeCatalog } from "./catalog.js";
import { FIELD_TYPE, type NativeCase } from "./schemas.js";

/**
 * What `encodeWrites` needs later without another request: the title and the privacy exactly as
 * read (every PUT resends both: the title is stored raw, untrimmed, so resending the normalized one
 * would rewrite it, and a whitespace-only title would be refused with a 400), member contact ids
 * (set deltas are applied to the native set, so members the canonical model does not carry are
 * never touched), and the text of every mapped field (to know whether a cleared value needs the
 * per-field POST). `title` is optional so carries kept from an older version still parse.
 */
export const OnlyofficeCarrySchema = z.object({
  title: z.string().optional(),
  isPrivate: z.boolean(),
  accessList: z.array(z.string()),
  memberIds: z.array(z.number().int()),
  fieldValues: z.record(z.string(), z.string()),
});
export type OnlyofficeCarry = z.infer<typeof OnlyofficeCarrySchema>;

const fieldIdCache = new WeakMap<Mapping, ReadonlySet<number>>();

/** Ids of every case custom field the mapping uses (values of other fields are not kept). */
export function mappedFieldIds(mapping: Mapping): ReadonlySet<number> {
  const cached = fieldIdCache.get(mapping);
  if (cached !== undefined) return cached;
  const ids = [
    mapping.onlyoffice.linkField,
    mapping.onlyoffice.createdAtField,
    mapping.fields.status.onlyofficeField,
    mapping.fields.value.onlyofficeField,
    mapping.fields.reviewAt.onlyofficeField,
    mapping.fields.type.onlyofficeField,
    mapping.fields.groups.onlyofficeField,
    ...mapping.customFields.map((field) => field.onlyoffice),
  ];
  const set = new Set(ids.filter((id): id is number => id !== null));
  fieldIdCache.set(mapping, set);
  return set;
}

/** `2020-12-08T17:37:04.5736385+03:00` → UTC ISO; the minimum date means "none". */
export function createdToUtc(created: string | undefined): string | null {
  if (created === undefined || created.trim() === "" || created.startsWith("0001-01-01")) return null;
  // Date.parse takes at most millisecond precision reliably: trim the 7-digit fraction first.
  return toUtcIso(created.trim().replace(/(\.\d{3})\d+/, "$1"));
}

/** The Plannr status name for the text in the ONLYOFFICE status field (inverse of `mapping.statuses`). */
export function statusNameFromText(mapping: Mapping, text: string): string {
  const lower = text.toLowerCase();
  const names = Object.entries(mapping.statuses)
    .filter(([, onlyofficeName]) => onlyofficeName.trim().toLowerCase() === lower)
    .map(([plannrName]) => plannrName);
  if (names.length > 1) throw new RangeError(`"${text}" maps back to several statuses (${names.join(", ")})`);
  return names[0] ?? text;
}

export interface DecodeContext {
  mapping: Mapping;
  catalog: OnlyofficeCatalog;
}

export function decodeCase(native: NativeCase, ctx: DecodeContext): CaseRecord {
  const { mapping, catalog } = ctx;
  const id = String(native.id);
  const issues: RecordIssue[] = [];
  const report = (severity: RecordIssue["severity"], field: string, code: RecordIssue["code"], message: string) =>
    issues.push({ severity, side: "onlyoffice", record: id, field, code, message });

  const keep = mappedFieldIds(mapping);
  const fieldValues: Record<string, string> = {};
  for (const field of native.customFields) {
    if (field.fieldType === FIELD_TYPE.Heading || !keep.has(field.id) || field.fieldValue.trim() === "") continue;
    fieldValues[String(field.id)] = field.fieldValue;
  }
  const text = (fieldId: number | null): string | null => (fieldId === null ? null : normalizeText(fieldValues[String(fieldId)]));
  /** Reads one group; a RangeError leaves it at its default and becomes an error issue. */
  const read = <T>(group: FieldGroup, fallback: T, decode: () => T): T => {
    try {
      return decode();
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      report("error", group, "CS_VALIDATION", `${group}: ${error.message}`);
      return fallback;
    }
  };
  const valueContext = { datePattern: mapping.onlyoffice.datePattern, timeZone: mapping.timeZone };
  const defaults = emptyCase();

  const status = read("status", defaults.status, () => {
    const fieldId = mapping.fields.status.onlyofficeField;
    const statusText = text(fieldId);
    if (statusText === null || fieldId === null) return { closed: native.isClosed, statusName: null };
    const definition = catalog.definitions.get(fieldId);
    const options = definition ? selectOptions(definition) : null;
    if (options && options.length > 0 && !options.some((o) => o.trim().toLowerCase() === statusText.toLowerCase())) {
      throw new RangeError(`"${statusText}" is not a status the portal's status field offers`);
    }
    return { closed: native.isClosed, statusName: statusNameFromText(mapping, statusText) };
  });

  const participants: string[] = [];
  for (const member of native.members) {
    const contact = catalog.contact(member.id);
    if (member.isCompany || contact?.kind === "company") {
      report("warning", "participants", "CS_NOT_CARRIED", `member ${member.id} is a company contact (not carried)`);
    } else if (contact === undefined) {
      report("warning", "participants", "CS_UNMAPPED", `member ${member.id} is not in the contact list (hidden or new)`);
    } else if (contact.key === null) {
      report("warning", "participants", "CS_UNMAPPED", `member ${member.id} has no e-mail address`);
    } else if (catalog.personKeys.isAmbiguous(contact.key)) {
      report("warning", "participants", "CS_AMBIGUOUS", `member ${member.id}: ${contact.key} belongs to several contacts`);
    } else participants.push(contact.key);
  }

  const assignees: string[] = [];
  if (mapping.access.mode === "assignees" && native.isPrivate) {
    for (const guid of native.accessList) {
      if (catalog.isIntegrationUser(guid)) continue; // ONLYOFFICE adds it to every access list
      const key = catalog.staffKey(guid);
      if (key === undefined) report("warning", "assignees", "CS_UNMAPPED", `user ${guid} is not a listed portal user`);
      else if (key === null) report("warning", "assignees", "CS_UNMAPPED", `user ${guid} has no usable e-mail address`);
      else if (catalog.staffKeys.isAmbiguous(key)) report("warning", "assignees", "CS_AMBIGUOUS", `${key} belongs to several users`);
      else assignees.push(key);
    }
  }

  const customFields: Case["customFields"] = {};
  for (const entry of mapping.customFields) {
    customFields[entry.key] = read(customGroup(entry.key), null, () => {
      const value = fromFieldText(entry.type, text(entry.onlyoffice), valueContext);
      if (entry.type !== "select" || typeof value !== "string") return value;
      return Object.entries(entry.options).find(([, onlyofficeOption]) => onlyofficeOption === value)?.[0] ?? value;
    });
  }

  const value = read("value", null, () => decimalToMinorUnits(text(mapping.fields.value.onlyofficeField)));
  const reviewAt = read("reviewAt", null, () => {
    const raw = text(mapping.fields.reviewAt.onlyofficeField);
    return raw === null ? null : readCalendarDate(raw, valueContext.datePattern, valueContext.timeZone);
  });
  const groups = (text(mapping.fields.groups.onlyofficeField) ?? "").split(",");

  let createdAt: string | null = null;
  try {
    createdAt = createdToUtc(native.created);
  } catch (error) {
    report("warning", "createdAt", "CS_SCHEMA", `created: ${(error as Error).message}`);
  }

  const canonical = normalizeCase({
    title: native.title,
    status,
    participants,
    assignees,
    customFields,
    value,
    reviewAt,
    type: text(mapping.fields.type.onlyofficeField),
    groups,
    createdAt,
  });
  const pool = catalog.pool;
  const carry: OnlyofficeCarry = {
    title: native.title,
    isPrivate: native.isPrivate,
    accessList: pool.internAll(native.accessList),
    memberIds: native.members.map((m) => m.id),
    // Short values repeat (select options, flags, amounts): one instance each. Not the link stamp:
    // one uuid per case, so pooling it would keep every stamp of the book for the pool's lifetime.
    fieldValues: Object.fromEntries(Object.entries(fieldValues).map(([k, v]) => [k, v.length <= 40 && k !== String(mapping.onlyoffice.linkField) ? pool.intern(v) : v])),
  };
  return {
    side: "onlyoffice",
    id,
    case: canonical,
    stamp: text(mapping.onlyoffice.linkField),
    updatedAt: null, // ONLYOFFICE keeps no modification time
    version: caseVersion(native.title, native.isClosed, carry),
    carry,
    issues,
  };
}

/** Hash of what writes depend on: a re-read with another version means the case moved. */
export function caseVersion(title: string, isClosed: boolean, carry: OnlyofficeCarry): string {
  return contentHash({
    title,
    isClosed,
    isPrivate: carry.isPrivate,
    accessList: carry.accessList.map((g) => g.toLowerCase()).sort(),
    memberIds: [...carry.memberIds].sort((a, b) => a - b),
    fieldValues: carry.fieldValues,
  });
}

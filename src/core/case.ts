// The canonical Case (SPEC §2): the one model both codecs translate to and from. Everything in it
// is already normalized; `normalizeCase` is the single place that makes it so, and codecs call it
// on what they decode so that equal content always has equal bytes (and an equal hash).
import { z } from "zod";
import { normalizeEmail, normalizeRequiredText, normalizeText, sortedSet, isCalendarDate } from "./normalize.js";

/** A custom field value: text, number, checkbox, calendar date (`YYYY-MM-DD`, as text) or unset. */
export const CustomValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type CustomValue = z.infer<typeof CustomValueSchema>;

export const StatusGroupSchema = z.object({
  closed: z.boolean(),
  /** The Plannr status name (canonical); null when the side does not carry a name. */
  statusName: z.string().nullable(),
});
export type StatusGroup = z.infer<typeof StatusGroupSchema>;

const calendarDate = z.string().refine(isCalendarDate, { message: "must be a calendar date YYYY-MM-DD" });

export const CaseSchema = z.object({
  title: z.string().max(100_000),
  status: StatusGroupSchema,
  /** Person keys: a normalized e-mail, or an override key `plannr:<uuid>` from the mapping. */
  participants: z.array(z.string()),
  /** Staff keys: a normalized e-mail, or an override key from the mapping. */
  assignees: z.array(z.string()),
  /** Keyed by the mapping's custom field `key`. Unset fields may be absent or null. */
  customFields: z.record(z.string(), CustomValueSchema),
  /** Amount in integer minor units (pennies). */
  value: z.number().int().nullable(),
  reviewAt: calendarDate.nullable(),
  /** Plannr case type name. */
  type: z.string().nullable(),
  /** Plannr group uuids (or names, when the mapping names them). */
  groups: z.array(z.string()),
  /** Read-only: when the case was created on the side it was read from (UTC ISO). */
  createdAt: z.string().nullable(),
});
export type Case = z.infer<typeof CaseSchema>;

/** The field groups that are diffed, planned and conflicted as units (SPEC §2 and §4). */
export const CORE_GROUPS = ["title", "status", "participants", "assignees", "value", "reviewAt", "type", "groups"] as const;
export type CoreGroup = (typeof CORE_GROUPS)[number];
export type CustomGroup = `custom:${string}`;
export type FieldGroup = CoreGroup | CustomGroup;

export function customGroup(key: string): CustomGroup {
  return `custom:${key}`;
}

export function isCustomGroup(group: FieldGroup): group is CustomGroup {
  return group.startsWith("custom:");
}

export function customKeyOf(group: CustomGroup): string {
  return group.slice("custom:".length);
}

/** Set-valued groups merge element-wise (invariant 5). */
export const SET_GROUPS: ReadonlySet<FieldGroup> = new Set<FieldGroup>(["participants", "assignees", "groups"]);

export function emptyCase(): Case {
  return {
    title: "",
    status: { closed: false, statusName: null },
    participants: [],
    assignees: [],
    customFields: {},
    value: null,
    reviewAt: null,
    type: null,
    groups: [],
    createdAt: null,
  };
}

function normalizeKey(key: string): string {
  // Person and staff keys are e-mails unless they are explicit override keys (`plannr:<uuid>`).
  return key.includes(":") ? key.trim() : (normalizeEmail(key) ?? key.trim().toLowerCase());
}

function normalizeCustomValue(value: CustomValue): CustomValue {
  if (typeof value === "string") return normalizeText(value);
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value;
}

/** Returns the normalized copy of a case; unset custom fields are dropped so `{}` ≡ `{k: null}`. */
export function normalizeCase(input: Case): Case {
  const customFields: Record<string, CustomValue> = {};
  for (const key of Object.keys(input.customFields).sort()) {
    const value = normalizeCustomValue(input.customFields[key] ?? null);
    if (value !== null) customFields[key] = value;
  }
  return {
    title: normalizeRequiredText(input.title),
    status: { closed: input.status.closed, statusName: normalizeText(input.status.statusName) },
    participants: sortedSet(input.participants.map(normalizeKey)),
    assignees: sortedSet(input.assignees.map(normalizeKey)),
    customFields,
    value: input.value,
    reviewAt: input.reviewAt,
    type: normalizeText(input.type),
    groups: sortedSet(input.groups.map((g) => g.trim()).filter((g) => g !== "")),
    createdAt: input.createdAt,
  };
}

/** Reads one field group's value out of a case. */
export function groupValue(c: Case, group: FieldGroup): unknown {
  if (isCustomGroup(group)) return c.customFields[customKeyOf(group)] ?? null;
  return c[group];
}

/** Returns a copy of the case with one group's value replaced. */
export function withGroupValue(c: Case, group: FieldGroup, value: unknown): Case {
  if (isCustomGroup(group)) {
    const key = customKeyOf(group);
    const customFields = { ...c.customFields };
    if (value === null || value === undefined) delete customFields[key];
    else customFields[key] = value as CustomValue;
    return { ...c, customFields };
  }
  return { ...c, [group]: value };
}

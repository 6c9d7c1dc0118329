// zod schemas of every Plannr response the adapter reads: lenient about extra keys (`.loose()`),
// strict about what it uses. Facts relied on (reference "Cases", "Statuses, custom fields, people"):
// - lists are `{data: [...], links, meta: {current_page, last_page, per_page, total}}`;
// - single resources come wrapped `{data: {...}}` or bare (the seeds): both are accepted;
// - the seeds come from generated docs: `participants` and `plans` show as one object instead of a
//   list, nested resources as class-name strings (`"App\\Http\\Resources\\ContactDetailResource"`),
//   money as `{amount: {example, description}}`. Lists of one object are read as lists and class
//   names as "not given"; money is read by the codec, so a bad amount costs one field group, not
//   the whole record.
import { z } from "zod";
import { normalizeEmail } from "../../src/core/normalize.js";

/** A generated-docs placeholder such as `App\Http\Resources\ContactDetailResource`. */
export function isResourceArtefact(value: unknown): boolean {
  return typeof value === "string" && /^App\\.*Resource$/.test(value.trim());
}

/**
 * An e-mail as Plannr may give it: a string, a contact-detail object (`{email}`, `{value}`,
 * `{data}`, possibly nested) or a class-name artefact. Only something that reads as an e-mail
 * address is kept; the raw text is returned (keys normalize it).
 */
export function emailOf(value: unknown, depth = 0): string | null {
  if (typeof value === "string") return normalizeEmail(value) === null ? null : value.trim();
  if (value === null || typeof value !== "object" || depth > 3) return null;
  const record = value as Record<string, unknown>;
  for (const key of ["email", "value", "data"]) {
    const found = emailOf(record[key], depth + 1);
    if (found !== null) return found;
  }
  return null;
}

const EmailSchema = z
  .unknown()
  .optional()
  .transform((value) => emailOf(value));

/** A list that may be null (empty) or, in the seeds, one object instead of a list. */
function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess((value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? (value as unknown[]) : [value]), z.array(item));
}

/**
 * Like `listOf`, but absent (or a class-name artefact) stays `undefined`: a case read without
 * `include=participants` (or a PUT answer that leaves a key out, seed 001) must not look like a
 * case with no participants. The codec turns `undefined` into a CS_INCOMPLETE issue.
 */
function includedListOf<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value: unknown): unknown[] | undefined =>
      value === undefined || isResourceArtefact(value) ? undefined : value === null ? [] : Array.isArray(value) ? (value as unknown[]) : [value],
    z.array(item).optional(),
  );
}

const optionalText = z.string().nullable().optional();

export const StatusSchema = z
  .object({
    uuid: z.string().min(1),
    name: z.string(),
    position: z.number().optional(),
    is_type_completed: z.boolean().optional(),
  })
  .loose();
export type NativeStatus = z.infer<typeof StatusSchema>;

/** The status embedded in a case: the seeds omit `is_type_completed` (looked up in the list then). */
const CaseStatusSchema = z
  .object({
    uuid: z.string().min(1),
    name: z.string().optional(),
    is_type_completed: z.boolean().optional(),
  })
  .loose();

const CaseTypeSchema = z
  .object({
    uuid: z.string().optional(),
    name: z.string().nullable().optional(),
  })
  .loose();

export const AccountSchema = z
  .object({
    uuid: z.string().min(1),
    type: optionalText,
    role: optionalText,
    name: optionalText,
    first_name: optionalText,
    last_name: optionalText,
    email: EmailSchema,
    primary_email: EmailSchema,
  })
  .loose();
export type NativeAccount = z.infer<typeof AccountSchema>;

/** A case participant is an account, in the same shape as the account list. */
export const ParticipantSchema = AccountSchema;
export type NativeParticipant = NativeAccount;

/** A custom field value on a case (the seeds' shape): the definition plus `value`. */
export const CaseFieldValueSchema = z
  .object({
    reference: z.string().min(1),
    type: z.string().optional(),
    value: z.unknown().optional(),
  })
  .loose();

export const NativeCaseSchema = z
  .object({
    uuid: z.string().min(1),
    name: z.string(),
    created_at: optionalText,
    updated_at: optionalText,
    status: CaseStatusSchema.nullable().optional(),
    type: CaseTypeSchema.nullable().optional(),
    review_at: optionalText,
    /** Absent stays `undefined` (missing ≠ empty): the codec freezes the group rather than read "none". */
    assigned_to_uuids: includedListOf(z.string()),
    group_uuids: includedListOf(z.string()),
    completed_at: optionalText,
    /** Money is read by the codec (reference "Cases": `{amount, currency, formatted}`). */
    value: z.unknown().optional(),
    participants: includedListOf(ParticipantSchema),
    custom_fields: includedListOf(CaseFieldValueSchema),
  })
  .loose();
export type NativeCase = z.infer<typeof NativeCaseSchema>;

export const FieldConditionSchema = z
  .object({
    attribute: z.string(),
    values: listOf(z.union([z.string(), z.number()]).transform(String)),
  })
  .loose();

export const FieldDefinitionSchema = z
  .object({
    uuid: z.string().min(1),
    reference: z.string().min(1),
    name: z.string().default(""),
    type: z.string(),
    model_type: z.string().optional(),
    selection_options: listOf(z.string()),
    conditions: listOf(FieldConditionSchema),
  })
  .loose();
export type NativeFieldDefinition = z.infer<typeof FieldDefinitionSchema>;

export const LoginSchema = z
  .object({
    account: z.object({ uuid: z.string() }).loose(),
  })
  .loose();
export type NativeLogin = z.infer<typeof LoginSchema>;

/** Laravel's paginated resource collection; `meta` may be missing (then short pages end a list). */
export const PageSchema = z
  .object({
    data: z.array(z.unknown()),
    meta: z
      .object({
        current_page: z.number().optional(),
        last_page: z.number().int().min(0),
        per_page: z.union([z.number(), z.string()]).optional(),
        total: z.number().int().min(0).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type Page = z.infer<typeof PageSchema>;

/** `{data: {...}}` → `{...}`; a bare resource is returned as it is. Used for single resources. */
export function unwrapResource(body: unknown): { value: unknown; prefix: string } {
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    const data = record.data;
    if (!("uuid" in record) && data !== null && typeof data === "object" && !Array.isArray(data)) return { value: data, prefix: "data" };
  }
  return { value: body, prefix: "" };
}

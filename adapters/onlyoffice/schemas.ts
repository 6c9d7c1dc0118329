// zod schemas of every ONLYOFFICE response the adapter reads: lenient about extra keys (`.loose()`),
// strict about what it uses. Facts relied on (reference "Envelope and errors", "Cases"):
// - keys are camelCase on the wire but PascalCase in the docs, so keys are camelized first;
// - zero/absent values are omitted (`status: 0`, `isClosed: false`, `fieldType: 0` may be missing),
//   so those members default instead of being required;
// - generated-docs examples show an access list of user objects, the API takes GUID strings, and
//   the XML form collapses one-element lists to one object: all three are accepted.
import { z } from "zod";
import { CaseSyncError } from "../../src/core/errors.js";
import { MAX_JSON_DEPTH } from "../../src/transport/json-depth.js";

/**
 * Lower-cases the first letter of every object key, at every depth (`IsClosed` → `isClosed`).
 * What is already camelCase (the real server's wire format) is returned as it is, not copied:
 * a 1,000-case page is large, and a copy of it is garbage the moment it is made.
 *
 * Depth-capped (issue 9 item 7): a hostile answer nested 200,000 levels deep would overflow the
 * stack of this walk; past MAX_JSON_DEPTH levels (real answers nest fewer than ten) it throws
 * CS_SCHEMA instead, which the client names with its endpoint.
 */
export function camelizeKeys(value: unknown, depth = 1): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_JSON_DEPTH) {
    throw new CaseSyncError("CS_SCHEMA", `JSON nested deeper than ${MAX_JSON_DEPTH} levels, the depth cap`, { side: "onlyoffice", field: "body" });
  }
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i += 1) {
      const member: unknown = value[i];
      const camel = camelizeKeys(member, depth + 1);
      if (camel !== member) (out ??= [...(value as unknown[])])[i] = camel;
    }
    return out ?? value;
  }
  // Nothing is allocated for an object that needs no change (every case of a scan, on the real
  // wire format): its keys are checked a character code at a time, and the copy starts only at the
  // first key or member that differs, with the unchanged keys before it (issue 12 item 5: this walk
  // made about 25 KB of garbage per case, a fifth of a scan's).
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  for (const key in record) {
    // Own properties only, in Object.entries order (for…in also visits inherited enumerable ones).
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    const member = record[key];
    const camel = camelizeKeys(member, depth + 1);
    const camelKey = startsUpper(key) ? key.charAt(0).toLowerCase() + key.slice(1) : key;
    if (out === null && (camelKey !== key || camel !== member)) out = copyBefore(record, key);
    if (out !== null) put(out, camelKey, camel);
  }
  return out ?? value;
}

/** Whether lower-casing the first letter changes `key` (ASCII checked without making a string). */
function startsUpper(key: string): boolean {
  const code = key.charCodeAt(0);
  if (code < 128) return code >= 65 && code <= 90;
  const first = key.charAt(0);
  return first !== "" && first.toLowerCase() !== first;
}

/** A new object with the own members of `record` that come before `stop`, as they are. */
function copyBefore(record: Record<string, unknown>, stop: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in record) {
    if (key === stop) break;
    if (Object.prototype.hasOwnProperty.call(record, key)) put(out, key, record[key]);
  }
  return out;
}

/** A data member, as Object.fromEntries makes it: `__proto__` is a key like any other, not the prototype. */
function put(out: Record<string, unknown>, key: string, member: unknown): void {
  if (key === "__proto__") Object.defineProperty(out, key, { value: member, enumerable: true, writable: true, configurable: true });
  else out[key] = member;
}

/**
 * Camelizes an envelope's own keys and every member but `response`, which is returned as it came:
 * a list page's items are camelized one by one when they are validated, so a case the scan skips
 * by its raw hash (raw-hash.ts) is never walked at all.
 */
export function camelizeEnvelope(body: unknown): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return camelizeKeys(body);
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(body)) {
    const camelKey = key.charAt(0).toLowerCase() + key.slice(1);
    out[camelKey] = camelKey === "response" ? member : camelizeKeys(member, 2);
  }
  return out;
}

/** A numeric id; a numeric string is tolerated (form-style serialisers). */
export const NativeIdSchema = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

/** A list that may arrive as one object, or be omitted when empty. */
function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess((value): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? (value as unknown[]) : [value]), z.array(item));
}

const flag = z.boolean().default(false);

export const FIELD_TYPE_NAMES = ["TextField", "TextArea", "SelectBox", "CheckBox", "Heading", "Date"] as const;
export const FIELD_TYPE = { TextField: 0, TextArea: 1, SelectBox: 2, CheckBox: 3, Heading: 4, Date: 5 } as const;

/** `fieldType` as a number (0 is omitted on the wire, so absent reads as TextField) or its enum name. */
const FieldTypeSchema = z
  .union([z.number().int().min(0).max(5), z.enum(FIELD_TYPE_NAMES)])
  .default(0)
  .transform((value) => (typeof value === "number" ? value : FIELD_TYPE[value]));

/** Field values are strings on the wire; anything scalar is read as its text, absent as "". */
const FieldValueSchema = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? "" : String(value)));

export const EnvelopeSchema = z
  .object({
    status: z.number().default(0),
    statusCode: z.number().optional(),
    count: z.number().optional(),
    response: z.unknown().optional(),
    error: z.object({ message: z.string().optional() }).loose().optional(),
  })
  .loose();
export type Envelope = z.infer<typeof EnvelopeSchema>;

export const CaseFieldValueSchema = z
  .object({
    id: NativeIdSchema,
    fieldValue: FieldValueSchema,
    fieldType: FieldTypeSchema,
    label: z.string().optional(),
  })
  .loose();

/** An access-list entry: a user GUID, or a user object (the docs' example). */
const AccessEntrySchema = z
  .union([z.string().min(1), z.object({ id: z.string().min(1) }).loose()])
  .transform((entry) => (typeof entry === "string" ? entry : entry.id));

export const CaseMemberSchema = z
  .object({
    id: NativeIdSchema,
    isCompany: flag,
    displayName: z.string().optional(),
  })
  .loose();

export const NativeCaseSchema = z
  .object({
    id: NativeIdSchema,
    title: z.string(),
    created: z.string().optional(),
    isClosed: flag,
    isPrivate: flag,
    accessList: listOf(AccessEntrySchema),
    members: listOf(CaseMemberSchema),
    customFields: listOf(CaseFieldValueSchema),
  })
  .loose();
export type NativeCase = z.infer<typeof NativeCaseSchema>;

/** `mask` is a JSON string (`["a","b"]`, `{"size":N}`, `""`); an already-parsed value is tolerated. */
const MaskSchema = z
  .union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown()), z.null()])
  .optional()
  .transform((mask) => (mask === undefined || mask === null ? "" : typeof mask === "string" ? mask : JSON.stringify(mask)));

export const FieldDefinitionSchema = z
  .object({
    id: NativeIdSchema,
    label: z.string().default(""),
    fieldType: FieldTypeSchema,
    position: z.number().default(0),
    mask: MaskSchema,
  })
  .loose();
export type FieldDefinition = z.infer<typeof FieldDefinitionSchema>;

export const PortalUserSchema = z
  .object({
    id: z.string().min(1),
    userName: z.string().optional(),
    email: z.string().nullable().optional(),
    displayName: z.string().optional(),
    firstName: z.string().nullable().optional(),
    lastName: z.string().nullable().optional(),
    isAdmin: flag,
    isOwner: flag,
    isVisitor: flag,
    listAdminModules: listOf(z.string()),
  })
  .loose();
export type PortalUser = z.infer<typeof PortalUserSchema>;

/** `infoType` 1 is Email; the enum name is tolerated. 0 (Phone) is omitted on the wire. */
export const ContactInfoSchema = z
  .object({
    infoType: z.union([z.number(), z.string()]).default(0),
    data: z.string().nullable().default(""),
    isPrimary: flag,
  })
  .loose();

export const ContactSchema = z
  .object({
    id: NativeIdSchema,
    displayName: z.string().default(""),
    isCompany: flag,
    firstName: z.string().nullable().optional(),
    lastName: z.string().nullable().optional(),
    companyName: z.string().nullable().optional(),
    commonData: listOf(ContactInfoSchema),
  })
  .loose();
export type Contact = z.infer<typeof ContactSchema>;

export const LoginSchema = z
  .object({
    token: z.string().nullable().optional(),
    expires: z.string().optional(),
    sms: z.boolean().optional(),
    tfa: z.boolean().optional(),
  })
  .loose();

/** Anything with an id (a created contact, field, or a case whose full shape did not validate). */
export const WithIdSchema = z.object({ id: NativeIdSchema }).loose();

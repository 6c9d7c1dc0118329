// The mapping file's schema (SPEC §3). A mapping is data, reviewable by a non-engineer: which
// custom field on one side is which on the other, which way each field group flows, which policy
// settles a conflict, how deletes are treated. Every default lives here, once.
import { z } from "zod";
import { CORE_GROUPS } from "./case.js";
import { isValidTimeZone } from "./normalize.js";

export const DirectionSchema = z.enum(["both", "plannr-to-onlyoffice", "onlyoffice-to-plannr", "none"]);
export type Direction = z.infer<typeof DirectionSchema>;

export const ConflictPolicySchema = z.enum(["plannr-wins", "onlyoffice-wins", "newest-wins", "manual"]);
export type ConflictPolicy = z.infer<typeof ConflictPolicySchema>;

export const DeletePolicySchema = z.enum(["ignore", "propagate", "close"]);
export type DeletePolicy = z.infer<typeof DeletePolicySchema>;

export const CustomFieldTypeSchema = z.enum(["text", "longtext", "number", "boolean", "date", "select"]);
export type CustomFieldType = z.infer<typeof CustomFieldTypeSchema>;

/** Date patterns of an ONLYOFFICE portal's short-date format, e.g. `dd/MM/yyyy`. */
export const DatePatternSchema = z
  .string()
  .regex(/^(yyyy|MM?|dd?)([./ -])(yyyy|MM?|dd?)\2(yyyy|MM?|dd?)$/, {
    message: "must be a date pattern made of yyyy, MM (or M) and dd (or d), e.g. dd/MM/yyyy",
    abort: true,
  })
  .refine((p) => ["yyyy", "M", "d"].every((t) => p.includes(t)), { message: "must contain yyyy, M and d once each" });

const fieldId = z.number().int().positive();
const uuid = z.string().regex(/^[0-9a-fA-F-]{8,64}$/, { message: "must be a uuid" });

/** Why `plannr.mirrorField` is refused (the option was removed; issue 8). */
export const PLANNR_MIRROR_REMOVED =
  "plannr.mirrorField is not supported in this version: the link lives in the ONLYOFFICE link field; remove the line";

/** A field group that lives in one ONLYOFFICE custom field (value, review date, type, groups). */
const mappedField = (defaultDirection: Direction) =>
  z
    .object({
      direction: DirectionSchema.default(defaultDirection),
      /** ONLYOFFICE case custom field id; null leaves the group unmapped. */
      onlyofficeField: fieldId.nullable().default(null),
    })
    .strict();

const oneWayField = z
  .object({
    direction: z.enum(["plannr-to-onlyoffice", "none"]).default("plannr-to-onlyoffice"),
    onlyofficeField: fieldId.nullable().default(null),
  })
  .strict();

export const CustomFieldMapSchema = z
  .object({
    /** The canonical key; also how conflict policies and reports name the field. */
    key: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, { message: "must start with a letter; letters, digits, _ . -" }),
    /** Plannr custom field reference (e.g. `favourite_drink`). */
    plannr: z.string().min(1),
    /** ONLYOFFICE case custom field id. */
    onlyoffice: fieldId,
    type: CustomFieldTypeSchema,
    direction: DirectionSchema.default("both"),
    /** Select options renamed on the way: Plannr option → ONLYOFFICE option. Unlisted options keep their name. */
    options: z.record(z.string(), z.string()).default({}),
  })
  .strict();
export type CustomFieldMap = z.infer<typeof CustomFieldMapSchema>;

/**
 * Privacy fails closed: a case whose assignees map to nobody (none, or only the integration user)
 * stays private with the integration user alone, unless `unassigned: public` opts in.
 */
const AccessObjectSchema = z
  .object({
    mode: z.enum(["assignees", "preserve"]).default("assignees"),
    unassigned: z.enum(["private", "public"]).default("private"),
  })
  .strict();
const AccessSchema = z
  .preprocess((value) => (typeof value === "string" ? { mode: value } : value), AccessObjectSchema)
  .prefault({});
export type AccessSettings = z.infer<typeof AccessObjectSchema>;

export const MappingSchema = z
  .object({
    version: z.literal(1).default(1),
    /** Dates compare as calendar dates in this zone (SPEC §2). */
    timeZone: z.string().default("Europe/London").refine(isValidTimeZone, { message: "is not a known IANA time zone" }),
    /** The firm's currency: a Plannr value in another currency is a record error, never converted. */
    currency: z.string().regex(/^[A-Z]{3}$/, { message: "must be a 3-letter ISO currency code" }).default("GBP"),
    plannr: z
      .object({
        /**
         * Removed: Plannr cases carry no link stamp (the link lives in the state store and the
         * ONLYOFFICE link field, invariant 6). Accepted only as null or absent, so a file that
         * spells the old default out still loads; any other value is refused, naming its line.
         */
        mirrorField: z.null({ error: PLANNR_MIRROR_REMOVED }).optional().describe(PLANNR_MIRROR_REMOVED),
        /** List page size (Plannr's maximum is 500). */
        pageSize: z.number().int().min(1).max(500).default(500),
      })
      .strict()
      .prefault({}),
    onlyoffice: z
      .object({
        /** The case custom field holding the Plannr uuid (invariant 6). `init` fills it in. */
        linkField: fieldId.nullable().default(null),
        /** The portal's short-date pattern, used to read Date fields typed in the UI. */
        datePattern: DatePatternSchema.default("yyyy-MM-dd"),
        /** Migration only: a text/date custom field that receives the Plannr created date. */
        createdAtField: fieldId.nullable().default(null),
        /** List page size (the shipped maximum is 1000; a portal may cap it lower). */
        pageSize: z.number().int().min(1).max(1000).default(1000),
      })
      .strict()
      .prefault({}),
    fields: z
      .object({
        title: DirectionSchema.default("both"),
        status: z
          .object({
            direction: DirectionSchema.default("both"),
            /** Optional ONLYOFFICE custom field holding the status name. */
            onlyofficeField: fieldId.nullable().default(null),
          })
          .strict()
          .prefault({}),
        participants: DirectionSchema.default("both"),
        assignees: DirectionSchema.default("both"),
        value: mappedField("both").prefault({}),
        reviewAt: mappedField("both").prefault({}),
        type: oneWayField.prefault({}),
        groups: oneWayField.prefault({}),
      })
      .strict()
      .prefault({}),
    customFields: z.array(CustomFieldMapSchema).default([]),
    /** Plannr status name → the name written into the ONLYOFFICE status field (when they differ). */
    statuses: z.record(z.string(), z.string()).default({}),
    /** The Plannr status a case gets when it is closed in ONLYOFFICE (default: first completed by position). */
    closedStatus: z.string().min(1).nullable().default(null),
    /** The Plannr status a case gets when it is reopened in ONLYOFFICE (default: first not completed). */
    openStatus: z.string().min(1).nullable().default(null),
    people: z
      .object({
        /** `skip` reports a participant with no ONLYOFFICE contact; `create` creates a person contact. */
        unknownContact: z.enum(["skip", "create"]).default("skip"),
        /** Plannr client account ↔ ONLYOFFICE contact pairs that e-mail matching cannot find. */
        overrides: z.array(z.object({ plannr: uuid, onlyoffice: fieldId }).strict()).default([]),
        /** Plannr client account uuid given to a case bound for Plannr with no mappable client. */
        defaultClient: uuid.nullable().default(null),
      })
      .strict()
      .prefault({}),
    staff: z
      .object({
        /** Plannr employee account ↔ ONLYOFFICE user GUID pairs that e-mail matching cannot find. */
        overrides: z.array(z.object({ plannr: uuid, onlyoffice: uuid }).strict()).default([]),
      })
      .strict()
      .prefault({}),
    /**
     * `assignees`: Plannr assignees are the private ONLYOFFICE case's access list. `preserve`: never
     * touched. Written as the mode alone (`access: assignees`) or as an object with `unassigned`.
     */
    access: AccessSchema,
    conflicts: z
      .object({
        default: ConflictPolicySchema.default("manual"),
        /** Per field group (`title`, `status`, ..., or a custom field key). */
        groups: z.record(z.string(), ConflictPolicySchema).default({}),
      })
      .strict()
      .prefault({}),
    deletes: z
      .object({
        policy: DeletePolicySchema.default("ignore"),
        maxDeletes: z.number().int().min(0).default(10),
        maxDeletePercent: z.number().min(0).max(100).default(5),
        maxCreates: z.number().int().min(0).default(50),
        maxCreatePercent: z.number().min(0).max(100).default(10),
      })
      .strict()
      .prefault({}),
    /** Which way `sync` creates the partner of a case that has none. */
    creates: DirectionSchema.default("both"),
    /** Link unlinked cases whose normalized title and participants agree (first sync of two populated systems). */
    matchExisting: z.boolean().default(false),
  })
  .strict()
  .superRefine((mapping, ctx) => {
    const keys = new Set<string>();
    const ids = new Map<number, string>();
    const claim = (id: number | null, owner: string, path: (string | number)[]) => {
      if (id === null) return;
      const previous = ids.get(id);
      if (previous !== undefined) {
        ctx.addIssue({ code: "custom", path, message: `ONLYOFFICE field ${id} is already used by ${previous}` });
      } else ids.set(id, owner);
    };
    claim(mapping.onlyoffice.linkField, "onlyoffice.linkField", ["onlyoffice", "linkField"]);
    claim(mapping.onlyoffice.createdAtField, "onlyoffice.createdAtField", ["onlyoffice", "createdAtField"]);
    claim(mapping.fields.status.onlyofficeField, "fields.status", ["fields", "status", "onlyofficeField"]);
    for (const group of ["value", "reviewAt", "type", "groups"] as const) {
      claim(mapping.fields[group].onlyofficeField, `fields.${group}`, ["fields", group, "onlyofficeField"]);
    }
    mapping.customFields.forEach((field, index) => {
      if (keys.has(field.key) || (CORE_GROUPS as readonly string[]).includes(field.key)) {
        ctx.addIssue({ code: "custom", path: ["customFields", index, "key"], message: `key "${field.key}" is used twice` });
      }
      keys.add(field.key);
      claim(field.onlyoffice, `customFields[${index}] (${field.key})`, ["customFields", index, "onlyoffice"]);
      if (field.type !== "select" && Object.keys(field.options).length > 0) {
        ctx.addIssue({ code: "custom", path: ["customFields", index, "options"], message: "options apply to select fields only" });
      }
    });
    for (const name of Object.keys(mapping.conflicts.groups)) {
      if (!(CORE_GROUPS as readonly string[]).includes(name) && !keys.has(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["conflicts", "groups", name],
          message: `"${name}" is neither a field group (${CORE_GROUPS.join(", ")}) nor a custom field key`,
        });
      }
    }
  });

export type Mapping = z.infer<typeof MappingSchema>;
export type MappingInput = z.input<typeof MappingSchema>;

/** The defaults alone: a valid mapping with nothing mapped but the core fields. */
export function defaultMapping(): Mapping {
  return MappingSchema.parse({});
}

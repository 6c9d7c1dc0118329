// What a mapping resolves against (SPEC §1: `listReference()`), in canonical terms. Each adapter
// turns its own lists (statuses, custom field definitions, staff, contacts) into this shape, with
// person and staff keys already computed (normalized e-mail, or the mapping's override key), so
// the engine can match people across systems without knowing either system.
import { z } from "zod";

export const StatusRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  closed: z.boolean(),
  position: z.number(),
});
export type StatusRef = z.infer<typeof StatusRefSchema>;

export const FieldRefSchema = z.object({
  /** Native id: Plannr custom field uuid, ONLYOFFICE field id as text. */
  id: z.string(),
  /** Plannr `reference`; for ONLYOFFICE the id again. */
  key: z.string(),
  label: z.string(),
  /** Native type name (`string`, `selection`, ... / `TextField`, `SelectBox`, ...). */
  nativeType: z.string(),
  options: z.array(z.string()).nullable(),
});
export type FieldRef = z.infer<typeof FieldRefSchema>;

export const StaffRefSchema = z.object({
  id: z.string(),
  /** Normalized e-mail or override key; null when the user has no usable e-mail. */
  key: z.string().nullable(),
  email: z.string().nullable(),
  name: z.string(),
  isAdmin: z.boolean(),
});
export type StaffRef = z.infer<typeof StaffRefSchema>;

export const PersonRefSchema = z.object({
  id: z.string(),
  key: z.string().nullable(),
  email: z.string().nullable(),
  name: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  /** Only `person` entries take part in case participants (Plannr clients, ONLYOFFICE persons). */
  kind: z.enum(["person", "company", "other"]),
});
export type PersonRef = z.infer<typeof PersonRefSchema>;

export const ReferenceSchema = z.object({
  side: z.enum(["plannr", "onlyoffice"]),
  /** Plannr's case statuses; empty for ONLYOFFICE (it has only a closed flag). */
  statuses: z.array(StatusRefSchema),
  customFields: z.array(FieldRefSchema),
  staff: z.array(StaffRefSchema),
  people: z.array(PersonRefSchema),
  /** The user the integration acts as (ONLYOFFICE adds it to every access list). */
  integrationUser: StaffRefSchema.nullable(),
});
export type Reference = z.infer<typeof ReferenceSchema>;

/** Identity of one side (SPEC §4.7): Plannr account uuid, ONLYOFFICE portal URL. */
export const SideIdentitySchema = z.object({
  side: z.enum(["plannr", "onlyoffice"]),
  identity: z.string().min(1),
  label: z.string(),
});
export type SideIdentity = z.infer<typeof SideIdentitySchema>;

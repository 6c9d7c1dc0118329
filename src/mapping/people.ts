// People rules (SPEC §2 "People"): Plannr client accounts and ONLYOFFICE person contacts are the
// same person when their normalized e-mail agrees, unless the mapping pairs them explicitly. The
// canonical key is the e-mail, or `plannr:<uuid>` for an override, so both codecs agree on it
// without knowing the other system.
import type { Mapping } from "../core/mapping.js";
import { normalizeEmail } from "../core/normalize.js";

export function overrideKey(plannrUuid: string): string {
  return `plannr:${plannrUuid.toLowerCase()}`;
}

/** Key of a Plannr account (client participant or employee). */
export function plannrPersonKey(mapping: Mapping, uuid: string, emails: readonly (string | null | undefined)[]): string | null {
  const lower = uuid.toLowerCase();
  if (mapping.people.overrides.some((o) => o.plannr.toLowerCase() === lower)) return overrideKey(uuid);
  for (const email of emails) {
    const normalized = normalizeEmail(email);
    if (normalized) return normalized;
  }
  return null;
}

/** Key of an ONLYOFFICE contact. */
export function onlyofficePersonKey(mapping: Mapping, contactId: number | string, emails: readonly (string | null | undefined)[]): string | null {
  const override = mapping.people.overrides.find((o) => String(o.onlyoffice) === String(contactId));
  if (override) return overrideKey(override.plannr);
  for (const email of emails) {
    const normalized = normalizeEmail(email);
    if (normalized) return normalized;
  }
  return null;
}

export function plannrStaffKey(mapping: Mapping, uuid: string, email: string | null | undefined): string | null {
  const lower = uuid.toLowerCase();
  if (mapping.staff.overrides.some((o) => o.plannr.toLowerCase() === lower)) return overrideKey(uuid);
  return normalizeEmail(email);
}

export function onlyofficeStaffKey(mapping: Mapping, guid: string, email: string | null | undefined): string | null {
  const override = mapping.staff.overrides.find((o) => o.onlyoffice.toLowerCase() === guid.toLowerCase());
  if (override) return overrideKey(override.plannr);
  return normalizeEmail(email);
}

/** Index of keys to native ids; a key held by two records is ambiguous and maps to none. */
export class KeyIndex {
  private readonly ids = new Map<string, string[]>();

  add(key: string | null, id: string): void {
    if (key === null) return;
    const list = this.ids.get(key);
    if (list) {
      if (!list.includes(id)) list.push(id);
    } else this.ids.set(key, [id]);
  }

  /** The one native id for a key; null when unknown or ambiguous. */
  resolve(key: string): string | null {
    const list = this.ids.get(key);
    return list && list.length === 1 ? (list[0] ?? null) : null;
  }

  isAmbiguous(key: string): boolean {
    return (this.ids.get(key)?.length ?? 0) > 1;
  }

  has(key: string): boolean {
    return this.ids.has(key);
  }
}

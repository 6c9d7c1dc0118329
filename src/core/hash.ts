// A stable content hash (after Nango's records format: unchanged records cost nothing). Keys are
// sorted at every depth so two equal values always serialise to the same bytes.
import { createHash } from "node:crypto";

/** JSON with object keys sorted at every depth; `undefined` members are dropped, as JSON does. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}

/** Hex SHA-256 of the stable serialisation, shortened to 32 hex digits (128 bits is plenty here). */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(stableStringify(value)).digest("hex").slice(0, 32);
}

/** Deep equality by stable serialisation: the same rule the hash uses. */
export function sameContent(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

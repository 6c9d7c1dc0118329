// A stable content hash (after Nango's records format: unchanged records cost nothing). Keys are
// sorted at every depth so two equal values always serialise to the same bytes.
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every depth; `undefined` members are dropped, as JSON does.
 * Written directly, without a sorted copy of the value (issue 12 item 5: the copy was about a tenth
 * of a scan's garbage). The bytes are exactly those of `JSON.stringify` over the sorted copy the
 * first version made, since every stored base hash was made that way: among them, an object's
 * integer-like keys come first in numeric order (a copy made in sorted order still lists them so),
 * then the other keys sorted; a Date, Map or other object without own keys is `{}`.
 */
export function stableStringify(value: unknown): string {
  return write(value) as string;
}

/** Canonical array-index keys (`0`…`4294967294`), which an object lists first, in numeric order. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isArrayIndex = (key: string): boolean => ARRAY_INDEX.test(key) && Number(key) < 4294967295;

function keyOrder(value: object): string[] {
  const keys = Object.keys(value).sort();
  if (!keys.some(isArrayIndex)) return keys;
  const indexes = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  return [...indexes, ...keys.filter((key) => !isArrayIndex(key))];
}

function write(value: unknown): string | undefined {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "number":
    case "bigint": // JSON.stringify throws for it, as before
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      return undefined; // undefined, a function, a symbol: no JSON
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i += 1) out += `${i === 0 ? "" : ","}${write(value[i]) ?? "null"}`;
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = "{";
  let first = true;
  for (const key of keyOrder(record)) {
    // The sorted copy took `__proto__` as its prototype, not a member: it was never serialised.
    if (key === "__proto__") continue;
    const member = write(record[key]);
    if (member === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${member}`;
    first = false;
  }
  return `${out}}`;
}

/** Hex SHA-256 of the stable serialisation, shortened to 32 hex digits (128 bits is plenty here). */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(stableStringify(value)).digest("hex").slice(0, 32);
}

/** Deep equality by stable serialisation: the same rule the hash uses. */
export function sameContent(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

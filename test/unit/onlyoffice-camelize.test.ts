// camelizeKeys makes nothing for a value already in camelCase and copies only from the first key
// or member that changes (issue 12 item 5). Pinned against the plain definition it replaced: the
// same result, key order included, for any JSON value and any keys.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { camelizeKeys } from "../../adapters/onlyoffice/schemas.js";

/** The definition: every object rebuilt from its entries, the first letter of each key lower-cased. */
function camelizedPlainly(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(camelizedPlainly);
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [key.charAt(0).toLowerCase() + key.slice(1), camelizedPlainly(member)]));
}

const keys = fc.oneof(fc.string(), fc.constantFrom("Title", "title", "IsClosed", "ÉTAT", "état", "__proto__", "Id", "id", "10", "", "ǅx", "İd"));

describe("camelizeKeys", () => {
  it("gives what rebuilding every object gives, key order and duplicates included", () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, fc.jsonValue({ maxDepth: 0 }), fc.array(tie("value"), { maxLength: 4 }), tie("object")),
      object: fc.array(fc.tuple(keys, tie("value")), { maxLength: 5 }).map((entries) => JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`) as unknown),
    }));
    fc.assert(
      fc.property(json.value, (value) => {
        const camel = camelizeKeys(value);
        const expected = camelizedPlainly(value);
        expect(JSON.stringify(camel)).toBe(JSON.stringify(expected));
        expect(camel).toStrictEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it("returns a camelCase value itself, not a copy, and copies only the objects that change", () => {
    const member = { id: 1, displayName: "Jane" };
    const item = { id: 7, title: "A case", members: [member], customFields: [{ id: 2, fieldValue: "Tea" }] };
    expect(camelizeKeys(item)).toBe(item);
    const mixed = { id: 7, Title: "A case", members: [member] };
    const camel = camelizeKeys(mixed) as { members: unknown[] };
    expect(camel).toStrictEqual({ id: 7, title: "A case", members: [member] });
    expect(camel.members[0]).toBe(member);
  });

  it("keeps a __proto__ key as a member, never as the prototype", () => {
    const value = JSON.parse('{"A":1,"__proto__":{"polluted":true}}') as object;
    const camel = camelizeKeys(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(camel)).toBe(Object.prototype);
    expect(Object.keys(camel)).toStrictEqual(["a", "__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

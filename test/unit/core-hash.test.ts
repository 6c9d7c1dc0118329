// The content hash (after Nango's records format): equal content, equal bytes, equal hash.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentHash, sameContent, stableStringify } from "../../src/core/hash.js";

describe("stableStringify", () => {
  it("sorts object keys at every depth", () => {
    const a = { b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } };
    const b = { a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 };
    expect(stableStringify(a)).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(stableStringify(b)).toBe(stableStringify(a));
  });

  it("keeps array order (arrays are sequences; sets are sorted before hashing)", () => {
    expect(stableStringify([2, 1])).not.toBe(stableStringify([1, 2]));
  });

  it("drops undefined members as JSON does, but keeps null", () => {
    expect(stableStringify({ a: undefined, b: null })).toBe('{"b":null}');
    expect(stableStringify({ a: 1, b: undefined })).toBe(stableStringify({ a: 1 }));
  });

  it("serialises scalars as JSON", () => {
    expect(stableStringify("x")).toBe('"x"');
    expect(stableStringify(3)).toBe("3");
    expect(stableStringify(null)).toBe("null");
    expect(stableStringify(true)).toBe("true");
  });
});

/** The first definition, which every stored base hash was made with: a sorted copy, then JSON.stringify. */
function stringifiedSortedCopy(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const member = (v as Record<string, unknown>)[key];
        if (member !== undefined) out[key] = sortKeys(member);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

// Issue 12 item 5: stableStringify writes its text directly instead of making a sorted copy. The
// stored hashes must stay valid: byte for byte the text the copy gave, for any value.
describe("stableStringify without a sorted copy", () => {
  const keys = fc.oneof(fc.string(), fc.constantFrom("0", "1", "9", "10", "01", "-1", "1.5", "4294967294", "4294967295", "99999999999", "__proto__", "a", "B", "é"));
  const value = fc.letrec((tie) => ({
    any: fc.oneof(
      { depthSize: "small" },
      fc.constantFrom(undefined, null, true, false, 0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "x", "é\u0000\n\"", () => 1, Symbol("s")),
      fc.double(),
      fc.string({ unit: "binary" }),
      fc.array(tie("any"), { maxLength: 4 }),
      fc.array(fc.tuple(keys, tie("any")), { maxLength: 5 }).map((entries) => {
        const out: Record<string, unknown> = {};
        for (const [key, member] of entries) Object.defineProperty(out, key, { value: member, enumerable: true, writable: true, configurable: true });
        return out;
      }),
      fc.constantFrom(new Date(0), new Map([["a", 1]]), new Set([1])),
    ),
  }));

  it("gives the very text the sorted copy gave, for any value", () => {
    fc.assert(
      fc.property(value.any, (v) => {
        expect(stableStringify(v)).toBe(stringifiedSortedCopy(v));
      }),
      { numRuns: 3000 },
    );
  });

  it("lists integer-like keys first in numeric order, as the copy did", () => {
    const v = { b: 1, "10": 2, "9": 3, a: 4, "01": 5 };
    expect(stableStringify(v)).toBe('{"9":3,"10":2,"01":5,"a":4,"b":1}');
    expect(stableStringify(v)).toBe(stringifiedSortedCopy(v));
  });
});

describe("contentHash", () => {
  it("is 32 lower-case hex digits", () => {
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{32}$/);
  });

  it("is stable for a known value (the stored hashes stay valid across releases)", () => {
    // sha256('{"a":1}') = 015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862
    expect(contentHash({ a: 1 })).toBe("015abd7f5cc57a2dd94b7590f04ad808");
  });

  it("changes when any value changes, and not when only key order does", () => {
    const base = { title: "T", customFields: { a: 1, b: "x" } };
    expect(contentHash({ customFields: { b: "x", a: 1 }, title: "T" })).toBe(contentHash(base));
    expect(contentHash({ ...base, title: "U" })).not.toBe(contentHash(base));
    expect(contentHash({ ...base, customFields: { a: 1, b: "y" } })).not.toBe(contentHash(base));
    expect(contentHash({ ...base, customFields: { a: "1", b: "x" } })).not.toBe(contentHash(base));
  });

  it("agrees with sameContent (property)", () => {
    const value = fc.jsonValue();
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(contentHash(a) === contentHash(b)).toBe(sameContent(a, b));
      }),
    );
  });
});

describe("sameContent", () => {
  it("compares deeply, ignoring key order", () => {
    expect(sameContent({ a: [1, { b: 2, c: 3 }] }, { a: [1, { c: 3, b: 2 }] })).toBe(true);
    expect(sameContent({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameContent({ a: null }, {})).toBe(false);
  });
});

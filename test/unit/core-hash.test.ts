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

// Issue 9 item 7: the depth of a parsed answer is measured without recursion, so a hostile answer
// nested 200,000 levels deep is refused before any recursive walk meets it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../src/transport/json-depth.js";

function nestedArrays(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i += 1) value = [value];
  return value;
}

/** The depth by the obvious recursive definition (for small values only). */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const members: unknown[] = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...members.map(depthOf));
}

describe("nestsDeeperThan", () => {
  it("scalars and shallow answers pass; the envelope counts as level 1", () => {
    expect(nestsDeeperThan(null)).toBe(false);
    expect(nestsDeeperThan("[[[[")).toBe(false);
    expect(nestsDeeperThan({ status: 0, response: [{ id: 1, customFields: [{ id: 2, fieldValue: "x" }] }] })).toBe(false);
    expect(nestsDeeperThan(nestedArrays(MAX_JSON_DEPTH))).toBe(false);
    expect(nestsDeeperThan(nestedArrays(MAX_JSON_DEPTH + 1))).toBe(true);
  });

  it("200,000 levels (as JSON.parse hands them over) are measured without a stack overflow", () => {
    const depth = 200_000;
    const parsed: unknown = JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`);
    expect(nestsDeeperThan(parsed)).toBe(true);
    const objects: unknown = JSON.parse(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`);
    expect(nestsDeeperThan(objects)).toBe(true);
  });

  it("counts own members only, as Object.values and array iteration did", () => {
    const deep = nestedArrays(MAX_JSON_DEPTH);
    // Inherited enumerable properties (which `for…in` visits) and non-index properties of an array are not members.
    expect(nestsDeeperThan([Object.create({ inherited: deep }) as object])).toBe(false);
    expect(nestsDeeperThan([Object.assign([], { extra: deep })])).toBe(false);
    expect(nestsDeeperThan([{ own: deep }])).toBe(true);
    expect(nestsDeeperThan([[undefined, deep]])).toBe(true);
  });

  it("agrees with the recursive definition on any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, cap) => {
        expect(nestsDeeperThan(value, cap)).toBe(depthOf(value) > cap);
      }),
    );
  });
});

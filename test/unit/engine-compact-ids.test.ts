// The compact id columns a migration keeps for its whole book (issue 12 item 5): every id reads
// back as the very string given, whatever its form, and the set behaves as a JS Set of strings.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdColumn, IdSet } from "../../src/engine/compact-ids.js";

const uuid = fc.uuid().map((u) => u.toLowerCase());
/** Ids of both CRMs, and the near misses that must stay strings: capitals, leading zeros, huge numbers, text. */
const anyId = fc.oneof(
  uuid,
  fc.uuid(),
  fc.integer({ min: 0, max: 2_000_000_000 }).map(String),
  fc.constantFrom("0", "007", "9007199254740993", "999999999999999", "1e3", "-1", "", " 12", "00000000-0000-0000-0000-00000000000G"),
  fc.string({ maxLength: 40 }),
);

describe("IdColumn", () => {
  it("gives back exactly what it was given, in order, through its growth", () => {
    fc.assert(
      fc.property(fc.array(fc.option(anyId, { nil: null }), { maxLength: 200 }), (ids) => {
        const column = new IdColumn();
        for (const id of ids) column.push(id);
        expect(column.length).toBe(ids.length);
        expect(ids.map((_, i) => column.get(i))).toEqual(ids);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a uuid and an ONLYOFFICE id in their packed forms, and anything else as given", () => {
    const column = new IdColumn();
    const ids = ["2f1b0c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "ffffffff-ffff-ffff-ffff-ffffffffffff", "00000000-0000-0000-0000-000000000000", "0", "4294967296", "999999999999999", "2F1B0C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", "0012", "00ff00ff00ff00ff00ff00ff00ff00ff", "0123456789abcdef0123456789abcdeF"];
    for (const id of ids) column.push(id);
    expect(ids.map((_, i) => column.get(i))).toEqual(ids);
    expect(() => column.get(ids.length)).toThrow(RangeError);
  });
});

describe("IdSet", () => {
  type Step = { op: "add" | "delete" | "has"; id: string };
  const step = (pool: string[]) => fc.record({ op: fc.constantFrom<Step["op"]>("add", "add", "delete", "has"), id: fc.constantFrom(...pool) });

  it("answers as a Set of strings through any mix of adds, deletes and lookups", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(anyId, { minLength: 1, maxLength: 30 }).chain((pool) => fc.array(step(pool), { maxLength: 120 })),
        (steps) => {
          const set = new IdSet();
          const model = new Set<string>();
          for (const { op, id } of steps) {
            if (op === "add") {
              set.add(id);
              model.add(id);
            } else if (op === "delete") expect(set.delete(id)).toBe(model.delete(id));
            else expect(set.has(id)).toBe(model.has(id));
            expect(set.size).toBe(model.size);
          }
          expect([...set].sort()).toEqual([...model].sort());
        },
      ),
      { numRuns: 300 },
    );
  });

  it("takes 100,000 uuids and hands each out once", () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => `${i.toString(16).padStart(8, "0")}-0000-4000-8000-${(i * 7919).toString(16).padStart(12, "0")}`);
    const set = new IdSet(ids);
    expect(set.size).toBe(100_000);
    expect(set.delete(ids[54_321] ?? "")).toBe(true);
    expect(set.delete(ids[54_321] ?? "")).toBe(false);
    expect(set.has(ids[54_322] ?? "")).toBe(true);
    expect(set.size).toBe(99_999);
  });
});

// The canonical Case (SPEC §2): normalizeCase makes equal content equal bytes; group accessors.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CaseSchema,
  CORE_GROUPS,
  customGroup,
  customKeyOf,
  emptyCase,
  groupValue,
  isCustomGroup,
  normalizeCase,
  SET_GROUPS,
  withGroupValue,
  type Case,
} from "../../src/core/case.js";
import { contentHash } from "../../src/core/hash.js";

function aCase(overrides: Partial<Case> = {}): Case {
  return { ...emptyCase(), title: "Pension review", ...overrides };
}

describe("normalizeCase", () => {
  it("trims the title and the status name; a blank status name is absent", () => {
    const c = normalizeCase(aCase({ title: "  Pension review \r\n", status: { closed: true, statusName: "  " } }));
    expect(c.title).toBe("Pension review");
    expect(c.status).toEqual({ closed: true, statusName: null });
  });

  it("lower-cases, de-duplicates and sorts participant and assignee e-mails", () => {
    const c = normalizeCase(
      aCase({
        participants: [" Zed@Example.com", "amy@example.com", "AMY@example.com "],
        assignees: ["Bob@Firm.co.uk", "al@firm.co.uk"],
      }),
    );
    expect(c.participants).toEqual(["amy@example.com", "zed@example.com"]);
    expect(c.assignees).toEqual(["al@firm.co.uk", "bob@firm.co.uk"]);
  });

  it("keeps override keys as they are (only trimmed) and sorts them with e-mails", () => {
    const c = normalizeCase(aCase({ participants: [" plannr:0f1e-AB ", "b@example.com"] }));
    expect(c.participants).toEqual(["b@example.com", "plannr:0f1e-AB"]);
  });

  it("drops unset custom fields so {} and {k: null} hash alike, and trims text values", () => {
    const a = normalizeCase(aCase({ customFields: { drink: "  Tea ", note: "   ", gone: null, count: 3, flag: false } }));
    expect(a.customFields).toEqual({ count: 3, drink: "Tea", flag: false });
    const b = normalizeCase(aCase({ customFields: { flag: false, drink: "Tea", count: 3 } }));
    expect(contentHash(a)).toBe(contentHash(b));
  });

  it("turns non-finite numbers into unset rather than hashing NaN", () => {
    const c = normalizeCase(aCase({ customFields: { n: Number.NaN, m: Number.POSITIVE_INFINITY, zero: 0 } }));
    expect(c.customFields).toEqual({ zero: 0 });
  });

  it("trims groups, drops blank ones, sorts and de-duplicates", () => {
    const c = normalizeCase(aCase({ groups: [" g2", "g1 ", "", "  ", "g2"] }));
    expect(c.groups).toEqual(["g1", "g2"]);
  });

  it("normalizes the type name (blank is absent)", () => {
    expect(normalizeCase(aCase({ type: "  Mortgage " })).type).toBe("Mortgage");
    expect(normalizeCase(aCase({ type: " " })).type).toBeNull();
  });

  it("does not modify its input", () => {
    const input = aCase({ participants: ["B@x.com", "a@x.com"], customFields: { k: " v " } });
    const copy = structuredClone(input);
    normalizeCase(input);
    expect(input).toEqual(copy);
  });

  it("is idempotent and order-insensitive (property)", () => {
    const email = fc.tuple(fc.constantFrom("a", "B", "c"), fc.constantFrom("x.com", "Y.org")).map(([u, d]) => ` ${u}@${d}`);
    const arbitraryCase = fc.record({
      title: fc.string(),
      closed: fc.boolean(),
      statusName: fc.option(fc.string(), { nil: null }),
      participants: fc.array(email),
      assignees: fc.array(email),
      custom: fc.dictionary(fc.constantFrom("a", "b", "c"), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null))),
      groups: fc.array(fc.string()),
    });
    fc.assert(
      fc.property(arbitraryCase, (r) => {
        const c = aCase({
          title: r.title,
          status: { closed: r.closed, statusName: r.statusName },
          participants: r.participants,
          assignees: r.assignees,
          customFields: r.custom,
          groups: r.groups,
        });
        const once = normalizeCase(c);
        expect(normalizeCase(once)).toEqual(once);
        const shuffled = { ...c, participants: [...c.participants].reverse(), groups: [...c.groups].reverse() };
        expect(contentHash(normalizeCase(shuffled))).toBe(contentHash(once));
      }),
    );
  });
});

describe("field groups", () => {
  it("names custom groups custom:<key> and reads the key back", () => {
    const g = customGroup("favourite_drink");
    expect(g).toBe("custom:favourite_drink");
    expect(isCustomGroup(g)).toBe(true);
    expect(isCustomGroup("title")).toBe(false);
    expect(customKeyOf(g)).toBe("favourite_drink");
  });

  it("treats participants, assignees and groups as set groups, and only those", () => {
    expect([...CORE_GROUPS].filter((g) => SET_GROUPS.has(g)).sort()).toEqual(["assignees", "groups", "participants"]);
  });

  it("groupValue reads core groups and custom values (unset custom reads null)", () => {
    const c = aCase({ value: 4000, customFields: { drink: "Tea" } });
    expect(groupValue(c, "value")).toBe(4000);
    expect(groupValue(c, "title")).toBe("Pension review");
    expect(groupValue(c, "status")).toEqual({ closed: false, statusName: null });
    expect(groupValue(c, customGroup("drink"))).toBe("Tea");
    expect(groupValue(c, customGroup("missing"))).toBeNull();
  });

  it("withGroupValue replaces one group and leaves the input untouched", () => {
    const c = aCase({ customFields: { drink: "Tea" } });
    const titled = withGroupValue(c, "title", "New");
    expect(titled.title).toBe("New");
    expect(c.title).toBe("Pension review");
    const set = withGroupValue(c, customGroup("colour"), "Red");
    expect(set.customFields).toEqual({ drink: "Tea", colour: "Red" });
    expect(c.customFields).toEqual({ drink: "Tea" });
  });

  it("withGroupValue deletes a custom field set to null or undefined", () => {
    const c = aCase({ customFields: { drink: "Tea", colour: "Red" } });
    expect(withGroupValue(c, customGroup("drink"), null).customFields).toEqual({ colour: "Red" });
    expect(withGroupValue(c, customGroup("colour"), undefined).customFields).toEqual({ drink: "Tea" });
    expect(c.customFields).toEqual({ drink: "Tea", colour: "Red" });
  });

  it("round-trips every core group through withGroupValue/groupValue", () => {
    const c = aCase();
    const values: Record<string, unknown> = {
      title: "T",
      status: { closed: true, statusName: "Done" },
      participants: ["a@x.com"],
      assignees: ["b@x.com"],
      value: 12,
      reviewAt: "2024-01-02",
      type: "Mortgage",
      groups: ["g"],
    };
    for (const group of CORE_GROUPS) {
      expect(groupValue(withGroupValue(c, group, values[group]), group)).toEqual(values[group]);
    }
  });
});

describe("CaseSchema", () => {
  it("accepts the empty case and a full one", () => {
    expect(CaseSchema.safeParse(emptyCase()).success).toBe(true);
    const full = aCase({
      status: { closed: true, statusName: "Complete" },
      participants: ["a@x.com"],
      assignees: ["b@x.com"],
      customFields: { drink: "Tea", n: 1, ok: true, unset: null },
      value: -310,
      reviewAt: "2024-02-29",
      type: "Mortgage",
      groups: ["g"],
      createdAt: "2024-01-01T00:00:00.000Z",
    });
    expect(CaseSchema.parse(full)).toEqual(full);
  });

  it("refuses an impossible review date, fractional pennies and a structured custom value", () => {
    const bad = (c: Partial<Case> | Record<string, unknown>) => CaseSchema.safeParse({ ...aCase(), ...c });
    const reviewAt = bad({ reviewAt: "2023-02-29" });
    expect(reviewAt.success).toBe(false);
    expect(reviewAt.error?.issues[0]?.path).toEqual(["reviewAt"]);
    expect(bad({ value: 40.5 }).error?.issues[0]?.path).toEqual(["value"]);
    expect(bad({ customFields: { k: { nested: 1 } } }).error?.issues[0]?.path).toEqual(["customFields", "k"]);
    expect(bad({ participants: "a@x.com" }).success).toBe(false);
    expect(bad({ status: { closed: "yes", statusName: null } }).success).toBe(false);
  });
});

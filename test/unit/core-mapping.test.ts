// The mapping schema (SPEC §3): every default once, and every cross-field rule of superRefine.
import { describe, expect, it } from "vitest";
import { DatePatternSchema, defaultMapping, MappingSchema, type MappingInput } from "../../src/core/mapping.js";

function issues(input: unknown): { path: string; message: string }[] {
  const result = MappingSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

const drink = { key: "drink", plannr: "favourite_drink", onlyoffice: 11, type: "select" } as const;

describe("MappingSchema defaults", () => {
  it("fills every default from an empty document", () => {
    const m = defaultMapping();
    expect(m).toEqual({
      version: 1,
      timeZone: "Europe/London",
      currency: "GBP",
      plannr: { pageSize: 500 },
      onlyoffice: { linkField: null, datePattern: "yyyy-MM-dd", createdAtField: null, pageSize: 1000 },
      fields: {
        title: "both",
        status: { direction: "both", onlyofficeField: null },
        participants: "both",
        assignees: "both",
        value: { direction: "both", onlyofficeField: null },
        reviewAt: { direction: "both", onlyofficeField: null },
        type: { direction: "plannr-to-onlyoffice", onlyofficeField: null },
        groups: { direction: "plannr-to-onlyoffice", onlyofficeField: null },
      },
      customFields: [],
      statuses: {},
      closedStatus: null,
      openStatus: null,
      people: { unknownContact: "skip", overrides: [], defaultClient: null },
      staff: { overrides: [] },
      access: { mode: "assignees", unassigned: "private" },
      conflicts: { default: "manual", groups: {} },
      deletes: { policy: "ignore", maxDeletes: 10, maxDeletePercent: 5, maxCreates: 50, maxCreatePercent: 10 },
      creates: "both",
      matchExisting: false,
    });
  });

  it("fills the defaults inside a partly written section and a custom field", () => {
    const m = MappingSchema.parse({ fields: { value: { onlyofficeField: 9 } }, customFields: [drink] });
    expect(m.fields.value).toEqual({ direction: "both", onlyofficeField: 9 });
    expect(m.fields.reviewAt).toEqual({ direction: "both", onlyofficeField: null });
    expect(m.customFields[0]).toEqual({ ...drink, direction: "both", options: {} });
  });

  it("keeps what is given", () => {
    const input: MappingInput = {
      timeZone: "America/New_York",
      currency: "USD",
      onlyoffice: { linkField: 5, datePattern: "MM/dd/yyyy" },
      conflicts: { default: "plannr-wins", groups: { title: "onlyoffice-wins", drink: "newest-wins" } },
      customFields: [drink],
      deletes: { policy: "close", maxDeletes: 0 },
    };
    const m = MappingSchema.parse(input);
    expect(m.timeZone).toBe("America/New_York");
    expect(m.onlyoffice.datePattern).toBe("MM/dd/yyyy");
    expect(m.conflicts.groups).toEqual({ title: "onlyoffice-wins", drink: "newest-wins" });
    expect(m.deletes).toEqual({ policy: "close", maxDeletes: 0, maxDeletePercent: 5, maxCreates: 50, maxCreatePercent: 10 });
  });
});

describe("MappingSchema rules", () => {
  it("refuses a custom field key used twice", () => {
    const found = issues({ customFields: [drink, { ...drink, onlyoffice: 12 }] });
    expect(found).toEqual([{ path: "customFields.1.key", message: 'key "drink" is used twice' }]);
  });

  it("refuses a custom field key that is a core field group's name", () => {
    const found = issues({ customFields: [{ ...drink, key: "title" }] });
    expect(found.map((i) => i.path)).toEqual(["customFields.0.key"]);
  });

  it("refuses one ONLYOFFICE field id used by two settings, naming the first owner", () => {
    expect(issues({ onlyoffice: { linkField: 11 }, customFields: [drink] })).toEqual([
      { path: "customFields.0.onlyoffice", message: "ONLYOFFICE field 11 is already used by onlyoffice.linkField" },
    ]);
    expect(issues({ fields: { value: { onlyofficeField: 7 }, reviewAt: { onlyofficeField: 7 } } })).toEqual([
      { path: "fields.reviewAt.onlyofficeField", message: "ONLYOFFICE field 7 is already used by fields.value" },
    ]);
    expect(issues({ fields: { status: { onlyofficeField: 3 } }, customFields: [{ ...drink, onlyoffice: 3 }] })[0]?.path).toBe("customFields.0.onlyoffice");
    expect(issues({ customFields: [drink, { ...drink, key: "other", onlyoffice: 11 }] })[0]?.message).toMatch(/already used by customFields\[0\] \(drink\)/);
  });

  it("lets unmapped (null) fields repeat", () => {
    expect(issues({ fields: { value: { onlyofficeField: null }, reviewAt: { onlyofficeField: null } } })).toEqual([]);
  });

  it("refuses options on a field that is not a select", () => {
    expect(issues({ customFields: [{ ...drink, type: "text", options: { Tea: "tea" } }] })).toEqual([
      { path: "customFields.0.options", message: "options apply to select fields only" },
    ]);
    expect(issues({ customFields: [{ ...drink, options: { Tea: "tea" } }] })).toEqual([]);
  });

  it("refuses a conflict policy for a group that is neither a core group nor a custom key", () => {
    const found = issues({ customFields: [drink], conflicts: { groups: { drink: "manual", titel: "manual" } } });
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toBe("conflicts.groups.titel");
    expect(found[0]?.message).toMatch(/"titel" is neither a field group/);
  });

  it("refuses an unknown time zone, a lower-case or long currency, a bad date pattern", () => {
    expect(issues({ timeZone: "Europe/Londres" })).toEqual([{ path: "timeZone", message: "is not a known IANA time zone" }]);
    expect(issues({ currency: "gbp" }).map((i) => i.path)).toEqual(["currency"]);
    expect(issues({ currency: "GBPX" }).map((i) => i.path)).toEqual(["currency"]);
    const pattern = issues({ onlyoffice: { datePattern: "dd/MM/yy" } });
    expect(new Set(pattern.map((i) => i.path))).toEqual(new Set(["onlyoffice.datePattern"]));
    expect(pattern[0]?.message).toMatch(/yyyy, MM/);
  });

  it("refuses unknown keys at every level (a typo is never ignored)", () => {
    const result = MappingSchema.safeParse({ fields: { titel: "both" }, deletes: { polcy: "ignore" }, extra: 1 });
    expect(result.success).toBe(false);
    const unknown = result.error?.issues.filter((i) => i.code === "unrecognized_keys").map((i) => i.path.join("."));
    expect(unknown?.sort()).toEqual(["", "deletes", "fields"]);
  });

  it("refuses out-of-range page sizes and percentages", () => {
    expect(issues({ plannr: { pageSize: 501 } }).map((i) => i.path)).toEqual(["plannr.pageSize"]);
    expect(issues({ onlyoffice: { pageSize: 0 } }).map((i) => i.path)).toEqual(["onlyoffice.pageSize"]);
    expect(issues({ deletes: { maxDeletePercent: 101 } }).map((i) => i.path)).toEqual(["deletes.maxDeletePercent"]);
  });

  it("refuses overrides that are not uuid/id pairs", () => {
    expect(issues({ people: { overrides: [{ plannr: "not a uuid", onlyoffice: 4 }] } }).map((i) => i.path)).toEqual(["people.overrides.0.plannr"]);
    expect(issues({ people: { overrides: [{ plannr: "0b9c3f2e-1111-2222-3333-444455556666", onlyoffice: -1 }] } }).map((i) => i.path)).toEqual([
      "people.overrides.0.onlyoffice",
    ]);
  });
});

describe("DatePatternSchema", () => {
  it("accepts the portal short-date patterns", () => {
    for (const p of ["yyyy-MM-dd", "dd/MM/yyyy", "MM/dd/yyyy", "d.M.yyyy", "M/d/yyyy", "yyyy/MM/dd", "dd MM yyyy"]) {
      expect(DatePatternSchema.safeParse(p).success, p).toBe(true);
    }
  });

  it("refuses two-digit years, mixed separators, repeated or missing parts", () => {
    for (const p of ["dd/MM/yy", "dd/MM-yyyy", "dd/dd/yyyy", "MM/yyyy", "yyyy-MM-dd-dd", "ddd/MM/yyyy", ""]) {
      expect(DatePatternSchema.safeParse(p).success, p).toBe(false);
    }
  });
});

// The mapping rules of src/mapping: dates (SPEC §2/§3), custom values (ONLYOFFICE reference "Custom
// fields"), people keys and overrides (SPEC §2 "People"), status catalog (SPEC §2 "Status group").
import { describe, expect, it } from "vitest";
import type { CustomFieldType, Mapping, MappingInput } from "../../src/core/mapping.js";
import { MappingSchema } from "../../src/core/mapping.js";
import type { StatusRef } from "../../src/core/reference.js";
import { checkOption, fromFieldText, fromPlannrValue, toFieldText, toPlannrValue, type ValueContext } from "../../src/mapping/custom-values.js";
import { detectDatePattern, formatWithPattern, parseWithPattern, readCalendarDate } from "../../src/mapping/dates.js";
import { KeyIndex, onlyofficePersonKey, onlyofficeStaffKey, overrideKey, plannrPersonKey, plannrStaffKey } from "../../src/mapping/people.js";
import { StatusCatalog } from "../../src/mapping/status.js";

const mapping = (input: MappingInput = {}): Mapping => MappingSchema.parse(input);

describe("dates: parseWithPattern", () => {
  const rows: [string, string, string | null][] = [
    ["2024-03-05", "yyyy-MM-dd", "2024-03-05"],
    ["05/03/2024", "dd/MM/yyyy", "2024-03-05"],
    ["03/05/2024", "MM/dd/yyyy", "2024-03-05"],
    ["3/5/2024", "M/d/yyyy", "2024-03-05"],
    ["12/31/2024", "M/d/yyyy", "2024-12-31"],
    ["5.3.2024", "d.M.yyyy", "2024-03-05"],
    ["05.03.2024", "dd.MM.yyyy", "2024-03-05"],
    [" 2024/03/05 ", "yyyy/MM/dd", "2024-03-05"],
    ["5/3/2024", "dd/MM/yyyy", null], // dd needs two digits
    ["05/03/24", "dd/MM/yyyy", null], // two-digit year
    ["31/02/2024", "dd/MM/yyyy", null], // no such day
    ["13/31/2024", "MM/dd/yyyy", null],
    ["05-03-2024", "dd/MM/yyyy", null], // other separator
    ["05/03/2024/1", "dd/MM/yyyy", null],
    ["a5/03/2024", "dd/MM/yyyy", null],
    ["", "dd/MM/yyyy", null],
  ];
  for (const [text, pattern, expected] of rows) {
    it(`${JSON.stringify(text)} in ${pattern} → ${String(expected)}`, () => {
      expect(parseWithPattern(text, pattern)).toBe(expected);
    });
  }
});

describe("dates: formatWithPattern", () => {
  it("writes a date in each pattern, dropping leading zeros for single-letter tokens", () => {
    expect(formatWithPattern("2024-03-05", "dd/MM/yyyy")).toBe("05/03/2024");
    expect(formatWithPattern("2024-03-05", "MM/dd/yyyy")).toBe("03/05/2024");
    expect(formatWithPattern("2024-03-05", "M/d/yyyy")).toBe("3/5/2024");
    expect(formatWithPattern("2024-12-25", "d.M.yyyy")).toBe("25.12.2024");
    expect(formatWithPattern("2024-03-05", "yyyy-MM-dd")).toBe("2024-03-05");
  });

  it("round-trips through parseWithPattern for every pattern", () => {
    for (const pattern of ["yyyy-MM-dd", "dd/MM/yyyy", "MM/dd/yyyy", "dd.MM.yyyy", "M/d/yyyy", "d/M/yyyy", "dd-MM-yyyy", "yyyy/MM/dd"]) {
      for (const iso of ["2024-01-09", "2024-12-31", "2024-02-29"]) {
        expect(parseWithPattern(formatWithPattern(iso, pattern), pattern), `${iso} ${pattern}`).toBe(iso);
      }
    }
  });
});

describe("dates: readCalendarDate", () => {
  it("reads ISO dates, ISO timestamps in the zone, and the portal pattern", () => {
    expect(readCalendarDate("2024-03-05", "dd/MM/yyyy", "Europe/London")).toBe("2024-03-05");
    expect(readCalendarDate("2024-06-30T23:30:00.0000000Z", "dd/MM/yyyy", "Europe/London")).toBe("2024-07-01");
    expect(readCalendarDate("2024-06-30T23:30:00+01:00", "dd/MM/yyyy", "Europe/London")).toBe("2024-06-30");
    expect(readCalendarDate("05/03/2024", "dd/MM/yyyy", "Europe/London")).toBe("2024-03-05");
  });

  it("treats ONLYOFFICE's minimum date as no date at all (an error, never year 1)", () => {
    expect(() => readCalendarDate("0001-01-01T00:00:00.0000000Z", "yyyy-MM-dd", "Europe/London")).toThrow(/empty date/);
  });

  it("throws on a value in neither form, naming the pattern", () => {
    expect(() => readCalendarDate("05/03/2024", "MM-dd-yyyy", "Europe/London")).toThrow(/MM-dd-yyyy/);
    expect(() => readCalendarDate("soon", "dd/MM/yyyy", "Europe/London")).toThrow(RangeError);
  });
});

describe("dates: detectDatePattern", () => {
  it("detects one pattern when the samples allow only one", () => {
    expect(detectDatePattern(["25/12/2024", "01/02/2024"])).toBe("dd/MM/yyyy");
    expect(detectDatePattern(["12/25/2024"])).toBe("MM/dd/yyyy");
    expect(detectDatePattern(["25.12.2024"])).toBe("dd.MM.yyyy");
    expect(detectDatePattern(["2024/12/25"])).toBe("yyyy/MM/dd");
    expect(detectDatePattern(["25-12-2024"])).toBe("dd-MM-yyyy");
    expect(detectDatePattern(["2024-12-25"])).toBe("yyyy-MM-dd");
  });

  it("detects the single-digit form when a sample drops a leading zero", () => {
    expect(detectDatePattern(["12/5/2024", "12/25/2024"])).toBe("M/d/yyyy");
    expect(detectDatePattern(["25/1/2024"])).toBe("d/M/yyyy");
  });

  it("is null when the samples are ambiguous (day and month both ≤ 12)", () => {
    expect(detectDatePattern(["01/02/2024"])).toBeNull();
    expect(detectDatePattern(["1/2/2024", "3/4/2024"])).toBeNull();
  });

  it("is null when no pattern fits every sample, or there is nothing to go on", () => {
    expect(detectDatePattern(["25/12/2024", "12/25/2024"])).toBeNull();
    expect(detectDatePattern(["Christmas"])).toBeNull();
    expect(detectDatePattern([])).toBeNull();
    expect(detectDatePattern(["  ", ""])).toBeNull();
  });

  it("ignores ISO timestamps (the API's own output says nothing about the UI pattern)", () => {
    expect(detectDatePattern(["2024-03-05T00:00:00.0000000Z", "25/12/2024"])).toBe("dd/MM/yyyy");
    expect(detectDatePattern(["2024-03-05T00:00:00.0000000Z"])).toBeNull();
  });
});

describe("custom values: ONLYOFFICE text ⇄ canonical", () => {
  const ctx: ValueContext = { datePattern: "dd/MM/yyyy", timeZone: "Europe/London" };

  it("reads blank text as unset for every type", () => {
    for (const type of ["text", "longtext", "select", "number", "boolean", "date"] as CustomFieldType[]) {
      expect(fromFieldText(type, " ", ctx), type).toBeNull();
      expect(fromFieldText(type, null, ctx), type).toBeNull();
      expect(fromFieldText(type, undefined, ctx), type).toBeNull();
    }
  });

  it("reads text, long text and select options trimmed", () => {
    expect(fromFieldText("text", "  Tea ", ctx)).toBe("Tea");
    expect(fromFieldText("longtext", "line 1\r\nline 2 ", ctx)).toBe("line 1\nline 2");
    expect(fromFieldText("select", " Coffee", ctx)).toBe("Coffee");
  });

  it("reads numbers, with thousands separators", () => {
    expect(fromFieldText("number", "42", ctx)).toBe(42);
    expect(fromFieldText("number", "-3.5", ctx)).toBe(-3.5);
    expect(fromFieldText("number", "1,234.5", ctx)).toBe(1234.5);
  });

  it("refuses what is not a plain decimal number (no hex, no words, no decimal comma)", () => {
    for (const bad of ["forty", "12,5", "0x1A", "Infinity", "1e999", "1 000"]) {
      expect(() => fromFieldText("number", bad, ctx), bad).toThrow(RangeError);
    }
  });

  it("reads checkbox conventions and refuses others", () => {
    for (const t of ["true", "TRUE", "on", "1", "yes"]) expect(fromFieldText("boolean", t, ctx), t).toBe(true);
    for (const f of ["false", "False", "off", "0", "no"]) expect(fromFieldText("boolean", f, ctx), f).toBe(false);
    expect(() => fromFieldText("boolean", "maybe", ctx)).toThrow(/checkbox/);
  });

  it("reads dates in ISO or the portal pattern", () => {
    expect(fromFieldText("date", "2024-03-05", ctx)).toBe("2024-03-05");
    expect(fromFieldText("date", "05/03/2024", ctx)).toBe("2024-03-05");
    expect(() => fromFieldText("date", "03/25/2024", ctx)).toThrow(RangeError);
  });

  it("writes each type, and the empty string for unset (the per-field clear)", () => {
    expect(toFieldText("text", "Tea")).toBe("Tea");
    expect(toFieldText("select", "Coffee")).toBe("Coffee");
    expect(toFieldText("number", 42.5)).toBe("42.5");
    expect(toFieldText("boolean", true)).toBe("true");
    expect(toFieldText("boolean", false)).toBe("false");
    expect(toFieldText("date", "2024-03-05")).toBe("2024-03-05");
    for (const type of ["text", "number", "boolean", "date", "select"] as CustomFieldType[]) expect(toFieldText(type, null)).toBe("");
  });

  it("refuses to write a value of the wrong kind", () => {
    expect(() => toFieldText("boolean", "true")).toThrow(/not true\/false/);
    expect(() => toFieldText("number", "42")).toThrow(/not a number/);
    expect(() => toFieldText("number", Number.NaN)).toThrow(/not a number/);
    expect(() => toFieldText("date", "05/03/2024")).toThrow(/YYYY-MM-DD/);
    expect(() => toFieldText("date", "2024-02-30")).toThrow(/YYYY-MM-DD/);
  });

  it("reads back what it writes, for every type", () => {
    const samples: [CustomFieldType, string | number | boolean][] = [
      ["text", "Tea"],
      ["longtext", "a\nb"],
      ["select", "Coffee"],
      ["number", -1234.75],
      ["boolean", false],
      ["date", "2024-02-29"],
    ];
    for (const [type, value] of samples) expect(fromFieldText(type, toFieldText(type, value), ctx), type).toEqual(value);
  });
});

describe("custom values: Plannr typed ⇄ canonical", () => {
  const ctx: ValueContext = { datePattern: "dd/MM/yyyy", timeZone: "Europe/London" };

  it("reads null and undefined as unset", () => {
    for (const type of ["text", "number", "boolean", "date", "select"] as CustomFieldType[]) {
      expect(fromPlannrValue(type, null, ctx)).toBeNull();
      expect(fromPlannrValue(type, undefined, ctx)).toBeNull();
    }
  });

  it("reads booleans from true/false, 1/0 and their text", () => {
    expect(fromPlannrValue("boolean", true, ctx)).toBe(true);
    expect(fromPlannrValue("boolean", 1, ctx)).toBe(true);
    expect(fromPlannrValue("boolean", "1", ctx)).toBe(true);
    expect(fromPlannrValue("boolean", "false", ctx)).toBe(false);
    expect(fromPlannrValue("boolean", 0, ctx)).toBe(false);
    expect(() => fromPlannrValue("boolean", "yes please", ctx)).toThrow(/not a boolean/);
  });

  it("reads numbers and numeric text; blank text is unset", () => {
    expect(fromPlannrValue("number", 12.5, ctx)).toBe(12.5);
    expect(fromPlannrValue("number", " 7 ", ctx)).toBe(7);
    expect(fromPlannrValue("number", "  ", ctx)).toBeNull();
    expect(() => fromPlannrValue("number", "seven", ctx)).toThrow(/not a number/);
    expect(() => fromPlannrValue("number", "0x10", ctx)).toThrow(/not a number/);
    expect(() => fromPlannrValue("number", Number.POSITIVE_INFINITY, ctx)).toThrow(/finite/);
    expect(() => fromPlannrValue("number", true, ctx)).toThrow(/not a number/);
  });

  it("reads datetime values as calendar dates in the mapping's zone", () => {
    expect(fromPlannrValue("date", "2024-06-05", ctx)).toBe("2024-06-05");
    expect(fromPlannrValue("date", "2024-06-05T23:30:00+00:00", ctx)).toBe("2024-06-06");
    expect(fromPlannrValue("date", "2025-06-24T10:15:12+01:00", ctx)).toBe("2025-06-24");
    expect(fromPlannrValue("date", " ", ctx)).toBeNull();
    expect(() => fromPlannrValue("date", 20240605, ctx)).toThrow(/not a date/);
    expect(() => fromPlannrValue("date", "05/06/2024", ctx)).toThrow(RangeError);
  });

  it("reads text and selections trimmed; numbers and booleans become their text; objects are refused", () => {
    expect(fromPlannrValue("text", "  Tea ", ctx)).toBe("Tea");
    expect(fromPlannrValue("text", "   ", ctx)).toBeNull();
    expect(fromPlannrValue("select", "Coffee", ctx)).toBe("Coffee");
    expect(fromPlannrValue("text", 12, ctx)).toBe("12");
    expect(fromPlannrValue("text", true, ctx)).toBe("true");
    expect(() => fromPlannrValue("text", { example: "x" }, ctx)).toThrow(/not text/);
  });

  it("writes typed values for a Plannr PUT", () => {
    expect(toPlannrValue("boolean", true)).toBe(true);
    expect(toPlannrValue("number", 3)).toBe(3);
    expect(toPlannrValue("date", "2024-06-05")).toBe("2024-06-05");
    expect(toPlannrValue("text", "Tea")).toBe("Tea");
    expect(toPlannrValue("select", "Coffee")).toBe("Coffee");
    expect(toPlannrValue("text", 12)).toBe("12");
    for (const type of ["text", "number", "boolean", "date", "select"] as CustomFieldType[]) expect(toPlannrValue(type, null)).toBeNull();
  });

  it("refuses to write a value of the wrong kind to Plannr", () => {
    expect(() => toPlannrValue("boolean", "true")).toThrow(/true\/false/);
    expect(() => toPlannrValue("number", "3")).toThrow(/not a number/);
    expect(() => toPlannrValue("number", Number.NaN)).toThrow(/not a number/);
    expect(() => toPlannrValue("date", "2024-6-5")).toThrow(/YYYY-MM-DD/);
  });
});

describe("custom values: checkOption", () => {
  it("accepts an offered option, unset values and fields without an option list", () => {
    expect(() => checkOption("Tea", ["Tea", "Coffee"], "drink")).not.toThrow();
    expect(() => checkOption(null, ["Tea"], "drink")).not.toThrow();
    expect(() => checkOption("Anything", null, "drink")).not.toThrow();
    expect(() => checkOption("Anything", [], "drink")).not.toThrow();
  });

  it("refuses an option the side lacks, naming the field and the options", () => {
    expect(() => checkOption("Juice", ["Tea", "Coffee"], 'ONLYOFFICE field 11 "Drink"')).toThrow(
      '"Juice" is not an option of ONLYOFFICE field 11 "Drink" (options: Tea, Coffee)',
    );
    expect(() => checkOption("tea", ["Tea"], "drink")).toThrow(RangeError);
  });
});

describe("people keys", () => {
  const CLIENT = "0B9C3F2E-1111-2222-3333-444455556666";
  const STAFF = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
  const GUID = "11111111-2222-3333-4444-555555555555";
  const m = mapping({
    people: { overrides: [{ plannr: CLIENT, onlyoffice: 42 }] },
    staff: { overrides: [{ plannr: STAFF, onlyoffice: GUID }] },
  });

  it("overrideKey is the lower-cased plannr uuid", () => {
    expect(overrideKey(CLIENT)).toBe(`plannr:${CLIENT.toLowerCase()}`);
  });

  it("keys a Plannr client by its first usable e-mail (primary_email, else email)", () => {
    expect(plannrPersonKey(m, "other-uuid", [" Jo@Example.com ", "old@example.com"])).toBe("jo@example.com");
    expect(plannrPersonKey(m, "other-uuid", [null, "", "not an email", "Old@Example.com"])).toBe("old@example.com");
    expect(plannrPersonKey(m, "other-uuid", [null, undefined])).toBeNull();
  });

  it("keys an overridden client and its ONLYOFFICE contact alike, whatever their e-mails", () => {
    const plannrKey = plannrPersonKey(m, CLIENT.toLowerCase(), ["jo@example.com"]);
    const onlyofficeKey = onlyofficePersonKey(m, 42, ["joanna@elsewhere.com"]);
    expect(plannrKey).toBe(overrideKey(CLIENT));
    expect(onlyofficeKey).toBe(plannrKey);
    expect(onlyofficePersonKey(m, "42", [])).toBe(plannrKey);
  });

  it("keys a contact without an override by e-mail", () => {
    expect(onlyofficePersonKey(m, 7, ["  JO@example.com"])).toBe("jo@example.com");
    expect(onlyofficePersonKey(m, 7, [])).toBeNull();
  });

  it("keys staff by e-mail, or by the override on both sides", () => {
    expect(plannrStaffKey(m, "x", "Al@Firm.co.uk")).toBe("al@firm.co.uk");
    expect(plannrStaffKey(m, "x", null)).toBeNull();
    expect(plannrStaffKey(m, STAFF.toUpperCase(), "al@firm.co.uk")).toBe(overrideKey(STAFF));
    expect(onlyofficeStaffKey(m, GUID.toUpperCase(), "someone@else.com")).toBe(overrideKey(STAFF));
    expect(onlyofficeStaffKey(m, "99999999-2222-3333-4444-555555555555", "Al@Firm.co.uk")).toBe("al@firm.co.uk");
  });
});

describe("KeyIndex", () => {
  it("resolves a key held by one record", () => {
    const index = new KeyIndex();
    index.add("jo@example.com", "c1");
    expect(index.resolve("jo@example.com")).toBe("c1");
    expect(index.has("jo@example.com")).toBe(true);
    expect(index.isAmbiguous("jo@example.com")).toBe(false);
  });

  it("treats a key held by two records (joint clients) as ambiguous: reported, never guessed", () => {
    const index = new KeyIndex();
    index.add("smiths@example.com", "c1");
    index.add("smiths@example.com", "c2");
    expect(index.resolve("smiths@example.com")).toBeNull();
    expect(index.isAmbiguous("smiths@example.com")).toBe(true);
    expect(index.has("smiths@example.com")).toBe(true);
  });

  it("does not count the same record twice, and ignores null keys", () => {
    const index = new KeyIndex();
    index.add("jo@example.com", "c1");
    index.add("jo@example.com", "c1");
    index.add(null, "c9");
    expect(index.resolve("jo@example.com")).toBe("c1");
    expect(index.isAmbiguous("jo@example.com")).toBe(false);
    expect(index.resolve("nobody@example.com")).toBeNull();
    expect(index.has("nobody@example.com")).toBe(false);
  });
});

describe("StatusCatalog", () => {
  const statuses: StatusRef[] = [
    { id: "s3", name: "Complete", closed: true, position: 3 },
    { id: "s1", name: "Open", closed: false, position: 1 },
    { id: "s4", name: "Lost", closed: true, position: 4 },
    { id: "s2", name: "In progress", closed: false, position: 2 },
  ];

  it("looks statuses up by name and id, and tells closed from open", () => {
    const catalog = new StatusCatalog(statuses, mapping());
    expect(catalog.get("Open")?.id).toBe("s1");
    expect(catalog.byId("s4")?.name).toBe("Lost");
    expect(catalog.isClosed("Complete")).toBe(true);
    expect(catalog.isClosed("In progress")).toBe(false);
    expect(catalog.isClosed("Nope")).toBeUndefined();
  });

  it("defaults to the first completed / first open status by position", () => {
    const catalog = new StatusCatalog(statuses, mapping());
    expect(catalog.defaultFor(true)?.name).toBe("Complete");
    expect(catalog.defaultFor(false)?.name).toBe("Open");
  });

  it("uses the mapping's closedStatus / openStatus when set", () => {
    const catalog = new StatusCatalog(statuses, mapping({ closedStatus: "Lost", openStatus: "In progress" }));
    expect(catalog.defaultFor(true)?.id).toBe("s4");
    expect(catalog.defaultFor(false)?.id).toBe("s2");
  });

  it("keeps the first status by position when two share a name", () => {
    const catalog = new StatusCatalog([...statuses, { id: "s0", name: "Open", closed: false, position: 0 }], mapping());
    expect(catalog.get("Open")?.id).toBe("s0");
  });

  it("renames for the ONLYOFFICE status field and resolves the rename back", () => {
    const catalog = new StatusCatalog(statuses, mapping({ statuses: { "In progress": "Working", Complete: "Done" } }));
    expect(catalog.onlyofficeName("In progress")).toBe("Working");
    expect(catalog.onlyofficeName("Open")).toBe("Open");
    expect(catalog.plannrName("working")).toBe("In progress");
    expect(catalog.plannrName(" Done ")).toBe("Complete");
    expect(catalog.plannrName("Open")).toBe("Open");
  });

  it("resolves exact names, renames and other letter cases; unknown text is undefined", () => {
    const catalog = new StatusCatalog(statuses, mapping({ statuses: { Complete: "Done" } }));
    expect(catalog.resolve("Open")).toBe("Open");
    expect(catalog.resolve(" Open ")).toBe("Open");
    expect(catalog.resolve("DONE")).toBe("Complete");
    expect(catalog.resolve("in PROGRESS")).toBe("In progress");
    expect(catalog.resolve("Archived")).toBeUndefined();
  });

  it("prefers an exact Plannr name over a rename that spells it differently", () => {
    // "Lost" is renamed to "Open" in ONLYOFFICE: the text "Open" must still be the Plannr status Open.
    const catalog = new StatusCatalog(statuses, mapping({ statuses: { Lost: "open" } }));
    expect(catalog.resolve("Open")).toBe("Open");
  });
});

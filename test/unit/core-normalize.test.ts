// Normalization rules of SPEC §2: what both codecs apply before anything is hashed or compared.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  decimalToMinorUnits,
  isCalendarDate,
  isValidTimeZone,
  minorUnitsToDecimal,
  normalizeEmail,
  normalizeRequiredText,
  normalizeText,
  sortedSet,
  toCalendarDate,
  toUtcIso,
} from "../../src/core/normalize.js";

describe("normalizeText", () => {
  it("reads null, undefined, empty and blank as absent", () => {
    expect(normalizeText(null)).toBeNull();
    expect(normalizeText(undefined)).toBeNull();
    expect(normalizeText("")).toBeNull();
    expect(normalizeText(" \t\n ")).toBeNull();
  });

  it("trims like Plannr's TrimStrings middleware but keeps inner spacing", () => {
    expect(normalizeText("  Smith  pension review ")).toBe("Smith  pension review");
  });

  it("unifies CRLF and CR line endings to LF", () => {
    expect(normalizeText("a\r\nb\rc\nd")).toBe("a\nb\nc\nd");
  });

  it("composes Unicode to NFC so visually equal names compare equal", () => {
    const decomposed = "Rene\u0301e";
    expect(decomposed).not.toBe("Renée");
    expect(normalizeText(decomposed)).toBe("Renée");
  });

  it("normalizeRequiredText turns absent into the empty string", () => {
    expect(normalizeRequiredText("   ")).toBe("");
    expect(normalizeRequiredText(" Title ")).toBe("Title");
  });
});

describe("normalizeEmail", () => {
  it("trims and lower-cases an address", () => {
    expect(normalizeEmail("  Jo.Bloggs@Example.COM ")).toBe("jo.bloggs@example.com");
  });

  it("refuses what is not an address (a name, two @, spaces, nothing)", () => {
    expect(normalizeEmail("Jo Bloggs")).toBeNull();
    expect(normalizeEmail("a@b@c")).toBeNull();
    expect(normalizeEmail("jo bloggs@example.com")).toBeNull();
    expect(normalizeEmail("@example.com")).toBeNull();
    expect(normalizeEmail("")).toBeNull();
    expect(normalizeEmail(null)).toBeNull();
  });
});

describe("sortedSet", () => {
  it("sorts and removes repeats", () => {
    expect(sortedSet(["b", "a", "b", "c", "a"])).toEqual(["a", "b", "c"]);
  });

  it("is insensitive to order (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (values) => {
        expect(sortedSet([...values].reverse())).toEqual(sortedSet(values));
      }),
    );
  });
});

describe("decimalToMinorUnits", () => {
  const rows: [string, number][] = [
    ["40", 4000],
    ["40.5", 4050],
    ["40.00", 4000],
    ["0.05", 5],
    ["-3.10", -310],
    ["1,234.50", 123450],
    ["1,234,567.89", 123456789],
    [" 12.3 ", 1230],
  ];
  for (const [text, minor] of rows) {
    it(`reads "${text}" as ${minor}`, () => {
      expect(decimalToMinorUnits(text)).toBe(minor);
    });
  }

  it("reads blank as unset", () => {
    expect(decimalToMinorUnits(null)).toBeNull();
    expect(decimalToMinorUnits(undefined)).toBeNull();
    expect(decimalToMinorUnits("  ")).toBeNull();
  });

  it("reads a negative zero as plain zero (no -0 to confuse equality)", () => {
    expect(Object.is(decimalToMinorUnits("-0"), 0)).toBe(true);
    expect(Object.is(decimalToMinorUnits("-0.00"), 0)).toBe(true);
  });

  it("never rounds: three decimal places, words, a decimal comma or a stray comma throw", () => {
    for (const bad of ["40.555", "forty", "12,34", "1,23.00", "40.", ".5", "4 0", "£40"]) {
      expect(() => decimalToMinorUnits(bad), bad).toThrow(RangeError);
    }
  });

  it("throws on amounts beyond safe integers instead of losing pennies", () => {
    expect(() => decimalToMinorUnits("90071992547409.93")).toThrow(/too large/);
    expect(decimalToMinorUnits("90071992547409.91")).toBe(9007199254740991);
  });
});

describe("minorUnitsToDecimal", () => {
  it("writes two decimal places, the ONLYOFFICE money format", () => {
    expect(minorUnitsToDecimal(4000)).toBe("40.00");
    expect(minorUnitsToDecimal(5)).toBe("0.05");
    expect(minorUnitsToDecimal(0)).toBe("0.00");
    expect(minorUnitsToDecimal(-310)).toBe("-3.10");
    expect(minorUnitsToDecimal(-5)).toBe("-0.05");
  });

  it("refuses a fractional number of pennies rather than writing nonsense", () => {
    expect(() => minorUnitsToDecimal(40.5)).toThrow(RangeError);
    expect(() => minorUnitsToDecimal(Number.NaN)).toThrow(RangeError);
  });

  it("round-trips every safe integer (property)", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (minor) => {
        expect(decimalToMinorUnits(minorUnitsToDecimal(minor))).toBe(minor === 0 ? 0 : minor);
      }),
    );
  });
});

describe("isCalendarDate", () => {
  it("accepts real dates written YYYY-MM-DD only", () => {
    expect(isCalendarDate("2024-02-29")).toBe(true);
    expect(isCalendarDate("2023-02-29")).toBe(false);
    expect(isCalendarDate("2024-13-01")).toBe(false);
    expect(isCalendarDate("2024-04-31")).toBe(false);
    expect(isCalendarDate("2024-1-01")).toBe(false);
    expect(isCalendarDate("2024-01-01T00:00:00Z")).toBe(false);
    expect(isCalendarDate("01/02/2024")).toBe(false);
  });
});

describe("toCalendarDate", () => {
  // Issue 12 item 5: a formatter per call cost ~65 µs and ICU memory for each dated case of a scan.
  it("makes one formatter per time zone, however many dates it reads", () => {
    const Original = Intl.DateTimeFormat;
    let made = 0;
    // Zones no other test uses, so no formatter for them is made before this test.
    Intl.DateTimeFormat = function counted(...args: ConstructorParameters<typeof Original>) {
      made += 1;
      return new Original(...args);
    } as unknown as typeof Intl.DateTimeFormat;
    try {
      for (let day = 1; day <= 28; day += 1) {
        expect(toCalendarDate(`2031-02-${String(day).padStart(2, "0")}T23:30:00Z`, "Asia/Kathmandu")).toBe(`2031-${day === 28 ? "03-01" : `02-${String(day + 1).padStart(2, "0")}`}`);
        toCalendarDate(`2031-02-${String(day).padStart(2, "0")}T23:30:00Z`, "America/Anchorage");
      }
      expect(made).toBe(2);
    } finally {
      Intl.DateTimeFormat = Original;
    }
  });

  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it("returns a date-only input as it is, with no zone shift", () => {
    expect(toCalendarDate("2024-06-05", "America/New_York")).toBe("2024-06-05");
    expect(toCalendarDate(" 2024-06-05 ", "Pacific/Auckland")).toBe("2024-06-05");
  });

  it("refuses a date-only input that is no calendar date", () => {
    expect(() => toCalendarDate("2024-02-30", "Europe/London")).toThrow(RangeError);
  });

  it("takes the calendar date of an instant in the given zone (BST moves late evening to the next day)", () => {
    expect(toCalendarDate("2024-06-30T23:30:00Z", "Europe/London")).toBe("2024-07-01");
    expect(toCalendarDate("2024-06-30T23:30:00Z", "UTC")).toBe("2024-06-30");
    expect(toCalendarDate("2024-01-15T23:30:00Z", "Europe/London")).toBe("2024-01-15");
    expect(toCalendarDate("2024-01-16T03:00:00Z", "America/New_York")).toBe("2024-01-15");
  });

  it("reads Plannr's UK-offset timestamps and ONLYOFFICE's seven fractional digits", () => {
    expect(toCalendarDate("2025-06-24T00:15:12+01:00", "Europe/London")).toBe("2025-06-24");
    expect(toCalendarDate("2024-03-05T10:00:00.0000000+00:00", "Europe/London")).toBe("2024-03-05");
  });

  it("takes the date part of a wall-clock time without an offset, whatever the process zone", () => {
    // ONLYOFFICE: "no offset → portal zone"; Plannr's seeds show UK wall times. Either way the
    // written date is the date, not a shift through the machine's own zone.
    process.env.TZ = "Pacific/Kiritimati"; // UTC+14
    expect(toCalendarDate("2024-03-05T05:00:00", "Europe/London")).toBe("2024-03-05");
    expect(toCalendarDate("2024-03-05 05:00:00", "Europe/London")).toBe("2024-03-05");
    process.env.TZ = "Pacific/Pago_Pago"; // UTC-11
    expect(toCalendarDate("2024-03-05T20:00:00.000", "Europe/London")).toBe("2024-03-05");
  });

  it("throws on text that is neither a date nor a timestamp", () => {
    expect(() => toCalendarDate("next Tuesday", "Europe/London")).toThrow(RangeError);
    expect(() => toCalendarDate("2024-02-30T10:00:00", "Europe/London")).toThrow(RangeError);
  });
});

describe("toUtcIso", () => {
  it("converts any offset to UTC with milliseconds", () => {
    expect(toUtcIso("2025-06-24T10:15:12+01:00")).toBe("2025-06-24T09:15:12.000Z");
    expect(toUtcIso(" 2025-01-02T03:04:05Z ")).toBe("2025-01-02T03:04:05.000Z");
  });

  it("throws on an unreadable timestamp", () => {
    expect(() => toUtcIso("yesterday")).toThrow(RangeError);
  });
});

describe("isValidTimeZone", () => {
  it("knows IANA names and refuses others", () => {
    expect(isValidTimeZone("Europe/London")).toBe(true);
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });
});

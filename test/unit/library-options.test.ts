// Issue 10 item 9: `--created-since` / `createdSince` take ISO dates and timestamps only, read in
// the mapping's time zone (a date is its midnight there); the library's `mapping` option is the
// typed `MappingInput` (a typo in a key or a value is a compile error, as the YAML's schema is).
import { describe, expect, it } from "vitest";
import type { MappingInput } from "../../src/core/mapping.js";
import { CREATED_SINCE_FORMAT, isIsoDateOrTimestamp, MigrateOptionsSchema, parseCreatedSince, type CreateSyncOptions } from "../../src/library/options.js";

describe("parseCreatedSince", () => {
  it("reads a date as its midnight in the mapping's time zone", () => {
    expect(parseCreatedSince("2024-01-31", "Europe/London")).toBe("2024-01-31T00:00:00.000Z");
    // British Summer Time: midnight is 23:00 UTC the day before.
    expect(parseCreatedSince("2024-07-01", "Europe/London")).toBe("2024-06-30T23:00:00.000Z");
    expect(parseCreatedSince("2024-07-01", "America/New_York")).toBe("2024-07-01T04:00:00.000Z");
    expect(parseCreatedSince("2024-07-01", "Asia/Kolkata")).toBe("2024-06-30T18:30:00.000Z");
  });

  it("reads a timestamp without an offset as wall time there, and one with an offset as that instant", () => {
    expect(parseCreatedSince("2024-07-01T09:30", "Europe/London")).toBe("2024-07-01T08:30:00.000Z");
    expect(parseCreatedSince("2024-07-01T09:30:15.250", "UTC")).toBe("2024-07-01T09:30:15.250Z");
    expect(parseCreatedSince("2024-07-01T09:00:00Z", "Asia/Tokyo")).toBe("2024-07-01T09:00:00.000Z");
    expect(parseCreatedSince("2024-07-01T09:00:00+02:00", "UTC")).toBe("2024-07-01T07:00:00.000Z");
    expect(parseCreatedSince("2024-07-01T09:00:00-05:30", "UTC")).toBe("2024-07-01T14:30:00.000Z");
  });

  it("refuses what Date.parse would guess at: US-style dates, bare numbers, impossible days", () => {
    for (const text of ["01/02/2024", "5", "2024", "2024-1-5", "2024-02-30", "2023-02-29", "2024-01-31 09:00", "2024-01-31T24:00", "2024-01-31T09:00+0100", "yesterday", "", " "]) {
      expect(isIsoDateOrTimestamp(text), text).toBe(false);
      expect(() => parseCreatedSince(text, "Europe/London", "--created-since")).toThrow(expect.objectContaining({ code: "CS_USAGE", message: expect.stringContaining("--created-since") as unknown }));
    }
    for (const text of ["2024-02-29", "2024-01-31", "2024-01-31T09:00", "2024-01-31T09:00:59.123456Z"]) expect(isIsoDateOrTimestamp(text), text).toBe(true);
  });

  it("is what the library's migrate options accept, naming the value it refuses", () => {
    expect(MigrateOptionsSchema.safeParse({ from: "plannr", createdSince: "2024-01-31" }).success).toBe(true);
    const refused = MigrateOptionsSchema.safeParse({ from: "plannr", createdSince: "01/02/2024" });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe(`"01/02/2024" ${CREATED_SINCE_FORMAT}`);
  });
});

describe("the library's mapping option", () => {
  it("is MappingInput: a partial mapping object type-checks, a wrong value does not", () => {
    const mapping: MappingInput = { onlyoffice: { linkField: 13 }, deletes: { policy: "close" } };
    const options: Pick<CreateSyncOptions, "mapping"> = { mapping };
    expect(options.mapping).toBe(mapping);
    // @ts-expect-error -- "nuke" is no delete policy: refused when compiling, not only at run time
    const wrong: Pick<CreateSyncOptions, "mapping"> = { mapping: { deletes: { policy: "nuke" } } };
    // @ts-expect-error -- an unknown key is refused too
    const typo: Pick<CreateSyncOptions, "mapping"> = { mapping: { timezone: "Europe/London" } };
    expect([wrong, typo]).toHaveLength(2);
  });
});

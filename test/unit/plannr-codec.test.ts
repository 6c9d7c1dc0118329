// The Plannr codec and write encoder (pure): native → canonical for every SPEC §2 field Plannr
// carries, canonical → native write ops, the seeds' generated-docs artefacts, normalization, and
// every record-level issue the engine relies on.
import { describe, expect, it } from "vitest";
import { customGroup, groupValue, type Case, type FieldGroup } from "../../src/core/case.js";
import { CaseSyncError } from "../../src/core/errors.js";
import type { CaseRecord, ChangeSet, RecordIssue } from "../../src/core/records.js";
import { decodeCase, readMoney, type PlannrCarry } from "../../adapters/plannr/codec.js";
import { CREATED_CASE_PATH, encodeCreate, encodeUpdate } from "../../adapters/plannr/writes.js";
import { plannrNoon, zoneOffsetMinutes } from "../../adapters/plannr/dates.js";
import { encodeDelete, encodeStamp } from "../../adapters/plannr/record-ops.js";
import { groupOfNativeField, refusalsOf, withoutRefused } from "../../adapters/plannr/refusals.js";
import { plannrProfile } from "../../adapters/plannr/profile.js";
import { readPlannrDate } from "../../adapters/plannr/codec.js";
import { normalizeTimestamp } from "../../src/sandbox/plannr/london-time.js";
import { errorFromResponse } from "../../src/transport/errors.js";
import { codecContext, fixture, items, nativeCase, uuidOf, type Raw } from "../fixtures/plannr/fixtures.js";

const ctx = codecContext();
const CASES = items("cases-page.json");
const decode = (raw: unknown, context = ctx): CaseRecord => decodeCase(nativeCase(raw), context);
const client = (first: string) => uuidOf("clients.json", (a) => a.first_name === first);
const employee = (first: string) => uuidOf("employees.json", (a) => a.first_name === first);
const status = (name: string) => uuidOf("statuses.json", (s) => s.name === name);
const MORTGAGE = "004c9c4b-a038-4292-9a70-8efb992af5b3";
const CUSTOM_GROUPS = ctx.mapping.customFields.map((f) => customGroup(f.key));

const errors = (issues: RecordIssue[]) => issues.filter((i) => i.severity === "error");
const warnings = (issues: RecordIssue[]) => issues.filter((i) => i.severity === "warning");
const fieldsOf = (issues: RecordIssue[]) => issues.map((i) => i.field);

/** A copy of the first fixture case with some native fields replaced. */
function variant(changes: Record<string, unknown>, index = 0): Raw {
  return { ...structuredClone(CASES[index]), ...changes };
}

function withCustom(raw: Raw, reference: string, value: unknown): Raw {
  const copy = structuredClone(raw);
  copy.custom_fields.find((f: Raw) => f.reference === reference).value = value;
  return copy;
}

function update(record: CaseRecord, target: Case, changes: ChangeSet) {
  return encodeUpdate({ record, target, changes }, ctx);
}

describe("decode: every SPEC §2 field from a real-shaped list item", () => {
  const record = decode(CASES[0]);

  it("reads title, status, people, money, dates, type, groups and custom fields", () => {
    expect(record.case).toEqual({
      title: "Annual review – Amelia Smith #1",
      status: { closed: false, statusName: "In Progress" },
      participants: ["amelia.smith.0@client.example", "max.mixedcase@client.example"],
      assignees: ["priya.adviser@firm.example", "tom.paraplanner@firm.example"],
      customFields: {
        drink: "Tea",
        lender: "Nationwide",
        nextMeeting: "2026-10-25",
        notes: "Prefers early meetings.",
        risk: 7,
        vulnerable: true,
      },
      value: 150050,
      reviewAt: "2026-03-29",
      type: "Mortgage Plan",
      groups: ["f0e1d2c3-b4a5-4968-8776-655443322110"],
      createdAt: "2024-03-05T12:00:00.000Z",
    });
  });

  it("keeps the record facts: id, no stamp (even with an onlyoffice_case_id field), updated_at in UTC and the native carry", () => {
    expect(record.id).toBe(CASES[0].uuid);
    expect(record.side).toBe("plannr");
    // Plannr cases carry no link stamp (plannr.mirrorField is not supported): the fixture's field is ignored.
    expect(CASES[0].custom_fields.find((f: Raw) => f.reference === "onlyoffice_case_id").value).toBe("1042");
    expect(record.stamp).toBeNull();
    expect(record.updatedAt).toBe("2025-06-24T09:15:12.000Z");
    const carry = record.carry as PlannrCarry;
    expect(carry).toEqual({
      statusId: status("In Progress"),
      typeId: MORTGAGE,
      clientIds: [client("Amelia"), client("Max")].sort(),
      participantIds: [client("Amelia"), client("Max"), "e0f1a2b3-c4d5-4e6f-8a7b-9c0d1e2f3a11"].sort(),
      assigneeIds: [employee("Priya"), employee("Tom")].sort(),
    });
  });

  it("counts non-client participants once per record as not carried", () => {
    expect(errors(record.issues)).toEqual([]);
    expect(warnings(record.issues)).toEqual([expect.objectContaining({ code: "CS_NOT_CARRIED", field: "participants", record: CASES[0].uuid })]);
    const two = decode(variant({ participants: [...CASES[0].participants, { ...CASES[0].participants[1], uuid: "e0f1a2b3-c4d5-4e6f-8a7b-9c0d1e2f3a99" }] }));
    expect(warnings(two.issues).filter((i) => i.code === "CS_NOT_CARRIED")).toHaveLength(1);
    expect(warnings(two.issues)[0]?.message).toMatch(/^2 non-client participants/);
  });

  it("reads a completed status, no type, no value, and a client without e-mail as a warning", () => {
    const second = decode(CASES[1]);
    expect(second.case.status).toEqual({ closed: true, statusName: "Completed" });
    expect(second.case.type).toBeNull();
    expect(second.case.value).toBeNull();
    expect(second.case.reviewAt).toBeNull();
    expect(second.case.customFields).toEqual({});
    expect(second.case.participants).toEqual(["oliver.jones.1@client.example"]);
    expect(second.stamp).toBeNull();
    expect(warnings(second.issues)).toEqual([expect.objectContaining({ code: "CS_UNMAPPED", field: "participants" })]);
    expect((second.carry as PlannrCarry).clientIds).toEqual([client("Oliver"), client("Nora")].sort());
  });

  it("takes review_at as a calendar date in the mapping's zone, and joint clients as one key", () => {
    const third = decode(CASES[2]);
    // 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    expect(third.case.reviewAt).toBe("2025-07-01");
    expect(third.case.value).toBe(99);
    expect(third.case.participants).toEqual(["the.joneses@client.example"]);
    expect(third.case.assignees).toEqual(["hannah.administrator@firm.example"]);
    const utc = decode(CASES[2], codecContext({ timeZone: "UTC" }));
    expect(utc.case.reviewAt).toBe("2025-06-30");
  });

  it("ignores custom fields the mapping does not carry (direction none)", () => {
    const context = codecContext({
      customFields: [{ key: "drink", plannr: "favourite_drink", onlyoffice: 1, type: "select", direction: "none" }],
    });
    expect(decode(CASES[0], context).case.customFields).toEqual({});
  });
});

describe("decode: the seeds' example payloads (generated-docs artefacts tolerated)", () => {
  it("seed 003 (GET a case): bare resource, single-object participants, {example} money", () => {
    const record = decode(fixture("seed-003-get-case.json"));
    expect(record.case).toEqual({
      title: "finance",
      status: { closed: false, statusName: "To Be Reviewed" },
      participants: ["gareth@codepotato.co.uk"],
      assignees: ["priya.adviser@firm.example"],
      customFields: { drink: "Coffee" },
      value: 4000,
      reviewAt: "2025-06-26",
      type: "Mortgage Plan",
      groups: ["65cf79b5-5d97-4553-aeef-db48850281bf"],
      createdAt: "2025-06-26T10:37:05.000Z",
    });
    expect(errors(record.issues)).toEqual([]);
  });

  it("seed 001 (PUT answer): status without is_type_completed is looked up in the status list", () => {
    const record = decode(fixture("seed-001-update-response.json"));
    // The seed's answer has no review_at, assigned_to_uuids or group_uuids: unknown, not cleared.
    expect(errors(record.issues).map((i) => `${i.field} ${i.code}`).sort()).toEqual(["assignees CS_INCOMPLETE", "groups CS_INCOMPLETE", "reviewAt CS_INCOMPLETE"]);
    // The fixture list marks 97c43d65 completed; the case's own status name is kept.
    expect(record.case.status).toEqual({ closed: true, statusName: "To Be Reviewed" });
    // Not in the client list: keyed by the embedded e-mail (primary_email is a class-name artefact).
    expect(record.case.participants).toEqual(["gareth@codepotato.co.uk"]);
    expect(record.case.assignees).toEqual([]);
    expect(record.case.reviewAt).toBeNull();
    expect(record.case.value).toBe(4000);
  });

  it("seed 002 (POST answer): an unknown assignee is a warning, never an error", () => {
    const record = decode(fixture("seed-002-create-response.json"));
    expect(record.case.title).toBe("finance");
    expect(record.case.status).toEqual({ closed: false, statusName: "To Be Reviewed" });
    expect(record.case.assignees).toEqual([]);
    expect(record.case.participants).toEqual(["gareth@codepotato.co.uk"]);
    expect(errors(record.issues)).toEqual([]);
    expect(warnings(record.issues)).toEqual([expect.objectContaining({ code: "CS_UNMAPPED", field: "assignees" })]);
  });

  it("seed 000 (money): amount and currency given as {example, description}", () => {
    expect(readMoney(fixture("seed-000-money.json"), "GBP")).toEqual({ ok: true, value: 4000 });
    expect(readMoney({ amount: 1234, currency: "GBP" }, "GBP")).toEqual({ ok: true, value: 1234 });
    expect(readMoney(null, "GBP")).toEqual({ ok: true, value: null });
  });
});

describe("decode: normalization", () => {
  it("trims, lower-cases e-mails and sorts sets", () => {
    const raw = variant({
      name: "  Spaced   title \r\n",
      assigned_to_uuids: [employee("Tom"), employee("Priya"), employee("Tom")],
      group_uuids: ["b-group", " a-group "],
      participants: [
        { uuid: "99999999-0000-4000-8000-000000000001", type: "client", role: "client", email: "  Zoe@Example.COM ", primary_email: "App\\Http\\Resources\\ContactDetailResource" },
        ...CASES[0].participants,
      ],
    });
    const record = decode(withCustom(raw, "notes", "  trailing spaces  "));
    expect(record.case.title).toBe("Spaced   title");
    expect(record.case.participants).toEqual(["amelia.smith.0@client.example", "max.mixedcase@client.example", "zoe@example.com"]);
    expect(record.case.assignees).toEqual(["priya.adviser@firm.example", "tom.paraplanner@firm.example"]);
    expect(record.case.groups).toEqual(["a-group", "b-group"]);
    expect(record.case.customFields.notes).toBe("trailing spaces");
  });

  it("reads primary_email objects ({value}, {email}, {data:{email}}) and falls back to email", () => {
    const reference = ctx.catalog.toReference();
    const keyOf = (first: string) => reference.people.find((p) => p.firstName === first)?.key;
    expect(keyOf("Gareth")).toBe("gareth@codepotato.co.uk");
    expect(keyOf("Oliver")).toBe("oliver.jones.1@client.example");
    expect(keyOf("Sam")).toBe("the.joneses@client.example");
    expect(keyOf("Isla")).toBe("isla.taylor.2@client.example");
    expect(keyOf("Nora")).toBeNull();
    expect(reference.people.every((p) => p.kind === "person")).toBe(true);
    expect(reference.staff.find((s) => s.name === "Tom Paraplanner")?.key).toBe("tom.paraplanner@firm.example");
    expect(reference.integrationUser).toBeNull();
    expect(reference.customFields.find((f) => f.key === "favourite_drink")?.options).toEqual(["Coffee", "Tea", "Water"]);
    expect(reference.statuses.map((s) => s.name)).toContain("Completed");
  });

  it("uses an override key for a client the mapping pairs explicitly", () => {
    const context = codecContext({ people: { overrides: [{ plannr: client("Amelia"), onlyoffice: 101 }] } });
    expect(decode(CASES[0], context).case.participants).toEqual(["max.mixedcase@client.example", `plannr:${client("Amelia")}`]);
  });

  it("versions on write-relevant content only", () => {
    const base = decode(CASES[0]).version;
    expect(decode(variant({ updated_at: "2030-01-01T00:00:00+00:00" })).version).toBe(base);
    expect(decode(variant({ name: "Renamed" })).version).not.toBe(base);
    expect(decode(variant({ assigned_to_uuids: [employee("Priya")] })).version).not.toBe(base);
    expect(decode(withCustom(CASES[0], "risk_score", 8)).version).not.toBe(base);
  });
});

describe("decode: a group that cannot be read is an error issue and keeps its default", () => {
  const cases: [string, Raw, FieldGroup, (c: Case) => unknown, unknown][] = [
    ["money with decimals", variant({ value: { amount: "12.50", currency: "GBP" } }), "value", (c) => c.value, null],
    ["money that is not a number", variant({ value: { amount: "lots" } }), "value", (c) => c.value, null],
    ["another currency", variant({ value: { amount: "4000", currency: "USD", formatted: "$40.00" } }), "value", (c) => c.value, null],
    ["an unreadable review date", variant({ review_at: "next tuesday" }), "reviewAt", (c) => c.reviewAt, null],
    ["an unknown status uuid", variant({ status: { uuid: "00000000-0000-4000-8000-00000000dead", name: "Ghost", is_type_completed: true } }), "status", (c) => c.status, { closed: false, statusName: null }],
    ["a number field holding text", withCustom(CASES[0], "risk_score", "high"), customGroup("risk"), (c) => c.customFields.risk, undefined],
    ["a checkbox holding text", withCustom(CASES[0], "vulnerable_client", "maybe"), customGroup("vulnerable"), (c) => c.customFields.vulnerable, undefined],
    ["a date field holding text", withCustom(CASES[0], "next_meeting", "soon"), customGroup("nextMeeting"), (c) => c.customFields.nextMeeting, undefined],
  ];
  for (const [what, raw, group, read, expected] of cases) {
    it(what, () => {
      const record = decode(raw);
      expect(fieldsOf(errors(record.issues))).toEqual([group]);
      expect(errors(record.issues)[0]).toMatchObject({ side: "plannr", record: raw.uuid, code: "CS_VALIDATION" });
      expect(read(record.case)).toEqual(expected);
      // The rest of the record still decodes.
      expect(record.case.title).toBe(raw.name);
    });
  }
});

describe("decode: missing is not empty (issue 8 item 5)", () => {
  /** A copy of the first fixture case without some keys (as an answer without an include reads). */
  function without(...keys: string[]): Raw {
    const copy = structuredClone(CASES[0]);
    for (const key of keys) delete copy[key];
    return copy;
  }
  const incomplete = (record: CaseRecord) => errors(record.issues).filter((i) => i.code === "CS_INCOMPLETE");

  const absent: [string, FieldGroup[]][] = [
    ["participants", ["participants"]],
    ["custom_fields", CUSTOM_GROUPS],
    ["value", ["value"]],
    ["review_at", ["reviewAt"]],
    ["assigned_to_uuids", ["assignees"]],
    ["group_uuids", ["groups"]],
    ["type", ["type"]],
  ];
  for (const [key, groups] of absent) {
    it(`an answer without ${key} freezes ${groups.length === 1 ? groups[0] : "every mapped custom field"}, never reads as cleared`, () => {
      const record = decode(without(key));
      expect(errors(record.issues)).toEqual(
        groups.map((field) => ({ severity: "error", side: "plannr", record: CASES[0].uuid, field, code: "CS_INCOMPLETE", message: `the Plannr case answer lacked ${key}; left as it is this run` })),
      );
      // Everything else still decodes as the full answer does.
      const full = decode(CASES[0]).case;
      for (const group of ["title", "status", "participants", "assignees", "value", "reviewAt", "type", "groups", ...CUSTOM_GROUPS] as FieldGroup[]) {
        if (!groups.includes(group)) expect(groupValue(record.case, group), group).toEqual(groupValue(full, group));
      }
    });
  }

  it("a list answer without include=participants,custom_fields: both frozen, one issue per group", () => {
    const record = decode(without("participants", "custom_fields"));
    expect(fieldsOf(incomplete(record))).toEqual(["participants", ...CUSTOM_GROUPS]);
  });

  const empty: [string, unknown, (c: Case) => unknown, unknown][] = [
    ["participants", [], (c) => c.participants, []],
    ["custom_fields", [], (c) => c.customFields, {}],
    ["value", null, (c) => c.value, null],
    ["review_at", null, (c) => c.reviewAt, null],
    ["assigned_to_uuids", [], (c) => c.assignees, []],
    ["group_uuids", [], (c) => c.groups, []],
    ["type", null, (c) => c.type, null],
  ];
  for (const [key, value, read, expected] of empty) {
    it(`${key} present and empty reads as cleared, with no issue`, () => {
      const record = decode(variant({ [key]: value }));
      expect(read(record.case)).toEqual(expected);
      expect(errors(record.issues)).toEqual([]);
    });
  }

  it("only groups the mapping carries are frozen", () => {
    const narrow = codecContext({
      access: "preserve",
      fields: { participants: "none", value: { direction: "none", onlyofficeField: 9 }, reviewAt: { onlyofficeField: null }, type: { onlyofficeField: null }, groups: { direction: "none" } },
      customFields: [{ key: "drink", plannr: "favourite_drink", onlyoffice: 1, type: "select", direction: "none" }],
    });
    const record = decode(without("participants", "custom_fields", "value", "review_at", "assigned_to_uuids", "group_uuids", "type"), narrow);
    expect(incomplete(record)).toEqual([]);
  });

  it("an absent key versions differently from a present null (a re-read lacking it never looks unchanged)", () => {
    const cleared = decode(variant({ review_at: null, value: null }));
    expect(decode(without("review_at", "value")).version).not.toBe(cleared.version);
    expect(decode(without("custom_fields")).version).not.toBe(decode(variant({ custom_fields: [] })).version);
  });
});

describe("encode: round trip native → canonical → native", () => {
  const native = CASES[0];
  const record = decode(native);
  const blank = decode({ uuid: native.uuid, name: "x", status: { uuid: status("New") }, type: { uuid: MORTGAGE, name: "Mortgage Plan" }, participants: [], custom_fields: [] });
  const changes: ChangeSet = {
    set: ["title", "status", "value", "reviewAt", "type", "groups", ...CUSTOM_GROUPS],
    participants: { add: record.case.participants, remove: [] },
    assignees: { add: record.case.assignees, remove: [] },
  };
  const result = update(blank, record.case, changes);

  it("writes every carried field back as Plannr held it", () => {
    expect(errors(result.issues)).toEqual([]);
    const [put, post] = result.ops;
    expect(result.ops).toHaveLength(2);
    expect(put).toMatchObject({ side: "plannr", record: native.uuid, kind: "case.update", method: "PUT", path: `/api/v1/cases/${native.uuid}` });
    const body = put?.body as Record<string, Raw>;
    expect(body.name).toBe(native.name);
    expect(body.status).toBe(native.status.uuid);
    expect(body.value).toBe(Number(native.value.amount));
    // Noon in the mapping's zone: 29 March 2026 is the day BST starts, 25 October the day it ends.
    expect(body.review_at).toBe("2026-03-29T12:00:00+01:00");
    expect([...body.assigned_to_uuids].sort()).toEqual([...native.assigned_to_uuids].sort());
    const nativeValues = Object.fromEntries(native.custom_fields.map((f: Raw) => [f.reference, f.value]));
    expect(body.custom_fields).toEqual({ ...nativeValues, next_meeting: "2026-10-25T12:00:00+00:00", onlyoffice_case_id: undefined });
    expect(Object.keys(body)).not.toContain("type");
    expect(Object.keys(body)).not.toContain("group_uuids");
    expect(Object.keys(body)).not.toContain("completed_at");
    expect(post).toMatchObject({ kind: "participants.add", method: "POST", path: `/api/v1/cases/${native.uuid}/participants`, groups: ["participants"] });
    expect([...(post?.body as Raw).participants].sort()).toEqual([client("Amelia"), client("Max")].sort());
  });

  it("reads back what it wrote", () => {
    const put = result.ops[0]?.body as Record<string, Raw>;
    const echoed = {
      ...native,
      name: put.name,
      value: { amount: String(put.value), currency: "GBP" },
      // Plannr stores what it is sent as a UK timestamp.
      review_at: normalizeTimestamp(put.review_at),
      custom_fields: native.custom_fields.map((f: Raw) => ({ ...f, value: f.reference in put.custom_fields ? put.custom_fields[f.reference] : f.value })),
    };
    expect(decode(echoed).case).toEqual(record.case);
  });

  it("writes nothing for type and groups alone (Plannr → ONLYOFFICE only)", () => {
    expect(update(record, { ...record.case, type: "Pension", groups: ["x"] }, { set: ["type", "groups"] }).ops).toEqual([]);
  });
});

describe("encode: values Plannr cannot hold are error issues; the rest of the record still goes", () => {
  const record = decode(CASES[0]);
  const target = (changes: Partial<Case>, custom: Record<string, unknown> = {}): Case => ({
    ...record.case,
    ...changes,
    customFields: { ...record.case.customFields, ...custom } as Case["customFields"],
  });

  it("a title over 255 characters", () => {
    const result = update(record, target({ title: "x".repeat(256), value: 1 }), { set: ["title", "value"] });
    expect(fieldsOf(errors(result.issues))).toEqual(["title"]);
    expect(result.ops[0]?.body).toEqual({ value: 1 });
    expect(result.ops[0]?.groups).toEqual(["value"]);
  });

  it("a longtext value over 65,535 characters: an error for that field, the title still goes (issue 8 item 8)", () => {
    const note = "n".repeat(70_000);
    const result = update(record, target({ title: "Renamed" }, { notes: note }), { set: ["title", customGroup("notes")] });
    expect(errors(result.issues)).toEqual([
      expect.objectContaining({ severity: "error", side: "plannr", record: record.id, field: "custom:notes", code: "CS_VALIDATION", message: expect.stringMatching(/70000 characters.*notes \(longtext\) holds at most 65535/) }),
    ]);
    expect(result.ops).toHaveLength(1);
    expect(result.ops[0]).toMatchObject({ kind: "case.update", groups: ["title"], body: { name: "Renamed" } });
  });

  it("a longtext value at the limit goes, counted in characters as Plannr counts them (after trimming, code points)", () => {
    const atLimit = update(record, target({}, { notes: "n".repeat(65_535) }), { set: [customGroup("notes")] });
    expect(errors(atLimit.issues)).toEqual([]);
    const wide = update(record, target({}, { notes: "\u{1F3E1}".repeat(65_535) }), { set: [customGroup("notes")] });
    expect(errors(wide.issues)).toEqual([]);
    const over = update(record, target({}, { notes: `${"\u{1F3E1}".repeat(65_535)}x` }), { set: [customGroup("notes")] });
    expect(fieldsOf(errors(over.issues))).toEqual(["custom:notes"]);
    expect(over.ops).toEqual([]);
  });

  it("a string field over 255 characters, in an update and in a create's PUT", () => {
    const result = update(record, target({}, { lender: "l".repeat(256), notes: "ok" }), { set: [customGroup("lender"), customGroup("notes")] });
    expect(fieldsOf(errors(result.issues))).toEqual(["custom:lender"]);
    expect(result.ops[0]?.body).toEqual({ custom_fields: { notes: "ok" } });
    const created = encodeCreate(target({}, { notes: "n".repeat(65_536), drink: "Tea" }), { stamp: null }, ctx);
    expect(fieldsOf(errors(created.issues))).toContain("custom:notes");
    expect((created.ops[1]?.body as Raw).custom_fields).not.toHaveProperty("notes");
    expect((created.ops[1]?.body as Raw).custom_fields).toHaveProperty("favourite_drink", "Tea");
  });

  it("a select option the Plannr field lacks", () => {
    const result = update(record, target({}, { drink: "Juice", risk: 3 }), { set: [customGroup("drink"), customGroup("risk")] });
    expect(fieldsOf(errors(result.issues))).toEqual(["custom:drink"]);
    expect(result.ops[0]?.body).toEqual({ custom_fields: { risk_score: 3 } });
  });

  it("a number field given text", () => {
    const result = update(record, target({}, { risk: "seven" }), { set: [customGroup("risk")] });
    expect(fieldsOf(errors(result.issues))).toEqual(["custom:risk"]);
    expect(result.ops).toEqual([]);
  });

  it("an unknown status name", () => {
    const result = update(record, target({ status: { closed: false, statusName: "Archived" } }), { set: ["status"] });
    expect(fieldsOf(errors(result.issues))).toEqual(["status"]);
    expect(result.ops).toEqual([]);
  });

  it("a status given only as the closed flag takes the default completed status", () => {
    const result = update(record, target({ status: { closed: true, statusName: null } }), { set: ["status"] });
    expect(result.ops[0]?.body).toEqual({ status: status("Reviewed") });
  });

  it("a conditional field on a case of another type", () => {
    const pension = decode(variant({ type: { uuid: "11111111-1111-4111-8111-111111111111", name: "Pension" } }));
    const result = update(pension, target({}, { lender: "Halifax", notes: "ok" }), { set: [customGroup("lender"), customGroup("notes")] });
    expect(fieldsOf(errors(result.issues))).toEqual(["custom:lender"]);
    expect(errors(result.issues)[0]?.message).toMatch(/applies only to cases with type/);
    expect(result.ops[0]?.body).toEqual({ custom_fields: { notes: "ok" } });
  });

  it("a conditional field is judged against the status this PUT sets", () => {
    const notYet = update(record, target({}, { completionNotes: "done" }), { set: [customGroup("completionNotes")] });
    expect(fieldsOf(errors(notYet.issues))).toEqual(["custom:completionNotes"]);
    const moving = update(record, target({ status: { closed: true, statusName: "Completed" } }, { completionNotes: "done" }), {
      set: ["status", customGroup("completionNotes")],
    });
    expect(errors(moving.issues)).toEqual([]);
    expect(moving.ops[0]?.body).toEqual({ status: status("Completed"), custom_fields: { completion_notes: "done" } });
  });

  it("null clears a field, even one whose conditions do not hold", () => {
    const pension = decode(variant({ type: null }));
    const cleared = { ...record.case.customFields };
    delete cleared.lender;
    delete cleared.notes;
    const result = update(pension, { ...record.case, customFields: cleared }, { set: [customGroup("lender"), customGroup("notes")] });
    expect(errors(result.issues)).toEqual([]);
    expect(result.ops[0]?.body).toEqual({ custom_fields: { lender: null, notes: null } });
  });
});

describe("encode: the case PUT is re-read first (issue 8 item 17)", () => {
  const record = decode(CASES[0]);

  it("marks the case.update PUT rereadFirst; participant ops and a create's PUT are not", () => {
    const result = update(record, { ...record.case, title: "Renamed" }, { set: ["title"], participants: { add: ["isla.taylor.2@client.example"], remove: [] } });
    expect(result.ops.map((o) => [o.kind, o.rereadFirst ?? false])).toEqual([
      ["case.update", true],
      ["participants.add", false],
    ]);
    const created = encodeCreate(record.case, { stamp: null }, ctx);
    expect(created.ops.map((o) => o.rereadFirst ?? false)).toEqual([false, false]);
  });
});

describe("refusals: a 422 naming fields → the same PUT without them (issue 8 item 8)", () => {
  const id = CASES[0].uuid as string;
  const path = `/api/v1/cases/${id}`;
  const put = (body: Raw, groups: FieldGroup[]) => ({ side: "plannr" as const, record: id, kind: "case.update", method: "PUT" as const, path, groups, body, summary: "update", rereadFirst: true });
  /** The error the transport builds from a Laravel 422 body. */
  const refusal = (errorsByKey: Record<string, string[]>) => {
    const all = Object.values(errorsByKey).flat();
    const message = all.length > 1 ? `${all[0]} (and ${all.length - 1} more error${all.length > 2 ? "s" : ""})` : (all[0] ?? "invalid");
    return errorFromResponse(422, { message, errors: errorsByKey }, { side: "plannr", endpoint: "PUT /api/v1/cases/{uuid}", record: id, secrets: [] });
  };
  const NOTE_TOO_LONG = "The custom_fields.notes field must not be greater than 65535 characters.";

  it("reads every key and reason of the body out of the transport's error", () => {
    const error = refusal({ "custom_fields.notes": [NOTE_TOO_LONG], name: ["The name field is required.", "Another: reason."] });
    expect(refusalsOf(error)).toEqual([
      { key: "custom_fields.notes", reason: NOTE_TOO_LONG },
      { key: "name", reason: "The name field is required. Another: reason." },
    ]);
    expect(refusalsOf(errorFromResponse(500, { message: "Server Error" }, { side: "plannr", endpoint: "PUT /x", secrets: [] }))).toEqual([]);
  });

  it("drops the refused custom field, keeps the rest, and names the canonical group with Plannr's reason", () => {
    const op = put({ name: "Renamed", status: "s-1", custom_fields: { notes: "n", favourite_drink: "Tea" } }, ["title", "status", customGroup("notes"), customGroup("drink")]);
    const result = withoutRefused(op, refusalsOf(refusal({ "custom_fields.notes": [NOTE_TOO_LONG] })), ctx.mapping, id);
    expect(result?.op).toMatchObject({ kind: "case.update", method: "PUT", path, rereadFirst: true, groups: ["title", "status", "custom:drink"], body: { name: "Renamed", status: "s-1", custom_fields: { favourite_drink: "Tea" } } });
    expect(result?.refused).toEqual([
      { severity: "error", side: "plannr", record: id, field: "custom:notes", code: "CS_VALIDATION", message: expect.stringContaining(JSON.stringify(NOTE_TOO_LONG)) },
    ]);
    // The planned op is left as it was (plans print what was planned).
    expect(op.body.custom_fields).toHaveProperty("notes");
  });

  it("maps every key Plannr can name: name, status, value, review_at, assigned_to_uuids.N, custom_fields.N, custom_fields", () => {
    const body = { name: "x", status: "s", value: 1, review_at: "2026-01-01T12:00:00+00:00", assigned_to_uuids: ["a", "b"], custom_fields: { favourite_drink: "Juice", notes: "n" } };
    const op = put(body, ["title", "status", "value", "reviewAt", "assignees", customGroup("drink"), customGroup("notes")]);
    const refusedBy = (key: string) => withoutRefused(op, [{ key, reason: "no" }], ctx.mapping, id)?.refused.map((i) => i.field);
    expect(refusedBy("name")).toEqual(["title"]);
    expect(refusedBy("status")).toEqual(["status"]);
    expect(refusedBy("value")).toEqual(["value"]);
    expect(refusedBy("review_at")).toEqual(["reviewAt"]);
    expect(refusedBy("assigned_to_uuids.1")).toEqual(["assignees"]);
    expect(refusedBy("custom_fields.favourite_drink")).toEqual(["custom:drink"]);
    expect(refusedBy("custom_fields.1")).toEqual(["custom:notes"]);
    expect(refusedBy("custom_fields.notes.0")).toEqual(["custom:notes"]);
    expect(refusedBy("custom_fields")).toEqual(["custom:drink", "custom:notes"]);
    expect(groupOfNativeField("custom_fields.favourite_drink", ctx.mapping)).toBe("custom:drink");
    expect(groupOfNativeField("participants.0", ctx.mapping)).toBe("participants");
  });

  it("null when no named key is something the PUT sent (sending it again cannot help); op null when nothing is left", () => {
    const op = put({ name: "x", custom_fields: { notes: "n" } }, ["title", customGroup("notes")]);
    expect(withoutRefused(op, [{ key: "participants", reason: "no" }], ctx.mapping, id)).toBeNull();
    expect(withoutRefused(op, [{ key: "custom_fields.lender", reason: "no" }], ctx.mapping, id)).toBeNull();
    const all = withoutRefused(op, [{ key: "name", reason: "a" }, { key: "custom_fields.notes", reason: "b" }], ctx.mapping, id);
    expect(all?.op).toBeNull();
    expect(all?.refused.map((i) => i.field)).toEqual(["title", "custom:notes"]);
  });
});

describe("encode: participants and assignees apply deltas to the native sets", () => {
  const first = decode(CASES[0]);
  const second = decode(CASES[1]);
  const joint = decode(CASES[2]);

  it("adds go before removes, and non-clients are never touched", () => {
    const result = update(first, first.case, { set: [], participants: { add: ["isla.taylor.2@client.example"], remove: ["amelia.smith.0@client.example"] } });
    expect(result.ops.map((o) => `${o.method} ${o.kind}`)).toEqual(["POST participants.add", "DELETE participants.remove"]);
    expect(result.ops[0]?.body).toEqual({ participants: [client("Isla")] });
    expect(result.ops[1]?.body).toEqual({ participants: [client("Amelia")] });
    expect(result.issues).toEqual([]);
  });

  it("removing the last client is refused (adds still go)", () => {
    const removeAll = { add: [], remove: ["amelia.smith.0@client.example", "max.mixedcase@client.example"] };
    const refused = update(first, first.case, { set: [], participants: removeAll });
    expect(refused.ops).toEqual([]);
    expect(errors(refused.issues)).toEqual([expect.objectContaining({ field: "participants", code: "CS_VALIDATION" })]);
    const replaced = update(first, first.case, { set: [], participants: { ...removeAll, add: ["isla.taylor.2@client.example"] } });
    expect(errors(replaced.issues)).toEqual([]);
    expect(replaced.ops.map((o) => o.kind)).toEqual(["participants.add", "participants.remove"]);
  });

  it("a client without e-mail still counts as a remaining client", () => {
    const result = update(second, second.case, { set: [], participants: { add: [], remove: ["oliver.jones.1@client.example"] } });
    expect(errors(result.issues)).toEqual([]);
    expect(result.ops[0]?.body).toEqual({ participants: [client("Oliver")] });
  });

  it("a key shared by joint clients is ambiguous: reported, never written", () => {
    const add = update(first, first.case, { set: [], participants: { add: ["the.joneses@client.example"], remove: [] } });
    expect(add.ops).toEqual([]);
    expect(warnings(add.issues)).toEqual([expect.objectContaining({ code: "CS_AMBIGUOUS", field: "participants" })]);
    const remove = update(joint, joint.case, { set: [], participants: { add: [], remove: ["the.joneses@client.example"] } });
    expect(remove.ops).toEqual([]);
    expect(warnings(remove.issues)).toEqual([expect.objectContaining({ code: "CS_AMBIGUOUS" })]);
  });

  it("an unknown person key is a warning", () => {
    const result = update(first, first.case, { set: [], participants: { add: ["stranger@nowhere.example"], remove: [] } });
    expect(result.ops).toEqual([]);
    expect(warnings(result.issues)).toEqual([expect.objectContaining({ code: "CS_UNMAPPED" })]);
  });

  it("assignees: carry's list + adds − removes, unknown staff untouched, unresolvable keys skipped", () => {
    const stranger = "55555555-5555-4555-8555-555555555555";
    const record = decode(variant({ assigned_to_uuids: [stranger, employee("Tom")] }));
    expect(warnings(record.issues)).toContainEqual(expect.objectContaining({ field: "assignees", code: "CS_UNMAPPED" }));
    const result = update(record, record.case, {
      set: [],
      assignees: { add: ["hannah.administrator@firm.example", "nobody@firm.example"], remove: ["tom.paraplanner@firm.example"] },
    });
    expect(result.ops).toHaveLength(1);
    expect(result.ops[0]).toMatchObject({ method: "PUT", groups: ["assignees"], body: { assigned_to_uuids: [stranger, employee("Hannah")] } });
    expect(warnings(result.issues)).toEqual([expect.objectContaining({ field: "assignees", code: "CS_UNMAPPED" })]);
  });

  it("no write when the assignee delta changes nothing native", () => {
    const result = update(first, first.case, { set: [], assignees: { add: ["priya.adviser@firm.example"], remove: [] } });
    expect(result.ops).toEqual([]);
  });

  it("a set group named in `set` is written as the difference from the record", () => {
    const target = { ...first.case, assignees: ["hannah.administrator@firm.example"] };
    const result = update(first, target, { set: ["assignees"] });
    expect(result.ops[0]?.body).toEqual({ assigned_to_uuids: [employee("Hannah")] });
  });
});

describe("encode: creates", () => {
  const source = decode(CASES[0]).case;

  it("POSTs the case without custom fields, then one PUT with them (and no link stamp, even when given one)", () => {
    const preview = encodeCreate(source, { stamp: "2042" }, ctx);
    expect(preview.ops.map((o) => `${o.method} ${o.path}`)).toEqual(["POST /api/v1/cases", `PUT ${CREATED_CASE_PATH}`]);
    const [create, put] = preview.ops;
    expect(create).toMatchObject({ record: null, kind: "case.create" });
    expect(create?.body).toEqual({
      name: source.title,
      participants: [client("Amelia"), client("Max")],
      assigned_to_uuids: [employee("Priya"), employee("Tom")],
      status: status("In Progress"),
      review_at: "2026-03-29T12:00:00+01:00",
      value: 150050,
    });
    expect(create?.body).not.toHaveProperty("custom_fields");
    // The new case has no type, so the type-conditional field cannot apply: reported, left out.
    expect(put?.body).toEqual({
      custom_fields: { favourite_drink: "Tea", risk_score: 7, vulnerable_client: true, next_meeting: "2026-10-25T12:00:00+00:00", notes: "Prefers early meetings." },
    });
    expect(fieldsOf(errors(preview.issues))).toEqual(["custom:lender"]);
  });

  it("one request only when there is nothing the create cannot carry", () => {
    const preview = encodeCreate({ ...source, customFields: {} }, { stamp: null }, ctx);
    expect(preview.ops).toHaveLength(1);
  });

  it("falls back to the mapping's defaultClient, else refuses naming participants", () => {
    const nobody = { ...source, participants: ["stranger@nowhere.example"] };
    let thrown: unknown;
    try {
      encodeCreate(nobody, { stamp: null }, ctx);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CaseSyncError);
    expect(thrown).toMatchObject({ code: "CS_VALIDATION", field: "participants" });
    const withDefault = codecContext({ people: { defaultClient: client("Isla") } });
    const preview = encodeCreate(nobody, { stamp: null }, withDefault);
    expect((preview.ops[0]?.body as Raw).participants).toEqual([client("Isla")]);
    expect(warnings(preview.issues).map((i) => i.field)).toContain("participants");
  });

  it("refuses a title Plannr cannot hold", () => {
    expect(() => encodeCreate({ ...source, title: "y".repeat(300) }, { stamp: null }, ctx)).toThrow(expect.objectContaining({ code: "CS_VALIDATION", field: "title" }));
  });

  it("leaves out groups whose direction never writes Plannr", () => {
    const oneWay = codecContext({ fields: { status: { direction: "plannr-to-onlyoffice" }, value: { direction: "plannr-to-onlyoffice", onlyofficeField: 9 } } });
    const body = encodeCreate(source, { stamp: null }, oneWay).ops[0]?.body as Record<string, unknown>;
    expect(body).not.toHaveProperty("status");
    expect(body).not.toHaveProperty("value");
    expect(body).toHaveProperty("review_at");
  });
});

describe("dates written to Plannr: noon in the mapping's zone", () => {
  it("carries the zone's own offset on that day", () => {
    expect(plannrNoon("2026-04-09", "Europe/London")).toBe("2026-04-09T12:00:00+01:00");
    expect(plannrNoon("2026-01-09", "Europe/London")).toBe("2026-01-09T12:00:00+00:00");
    expect(plannrNoon("2026-04-09", "America/New_York")).toBe("2026-04-09T12:00:00-04:00");
    expect(plannrNoon("2026-01-09", "America/New_York")).toBe("2026-01-09T12:00:00-05:00");
    expect(plannrNoon("2026-04-09", "Pacific/Auckland")).toBe("2026-04-09T12:00:00+12:00");
    expect(plannrNoon("2026-01-09", "Pacific/Auckland")).toBe("2026-01-09T12:00:00+13:00");
    expect(plannrNoon("2026-04-09", "Asia/Kolkata")).toBe("2026-04-09T12:00:00+05:30");
    expect(plannrNoon("2026-04-09", "UTC")).toBe("2026-04-09T12:00:00+00:00");
    expect(zoneOffsetMinutes(Date.UTC(2026, 6, 1), "America/Los_Angeles")).toBe(-420);
  });

  it("refuses what is not a calendar date", () => {
    expect(() => plannrNoon("2026-02-30", "Europe/London")).toThrow(RangeError);
    expect(() => plannrNoon("2026-04-09T00:00:00Z", "Europe/London")).toThrow(RangeError);
  });

  it("reads back as the same date once Plannr re-prints it in UK time, every day of a year, in zones east and west", () => {
    const zones = ["Europe/London", "America/New_York", "America/Los_Angeles", "Pacific/Auckland", "Asia/Tokyo", "Pacific/Honolulu", "Pacific/Kiritimati"];
    for (const zone of zones) {
      for (let day = 0; day < 366; day += 1) {
        const date = new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
        const stored = normalizeTimestamp(plannrNoon(date, zone));
        expect(stored, `${date} in ${zone}`).not.toBeNull();
        expect(readPlannrDate(stored ?? "", zone), `${date} in ${zone}`).toBe(date);
      }
    }
  });

  it("a bare date would not: UK midnight is the previous day in New York (why noon is sent)", () => {
    expect(readPlannrDate(normalizeTimestamp("2026-04-09") ?? "", "America/New_York")).toBe("2026-04-08");
  });

  it("review_at and datetime custom fields are encoded as noon in the mapping's zone", () => {
    const newYork = codecContext({ timeZone: "America/New_York" });
    const record = decodeCase(nativeCase(CASES[0]), newYork);
    const target = { ...record.case, reviewAt: "2026-04-09", customFields: { ...record.case.customFields, nextMeeting: "2026-12-01" } };
    const result = encodeUpdate({ record, target, changes: { set: ["reviewAt", customGroup("nextMeeting")] } }, newYork);
    expect(result.ops[0]?.body).toEqual({ review_at: "2026-04-09T12:00:00-04:00", custom_fields: { next_meeting: "2026-12-01T12:00:00-05:00" } });
    const cleared = encodeUpdate({ record, target: { ...target, reviewAt: null }, changes: { set: ["reviewAt"] } }, newYork);
    expect(cleared.ops[0]?.body).toEqual({ review_at: null });
    const created = encodeCreate({ ...target, customFields: {} }, { stamp: null }, newYork);
    expect((created.ops[0]?.body as Raw).review_at).toBe("2026-04-09T12:00:00-04:00");
  });
});

describe("record ops: no link stamp, and the delete", () => {
  const id = CASES[0].uuid as string;

  it("Plannr carries no link stamp: asking for one is CS_CONFIG naming the record (issue 8 item 9)", () => {
    expect(() => encodeStamp(id)).toThrow(expect.objectContaining({ code: "CS_CONFIG", side: "plannr", record: id, message: expect.stringMatching(/ONLYOFFICE link field/) }));
  });

  it("the delete is DELETE /api/v1/cases/{uuid}, without a body", () => {
    expect(encodeDelete(id)).toEqual({
      side: "plannr",
      record: id,
      kind: "case.delete",
      method: "DELETE",
      path: `/api/v1/cases/${id}`,
      groups: [],
      body: undefined,
      summary: `delete Plannr case ${id}`,
    });
  });
});

describe("profile: the rate limiter's window", () => {
  it("runs longer than the server's by a latency allowance (5 %, at least 250 ms), at the same limit", () => {
    expect(plannrProfile(ctx.mapping).rateLimit).toMatchObject({ limit: 500, windowMs: 63_000, remainingHeader: "X-Ratelimit-Remaining", retryAfterHeader: "Retry-After" });
    expect(plannrProfile(ctx.mapping, { rateLimit: { limit: 20, windowMs: 1000 } }).rateLimit).toMatchObject({ limit: 20, windowMs: 1250 });
  });
});

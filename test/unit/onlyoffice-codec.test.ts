// ONLYOFFICE codec: native ⇄ canonical for every field of SPEC §2 the side carries, the reference
// catalog, normalization, and every record issue. Pure: no HTTP (fixtures under
// test/fixtures/onlyoffice are shaped like real payloads, plus the seed's generated-docs example).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { emptyCase, type Case, type FieldGroup } from "../../src/core/case.js";
import { CaseSyncError } from "../../src/core/errors.js";
import { MappingSchema, type Mapping, type MappingInput } from "../../src/core/mapping.js";
import type { CaseRecord, ChangeSet, PersonInfo, WriteOp } from "../../src/core/records.js";
import { OnlyofficeCatalog, type NativeLists } from "../../adapters/onlyoffice/catalog.js";
import { caseVersion, createdToUtc, decodeCase, type OnlyofficeCarry } from "../../adapters/onlyoffice/codec.js";
import {
  camelizeKeys,
  ContactSchema,
  FieldDefinitionSchema,
  NativeCaseSchema,
  PortalUserSchema,
  type NativeCase,
} from "../../adapters/onlyoffice/schemas.js";
import { encodeCreate, encodeDelete, encodeStamp, encodeUpdate } from "../../adapters/onlyoffice/writes.js";

const SAM = "6d2b8a10-0000-4000-8000-000000000001";
const ALICE = "6d2b8a10-0000-4000-8000-000000000002";
const NOMAIL = "6d2b8a10-0000-4000-8000-000000000003";
const BOB = "6d2b8a10-0000-4000-8000-000000000004";
const CAROL = "6d2b8a10-0000-4000-8000-000000000007";
const UNKNOWN = "6d2b8a10-0000-4000-8000-0000000000ff";
const OLIVE_PLANNR = "5a5a5a5a-1111-4222-8333-444455556666";
const CAROL_PLANNR = "0c0c0c0c-1111-4222-8333-444455556666";
const STAMP = "0e4f0c5e-7d43-4c1a-9a53-2c2f5b0c9d11";

function fixture(name: string): { status?: number; response: unknown } {
  return camelizeKeys(JSON.parse(readFileSync(new URL(`../fixtures/onlyoffice/${name}`, import.meta.url), "utf8"))) as { status?: number; response: unknown };
}

const list = (name: string): unknown[] => fixture(name).response as unknown[];

const BASE_MAPPING: MappingInput = {
  timeZone: "Europe/London",
  onlyoffice: { linkField: 13, datePattern: "dd/MM/yyyy", createdAtField: 14 },
  fields: {
    status: { onlyofficeField: 8 },
    value: { onlyofficeField: 9 },
    reviewAt: { onlyofficeField: 10 },
    type: { onlyofficeField: 11 },
    groups: { onlyofficeField: 12 },
  },
  customFields: [
    { key: "favourite_drink", plannr: "favourite_drink", onlyoffice: 1, type: "select", options: { Water: "Still water" } },
    { key: "risk_score", plannr: "risk_score", onlyoffice: 2, type: "number" },
    { key: "vulnerable_client", plannr: "vulnerable_client", onlyoffice: 3, type: "boolean" },
    { key: "next_meeting", plannr: "next_meeting", onlyoffice: 4, type: "date" },
    { key: "notes", plannr: "notes", onlyoffice: 5, type: "longtext" },
  ],
  statuses: { "Closed – Won": "Won", "Closed – Lost": "Lost" },
  people: { overrides: [{ plannr: OLIVE_PLANNR, onlyoffice: 105 }] },
  staff: { overrides: [{ plannr: CAROL_PLANNR, onlyoffice: CAROL }] },
};

function mappingWith(extra: Partial<MappingInput> = {}): Mapping {
  return MappingSchema.parse({ ...BASE_MAPPING, ...extra });
}

function lists(): NativeLists {
  return {
    definitions: list("field-definitions.json").map((d) => FieldDefinitionSchema.parse(d)),
    people: list("people.json").map((u) => PortalUserSchema.parse(u)),
    self: PortalUserSchema.parse(fixture("self.json").response),
    contacts: list("contacts.json").map((c) => ContactSchema.parse(c)),
  };
}

function setup(extra: Partial<MappingInput> = {}) {
  const mapping = mappingWith(extra);
  const catalog = new OnlyofficeCatalog(mapping, lists());
  return { mapping, catalog, ctx: { mapping, catalog } };
}

function nativeCase(id: number): NativeCase {
  const raw = (list("cases-page.json") as { id: number }[]).find((c) => c.id === id);
  return NativeCaseSchema.parse(raw);
}

const issueSummary = (record: { issues: { severity: string; field: string | null; code: string }[] }) =>
  record.issues.map((i) => `${i.severity} ${i.field} ${i.code}`).sort();

interface OpBody {
  title: string;
  isPrivate: boolean;
  accessList: string[];
  customFieldList: { key: number; value: string }[];
  members: number[];
  contactid: number;
}

// A minimal ONLYOFFICE in the test: applies write ops to a native case the way the server does
// (PUT skips empty values, never touches members here, close/reopen, per-field POST, member endpoints).
function applyOps(start: NativeCase, ops: WriteOp[], newContactId = 500): NativeCase {
  const next: NativeCase = structuredClone(start);
  for (const op of ops) {
    const body = op.body as OpBody;
    if (op.kind === "case.update" || op.kind === "case.create") {
      next.title = body.title;
      next.isPrivate = body.isPrivate && body.accessList.length > 0;
      next.accessList = next.isPrivate ? [...new Set([SAM, ...body.accessList])] : [];
      for (const { key, value } of body.customFieldList) {
        if (value === "") continue;
        next.customFields = next.customFields.filter((f) => f.id !== key);
        next.customFields.push({ id: key, fieldValue: value, fieldType: 0 });
      }
      if (op.kind === "case.create") next.members = body.members.map((id: number) => ({ id, isCompany: false }));
    } else if (op.kind === "case.close") next.isClosed = true;
    else if (op.kind === "case.reopen") next.isClosed = false;
    else if (op.kind === "field.clear") {
      const fieldId = Number(op.path.split("/").pop());
      next.customFields = next.customFields.filter((f) => f.id !== fieldId);
    } else if (op.kind === "members.add") {
      if (!next.members.some((m) => m.id === body.contactid)) next.members.push({ id: body.contactid, isCompany: false });
    } else if (op.kind === "members.remove") {
      const contactId = Number(op.path.split("/").pop());
      next.members = next.members.filter((m) => m.id !== contactId);
    } else if (op.kind === "contact.create") {
      next.members.push({ id: newContactId, isCompany: false });
    } else throw new Error(`unexpected op ${op.kind}`);
  }
  return next;
}

const ALL_GROUPS: FieldGroup[] = [
  "title",
  "status",
  "participants",
  "assignees",
  "value",
  "reviewAt",
  "type",
  "groups",
  "custom:favourite_drink",
  "custom:risk_score",
  "custom:vulnerable_client",
  "custom:next_meeting",
  "custom:notes",
];

function fullChanges(from: Case, to: Case): ChangeSet {
  const delta = (a: string[], b: string[]) => ({ add: b.filter((k) => !a.includes(k)), remove: a.filter((k) => !b.includes(k)) });
  return { set: ALL_GROUPS, participants: delta(from.participants, to.participants), assignees: delta(from.assignees, to.assignees) };
}

const withoutCreated = (c: Case): Case => ({ ...c, createdAt: null });

describe("reference catalog", () => {
  it("builds the canonical reference from the native lists", () => {
    const { catalog } = setup();
    const ref = catalog.reference();
    expect(ref.side).toBe("onlyoffice");
    expect(ref.statuses).toEqual([]);
    // Heading (type 4) is not a value field; an omitted fieldType is TextField (zero values are omitted).
    expect(ref.customFields.map((f) => f.id)).not.toContain("7");
    expect(ref.customFields.find((f) => f.id === "2")).toMatchObject({ nativeType: "TextField", options: null, label: "Risk score" });
    expect(ref.customFields.find((f) => f.id === "1")).toMatchObject({ nativeType: "SelectBox", options: ["Coffee", "Tea", "Still water"] });
    expect(ref.integrationUser).toMatchObject({ id: SAM, key: "sam.integration@firm.example", isAdmin: true });
    const staff = new Map(ref.staff.map((s) => [s.id, s]));
    expect(staff.get(ALICE)).toMatchObject({ key: "alice.adviser@firm.example", isAdmin: false });
    expect(staff.get(NOMAIL)?.key).toBeNull();
    expect(staff.get(BOB)?.isAdmin).toBe(true); // a CRM-only administrator (listAdminModules: ["crm"])
    expect(staff.get(CAROL)?.key).toBe(`plannr:${CAROL_PLANNR}`);
    const people = new Map(ref.people.map((p) => [p.id, p]));
    expect(people.get("101")).toMatchObject({ key: "jane.client@example.com", kind: "person", firstName: "Jane", lastName: "Client" });
    expect(people.get("102")?.key).toBe("jd-primary@example.com"); // primary e-mail first; "Email" as enum name accepted
    expect(people.get("103")).toMatchObject({ kind: "company", key: null });
    expect(people.get("104")).toMatchObject({ key: null, email: null });
    expect(people.get("105")?.key).toBe(`plannr:${OLIVE_PLANNR}`);
    expect(catalog.personKeys.isAmbiguous("joint@example.com")).toBe(true);
    expect(catalog.staffKeys.isAmbiguous("shared@firm.example")).toBe(true);
  });
});

describe("decodeCase", () => {
  it("decodes every carried field of a rich case, normalized", () => {
    const { ctx } = setup();
    const record = decodeCase(nativeCase(1001), ctx);
    expect(record).toMatchObject({ side: "onlyoffice", id: "1001", stamp: STAMP, updatedAt: null });
    expect(record.case).toEqual({
      title: "Pension review – Jane Client",
      status: { closed: true, statusName: "Closed – Won" },
      participants: ["jane.client@example.com", `plannr:${OLIVE_PLANNR}`],
      assignees: ["alice.adviser@firm.example", `plannr:${CAROL_PLANNR}`],
      customFields: { favourite_drink: "Water", next_meeting: "2026-12-31", notes: "Line one\nLine two", risk_score: 7, vulnerable_client: false },
      value: 123450,
      reviewAt: "2026-01-15",
      type: "Pension",
      groups: ["High value", "Retirement"],
      createdAt: "2024-06-15T08:30:00.000Z",
    });
    expect(Object.keys(record.case.customFields)).toEqual(["favourite_drink", "next_meeting", "notes", "risk_score", "vulnerable_client"]);
    expect(issueSummary(record)).toEqual(
      [
        "warning participants CS_NOT_CARRIED", // 103 company
        "warning participants CS_UNMAPPED", // 104 no e-mail
        "warning participants CS_AMBIGUOUS", // 106 joint e-mail
        "warning participants CS_UNMAPPED", // 999 hidden / unknown
        "warning assignees CS_UNMAPPED", // NOMAIL
        "warning assignees CS_UNMAPPED", // UNKNOWN guid
        "warning assignees CS_AMBIGUOUS", // shared e-mail
      ].sort(),
    );
    const carry = record.carry as OnlyofficeCarry;
    expect(carry.isPrivate).toBe(true);
    expect(carry.accessList).toEqual([SAM, ALICE.toUpperCase(), NOMAIL, UNKNOWN, CAROL, "6d2b8a10-0000-4000-8000-000000000005"]);
    expect(carry.memberIds).toEqual([101, 103, 104, 106, 105, 999]);
    // Only mapped fields are kept (20 is unmapped, 7 is a heading); the link field is kept for clears, never in customFields.
    expect(Object.keys(carry.fieldValues).sort()).toEqual(["1", "10", "11", "12", "13", "2", "3", "4", "5", "8", "9"]);
  });

  it("decodes a minimal public case whose zero values were omitted", () => {
    const { ctx } = setup();
    const record = decodeCase(nativeCase(1002), ctx);
    expect(record.case).toEqual({ ...emptyCase(), title: "Mortgage – John", participants: ["jd-primary@example.com"], createdAt: "2023-01-10T12:00:00.000Z" });
    expect(record.stamp).toBeNull();
    expect(record.issues).toEqual([]);
    expect(record.carry).toEqual({ title: "Mortgage – John", isPrivate: false, accessList: [], memberIds: [102], fieldValues: {} });
  });

  it("leaves undecodable groups out and reports each as an error naming the group", () => {
    const { ctx } = setup();
    const record = decodeCase(nativeCase(1003), ctx);
    expect(issueSummary(record)).toEqual(
      ["error value CS_VALIDATION", "error reviewAt CS_VALIDATION", "error custom:risk_score CS_VALIDATION", "error custom:vulnerable_client CS_VALIDATION", "error status CS_VALIDATION"].sort(),
    );
    expect(record.issues.every((i) => i.record === "1003" && i.side === "onlyoffice")).toBe(true);
    expect(record.case.value).toBeNull();
    expect(record.case.reviewAt).toBeNull();
    expect(record.case.customFields).toEqual({});
    expect(record.case.status).toEqual({ closed: false, statusName: null });
    // Access list as GUID strings (the API's own form) is read too; the integration user is ignored.
    expect(record.case.assignees).toEqual(["alice.adviser@firm.example"]);
  });

  it("tolerates the seed's generated-docs example (PascalCase, user objects in AccessList, 7-digit fractions)", () => {
    const raw = fixture("seed-update-case-response.json");
    expect(raw.status).toBe(0);
    const native = NativeCaseSchema.parse(raw.response);
    expect(native.accessList).toEqual(["00000000-0000-0000-0000-000000000000"]);
    const { ctx } = setup({ fields: { reviewAt: { onlyofficeField: 1234 } } });
    const record = decodeCase(native, ctx);
    expect(record.id).toBe("1234");
    expect(record.case.title).toBe("Exhibition organization");
    expect(record.case.createdAt).toBe("2020-12-08T17:37:04.573Z");
    expect(record.case.reviewAt).toBe("2020-12-08"); // an ISO timestamp in a Date field reads as its calendar date
    expect(record.case.participants).toEqual([]);
    expect(record.case.assignees).toEqual([]); // public case
    expect(issueSummary(record)).toEqual(["warning participants CS_UNMAPPED"]);
  });

  it("gives assignees [] in preserve mode, even for a private case", () => {
    const { ctx } = setup({ access: "preserve" });
    const record = decodeCase(nativeCase(1001), ctx);
    expect(record.case.assignees).toEqual([]);
    expect(record.issues.some((i) => i.field === "assignees")).toBe(false);
    expect((record.carry as OnlyofficeCarry).accessList).toHaveLength(6);
  });

  it("reads the status name as the text when no mapping renames it, and null when no status field is mapped", () => {
    const native = nativeCase(1002);
    native.customFields = [{ id: 8, fieldValue: " in PROGRESS ", fieldType: 2 }];
    expect(decodeCase(native, setup().ctx).case.status).toEqual({ closed: false, statusName: "in PROGRESS" });
    expect(decodeCase(native, setup({ fields: {} }).ctx).case.status).toEqual({ closed: false, statusName: null });
  });

  it("is order-insensitive: the same content has the same canonical case and version", () => {
    const { ctx } = setup();
    const a = nativeCase(1001);
    const b = structuredClone(a);
    b.members.reverse();
    b.accessList.reverse();
    b.customFields.reverse();
    const ra = decodeCase(a, ctx);
    const rb = decodeCase(b, ctx);
    expect(rb.case).toEqual(ra.case);
    expect(rb.version).toBe(ra.version);
    b.title = "Another title";
    expect(decodeCase(b, ctx).version).not.toBe(ra.version);
  });

  it("converts `created` with its portal offset and 7 fractional digits to UTC", () => {
    expect(createdToUtc("2024-01-15T10:00:00.1234567+02:00")).toBe("2024-01-15T08:00:00.123Z");
    expect(createdToUtc("2024-07-01T00:30:00.0000000+01:00")).toBe("2024-06-30T23:30:00.000Z");
    expect(createdToUtc("0001-01-01T00:00:00.0000000Z")).toBeNull();
    expect(createdToUtc(undefined)).toBeNull();
    expect(() => createdToUtc("yesterday")).toThrow(RangeError);
  });
});

describe("round trip native → canonical → native", () => {
  it("a create carries every field back to what reads as the same canonical case", () => {
    const { ctx } = setup();
    const source = decodeCase(nativeCase(1001), ctx);
    const preview = encodeCreate(source.case, { stamp: STAMP, createdAt: "2024-06-15T08:30:00.000Z" }, ctx);
    expect(preview.issues).toEqual([]);
    expect(preview.ops.map((op) => op.kind)).toEqual(["case.create", "case.close"]);
    const create = preview.ops[0]!;
    expect(create).toMatchObject({ method: "POST", path: "/api/2.0/crm/case", record: null });
    expect(create.body).toEqual({
      title: "Pension review – Jane Client",
      members: [101, 105],
      customFieldList: [
        { key: 8, value: "Won" },
        { key: 9, value: "1234.50" },
        { key: 10, value: "2026-01-15" },
        { key: 11, value: "Pension" },
        { key: 12, value: "High value, Retirement" },
        { key: 1, value: "Still water" },
        { key: 2, value: "7" },
        { key: 3, value: "false" },
        { key: 4, value: "2026-12-31" },
        { key: 5, value: "Line one\nLine two" },
        { key: 13, value: STAMP },
        { key: 14, value: "2024-06-15" },
      ],
      isPrivate: true,
      accessList: [ALICE, CAROL],
      isNotify: false,
    });
    const empty: NativeCase = { id: 2000, title: "", isClosed: false, isPrivate: false, accessList: [], members: [], customFields: [] };
    const written = decodeCase(applyOps(empty, preview.ops), ctx);
    expect(written.case).toEqual(withoutCreated(source.case));
    expect(written.stamp).toBe(STAMP);
  });

  it("an update from a minimal case to a rich one, and back, converges on the target", () => {
    const { ctx } = setup();
    const minimal = decodeCase(nativeCase(1002), ctx);
    const rich = decodeCase(nativeCase(1001), ctx);

    const up = encodeUpdate({ record: minimal, target: rich.case, changes: fullChanges(minimal.case, rich.case) }, ctx);
    expect(up.issues).toEqual([]);
    expect(up.ops.map((op) => op.kind)).toEqual(["case.update", "case.close", "members.add", "members.add", "members.remove"]);
    const upNative = applyOps(nativeCase(1002), up.ops);
    expect(withoutCreated(decodeCase(upNative, ctx).case)).toEqual(withoutCreated(rich.case));

    const back = encodeUpdate({ record: rich, target: minimal.case, changes: fullChanges(rich.case, minimal.case) }, ctx);
    expect(back.issues).toEqual([]);
    const kinds = back.ops.map((op) => op.kind);
    expect(kinds.filter((k) => k === "field.clear")).toHaveLength(10); // every mapped value, not the link field
    expect(kinds).toContain("case.reopen");
    // Members the canonical model does not carry (company, no e-mail, ambiguous, hidden) are never touched.
    expect(back.ops.filter((op) => op.kind === "members.remove").map((op) => op.path)).toEqual([
      "/api/2.0/crm/case/1001/contact/101",
      "/api/2.0/crm/case/1001/contact/105",
    ]);
    const backNative = applyOps(nativeCase(1001), back.ops);
    expect(backNative.members.map((m) => m.id).sort()).toEqual([102, 103, 104, 106, 999]);
    expect(withoutCreated(decodeCase(backNative, ctx).case)).toEqual(withoutCreated(minimal.case));
  });
});

describe("encodeUpdate", () => {
  const record = (id: number, extra: Partial<MappingInput> = {}): { rec: CaseRecord; ctx: ReturnType<typeof setup>["ctx"] } => {
    const { ctx } = setup(extra);
    return { rec: decodeCase(nativeCase(id), ctx), ctx };
  };

  it("every PUT resends title, isPrivate and accessList, sends isNotify false and never members", () => {
    const { rec, ctx } = record(1001);
    const target = { ...rec.case, title: "New title", value: 500 };
    const { ops, issues } = encodeUpdate({ record: rec, target, changes: { set: ["title", "value"] } }, ctx);
    expect(issues).toEqual([]);
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ kind: "case.update", method: "PUT", path: "/api/2.0/crm/case/1001", rereadFirst: true, groups: ["title", "value"], side: "onlyoffice", record: "1001" });
    expect(ops[0]!.body).toEqual({
      title: "New title",
      isPrivate: true,
      accessList: (rec.carry as OnlyofficeCarry).accessList,
      isNotify: false,
      customFieldList: [{ key: 9, value: "5.00" }],
    });
    expect(ops[0]!.body).not.toHaveProperty("members");
  });

  it("in preserve mode a PUT resends exactly the privacy last read", () => {
    const { rec, ctx } = record(1001, { access: "preserve" });
    const { ops } = encodeUpdate({ record: rec, target: { ...rec.case, title: "T" }, changes: { set: ["title"], assignees: { add: ["bob@firm.example"], remove: [] } } }, ctx);
    expect(ops).toHaveLength(1);
    expect(ops[0]!.body).toMatchObject({ isPrivate: true, accessList: (rec.carry as OnlyofficeCarry).accessList });
  });

  it("keeps the record's title exactly as read on a PUT the title group is not part of", () => {
    const { rec, ctx } = record(1001);
    // The portal stores titles raw: resending the trimmed canonical title would rewrite it.
    expect(rec.case.title).toBe("Pension review – Jane Client");
    const { ops } = encodeUpdate({ record: rec, target: { ...rec.case, title: "Not planned", type: "Mortgage", groups: ["Leeds"] }, changes: { set: ["type", "groups"] } }, ctx);
    expect(ops[0]!.body).toMatchObject({ title: "  Pension review – Jane Client  ", customFieldList: [{ key: 11, value: "Mortgage" }, { key: 12, value: "Leeds" }] });
    expect(ops[0]!.rereadFirst).toBe(true);
    // A carry from before the title was kept falls back to the canonical title.
    const { title: _title, ...olderCarry } = rec.carry as OnlyofficeCarry;
    const older = encodeUpdate({ record: { ...rec, carry: olderCarry }, target: { ...rec.case, type: "Mortgage", groups: ["Leeds"] }, changes: { set: ["type", "groups"] } }, ctx);
    expect(older.ops[0]!.body).toMatchObject({ title: "Pension review – Jane Client" });
  });

  it("sets a single changed field through the per-field endpoint: nothing else is resent, but it is re-read first like every op", () => {
    const { rec, ctx } = record(1001);
    const { ops } = encodeUpdate({ record: rec, target: { ...rec.case, type: "Mortgage" }, changes: { set: ["type"] } }, ctx);
    expect(ops).toEqual([expect.objectContaining({ kind: "field.set", method: "POST", path: "/api/2.0/crm/case/1001/customfield/11", body: { fieldValue: "Mortgage" }, groups: ["type"] })]);
    // The POST still overwrites a value a person may have changed since the snapshot (invariant 4).
    expect(ops[0]!.rereadFirst).toBe(true);
  });

  it("refuses a title over 255 characters without truncating, and still writes the other groups", () => {
    const { rec, ctx } = record(1002);
    const long = "x".repeat(256);
    const only = encodeUpdate({ record: rec, target: { ...rec.case, title: long }, changes: { set: ["title"] } }, ctx);
    expect(only.ops).toEqual([]);
    expect(only.issues).toEqual([expect.objectContaining({ severity: "error", field: "title", record: "1002", code: "CS_VALIDATION" })]);
    const both = encodeUpdate({ record: rec, target: { ...rec.case, title: long, type: "Pension" }, changes: { set: ["title", "type"] } }, ctx);
    expect(both.ops).toHaveLength(1);
    expect(both.ops[0]!.groups).toEqual(["type"]);
    expect(both.ops[0]!.body).toEqual({ fieldValue: "Pension" });
    // 255 characters counted as characters, not UTF-16 units.
    const emoji = "😀".repeat(255);
    expect(encodeUpdate({ record: rec, target: { ...rec.case, title: emoji }, changes: { set: ["title"] } }, ctx).issues).toEqual([]);
    expect(encodeUpdate({ record: rec, target: { ...rec.case, title: "" }, changes: { set: ["title"] } }, ctx).issues[0]?.field).toBe("title");
  });

  it("refuses a select option the portal's mask lacks, a non-number and an unknown status name", () => {
    const { rec, ctx } = record(1002);
    const target: Case = {
      ...rec.case,
      customFields: { favourite_drink: "Lemonade", risk_score: "high" },
      status: { closed: true, statusName: "Pending review" },
      type: "Pension",
    };
    const { ops, issues } = encodeUpdate(
      { record: rec, target, changes: { set: ["custom:favourite_drink", "custom:risk_score", "status", "type"] } },
      ctx,
    );
    expect(issues.map((i) => `${i.severity} ${i.field}`).sort()).toEqual(["error custom:favourite_drink", "error custom:risk_score", "error status"]);
    // The rest of the record still goes; the refused status group sends neither its field nor the close.
    expect(ops.map((op) => op.kind)).toEqual(["field.set"]);
    expect(ops[0]!.body).toEqual({ fieldValue: "Pension" });
  });

  it("maps select options and status names on the way out", () => {
    const { rec, ctx } = record(1002);
    const target: Case = { ...rec.case, customFields: { favourite_drink: "Water" }, status: { closed: false, statusName: "In progress" } };
    const { ops } = encodeUpdate({ record: rec, target, changes: { set: ["custom:favourite_drink", "status"] } }, ctx);
    expect(ops[0]!.body).toMatchObject({ customFieldList: [{ key: 8, value: "In progress" }, { key: 1, value: "Still water" }] });
    const won = encodeUpdate({ record: rec, target: { ...rec.case, status: { closed: true, statusName: "Closed – Won" } }, changes: { set: ["status"] } }, ctx);
    expect(won.ops.map((op) => op.kind)).toEqual(["field.set", "case.close"]);
    expect(won.ops[0]!.body).toEqual({ fieldValue: "Won" });
    expect(won.ops[1]).toMatchObject({ method: "PUT", path: "/api/2.0/crm/case/1002/close", groups: ["status"] });
  });

  it("clears a value through the per-field endpoint, since a PUT skips empty values", () => {
    const { rec, ctx } = record(1001);
    const { ops } = encodeUpdate({ record: rec, target: { ...rec.case, value: null, groups: [] }, changes: { set: ["value", "groups"] } }, ctx);
    expect(ops).toEqual([
      expect.objectContaining({ kind: "field.clear", method: "POST", path: "/api/2.0/crm/case/1001/customfield/9", body: { fieldValue: "" }, groups: ["value"] }),
      expect.objectContaining({ kind: "field.clear", path: "/api/2.0/crm/case/1001/customfield/12", groups: ["groups"] }),
    ]);
  });

  it("closes and reopens through their own endpoints", () => {
    const { rec, ctx } = record(1001);
    const reopen = encodeUpdate({ record: rec, target: { ...rec.case, status: { closed: false, statusName: "Closed – Won" } }, changes: { set: ["status"] } }, ctx);
    expect(reopen.ops).toEqual([expect.objectContaining({ kind: "case.reopen", method: "PUT", path: "/api/2.0/crm/case/1001/reopen", body: undefined })]);
  });

  it("applies participant deltas to the native member set, adds before removes", () => {
    const { rec, ctx } = record(1002);
    const { ops, issues } = encodeUpdate(
      {
        record: rec,
        target: rec.case,
        changes: { set: [], participants: { add: ["jane.client@example.com", "joint@example.com", "nobody@example.com", "jd-primary@example.com"], remove: ["jd-primary@example.com"] } },
      },
      ctx,
    );
    expect(ops.map((op) => `${op.kind} ${op.path}`)).toEqual([
      "members.add /api/2.0/crm/case/1002/contact",
      "members.remove /api/2.0/crm/case/1002/contact/102",
    ]);
    expect(ops[0]!.body).toEqual({ contactid: 101 });
    expect(issues.map((i) => `${i.severity} ${i.code}`).sort()).toEqual(["warning CS_AMBIGUOUS", "warning CS_UNMAPPED"]);
  });

  it("creates an unknown person contact when the mapping says so", () => {
    const { rec, ctx } = record(1002, { people: { unknownContact: "create" } });
    const people = new Map<string, PersonInfo>([
      ["new.person@example.com", { key: "new.person@example.com", email: "New.Person@Example.com", firstName: "New", lastName: null, name: "New Person" }],
    ]);
    const { ops, issues } = encodeUpdate(
      { record: rec, target: rec.case, changes: { set: [], participants: { add: ["new.person@example.com", "missing@example.com"], remove: [] } }, people },
      ctx,
    );
    expect(ops).toEqual([
      expect.objectContaining({
        kind: "contact.create",
        method: "POST",
        path: "/api/2.0/crm/contact/person",
        record: "1002",
        groups: ["participants"],
        body: { firstName: "New", lastName: "", shareType: 1, email: "New.Person@Example.com" },
      }),
    ]);
    expect(issues).toEqual([expect.objectContaining({ severity: "warning", code: "CS_UNMAPPED", field: "participants" })]);
  });

  it("applies assignee deltas to the native access list; the case is private exactly when someone besides the integration user stays", () => {
    const { rec, ctx } = record(1003); // private: [ALICE, SAM]
    const add = encodeUpdate({ record: rec, target: rec.case, changes: { set: [], assignees: { add: ["bob@firm.example", "ghost@firm.example"], remove: [] } } }, ctx);
    expect(add.ops[0]!.body).toMatchObject({ isPrivate: true, accessList: [ALICE, SAM, BOB] });
    expect(add.ops[0]!.groups).toEqual(["assignees"]);
    expect(add.issues).toEqual([expect.objectContaining({ code: "CS_UNMAPPED", field: "assignees" })]);

    const target = { ...rec.case, assignees: [] };
    const remove = encodeUpdate({ record: rec, target, changes: { set: [], assignees: { add: [], remove: ["alice.adviser@firm.example"] } } }, ctx);
    // Privacy fails closed: the last assignee gone, the case stays private to the integration user alone.
    expect(remove.ops[0]!.body).toMatchObject({ isPrivate: true, accessList: [SAM] });

    const rich = record(1001);
    const keepUnknown = encodeUpdate(
      { record: rich.rec, target: rich.rec.case, changes: { set: [], assignees: { add: [], remove: ["alice.adviser@firm.example", `plannr:${CAROL_PLANNR}`] } } },
      rich.ctx,
    );
    // Users the canonical model does not carry (no e-mail, unknown, ambiguous) keep the case private.
    expect(keepUnknown.ops[0]!.body).toMatchObject({ isPrivate: true, accessList: [SAM, NOMAIL, UNKNOWN, "6d2b8a10-0000-4000-8000-000000000005"] });

    const unmapped = encodeUpdate({ record: decodeCase(nativeCase(1002), ctx), target: { ...rec.case, assignees: ["ghost@firm.example"] }, changes: { set: ["assignees"] } }, ctx);
    expect(unmapped.ops).toEqual([]);
    expect(unmapped.issues.map((i) => i.code)).toEqual(["CS_UNMAPPED", "CS_UNMAPPED"]);
  });

  it("writes nothing when nothing changed, and never diffs the link field", () => {
    const { rec, ctx } = record(1001);
    expect(encodeUpdate({ record: rec, target: rec.case, changes: { set: [] } }, ctx)).toEqual({ ops: [], issues: [] });
    const all = encodeUpdate({ record: rec, target: rec.case, changes: { set: ALL_GROUPS } }, ctx);
    expect(all.ops).toEqual([]);
    expect(JSON.stringify(all)).not.toContain(STAMP);
  });

  it("throws CS_INTERNAL when a record carries no ONLYOFFICE state", () => {
    const { rec, ctx } = record(1001);
    expect(() => encodeUpdate({ record: { ...rec, carry: null }, target: rec.case, changes: { set: ["title"] } }, ctx)).toThrow(CaseSyncError);
  });
});

describe("encodeCreate", () => {
  const target: Case = { ...emptyCase(), title: "New case", participants: ["jane.client@example.com"], assignees: ["ghost@firm.example"] };

  it("needs a link field that exists on the portal", () => {
    const noLink = setup({ onlyoffice: { linkField: null } });
    expect(() => encodeCreate(target, { stamp: STAMP }, noLink.ctx)).toThrow(expect.objectContaining({ code: "CS_CONFIG" }));
    const missing = setup({ onlyoffice: { linkField: 77 } });
    expect(() => encodeCreate(target, { stamp: STAMP }, missing.ctx)).toThrow(expect.objectContaining({ code: "CS_CONFIG" }));
  });

  it("creates a case private to the integration user alone, with warnings, when no assignee maps, and sends no close for an open case", () => {
    const { ctx } = setup();
    const { ops, issues } = encodeCreate(target, { stamp: STAMP }, ctx);
    expect(ops.map((op) => op.kind)).toEqual(["case.create"]);
    expect(ops[0]!.body).toEqual({ title: "New case", members: [101], customFieldList: [{ key: 13, value: STAMP }], isPrivate: true, accessList: [SAM], isNotify: false });
    expect(issues.map((i) => `${i.severity} ${i.field} ${i.code}`)).toEqual(["warning assignees CS_UNMAPPED", "warning assignees CS_UNMAPPED"]);
  });

  it("refuses a title over 255 characters: nothing is sent", () => {
    const { ctx } = setup();
    const preview = encodeCreate({ ...target, title: "y".repeat(300) }, { stamp: STAMP }, ctx);
    expect(preview.ops).toEqual([]);
    expect(preview.issues).toEqual([expect.objectContaining({ severity: "error", field: "title", record: null })]);
  });

  it("creates unknown contacts first and leaves refused fields out", () => {
    const { ctx } = setup({ people: { unknownContact: "create" } });
    const people = new Map<string, PersonInfo>([["fresh@example.com", { key: "fresh@example.com", email: "fresh@example.com", firstName: null, lastName: null, name: "Fresh Face" }]]);
    const { ops, issues } = encodeCreate(
      { ...target, participants: ["fresh@example.com", "jane.client@example.com"], customFields: { favourite_drink: "Gin" }, status: { closed: true, statusName: "Closed – Lost" } },
      { stamp: STAMP, people },
      ctx,
    );
    expect(ops.map((op) => op.kind)).toEqual(["contact.create", "case.create", "case.close"]);
    expect(ops[0]!.body).toEqual({ firstName: "Fresh Face", lastName: "", shareType: 1, email: "fresh@example.com" });
    expect(ops[1]!.body).toMatchObject({ members: [101], customFieldList: [{ key: 8, value: "Lost" }, { key: 13, value: STAMP }] });
    expect(ops[2]!.path).toBe("/api/2.0/crm/case/{id}/close");
    expect(issues.filter((i) => i.severity === "error").map((i) => i.field)).toEqual(["custom:favourite_drink"]);
  });
});

describe("encodeStamp and encodeDelete", () => {
  it("writes the stamp through the link field's per-field POST, carrying no field group", () => {
    const { mapping } = setup();
    expect(encodeStamp("17", STAMP, mapping)).toEqual({
      side: "onlyoffice",
      record: "17",
      kind: "stamp",
      method: "POST",
      path: "/api/2.0/crm/case/17/customfield/13",
      groups: [],
      body: { fieldValue: STAMP },
      summary: expect.stringContaining(STAMP),
    });
  });

  it("clears the stamp with an empty value (the only way to clear a field)", () => {
    const { mapping } = setup();
    expect(encodeStamp("17", null, mapping)).toMatchObject({ kind: "stamp", path: "/api/2.0/crm/case/17/customfield/13", body: { fieldValue: "" } });
  });

  it("needs a mapped link field", () => {
    const mapping = mappingWith({ onlyoffice: { linkField: null } });
    expect(() => encodeStamp("17", STAMP, mapping)).toThrow(expect.objectContaining({ code: "CS_CONFIG", record: "17" }) as Error);
  });

  it("deletes one case by id, never through the batch endpoints", () => {
    expect(encodeDelete("17")).toEqual({
      side: "onlyoffice",
      record: "17",
      kind: "case.delete",
      method: "DELETE",
      path: "/api/2.0/crm/case/17",
      groups: [],
      body: undefined,
      summary: "delete case 17",
    });
  });
});

describe("caseVersion", () => {
  it("depends on what writes depend on", () => {
    const carry: OnlyofficeCarry = { isPrivate: true, accessList: [ALICE, SAM], memberIds: [1, 2], fieldValues: { "9": "1.00" } };
    const base = caseVersion("T", false, carry);
    expect(caseVersion("T", false, { ...carry, accessList: [SAM, ALICE.toUpperCase()], memberIds: [2, 1] })).toBe(base);
    expect(caseVersion("T", true, carry)).not.toBe(base);
    expect(caseVersion("T", false, { ...carry, fieldValues: { "9": "2.00" } })).not.toBe(base);
    expect(caseVersion("T", false, { ...carry, isPrivate: false })).not.toBe(base);
  });
});

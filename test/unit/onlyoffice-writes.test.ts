// ONLYOFFICE write encoding, the parts issue 8 sharpened: privacy fails closed (a private case
// never becomes public by itself; `access.unassigned` decides for cases nobody is assigned to), the
// read-back of what was written asks for no second write (fixpoint), every update op is re-read
// first and the version covers what those ops touch, and a create's shortfalls are errors naming
// their group. Pure: fixtures shaped like real payloads, a tiny portal model for the round trips.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { emptyCase, type Case } from "../../src/core/case.js";
import { MappingSchema, type MappingInput } from "../../src/core/mapping.js";
import type { CaseRecord, ChangeSet, RecordIssue, WriteOp } from "../../src/core/records.js";
import { OnlyofficeCatalog, type NativeLists } from "../../adapters/onlyoffice/catalog.js";
import { decodeCase } from "../../adapters/onlyoffice/codec.js";
import { createShortfalls, type CreateRequest } from "../../adapters/onlyoffice/created.js";
import { camelizeKeys, ContactSchema, FieldDefinitionSchema, NativeCaseSchema, PortalUserSchema, type NativeCase } from "../../adapters/onlyoffice/schemas.js";
import { encodeCreate, encodeDelete, encodeStamp, encodeUpdate } from "../../adapters/onlyoffice/writes.js";

const SAM = "6d2b8a10-0000-4000-8000-000000000001"; // the integration user (people/@self)
const ALICE = "6d2b8a10-0000-4000-8000-000000000002";
const BOB = "6d2b8a10-0000-4000-8000-000000000004";
const UNKNOWN = "6d2b8a10-0000-4000-8000-0000000000ff";
const ALICE_KEY = "alice.adviser@firm.example";
const BOB_KEY = "bob@firm.example";
const SAM_KEY = "sam.integration@firm.example";
const STAMP = "0e4f0c5e-7d43-4c1a-9a53-2c2f5b0c9d11";

function fixture(name: string): unknown {
  return (camelizeKeys(JSON.parse(readFileSync(new URL(`../fixtures/onlyoffice/${name}`, import.meta.url), "utf8"))) as { response: unknown }).response;
}

function lists(): NativeLists {
  return {
    definitions: (fixture("field-definitions.json") as unknown[]).map((d) => FieldDefinitionSchema.parse(d)),
    people: (fixture("people.json") as unknown[]).map((u) => PortalUserSchema.parse(u)),
    self: PortalUserSchema.parse(fixture("self.json")),
    contacts: (fixture("contacts.json") as unknown[]).map((c) => ContactSchema.parse(c)),
  };
}

function setup(extra: Partial<MappingInput> = {}) {
  const mapping = MappingSchema.parse({
    onlyoffice: { linkField: 13, createdAtField: 14 },
    fields: { status: { onlyofficeField: 8 }, value: { onlyofficeField: 9 }, type: { onlyofficeField: 11 } },
    ...extra,
  });
  const catalog = new OnlyofficeCatalog(mapping, lists());
  return { mapping, catalog, ctx: { mapping, catalog } };
}

/** A field value and a member as the case schema holds them (zero values omitted on the wire). */
const field = (id: number, fieldValue: string, fieldType = 0) => ({ id, fieldValue, fieldType });
const member = (id: number) => ({ id, isCompany: false });

/** A plain case: open, one member (contact 102), `type` field set, private to `accessList` when given. */
function native(access: { isPrivate: boolean; accessList?: string[] }): NativeCase {
  return NativeCaseSchema.parse({
    id: 2001,
    title: "Plain case",
    isClosed: false,
    isPrivate: access.isPrivate,
    ...(access.accessList ? { accessList: access.accessList } : {}),
    members: [{ id: 102 }],
    customFields: [field(11, "Pension")],
  });
}

/**
 * The portal as the reference states it: an administrator's PUT or create re-applies access (private
 * only with `isPrivate` and a non-empty list, and then the caller, the integration user, is added;
 * otherwise public); close, reopen, per-field POST and member endpoints do what they say.
 */
function applyOps(start: NativeCase, ops: WriteOp[]): NativeCase {
  const next = structuredClone(start);
  for (const op of ops) {
    const body = op.body as { title: string; isPrivate: boolean; accessList: string[]; customFieldList: { key: number; value: string }[]; contactid: number; fieldValue: string };
    if (op.kind === "case.update") {
      next.title = body.title;
      next.isPrivate = body.isPrivate && body.accessList.length > 0;
      next.accessList = next.isPrivate ? [...new Set([...body.accessList, SAM])] : [];
      for (const { key, value } of body.customFieldList) next.customFields = [...next.customFields.filter((f) => f.id !== key), { id: key, fieldValue: value, fieldType: 0 }];
    } else if (op.kind === "case.close" || op.kind === "case.reopen") next.isClosed = op.kind === "case.close";
    else if (op.kind === "field.set" || op.kind === "field.clear") {
      const id = Number(op.path.split("/").pop());
      next.customFields = next.customFields.filter((f) => f.id !== id);
      if (body.fieldValue !== "") next.customFields.push({ id, fieldValue: body.fieldValue, fieldType: 0 });
    } else if (op.kind === "members.add") next.members.push({ id: body.contactid, isCompany: false });
    else if (op.kind === "members.remove") next.members = next.members.filter((m) => m.id !== Number(op.path.split("/").pop()));
    else throw new Error(`unexpected op ${op.kind}`);
  }
  return next;
}

const assigneeDelta = (from: Case, to: Case): ChangeSet => ({
  set: ["assignees"],
  assignees: { add: to.assignees.filter((k) => !from.assignees.includes(k)), remove: from.assignees.filter((k) => !to.assignees.includes(k)) },
});

const bodyOf = (ops: WriteOp[]) => ops[0]?.body as { isPrivate: boolean; accessList: string[] } | undefined;
const privacyWarnings = (issues: RecordIssue[]) => issues.filter((i) => i.severity === "warning" && i.field === "assignees" && /integration user alone/.test(i.message));

describe("privacy fails closed (issue 8, item 16)", () => {
  it("removing the last assignee keeps the case private to the integration user alone, with a warning naming the case", () => {
    const { ctx } = setup();
    const rec = decodeCase(native({ isPrivate: true, accessList: [ALICE, SAM] }), ctx);
    expect(rec.case.assignees).toEqual([ALICE_KEY]);
    const target = { ...rec.case, assignees: [] };
    const { ops, issues } = encodeUpdate({ record: rec, target, changes: assigneeDelta(rec.case, target) }, ctx);
    expect(ops.map((op) => [op.kind, op.groups])).toEqual([["case.update", ["assignees"]]]);
    expect(bodyOf(ops)).toMatchObject({ isPrivate: true, accessList: [SAM] });
    expect(privacyWarnings(issues)).toEqual([expect.objectContaining({ side: "onlyoffice", record: "2001", code: "CS_UNMAPPED", message: expect.stringContaining("case 2001") })]);
    expect(issues.filter((i) => i.severity === "error")).toEqual([]);
  });

  it("puts the integration user on the list when the list read did not show it, or showed none at all [D]", () => {
    const { ctx } = setup();
    for (const accessList of [[ALICE], undefined]) {
      const rec = decodeCase(native({ isPrivate: true, ...(accessList ? { accessList } : {}) }), ctx);
      const target = { ...rec.case, assignees: [] };
      const changes: ChangeSet = accessList ? assigneeDelta(rec.case, target) : { set: ["assignees"], assignees: { add: [], remove: [ALICE_KEY] } };
      const { ops } = encodeUpdate({ record: rec, target, changes }, ctx);
      expect(bodyOf(ops)).toMatchObject({ isPrivate: true, accessList: [SAM] });
    }
  });

  it("assigning the case only to the integration user keeps it private too (the integration user is never an assignee)", () => {
    const { ctx } = setup();
    const rec = decodeCase(native({ isPrivate: true, accessList: [ALICE, SAM] }), ctx);
    const { ops, issues } = encodeUpdate({ record: rec, target: { ...rec.case, assignees: [] }, changes: { set: ["assignees"], assignees: { add: [SAM_KEY], remove: [ALICE_KEY] } } }, ctx);
    expect(bodyOf(ops)).toMatchObject({ isPrivate: true, accessList: [SAM] });
    expect(privacyWarnings(issues)).toHaveLength(1);
  });

  it("users the canonical model does not carry keep the case private without the fallback warning", () => {
    const { ctx } = setup();
    const rec = decodeCase(native({ isPrivate: true, accessList: [ALICE, UNKNOWN, SAM] }), ctx);
    const target = { ...rec.case, assignees: [] };
    const { ops, issues } = encodeUpdate({ record: rec, target, changes: assigneeDelta(rec.case, target) }, ctx);
    expect(bodyOf(ops)).toMatchObject({ isPrivate: true, accessList: [UNKNOWN, SAM] });
    expect(privacyWarnings(issues)).toEqual([]);
  });

  it("with access.unassigned: public the last assignee's removal publishes the case", () => {
    const { ctx } = setup({ access: { mode: "assignees", unassigned: "public" } });
    const rec = decodeCase(native({ isPrivate: true, accessList: [ALICE, SAM] }), ctx);
    const target = { ...rec.case, assignees: [] };
    const { ops, issues } = encodeUpdate({ record: rec, target, changes: assigneeDelta(rec.case, target) }, ctx);
    expect(bodyOf(ops)).toMatchObject({ isPrivate: false, accessList: [] });
    expect(privacyWarnings(issues)).toEqual([]);
  });

  it("a public case stays public when no added assignee maps to a portal user (nothing is written)", () => {
    const { ctx } = setup();
    const rec = decodeCase(native({ isPrivate: false }), ctx);
    const { ops, issues } = encodeUpdate({ record: rec, target: { ...rec.case, assignees: ["ghost@firm.example"] }, changes: { set: ["assignees"] } }, ctx);
    expect(ops).toEqual([]);
    expect(issues.map((i) => `${i.severity} ${i.field} ${i.code}`)).toEqual(["warning assignees CS_UNMAPPED", "warning assignees CS_UNMAPPED"]);
  });

  it("a private case read without an access list is never resent with an empty one (that publishes it), in either mode", () => {
    for (const mode of ["assignees", "preserve"] as const) {
      const { ctx } = setup({ access: { mode, unassigned: "private" } });
      const rec = decodeCase(native({ isPrivate: true }), ctx);
      expect(rec.case.assignees).toEqual([]);
      const { ops } = encodeUpdate({ record: rec, target: { ...rec.case, title: "Renamed", type: "Mortgage" }, changes: { set: ["title", "type"] } }, ctx);
      expect(ops.map((op) => op.kind)).toEqual(["case.update"]);
      expect(bodyOf(ops)).toMatchObject({ isPrivate: true, accessList: [SAM] });
    }
  });

  it("fixpoint: what the fallback writes reads back as no assignees, and the same target then writes nothing", () => {
    for (const start of [[ALICE, SAM], [ALICE]]) {
      const { ctx } = setup();
      const rec = decodeCase(native({ isPrivate: true, accessList: start }), ctx);
      const target = { ...rec.case, assignees: [] };
      const first = encodeUpdate({ record: rec, target, changes: assigneeDelta(rec.case, target) }, ctx);
      const written = applyOps(native({ isPrivate: true, accessList: start }), first.ops);
      expect(written).toMatchObject({ isPrivate: true, accessList: [SAM] });
      const after = decodeCase(written, ctx);
      expect(after.case).toEqual(target);
      expect(after.issues).toEqual([]);
      // The engine compares, finds nothing to do; even asked to settle the group, nothing goes out.
      expect(encodeUpdate({ record: after, target, changes: { set: ["assignees"] } }, ctx)).toEqual({ ops: [], issues: [] });
      expect(encodeUpdate({ record: after, target, changes: assigneeDelta(after.case, target) }, ctx)).toEqual({ ops: [], issues: [] });
      // A stale removal of someone already gone writes nothing and does not warn again.
      expect(encodeUpdate({ record: after, target, changes: { set: ["assignees"], assignees: { add: [], remove: [ALICE_KEY] } } }, ctx)).toEqual({ ops: [], issues: [] });
      // A later assignee is added to the integration user's list, and removing it again lands where it was.
      const withBob = { ...target, assignees: [BOB_KEY] };
      const again = applyOps(written, encodeUpdate({ record: after, target: withBob, changes: assigneeDelta(after.case, withBob) }, ctx).ops);
      expect(again.accessList).toEqual([SAM, BOB]);
      expect(decodeCase(again, ctx).case.assignees).toEqual([BOB_KEY]);
    }
  });
});

describe("new cases follow access.unassigned (issue 8, item 16)", () => {
  const target: Case = { ...emptyCase(), title: "New case", participants: ["jane.client@example.com"] };
  const createBody = (ops: WriteOp[]) => ops.find((op) => op.kind === "case.create")!.body as { isPrivate: boolean; accessList: string[] };

  it("a new case with no assignee is private to the integration user alone by default, with a warning naming it", () => {
    const { ctx } = setup();
    const { ops, issues } = encodeCreate(target, { stamp: STAMP }, ctx);
    expect(createBody(ops)).toMatchObject({ isPrivate: true, accessList: [SAM] });
    expect(privacyWarnings(issues)).toEqual([expect.objectContaining({ record: null, message: expect.stringContaining('"New case"') })]);
    // What the portal makes of it reads back as no assignees: the base the engine keeps.
    const created = applyOps({ ...native({ isPrivate: false }), members: [], customFields: [] }, [{ ...ops.find((op) => op.kind === "case.create")!, kind: "case.update" }]);
    expect(decodeCase(created, ctx).case.assignees).toEqual([]);
  });

  it("with unassigned: public it is public, warning only when assignees existed but none mapped", () => {
    const { ctx } = setup({ access: { mode: "assignees", unassigned: "public" } });
    const plain = encodeCreate(target, { stamp: STAMP }, ctx);
    expect(createBody(plain.ops)).toMatchObject({ isPrivate: false, accessList: [] });
    expect(plain.issues).toEqual([]);
    const ghost = encodeCreate({ ...target, assignees: ["ghost@firm.example"] }, { stamp: STAMP }, ctx);
    expect(ghost.issues.map((i) => `${i.severity} ${i.field} ${i.code}`)).toEqual(["warning assignees CS_UNMAPPED", "warning assignees CS_UNMAPPED"]);
  });

  it("a new case with mapped assignees is private to them, without a warning; only the integration user counts as none", () => {
    const { ctx } = setup();
    const assigned = encodeCreate({ ...target, assignees: [ALICE_KEY, BOB_KEY] }, { stamp: STAMP }, ctx);
    expect(createBody(assigned.ops)).toMatchObject({ isPrivate: true, accessList: [ALICE, BOB] });
    expect(assigned.issues).toEqual([]);
    const onlySam = encodeCreate({ ...target, assignees: [SAM_KEY] }, { stamp: STAMP }, ctx);
    expect(createBody(onlySam.ops)).toMatchObject({ isPrivate: true, accessList: [SAM] });
    expect(privacyWarnings(onlySam.issues)).toHaveLength(1);
  });

  it("in preserve mode (assignees not mapped) a new case follows the same setting", () => {
    const closed = setup({ access: "preserve" });
    const preview = encodeCreate({ ...target, assignees: [ALICE_KEY] }, { stamp: STAMP }, closed.ctx);
    expect(createBody(preview.ops)).toMatchObject({ isPrivate: true, accessList: [SAM] });
    expect(privacyWarnings(preview.issues)).toHaveLength(1);
    const open = setup({ access: { mode: "preserve", unassigned: "public" } });
    expect(createBody(encodeCreate(target, { stamp: STAMP }, open.ctx).ops)).toMatchObject({ isPrivate: false, accessList: [] });
  });
});

describe("the write window (issue 8, item 17)", () => {
  it("marks every op that can overwrite a person's edit to be re-read first", () => {
    const { ctx } = setup({ people: { unknownContact: "create" } });
    const rec = decodeCase({ ...native({ isPrivate: true, accessList: [ALICE, SAM] }), customFields: [field(11, "Pension"), field(9, "10.00")] }, ctx);
    const people = new Map([["new@example.com", { key: "new@example.com", email: "new@example.com", firstName: "New", lastName: "One", name: "New One" }]]);
    const target: Case = { ...rec.case, title: "Renamed", value: null, type: "Mortgage", status: { closed: true, statusName: null }, assignees: [BOB_KEY] };
    const { ops } = encodeUpdate(
      { record: rec, target, changes: { set: ["title", "value", "type", "status"], assignees: { add: [BOB_KEY], remove: [ALICE_KEY] }, participants: { add: ["jane.client@example.com", "new@example.com"], remove: ["jd-primary@example.com"] } }, people },
      ctx,
    );
    expect(ops.map((op) => op.kind)).toEqual(["case.update", "field.clear", "case.close", "contact.create", "members.add", "members.remove"]);
    expect(ops.filter((op) => op.rereadFirst !== true)).toEqual([]);
    const single = encodeUpdate({ record: rec, target: { ...rec.case, type: "Mortgage" }, changes: { set: ["type"] } }, ctx);
    expect(single.ops.map((op) => [op.kind, op.rereadFirst])).toEqual([["field.set", true]]);
    const reopen = decodeCase({ ...native({ isPrivate: false }), isClosed: true }, ctx);
    expect(encodeUpdate({ record: reopen, target: { ...reopen.case, status: { closed: false, statusName: null } }, changes: { set: ["status"] } }, ctx).ops).toEqual([
      expect.objectContaining({ kind: "case.reopen", rereadFirst: true }),
    ]);
    // The link stamp and a propagated delete carry no person's data (the delete policy weighs edits itself).
    expect(encodeStamp("2001", STAMP, ctx.mapping).rereadFirst).toBeUndefined();
    expect(encodeDelete("2001").rereadFirst).toBeUndefined();
  });

  it("the version moves with every native part those ops touch, and only with those", () => {
    const { ctx } = setup();
    const base = { ...native({ isPrivate: true, accessList: [ALICE, SAM] }), customFields: [field(11, "Pension"), field(9, "10.00")] };
    const version = (c: NativeCase) => decodeCase(c, ctx).version;
    const v0 = version(base);
    const moved: [string, NativeCase][] = [
      ["title", { ...base, title: "Plain case " }],
      ["isClosed", { ...base, isClosed: true }],
      ["isPrivate", { ...base, isPrivate: false, accessList: [] }],
      ["accessList", { ...base, accessList: [ALICE, SAM, BOB] }],
      ["a mapped field value", { ...base, customFields: [field(11, "Mortgage"), field(9, "10.00")] }],
      ["a cleared field", { ...base, customFields: [field(11, "Pension")] }],
      ["the link stamp", { ...base, customFields: [...base.customFields, field(13, STAMP)] }],
      ["members", { ...base, members: [member(102), member(101)] }],
    ];
    for (const [what, c] of moved) expect({ what, moved: version(c) !== v0 }).toEqual({ what, moved: true });
    const same: [string, NativeCase][] = [
      ["order and GUID case", { ...base, accessList: [SAM, ALICE.toUpperCase()], customFields: [...base.customFields].reverse() }],
      ["an unmapped field", { ...base, customFields: [...base.customFields, field(20, "x")] }],
      ["a heading", { ...base, customFields: [...base.customFields, field(7, "", 4)] }],
    ];
    for (const [what, c] of same) expect({ what, moved: version(c) !== v0 }).toEqual({ what, moved: false });
  });
});

describe("create shortfalls (issue 8, item 4)", () => {
  const request = (extra: Partial<CreateRequest> = {}): CreateRequest => ({
    members: [102],
    customFieldList: [
      { key: 11, value: "Pension" },
      { key: 8, value: "Won" },
      { key: 13, value: STAMP },
    ],
    isPrivate: true,
    accessList: [ALICE],
    closed: true,
    ...extra,
  });
  const created = (patch: Partial<NativeCase> = {}): CaseRecord => {
    const { ctx } = setup();
    const full: NativeCase = {
      ...native({ isPrivate: true, accessList: [ALICE, SAM] }),
      isClosed: true,
      customFields: [
        field(11, "Pension"),
        field(8, "Won"),
        field(13, STAMP),
      ],
      ...patch,
    };
    return decodeCase(full, ctx);
  };
  const shortfalls = (record: CaseRecord, req = request(), reported: RecordIssue[] = []) => createShortfalls(req, record, setup().ctx, reported);

  it("finds nothing when the case holds everything asked", () => {
    expect(shortfalls(created())).toEqual([]);
  });

  it("names the group of every part the portal dropped silently", () => {
    const record = created({ isClosed: false, members: [], customFields: [field(8, "Won")], isPrivate: false, accessList: [] });
    const found = shortfalls(record);
    expect(found.map((i) => i.field).sort()).toEqual(["assignees", "onlyoffice.linkField", "participants", "status", "type"]);
    expect(found.every((i) => i.severity === "error" && i.record === "2001" && i.side === "onlyoffice")).toBe(true);
    expect(found.find((i) => i.field === "participants")!.message).toContain("102");
    // A user missing from a private list is an assignees error too.
    expect(shortfalls(created({ accessList: [SAM] })).map((i) => i.field)).toEqual(["assignees"]);
  });

  it("reports a group once: a step that already failed with its own cause is not reported again", () => {
    const closeFailed: RecordIssue = { severity: "error", side: "onlyoffice", record: "2001", field: "status", code: "CS_VALIDATION", message: "close answered 400" };
    expect(shortfalls(created({ isClosed: false }), request(), [closeFailed])).toEqual([]);
  });

  it("checks privacy against what was asked: a public request that reads private is a shortfall too", () => {
    expect(shortfalls(created(), request({ isPrivate: false, accessList: [] })).map((i) => i.field)).toEqual(["assignees"]);
    // The integration user the portal adds on its own is not asked for and never missing.
    expect(shortfalls(created({ accessList: [ALICE] }), request({ accessList: [ALICE, SAM] }))).toEqual([]);
  });
});

// Raw hashes of listed ONLYOFFICE cases (issue 11 item 5): stable for the same raw item, different
// after any change to a member the case schemas declare (at every level, in either key spelling),
// blind to members no decode can read, and different whenever the mapping or the catalog the
// decode reads changes (the scan seed). Pure: no HTTP.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MappingSchema, type MappingInput } from "../../src/core/mapping.js";
import { OnlyofficeCatalog, type NativeLists } from "../../adapters/onlyoffice/catalog.js";
import { HASHED_MEMBERS, rawCaseHasher, scanSeed } from "../../adapters/onlyoffice/raw-hash.js";
import { CaseFieldValueSchema, CaseMemberSchema, ContactSchema, FieldDefinitionSchema, NativeCaseSchema, PortalUserSchema, camelizeKeys } from "../../adapters/onlyoffice/schemas.js";

type Raw = Record<string, unknown>;

function fixture(name: string): { response: unknown } {
  return camelizeKeys(JSON.parse(readFileSync(new URL(`../fixtures/onlyoffice/${name}`, import.meta.url), "utf8"))) as { response: unknown };
}

const fixtureList = (name: string): unknown[] => fixture(name).response as unknown[];

function lists(): NativeLists {
  return {
    definitions: fixtureList("field-definitions.json").map((d) => FieldDefinitionSchema.parse(d)),
    people: fixtureList("people.json").map((u) => PortalUserSchema.parse(u)),
    self: PortalUserSchema.parse(fixture("self.json").response),
    contacts: fixtureList("contacts.json").map((c) => ContactSchema.parse(c)),
  };
}

const MAPPING: MappingInput = {
  onlyoffice: { linkField: 13, datePattern: "dd/MM/yyyy" },
  fields: { status: { onlyofficeField: 8 }, value: { onlyofficeField: 9 } },
  customFields: [{ key: "favourite_drink", plannr: "favourite_drink", onlyoffice: 1, type: "select" }],
  statuses: { "Closed – Won": "Won" },
};

const hasher = (seed = "seed") => rawCaseHasher(seed);

/** A case as the portal lists it: declared members plus the ones no decode reads (photos, createBy, canEdit). */
function listed(): Raw {
  return {
    id: 1001,
    members: [{ id: 101, smallFotoUrl: "/photo?cid=101&ps=1", displayName: "Jane Client", isCompany: false, canEdit: true }],
    createBy: { id: "6d2b8a10-0000-4000-8000-000000000002", displayName: "Alice Adviser", avatarSmall: "/a.png" },
    created: "2024-01-01T12:00:00.0000000Z",
    title: "Annual review – Jane Client",
    isClosed: false,
    isPrivate: true,
    accessList: [{ id: "6d2b8a10-0000-4000-8000-000000000002", displayName: "Alice Adviser", profileUrl: "/p?u=alice" }],
    canEdit: true,
    customFields: [
      { id: 1, entityId: 1001, label: "Favourite Drink", fieldValue: "Tea", fieldType: 2, position: 0, mask: '["Tea","Coffee"]' },
      { id: 7, entityId: 0, label: "Case details", fieldValue: "", fieldType: 4, position: 6, mask: "" },
    ],
  };
}

// ---- random raw cases and one change each -----------------------------------------------------

const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 100_000 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const guid = fc.uuid();
const member = fc.record({ id: fc.integer({ min: 1, max: 10_000 }), isCompany: fc.boolean(), displayName: fc.string({ maxLength: 20 }), smallFotoUrl: fc.string({ maxLength: 20 }) });
const customField = fc.record({
  id: fc.integer({ min: 1, max: 50 }),
  fieldValue: scalar,
  fieldType: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom("TextField", "SelectBox")),
  label: fc.string({ maxLength: 15 }),
  mask: fc.string({ maxLength: 15 }),
});
const rawCase = fc.record({
  id: fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 1_000_000 }).map(String)),
  title: fc.string({ maxLength: 40 }),
  created: fc.string({ maxLength: 30 }),
  isClosed: fc.boolean(),
  isPrivate: fc.boolean(),
  accessList: fc.array(fc.oneof(guid, guid.map((id) => ({ id, displayName: "x" }))), { maxLength: 3 }),
  members: fc.array(member, { maxLength: 3 }),
  customFields: fc.array(customField, { maxLength: 4 }),
  createBy: fc.record({ id: guid }),
  canEdit: fc.boolean(),
});

/** Some other value, of the same type or not: never equal to `value` as the schemas would read it. */
function changed(value: unknown, pick: number): unknown {
  const others: unknown[] = [
    typeof value === "string" ? `${value}x` : "x",
    typeof value === "number" ? (value === 0 ? 1 : value * 2) : 1,
    typeof value === "boolean" ? !value : true,
    value === null ? "" : null,
    value === undefined ? 0 : undefined,
    typeof value === "number" ? String(value) : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : Array.isArray(value) ? [...(value as unknown[]), 0] : [],
  ];
  return others[pick % others.length];
}

/** Every place a declared member sits in `item`: [object, member name]. */
function declaredPlaces(item: Raw): [Raw, string][] {
  const places: [Raw, string][] = HASHED_MEMBERS.case.map((name) => [item, name]);
  const within = (list: unknown, names: readonly string[]) => {
    if (!Array.isArray(list)) return;
    for (const entry of list) if (entry !== null && typeof entry === "object") for (const name of names) places.push([entry as Raw, name]);
  };
  within(item.members, HASHED_MEMBERS.member);
  within(item.customFields, HASHED_MEMBERS.customField);
  within(item.accessList, HASHED_MEMBERS.accessEntry);
  return places;
}

describe("raw hash of a listed case", () => {
  it("is the same for the same raw item, and for a copy of it", () => {
    const hash = hasher();
    const item = listed();
    expect(hash(item)).toBe(hash(item));
    expect(hash(structuredClone(item))).toBe(hash(item));
    expect(hash(item)).toMatch(/^[A-Za-z0-9_-]{11}$/);
  });

  it("changes when any declared member changes, at any level (property)", () => {
    const hash = hasher();
    fc.assert(
      fc.property(rawCase, fc.nat(), fc.nat(), (generated, where, how) => {
        // A copy: fast-check reuses generated values while it shrinks.
        const item = structuredClone(generated);
        const before = hash(item);
        const places = declaredPlaces(item);
        const [target, name] = places[where % places.length]!;
        target[name] = changed(target[name], how);
        expect(hash(item)).not.toBe(before);
      }),
      { numRuns: 500 },
    );
  });

  it("changes when a declared member is spelled PascalCase (the schemas camelize it) and that value changes", () => {
    const hash = hasher();
    const item = listed();
    const { title } = item;
    delete item.title;
    item.Title = title;
    const pascal = hash(item);
    expect(pascal).not.toBe(hash(listed()));
    item.Title = "Another title";
    expect(hash(item)).not.toBe(pascal);
    const field = (item.customFields as Raw[])[0]!;
    delete field.fieldValue;
    field.FieldValue = "Tea";
    const before = hash(item);
    field.FieldValue = "Coffee";
    expect(hash(item)).not.toBe(before);
  });

  it("tells a list apart from its members spread around (lengths and levels are hashed)", () => {
    const hash = hasher();
    const a = { ...listed(), members: [{ id: 1 }, { id: 2 }], customFields: [] };
    const b = { ...listed(), members: [{ id: 1 }], customFields: [{ id: 2 }] };
    const c = { ...listed(), title: "ab", created: "c" };
    const d = { ...listed(), title: "a", created: "bc" };
    expect(hash(a)).not.toBe(hash(b));
    expect(hash(c)).not.toBe(hash(d));
    expect(hash({ ...listed(), id: 7 })).not.toBe(hash({ ...listed(), id: "7" }));
  });

  it("ignores members the schemas do not declare (no decode can read them)", () => {
    const hash = hasher();
    const item = listed();
    const before = hash(item);
    item.canEdit = false;
    (item.createBy as Raw).displayName = "Someone Else";
    (item.members as Raw[])[0]!.smallFotoUrl = "/another.png";
    (item.customFields as Raw[])[0]!.mask = '["Tea"]';
    (item.accessList as Raw[])[0]!.displayName = "Renamed";
    expect(hash(item)).toBe(before);
  });

  it("hashes exactly the members the case schemas declare (a new schema member must be hashed too)", () => {
    expect([...HASHED_MEMBERS.case].sort()).toEqual(Object.keys(NativeCaseSchema.shape).sort());
    expect([...HASHED_MEMBERS.member].sort()).toEqual(Object.keys(CaseMemberSchema.shape).sort());
    expect([...HASHED_MEMBERS.customField].sort()).toEqual(Object.keys(CaseFieldValueSchema.shape).sort());
  });

  it("depends on the scan seed", () => {
    expect(hasher("one")(listed())).not.toBe(hasher("two")(listed()));
  });
});

describe("scan seed: the mapping and the catalog the decode reads", () => {
  const mapping = MappingSchema.parse(MAPPING);

  it("is the same for the same mapping and the same reference lists", () => {
    const one = new OnlyofficeCatalog(mapping, lists());
    const two = new OnlyofficeCatalog(MappingSchema.parse(MAPPING), lists());
    expect(scanSeed(mapping, one.fingerprint())).toBe(scanSeed(MappingSchema.parse(MAPPING), two.fingerprint()));
    // Reading the fingerprint does not consume it.
    expect(one.fingerprint()).toBe(one.fingerprint());
  });

  it("changes with the mapping (a status table, a custom field)", () => {
    const fingerprint = new OnlyofficeCatalog(mapping, lists()).fingerprint();
    const base = scanSeed(mapping, fingerprint);
    expect(scanSeed(MappingSchema.parse({ ...MAPPING, statuses: { "Closed – Won": "Closed" } }), fingerprint)).not.toBe(base);
    expect(scanSeed(MappingSchema.parse({ ...MAPPING, customFields: [] }), fingerprint)).not.toBe(base);
  });

  it("changes with a field definition (a status option), a contact's e-mail, a portal user or the integration user", () => {
    const base = new OnlyofficeCatalog(mapping, lists()).fingerprint();
    const variants: ((l: NativeLists) => void)[] = [
      (l) => {
        const select = l.definitions.find((d) => d.fieldType === 2);
        if (select === undefined) throw new Error("fixture has no SelectBox");
        select.mask = JSON.stringify(["Only this option"]);
      },
      (l) => {
        const person = l.contacts.find((c) => !c.isCompany && c.commonData.some((d) => d.infoType === 1));
        const email = person?.commonData.find((d) => d.infoType === 1);
        if (email === undefined) throw new Error("fixture has no person with an e-mail");
        email.data = "someone.else@example.com";
      },
      (l) => {
        const user = l.people[0];
        if (user === undefined) throw new Error("fixture has no users");
        user.email = "renamed@firm.example";
      },
      (l) => {
        l.self = { ...l.self, id: "6d2b8a10-0000-4000-8000-0000000000aa" };
      },
    ];
    for (const change of variants) {
      const changedLists = lists();
      change(changedLists);
      expect(new OnlyofficeCatalog(mapping, changedLists).fingerprint()).not.toBe(base);
    }
  });

  it("changes when a contact or a definition is added during a run", () => {
    const catalog = new OnlyofficeCatalog(mapping, lists());
    const before = catalog.fingerprint();
    catalog.addContact(ContactSchema.parse({ id: 9001, displayName: "New Person", firstName: "New", lastName: "Person", commonData: [{ infoType: 1, data: "new@example.com" }] }));
    const afterContact = catalog.fingerprint();
    expect(afterContact).not.toBe(before);
    catalog.addDefinition(FieldDefinitionSchema.parse({ id: 99, label: "Plannr case UUID", fieldType: 0, mask: '{"size":40}' }));
    expect(catalog.fingerprint()).not.toBe(afterContact);
  });
});

// `case-sync init` and `check` (SPEC §3, §6): propose a mapping from two reference lists, render it
// as commented YAML that loads, and verify a mapping against the live lists.
import { describe, expect, it } from "vitest";
import { MappingSchema, type Mapping, type MappingInput } from "../../src/core/mapping.js";
import type { FieldRef, PersonRef, Reference, StaffRef, StatusRef } from "../../src/core/reference.js";
import { parseMapping } from "../../src/mapping/load.js";
import { customKeyFor, LINK_FIELD_LABEL, proposeMapping, type Proposal, type ProposeInput } from "../../src/mapping/propose.js";
import { renderMapping } from "../../src/mapping/render.js";
import { verifyMapping, type CheckItem } from "../../src/mapping/verify.js";

const status = (id: string, name: string, closed: boolean, position: number): StatusRef => ({ id, name, closed, position });
const field = (id: string, label: string, nativeType: string, options: string[] | null = null, key = id): FieldRef => ({ id, key, label, nativeType, options });
const staff = (id: string, email: string | null, name: string): StaffRef => ({ id, key: email, email, name, isAdmin: false });
const person = (id: string, email: string | null, kind: PersonRef["kind"] = "person"): PersonRef => ({
  id,
  key: email,
  email,
  name: id,
  firstName: null,
  lastName: null,
  kind,
});

const CLIENT = "0b9c3f2e-1111-2222-3333-444455556666";

function plannrRef(overrides: Partial<Reference> = {}): Reference {
  return {
    side: "plannr",
    statuses: [
      status("s1", "Open", false, 1),
      status("s2", "In progress", false, 2),
      status("s3", "Complete", true, 3),
      status("s4", "on hold", false, 4),
      status("s5", "Archived", true, 5),
    ],
    customFields: [
      field("p1", "Favourite drink", "selection", ["Tea", "coffee", "Juice"], "favourite_drink"),
      field("p2", "Risk score", "number", null, "risk_score"),
      field("p3", "Vulnerable client", "boolean", null, "vulnerable"),
      field("p4", "Next meeting", "datetime", null, "next_meeting"),
      field("p5", "Wealth band", "string", null, "wealth_band"),
      field("p6", "Attachment", "file", null, "attachment"),
      field("p7", "ONLYOFFICE case id", "string", null, "onlyoffice_case_id"),
    ],
    staff: [staff("e1", "al@firm.co.uk", "Al"), staff("e2", "bo@firm.co.uk", "Bo"), staff("e3", null, "Cy")],
    people: [person(CLIENT, "jo@example.com"), person("c2", "sam@example.com"), person("c3", null)],
    integrationUser: null,
    ...overrides,
  };
}

function onlyofficeRef(overrides: Partial<Reference> = {}): Reference {
  return {
    side: "onlyoffice",
    statuses: [],
    customFields: [
      field("101", LINK_FIELD_LABEL, "TextField"),
      field("102", "Status", "SelectBox", ["Open", "In progress", "Complete", "On Hold"]),
      field("103", "Case value", "TextField"),
      field("104", "Review date", "Date"),
      field("105", "Case type", "TextField"),
      field("110", "Favourite Drink", "SelectBox", ["Tea", "Coffee"]),
      field("111", "Risk Score", "TextField"),
      field("112", "Vulnerable client", "CheckBox"),
      field("113", "Next meeting", "Date"),
      field("114", "Wealth band", "Date"),
      field("115", "Notes", "TextArea"),
    ],
    staff: [staff("g1", "al@firm.co.uk", "Al"), staff("g2", "zed@firm.co.uk", "Zed")],
    people: [person("7", "jo@example.com"), person("8", "acme@example.com", "company")],
    integrationUser: staff("g1", "al@firm.co.uk", "Al"),
    ...overrides,
  };
}

function propose(overrides: Partial<ProposeInput> = {}): Proposal {
  return proposeMapping({ plannr: plannrRef(), onlyoffice: onlyofficeRef(), dateSamples: ["25/12/2024", "05/01/2024"], ...overrides });
}

const todosAt = (p: Proposal, at: string) => p.todos.filter((t) => t.at === at).map((t) => t.text);
const HEADER = { plannr: "Plannr account 1234", onlyoffice: "https://portal.example.com", generatedAt: "2025-01-01T00:00:00.000Z" };

describe("proposeMapping", () => {
  it("finds the link field by label", () => {
    const p = propose();
    expect(p.linkField).toBe(101);
    expect(todosAt(p, "onlyoffice.linkField")).toEqual([]);
  });

  it("leaves the link field as a TODO when there is none, and takes one init just created", () => {
    const without = onlyofficeRef({ customFields: onlyofficeRef().customFields.filter((f) => f.id !== "101") });
    const p = propose({ onlyoffice: without });
    expect(p.linkField).toBeNull();
    expect(todosAt(p, "onlyoffice.linkField")[0]).toMatch(/--create-link-fields/);
    const created = propose({ onlyoffice: without, createdLinkField: 200 });
    expect(created.linkField).toBe(200);
    expect(todosAt(created, "onlyoffice.linkField")).toEqual([]);
  });

  it("does not take a link-field label of an incompatible type", () => {
    const p = propose({ onlyoffice: onlyofficeRef({ customFields: [field("101", LINK_FIELD_LABEL, "Date")] }) });
    expect(p.linkField).toBeNull();
  });

  it("finds the core fields by label and type, and makes a TODO for each one missing", () => {
    const p = propose();
    expect(p.statusField?.id).toBe("102");
    expect(p.value?.id).toBe("103");
    expect(p.reviewAt?.id).toBe("104");
    expect(p.type?.id).toBe("105");
    expect(p.groups).toBeNull();
    expect(todosAt(p, "fields.groups")).toHaveLength(1);
    expect(todosAt(p, "fields.value")).toEqual([]);
  });

  it("matches custom fields by label and compatible type, whatever the letter case", () => {
    const p = propose();
    const byKey = Object.fromEntries(p.customFields.map((f) => [f.key, f]));
    expect(Object.keys(byKey).sort()).toEqual(["favourite_drink", "next_meeting", "risk_score", "vulnerable"]);
    expect(byKey.favourite_drink).toMatchObject({ plannr: "favourite_drink", onlyoffice: 110, type: "select" });
    expect(byKey.risk_score).toMatchObject({ onlyoffice: 111, type: "number" });
    expect(byKey.vulnerable).toMatchObject({ onlyoffice: 112, type: "boolean" });
    expect(byKey.next_meeting).toMatchObject({ onlyoffice: 113, type: "date" });
  });

  it("turns a field without a compatible match into a TODO with candidates", () => {
    const texts = todosAt(propose(), "customFields");
    const wealth = texts.find((t) => t.includes("wealth_band"));
    // "Wealth band" exists in ONLYOFFICE, but as a Date: not a text field.
    expect(wealth).toMatch(/has no ONLYOFFICE field of the same label; candidates: /);
    expect(wealth).toContain('115 "Notes" (TextArea)');
    expect(wealth).not.toContain('114 "Wealth band"');
    expect(texts.some((t) => t.includes("attachment") && t.includes("does not map"))).toBe(true);
  });

  it("says 'create one' when no candidate is left", () => {
    const p = propose({ onlyoffice: onlyofficeRef({ customFields: [field("101", LINK_FIELD_LABEL, "TextField")] }) });
    expect(todosAt(p, "customFields").find((t) => t.includes("risk_score"))).toMatch(/: create one$/);
  });

  it("renames select options that differ by letter case, and notes missing ones", () => {
    const drink = propose().customFields.find((f) => f.key === "favourite_drink");
    expect(drink?.options).toEqual({ coffee: "Coffee" });
    expect(drink?.note).toMatch(/lacks the options Juice/);
    expect(propose().customFields.find((f) => f.key === "risk_score")?.note).toBeNull();
  });

  it("renames statuses by letter case and makes a TODO for a status with no option", () => {
    const p = propose();
    expect(p.statuses).toEqual({ "on hold": "On Hold" });
    const texts = todosAt(p, "statuses");
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/"Archived" has no option/);
  });

  it("proposes no Plannr link stamp: a Plannr field named onlyoffice_case_id is an ordinary field (issue 8 item 9)", () => {
    const p = propose();
    expect(p).not.toHaveProperty("mirrorField");
    // Without an ONLYOFFICE field of its label it is not mapped, only listed as a TODO like any other.
    expect(p.customFields.some((f) => f.plannr === "onlyoffice_case_id")).toBe(false);
    expect(todosAt(p, "customFields")).toContainEqual(expect.stringMatching(/^Plannr field "onlyoffice_case_id"/));
    expect(renderMapping(p, HEADER)).not.toMatch(/mirrorField|^plannr:/m);
  });

  it("detects the date pattern from the samples", () => {
    const p = propose();
    expect(p.datePattern).toBe("dd/MM/yyyy");
    expect(todosAt(p, "onlyoffice.datePattern")).toEqual([]);
  });

  it("makes the date pattern a TODO when the samples are ambiguous", () => {
    const p = propose({ dateSamples: ["01/02/2024", "03/04/2024"] });
    expect(p.datePattern).toBe("yyyy-MM-dd");
    expect(todosAt(p, "onlyoffice.datePattern")[0]).toMatch(/"01\/02\/2024"/);
  });

  it("keeps the ISO default without a TODO when the portal shows ISO dates or none", () => {
    for (const samples of [[], ["2024-03-05"], ["2024-03-05T00:00:00.0000000Z"]]) {
      const p = propose({ dateSamples: samples });
      expect(p.datePattern).toBe("yyyy-MM-dd");
      expect(todosAt(p, "onlyoffice.datePattern")).toEqual([]);
    }
  });

  it("notes staff matched by e-mail and clients without e-mail", () => {
    const notes = propose().notes.join("\n");
    expect(notes).toContain("staff matched by e-mail: 1 of 3 Plannr employees (2 ONLYOFFICE users)");
    expect(notes).toContain("bo@firm.co.uk, Cy");
    expect(notes).toContain("1 Plannr clients have an ONLYOFFICE person contact of the same e-mail");
    expect(notes).toContain("1 Plannr clients have no e-mail");
  });

  it("gives every custom field a key the mapping schema accepts, even from awkward Plannr references", () => {
    const plannr = plannrRef({
      customFields: [
        field("p1", "Value band", "string", null, "value"),
        field("p2", "Second adviser", "string", null, "2nd_adviser"),
        field("p3", "Notes (internal)", "string", null, "notes internal"),
      ],
    });
    const onlyoffice = onlyofficeRef({
      customFields: [field("201", "Value band", "TextField"), field("202", "Second adviser", "TextField"), field("203", "Notes (internal)", "TextField")],
    });
    const p = propose({ plannr, onlyoffice });
    expect(p.customFields.map((f) => f.plannr)).toEqual(["value", "2nd_adviser", "notes internal"]);
    expect(p.customFields.map((f) => f.key)).toEqual(["plannr_value", "f_2nd_adviser", "notes_internal"]);
    const mapping = parseMapping(renderMapping(p, HEADER), "init.yaml");
    expect(mapping.customFields.map((f) => f.plannr)).toEqual(["value", "2nd_adviser", "notes internal"]);
  });
});

describe("customKeyFor", () => {
  it("keeps a reference that is already a good key", () => {
    expect(customKeyFor("favourite_drink", new Set())).toBe("favourite_drink");
  });

  it("repairs references the schema would refuse and avoids core group names and taken keys", () => {
    expect(customKeyFor("notes internal", new Set())).toBe("notes_internal");
    expect(customKeyFor("2nd_adviser", new Set())).toBe("f_2nd_adviser");
    expect(customKeyFor("status", new Set())).toBe("plannr_status");
    expect(customKeyFor("???", new Set())).toBe("field");
    expect(customKeyFor("drink", new Set(["drink", "drink_2"]))).toBe("drink_3");
  });
});

describe("renderMapping", () => {
  it("writes YAML that parses with parseMapping and round-trips the proposal", () => {
    const p = propose();
    const m = parseMapping(renderMapping(p, HEADER), "init.yaml");
    expect(m.onlyoffice.linkField).toBe(p.linkField);
    expect(m.onlyoffice.datePattern).toBe(p.datePattern);
    expect(m.fields.status.onlyofficeField).toBe(102);
    expect(m.fields.value.onlyofficeField).toBe(103);
    expect(m.fields.reviewAt.onlyofficeField).toBe(104);
    expect(m.fields.type).toEqual({ direction: "plannr-to-onlyoffice", onlyofficeField: 105 });
    expect(m.fields.groups).toEqual({ direction: "plannr-to-onlyoffice", onlyofficeField: null });
    expect(m.plannr).toEqual({ pageSize: 500 });
    expect(m.statuses).toEqual(p.statuses);
    expect(m.customFields).toEqual(
      p.customFields.map((f) => ({ key: f.key, plannr: f.plannr, onlyoffice: f.onlyoffice, type: f.type, direction: "both", options: f.options })),
    );
    // What it spells out equals the schema's own defaults.
    const defaults = MappingSchema.parse({});
    expect(m.deletes).toEqual(defaults.deletes);
    expect(m.conflicts).toEqual(defaults.conflicts);
    expect(m.people).toEqual(defaults.people);
  });

  it("puts each TODO as a comment next to its setting", () => {
    const text = renderMapping(propose({ dateSamples: ["01/02/2024"] }), HEADER);
    const lines = text.split("\n");
    const groupsLine = lines.findIndex((l) => l === "  groups:");
    expect(lines[groupsLine - 1]).toMatch(/^ {2}# TODO: no ONLYOFFICE field found/);
    const patternLine = lines.findIndex((l) => l.startsWith("  datePattern:"));
    expect(lines[patternLine - 1]).toMatch(/^ {2}# TODO: .*"01\/02\/2024"/);
    expect(text).toMatch(/# TODO: Plannr status "Archived" has no option/);
    expect(text).toMatch(/# TODO: ONLYOFFICE "Favourite Drink" lacks the options Juice/);
    expect(text).toContain("# Plannr: Plannr account 1234");
  });

  it("writes access as an object: mode assignees, unassigned private with its comment (issue 8 item 16)", () => {
    const text = renderMapping(propose(), HEADER);
    const lines = text.split("\n");
    const at = lines.indexOf("access:");
    expect(lines.slice(at, at + 3)).toEqual([
      "access:",
      "  mode: assignees",
      '  unassigned: private   # a case with no mappable assignee stays private to the integration user; "public" opts in',
    ]);
    expect(parseMapping(text, "init.yaml").access).toEqual({ mode: "assignees", unassigned: "private" });
  });

  it("writes a mapping with nothing matched that still loads", () => {
    const empty: Reference = { side: "plannr", statuses: [], customFields: [], staff: [], people: [], integrationUser: null };
    const p = proposeMapping({ plannr: empty, onlyoffice: { ...empty, side: "onlyoffice" }, dateSamples: [] });
    const m = parseMapping(renderMapping(p, HEADER), "init.yaml");
    expect(m.onlyoffice.linkField).toBeNull();
    expect(m.customFields).toEqual([]);
    expect(m.statuses).toEqual({});
  });

  it("quotes option and status names YAML would otherwise read as other types or break on", () => {
    const plannr = plannrRef({
      statuses: [status("s1", "yes", false, 1), status("s2", "n/a: none", true, 2), status("s3", "null", false, 3)],
      customFields: [field("p1", "Answer", "selection", ["true", "1", "no", "#1 choice"], "answer")],
    });
    const onlyoffice = onlyofficeRef({
      customFields: [
        field("101", LINK_FIELD_LABEL, "TextField"),
        field("102", "Status", "SelectBox", ["Yes", "N/A: None", "NULL"]),
        field("110", 'The "Answer"\nfield #2', "SelectBox", ["True", "1", "NO", "#1 Choice"]),
      ],
    });
    const plannrWithLabel = { ...plannr, customFields: [field("p1", 'The "Answer"\nfield #2', "selection", ["true", "1", "no", "#1 choice"], "answer")] };
    const p = proposeMapping({ plannr: plannrWithLabel, onlyoffice, dateSamples: [] });
    expect(p.statuses).toEqual({ yes: "Yes", "n/a: none": "N/A: None", null: "NULL" });
    expect(p.customFields[0]?.options).toEqual({ true: "True", no: "NO", "#1 choice": "#1 Choice" });
    const m = parseMapping(renderMapping(p, { ...HEADER, onlyoffice: "portal\nwith: newline" }), "init.yaml");
    expect(m.statuses).toEqual(p.statuses);
    expect(m.customFields[0]?.options).toEqual(p.customFields[0]?.options);
  });
});

describe("verifyMapping", () => {
  const mapping = (input: MappingInput = {}): Mapping =>
    MappingSchema.parse({
      onlyoffice: { linkField: 101 },
      fields: { status: { onlyofficeField: 102 }, value: { onlyofficeField: 103 }, reviewAt: { onlyofficeField: 104 } },
      customFields: [{ key: "risk", plannr: "risk_score", onlyoffice: 111, type: "number" }],
      ...input,
    });
  const failures = (items: CheckItem[]) => items.filter((i) => !i.ok);

  it("passes a mapping that fits both systems (statuses renamed as the field's options)", () => {
    const items = verifyMapping(mapping({ statuses: { "on hold": "On Hold", Archived: "Complete" } }), plannrRef(), onlyofficeRef());
    expect(failures(items)).toEqual([]);
    expect(items.find((i) => i.name === "customFields[0] risk")?.detail).toContain('"Risk score" (number) ⇄ ONLYOFFICE "Risk Score" (TextField)');
  });

  it("flags an unset link field", () => {
    const items = verifyMapping(mapping({ onlyoffice: { linkField: null } }), plannrRef(), onlyofficeRef());
    expect(failures(items).map((i) => i.name)).toContain("link field");
  });

  it("flags a field id that does not exist", () => {
    const items = verifyMapping(mapping({ fields: { value: { onlyofficeField: 999 } } }), plannrRef(), onlyofficeRef());
    const bad = failures(items).find((i) => i.name === "value field");
    expect(bad?.detail).toMatch(/field 999 does not exist/);
    expect(bad?.severity).toBe("error");
  });

  it("flags a custom field whose ONLYOFFICE id or Plannr reference does not exist", () => {
    const items = verifyMapping(
      mapping({ customFields: [{ key: "risk", plannr: "risk_score", onlyoffice: 999, type: "number" }, { key: "x", plannr: "nope", onlyoffice: 111, type: "number" }] }),
      plannrRef(),
      onlyofficeRef(),
    );
    const details = failures(items).map((i) => i.detail);
    expect(details).toContain("ONLYOFFICE has no case custom field 999");
    expect(details).toContain('Plannr has no case custom field with reference "nope"');
  });

  it("flags incompatible types on either side", () => {
    const items = verifyMapping(
      mapping({
        fields: { reviewAt: { onlyofficeField: 112 } },
        customFields: [
          { key: "risk", plannr: "risk_score", onlyoffice: 113, type: "number" },
          { key: "drink", plannr: "favourite_drink", onlyoffice: 111, type: "number" },
        ],
      }),
      plannrRef(),
      onlyofficeRef(),
    );
    const details = failures(items).map((i) => `${i.name}: ${i.detail}`);
    expect(details).toContainEqual(expect.stringMatching(/^review date field: ONLYOFFICE field 112 "Vulnerable client" is a CheckBox; expected Date or TextField/));
    expect(details).toContainEqual(expect.stringMatching(/^customFields\[0\] risk: ONLYOFFICE field 113 "Next meeting" is a Date; type number needs TextField/));
    expect(details).toContainEqual(expect.stringMatching(/^customFields\[1\] drink: Plannr "favourite_drink" is a selection field/));
  });

  it("warns (not errors) about select options the ONLYOFFICE field lacks", () => {
    const items = verifyMapping(
      mapping({ customFields: [{ key: "drink", plannr: "favourite_drink", onlyoffice: 110, type: "select", options: { coffee: "Coffee" } }] }),
      plannrRef(),
      onlyofficeRef(),
    );
    const drink = items.find((i) => i.name === "customFields[0] drink");
    expect(drink).toMatchObject({ ok: false, severity: "warning" });
    expect(drink?.detail).toContain('"Juice"');
    expect(drink?.detail).not.toContain("coffee");
  });

  it("flags unknown status names in statuses, closedStatus and openStatus, and missing status options", () => {
    const items = verifyMapping(mapping({ statuses: { Pending: "Waiting" }, closedStatus: "Done", openStatus: "Open" }), plannrRef(), onlyofficeRef());
    const details = failures(items).map((i) => `${i.name}: ${i.detail}`);
    expect(details).toContain('statuses: statuses: "Pending" is no Plannr status');
    expect(details).toContainEqual(expect.stringMatching(/^closedStatus: "Done" is no Plannr status/));
    expect(details.some((d) => d.startsWith("openStatus"))).toBe(false);
    expect(details).toContainEqual(expect.stringMatching(/^status field options: .*"on hold", "Archived"/));
  });

  it("flags a Plannr side without statuses", () => {
    const items = verifyMapping(mapping({ fields: { status: { onlyofficeField: null } } }), plannrRef({ statuses: [] }), onlyofficeRef());
    expect(failures(items).map((i) => i.detail)).toContain("Plannr lists no case statuses");
  });

  it("has no mirror-field check (plannr.mirrorField is refused by the schema instead)", () => {
    const items = verifyMapping(mapping({ plannr: { mirrorField: null } }), plannrRef(), onlyofficeRef());
    expect(items.map((i) => i.name)).not.toContain("mirror field");
  });

  it("flags a missing defaultClient, and accepts an existing one in any letter case", () => {
    const missing = verifyMapping(mapping({ people: { defaultClient: "99999999-1111-2222-3333-444455556666" } }), plannrRef(), onlyofficeRef());
    expect(failures(missing).find((i) => i.name === "defaultClient")?.detail).toMatch(/is no Plannr client/);
    const present = verifyMapping(mapping({ people: { defaultClient: CLIENT.toUpperCase() } }), plannrRef(), onlyofficeRef());
    expect(failures(present).map((i) => i.name)).not.toContain("defaultClient");
  });

  it("refuses a defaultClient that is not a client (Plannr refuses a case without a client)", () => {
    const plannr = plannrRef({ people: [person(CLIENT, "acme@example.com", "company")] });
    const items = verifyMapping(mapping({ people: { defaultClient: CLIENT } }), plannr, onlyofficeRef());
    expect(failures(items).map((i) => i.name)).toContain("defaultClient");
  });

  it("warns about overrides naming people that do not exist", () => {
    const items = verifyMapping(mapping({ people: { overrides: [{ plannr: "99999999-1111-2222-3333-444455556666", onlyoffice: 404 }] } }), plannrRef(), onlyofficeRef());
    const overrides = items.filter((i) => i.name === "people override");
    expect(overrides).toHaveLength(2);
    expect(overrides.every((i) => i.severity === "warning" && !i.ok)).toBe(true);
  });

  it("accepts what init proposes for the same references", () => {
    const p = propose({ onlyoffice: onlyofficeRef({ customFields: onlyofficeRef().customFields.filter((f) => f.id !== "110") }) });
    const m = parseMapping(renderMapping(p, HEADER), "init.yaml");
    const found = failures(verifyMapping(m, plannrRef(), onlyofficeRef()));
    // The one known gap: Plannr's "Archived" has no option in the status field (a TODO in the file).
    // A sync would fail on it, so check says so as an error until the option is added.
    expect(found.filter((i) => i.severity === "error").map((i) => i.name)).toEqual(["status field options"]);
    expect(found.filter((i) => i.severity === "warning")).toEqual([]);
  });
});

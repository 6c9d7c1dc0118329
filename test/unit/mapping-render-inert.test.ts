// The mapping `init` writes quotes labels, names and options from the CRMs (issue 9 item 4): in a
// comment they are inert (one line, no escape sequence, no bidi override); as values they keep
// their exact text, escaped by YAML so the file shows nothing raw and reads back the same.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseMapping } from "../../src/mapping/load.js";
import type { Proposal } from "../../src/mapping/propose.js";
import { renderMapping } from "../../src/mapping/render.js";

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const FORGED = 'x\u001b[31m\r\nclosedStatus: Archived\r\n{"level":50,"msg":"forged"}\u202e\u009b31m\u007f';

function proposal(): Proposal {
  return {
    linkField: 101,
    statusField: { id: "102", key: "102", label: `Status${FORGED}`, nativeType: "SelectBox", options: ["Open", `Done${FORGED}`] },
    value: null,
    reviewAt: null,
    type: null,
    groups: null,
    customFields: [
      {
        key: "notes",
        plannr: `no\u202etes\u0085x`,
        onlyoffice: 110,
        type: "select",
        label: `Notes${FORGED}`,
        options: { [`Tea${FORGED}`]: `Tea\u2066cup\u2069` },
        note: `TODO: ONLYOFFICE "Notes${FORGED}" lacks the options A; add them`,
      },
    ],
    statuses: { [`Complete${FORGED}`]: `Done${FORGED}`, Open: "Open\u0000" },
    datePattern: "yyyy-MM-dd",
    todos: [{ at: "customFields", text: `Plannr field "x" ("Label${FORGED}", string) has no ONLYOFFICE field of the same label` }],
    notes: [`staff matched by e-mail: 1 of 1 (portal ${FORGED})`],
  };
}

describe("renderMapping with hostile CRM text", () => {
  const header = { plannr: `Plannr account ${FORGED}`, onlyoffice: `ONLYOFFICE portal ${FORGED}`, generatedAt: "2025-01-01T00:00:00.000Z" };

  it("writes no raw control, line-break or bidi character, and no line the CRM text started", () => {
    const text = renderMapping(proposal(), header);
    expect(text).not.toMatch(ACTIVE);
    expect(text).not.toMatch(/^closedStatus: Archived/m);
    expect(text).not.toMatch(/^\{"level"/m);
    expect(text.match(/^closedStatus:/gm)).toHaveLength(1);
  });

  it("quotes labels in comments inert and visible", () => {
    const text = renderMapping(proposal(), header);
    expect(text).toContain('onlyofficeField: 102   # "Statusx\\u001b[31m closedStatus: Archived {"level":50,"msg":"forged"}\\u202e\\u009b31m\\u007f"');
    expect(text).toContain("# TODO: Plannr field");
    expect(text).toContain("# Plannr: Plannr account x\\u001b[31m closedStatus");
  });

  it("keeps values exact: statuses, options and field keys read back as the CRM wrote them", () => {
    const p = proposal();
    const text = renderMapping(p, header);
    const raw = parse(text) as { statuses: Record<string, string>; customFields: { plannr: string; options: Record<string, string> }[]; closedStatus: unknown };
    expect(raw.statuses).toEqual(p.statuses);
    expect(raw.customFields[0]?.plannr).toBe(p.customFields[0]?.plannr);
    expect(raw.customFields[0]?.options).toEqual(p.customFields[0]?.options);
    expect(raw.closedStatus).toBeNull();
    const mapping = parseMapping(text, "init.yaml");
    expect(mapping.statuses).toEqual(p.statuses);
  });

  it("leaves ordinary accented names and emoji as YAML writes them", () => {
    const p = { ...proposal(), statuses: { "Clôturé": "Fermé ✅", "Ärger": "Ärger 😀" }, todos: [], notes: [] };
    const text = renderMapping(p, { ...header, plannr: "Zoë's firm", onlyoffice: "Portal" });
    expect(text).toContain("  Clôturé: Fermé ✅");
    expect(text).toContain("  Ärger: Ärger 😀");
    expect(text).toContain("# Plannr: Zoë's firm");
  });
});

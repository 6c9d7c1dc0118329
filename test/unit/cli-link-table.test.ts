// Issue 10 item 4: the link table as CSV (RFC 4180: a header row, every field quoted, `""` for a
// quote, CRLF line ends) and as a table, with CRM titles inert and never read as a formula.
import { describe, expect, it } from "vitest";
import { csvField, renderLinksCsv, renderLinksTable } from "../../src/cli/link-table.js";
import type { LinkRow } from "../../src/library/admin.js";

const row = (title: string, how: LinkRow["how"] = "create"): LinkRow => ({ plannrId: "0ab72051-56af-4f82-bda1-8a9ac26a996e", onlyofficeId: "1042", title, linkedAt: "2025-01-31T09:00:00.000Z", how });

describe("csvField", () => {
  it("quotes every field and doubles quotes; commas and quotes stay data", () => {
    expect(csvField("plain")).toBe('"plain"');
    expect(csvField('Smith, "Jr"')).toBe('"Smith, ""Jr"""');
    expect(csvField("")).toBe('""');
  });

  it("defuses formulas: = + - @ (also after blanks, also full-width) get a leading quote", () => {
    for (const title of ["=1+1", "+44 7700 900123", "-2", "@SUM(A1)", "  =cmd", "\t=cmd", "\uff1d1+1"]) expect(csvField(title), title).toMatch(/^"'/);
    expect(csvField("Annual review = done")).toBe('"Annual review = done"');
  });

  it("makes CRM text inert: no escape sequence, no line break, no bidi override", () => {
    const field = csvField("a\u001b[2Jb\r\nc\u202ed");
    expect(field).toBe('"a\\u001b[2Jb c\\u202ed"');
  });
});

describe("renderLinksCsv", () => {
  it("is a header row and one CRLF-ended record per link; an old link's `how` is empty", () => {
    expect(renderLinksCsv([row("Annual review"), row("Pension", null)])).toBe(
      '"plannr_uuid","onlyoffice_id","title","linked_at","how"\r\n' +
        '"0ab72051-56af-4f82-bda1-8a9ac26a996e","1042","Annual review","2025-01-31T09:00:00.000Z","create"\r\n' +
        '"0ab72051-56af-4f82-bda1-8a9ac26a996e","1042","Pension","2025-01-31T09:00:00.000Z",""\r\n',
    );
    expect(renderLinksCsv([])).toBe('"plannr_uuid","onlyoffice_id","title","linked_at","how"\r\n');
  });
});

describe("renderLinksTable", () => {
  it("pads the columns, puts the title last and cuts a long one", () => {
    const table = renderLinksTable([row("x".repeat(200)), row("short\nforged line", "hand")]);
    const lines = table.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^PLANNR UUID {2,}ONLYOFFICE ID {2,}HOW {2,}LINKED AT {2,}TITLE$/);
    // Every column starts where its heading does.
    expect(lines[2]?.indexOf("hand")).toBe(lines[0]?.indexOf("HOW"));
    expect(lines[1]?.endsWith("…")).toBe(true);
    expect(lines[2]).toContain("short forged line");
  });
});

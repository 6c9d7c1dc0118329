// Issue 10 item 4 (the link table export) and item 9 (`link` to a missing id) through the built
// CLI: `case-sync links` prints a table, `--csv` RFC 4180 CSV with a header row, `--json` one
// array, all on stdout; titles from the CRMs stay inert and a spreadsheet never reads one as a
// formula. The library's `links()` returns the same rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSync } from "../../src/library/create-sync.js";
import type { LinkRow } from "../../src/library/admin.js";
import { cliWorld, initMapping, parseJson, type CliWorld } from "../support/cli.js";

let w: CliWorld;
const HOSTILE = "=HYPERLINK(\"http://evil.example\",\"x\")\u001b[31m, \"quoted\"\nsecond line";

beforeAll(async () => {
  w = await cliWorld({ seed: 41, cases: 6, onlyofficeCases: 1 });
  await initMapping(w);
  expect((await w.run(["migrate", "--from", "plannr"])).code).toBe(0);
  const first = w.sandboxes.plannr.listCases()[0]!;
  w.sandboxes.plannr.editCase(first.uuid, { name: HOSTILE });
  expect((await w.run(["sync"])).code).toBe(0);
});
afterAll(async () => {
  await w.close();
});

/** RFC 4180 (every field quoted, `""` for a quote, CRLF between records). */
function parseCsv(text: string): string[][] {
  expect(text.endsWith("\r\n")).toBe(true);
  return text
    .slice(0, -2)
    .split("\r\n")
    .map((line) => {
      const fields = [...line.matchAll(/"((?:[^"]|"")*)"(?:,|$)/g)].map((m) => (m[1] ?? "").replace(/""/g, '"'));
      expect(fields.map((f) => `"${f.replace(/"/g, '""')}"`).join(",")).toBe(line);
      return fields;
    });
}

describe("case-sync links", () => {
  it("--json prints every link as one array on stdout: uuid, id, title, linked at, how", async () => {
    const result = await w.run(["links", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const rows = parseJson<LinkRow[]>(result);
    expect(rows).toHaveLength(w.sandboxes.plannr.listCases().length);
    for (const row of rows.filter((r) => r.how !== "create")) expect(row.how).toBe("stamp");
    for (const row of rows.filter((r) => r.how === "create")) {
      expect(Object.keys(row).sort()).toEqual(["how", "linkedAt", "onlyofficeId", "plannrId", "title"]);
      expect(row.how).toBe("create");
      expect(Object.values(w.sandboxes.onlyoffice.getCase(Number(row.onlyofficeId))?.customFields ?? {})).toContain(row.plannrId);
    }
    const renamed = rows.find((r) => r.plannrId === w.sandboxes.plannr.listCases()[0]!.uuid);
    // JSON is data: the title comes back exactly, and no raw control character is printed.
    expect(renamed?.title).toBe(HOSTILE);
    expect(result.stdout).not.toContain("\u001b");
  });

  it("--csv is RFC 4180 with a header row; cells are inert and never a formula", async () => {
    const result = await w.run(["links", "--csv"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("\u001b");
    const [header, ...rows] = parseCsv(result.stdout);
    expect(header).toEqual(["plannr_uuid", "onlyoffice_id", "title", "linked_at", "how"]);
    expect(rows).toHaveLength(w.sandboxes.plannr.listCases().length);
    const hostile = rows.find((r) => r[0] === w.sandboxes.plannr.listCases()[0]!.uuid);
    expect(hostile?.[2]).toBe(`'=HYPERLINK("http://evil.example","x")\\u001b[31m, "quoted" second line`);
    for (const row of rows) {
      expect(row).toHaveLength(5);
      expect(row[2]).not.toMatch(/^[=+\-@]/);
      expect(["create", "stamp"]).toContain(row[4]);
    }
  });

  it("the default is a readable table on stdout, with a count on stderr", async () => {
    const result = await w.run(["links"]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^PLANNR UUID\s+ONLYOFFICE ID\s+HOW\s+LINKED AT\s+TITLE$/);
    expect(lines).toHaveLength(1 + w.sandboxes.plannr.listCases().length);
    expect(result.stdout).not.toContain("\u001b");
    expect(result.stdout.split("\n").every((line) => !line.startsWith("second line"))).toBe(true);
    expect(result.stderr).toContain(`${lines.length - 1} links`);
  });

  it("--json and --csv together are a usage error; a state that does not exist yet is named", async () => {
    expect((await w.run(["links", "--json", "--csv"])).code).toBe(2);
    const missing = await w.run(["links"], { CASE_SYNC_STATE: `${w.dir}/nowhere.db` });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nowhere.db");
    expect(missing.stdout).toBe("");
  });

  it("the library's links() returns the same rows; a link made by hand says so", async () => {
    const unlinkedPlannr = w.sandboxes.plannr.listCases()[1]!.uuid;
    const partner = w.sandboxes.onlyoffice.listCases().find((c) => Object.values(c.customFields).includes(unlinkedPlannr))!;
    expect((await w.run(["unlink", unlinkedPlannr])).code).toBe(0);
    expect((await w.run(["link", unlinkedPlannr, String(partner.id)])).code).toBe(0);
    const sync = createSync({
      plannr: { baseUrl: w.env.PLANNR_BASE_URL!, token: w.env.PLANNR_TOKEN!, accountUuid: w.env.PLANNR_ACCOUNT_UUID! },
      onlyoffice: { baseUrl: w.env.ONLYOFFICE_BASE_URL!, token: w.env.ONLYOFFICE_TOKEN! },
      mapping: w.mappingPath,
      store: w.statePath,
    });
    try {
      const rows = await sync.links();
      const byHand = rows.find((r) => r.plannrId === unlinkedPlannr);
      expect(byHand).toMatchObject({ onlyofficeId: String(partner.id), how: "hand", title: "" });
      expect(parseJson<LinkRow[]>(await w.run(["links", "--json"]))).toEqual(rows);
    } finally {
      await sync.close();
    }
  });
});

describe("case-sync link to a case that does not exist (item 9)", () => {
  it("is a usage error (exit 2) naming the id, not an abort (exit 4)", async () => {
    const plannr = w.sandboxes.plannr.listCases()[2]!.uuid;
    const onlyoffice = w.sandboxes.onlyoffice.listCases().find((c) => Object.values(c.customFields).includes(plannr))!;
    expect((await w.run(["unlink", plannr])).code).toBe(0);
    const missingOnlyoffice = await w.run(["link", plannr, "999999"]);
    expect(missingOnlyoffice.code, missingOnlyoffice.stderr).toBe(2);
    expect(missingOnlyoffice.stderr).toContain("ONLYOFFICE case 999999 does not exist");
    const ghost = "00000000-0000-4000-8000-000000000000";
    const missingPlannr = await w.run(["link", ghost, String(onlyoffice.id)]);
    expect(missingPlannr.code, missingPlannr.stderr).toBe(2);
    expect(missingPlannr.stderr).toContain(`Plannr case ${ghost} does not exist`);
    expect((await w.run(["link", plannr, String(onlyoffice.id)])).code).toBe(0);
  });
});

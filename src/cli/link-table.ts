// `case-sync links`: the link table as a person reads it (a table), as a spreadsheet takes it
// (CSV, RFC 4180) and as a program takes it (JSON, printed by the caller). Titles come from the
// CRMs: in the table and the CSV each cell is made inert (no escape sequence, no line break), and a
// CSV cell a spreadsheet would read as a formula (= + - @ at its start) gets a leading `'`
// (OWASP "CSV injection"), so opening the export never runs anything.
import { inertText } from "../core/inert-text.js";
import type { LinkRow } from "../library/admin.js";

export const LINK_COLUMNS = ["plannr_uuid", "onlyoffice_id", "title", "linked_at", "how"] as const;

function cells(row: LinkRow): string[] {
  return [row.plannrId, row.onlyofficeId, row.title, row.linkedAt, row.how ?? ""];
}

/** A cell starting (after blanks) with a formula sign, ASCII or full-width, is taken as text by every spreadsheet. */
const FORMULA_START = /^[\s]*[=+\-@\uff1d\uff0b\uff0d\uff20]/u;

/** One CSV field: inert, defused, always quoted (`"` doubled), per RFC 4180. */
export function csvField(value: string): string {
  const text = inertText(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The whole export: a header row, then one row per link, each line ending CRLF (RFC 4180). */
export function renderLinksCsv(rows: readonly LinkRow[]): string {
  const lines = [LINK_COLUMNS.map(csvField), ...rows.map((row) => cells(row).map(csvField))];
  return lines.map((fields) => `${fields.join(",")}\r\n`).join("");
}

const HEADINGS = ["PLANNR UUID", "ONLYOFFICE ID", "HOW", "LINKED AT", "TITLE"];
/** A title in the table is cut here (the CSV and JSON have it whole). */
const MAX_TITLE = 80;

/** Columns padded to their widest cell; the title last, so a long one does not push the others. */
export function renderLinksTable(rows: readonly LinkRow[]): string {
  const table = [HEADINGS, ...rows.map((r) => [inertText(r.plannrId), inertText(r.onlyofficeId), r.how ?? "-", inertText(r.linkedAt), inertText(r.title, MAX_TITLE)])];
  const widths = HEADINGS.map((_, i) => Math.max(...table.map((line) => (line[i] ?? "").length)));
  return table.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ").trimEnd()).join("\n");
}

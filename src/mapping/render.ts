// Writes a proposal as a commented YAML mapping file: every setting with a line saying what it
// does, TODOs where init could not decide, and the defaults spelled out so they can be changed.
// Labels, names and status options come from the CRMs (issue 9 item 4): in a comment they are
// made inert (a line break would end the comment and start a key; an escape sequence would act
// on whoever `cat`s the file); as values they keep their exact text, escaped by YAML itself.
import { stringify } from "yaml";
import { inertJson, inertText } from "../core/inert-text.js";
import { LINK_FIELD_LABEL, type Proposal, type Todo } from "./propose.js";

/** A label quoted in a comment: long enough to recognise, short enough for one line. */
const MAX_LABEL = 200;

/** One YAML scalar on one line: quoted when YAML would read it as something else (`true`, `null`, `#x`). */
function scalar(value: unknown): string {
  // A string with a control, bidi or line-break character is written as a JSON string: a valid YAML
  // double-quoted scalar in which every such character is a `\uXXXX` escape (YAML's own style
  // leaves bidi, DEL and C1 raw), so the file shows it inert and reads back the exact text.
  if (typeof value === "string" && inertText(value) !== value) return inertJson(JSON.stringify(value));
  // `blockQuote: false`: a value with a line break is written "a\nb", never as a block on the next lines.
  return stringify(value, { lineWidth: 0, blockQuote: false }).trimEnd();
}

/** Text for a `#` comment: one line, nothing in it that acts on a terminal. */
function comment(text: string, max?: number): string {
  return inertText(text, max);
}

function todoLines(todos: readonly Todo[], at: string, indent = ""): string[] {
  return todos.filter((t) => t.at === at).map((t) => `${indent}# TODO: ${comment(t.text)}`);
}

function fieldLine(name: string, id: string | null, direction: string, label: string | null, todos: readonly Todo[]): string[] {
  return [
    ...todoLines(todos, `fields.${name}`, "  "),
    `  ${name}:`,
    `    direction: ${direction}`,
    `    onlyofficeField: ${id ?? "null"}${label ? `   # "${comment(label, MAX_LABEL)}"` : ""}`,
  ];
}

export function renderMapping(proposal: Proposal, header: { plannr: string; onlyoffice: string; generatedAt: string }): string {
  const t = proposal.todos;
  const lines: string[] = [
    `# case-sync mapping, written by \`case-sync init\` on ${comment(header.generatedAt)}`,
    `# Plannr: ${comment(header.plannr)}`,
    `# ONLYOFFICE: ${comment(header.onlyoffice)}`,
    "# Review every TODO, then run `case-sync check`. Schema: mappings/mapping.schema.json",
    ...proposal.notes.map((n) => `# ${comment(n)}`),
    "",
    "version: 1",
    "# Dates compare as calendar dates in this zone.",
    "timeZone: Europe/London",
    "# A Plannr value in another currency is reported, never converted.",
    "currency: GBP",
    "",
    "onlyoffice:",
    `  # The case field holding the Plannr uuid: the durable half of every link (never edit it by hand).`,
    ...todoLines(t, "onlyoffice.linkField", "  "),
    `  linkField: ${proposal.linkField ?? "null"}${proposal.linkField !== null ? `   # "${LINK_FIELD_LABEL}"` : ""}`,
    "  # How the portal shows dates typed in the UI (case-sync writes yyyy-MM-dd and reads both).",
    ...todoLines(t, "onlyoffice.datePattern", "  "),
    `  datePattern: ${scalar(proposal.datePattern)}`,
    "  # Migration only: a Date or text field that receives the Plannr created date (null: not copied).",
    "  createdAtField: null",
    "",
    "# Which way each field group flows: both, plannr-to-onlyoffice, onlyoffice-to-plannr or none.",
    "fields:",
    "  title: both",
    ...fieldLine("status", proposal.statusField?.id ?? null, "both", proposal.statusField?.label ?? null, t),
    "  participants: both",
    "  assignees: both",
    ...fieldLine("value", proposal.value?.id ?? null, "both", proposal.value?.label ?? null, t),
    ...fieldLine("reviewAt", proposal.reviewAt?.id ?? null, "both", proposal.reviewAt?.label ?? null, t),
    ...fieldLine("type", proposal.type?.id ?? null, "plannr-to-onlyoffice", proposal.type?.label ?? null, t),
    ...fieldLine("groups", proposal.groups?.id ?? null, "plannr-to-onlyoffice", proposal.groups?.label ?? null, t),
    "",
    "# Custom fields matched by label and compatible type (key: the name used in reports and conflict policies).",
    ...todoLines(t, "customFields"),
  ];
  if (proposal.customFields.length === 0) lines.push("customFields: []");
  else {
    lines.push("customFields:");
    for (const f of proposal.customFields) {
      if (f.note) lines.push(`  # ${comment(f.note)}`);
      lines.push(`  - key: ${scalar(f.key)}`, `    plannr: ${scalar(f.plannr)}`, `    onlyoffice: ${f.onlyoffice}   # "${comment(f.label, MAX_LABEL)}"`, `    type: ${f.type}`, "    direction: both");
      const renames = Object.entries(f.options);
      if (renames.length > 0) {
        lines.push("    options:");
        for (const [from, to] of renames) lines.push(`      ${scalar(from)}: ${scalar(to)}`);
      }
    }
  }
  lines.push("", "# Plannr status name → the text in the ONLYOFFICE status field, where they differ.", ...todoLines(t, "statuses"));
  const renames = Object.entries(proposal.statuses);
  if (renames.length === 0) lines.push("statuses: {}");
  else {
    lines.push("statuses:");
    for (const [from, to] of renames) lines.push(`  ${scalar(from)}: ${scalar(to)}`);
  }
  lines.push(
    "# The Plannr status a case gets when it is closed / reopened in ONLYOFFICE (null: the first completed / open one by position).",
    "closedStatus: null",
    "openStatus: null",
    "",
    "people:",
    "  # skip: a participant with no ONLYOFFICE contact is reported; create: a person contact is created.",
    "  unknownContact: skip",
    "  # Pairs that e-mail matching cannot find: - plannr: <client account uuid>  onlyoffice: <contact id>",
    "  overrides: []",
    "  # Plannr client given to a case copied from ONLYOFFICE with no mappable client (null: such a case is skipped and reported).",
    "  defaultClient: null",
    "staff:",
    "  # - plannr: <employee account uuid>  onlyoffice: <user GUID>",
    "  overrides: []",
    "",
    "# Privacy. mode assignees: Plannr assignees are the private ONLYOFFICE case's access list; preserve: privacy is never touched.",
    "access:",
    "  mode: assignees",
    '  unassigned: private   # a case with no mappable assignee stays private to the integration user; "public" opts in',
    "",
    "# plannr-wins, onlyoffice-wins, newest-wins or manual (queued for `case-sync conflicts resolve`).",
    "conflicts:",
    "  default: manual",
    "  groups: {}",
    "",
    "# ignore (unlink and remember), propagate (delete the partner) or close (close the partner).",
    "deletes:",
    "  policy: ignore",
    "  maxDeletes: 10",
    "  maxDeletePercent: 5",
    "  maxCreates: 50",
    "  maxCreatePercent: 10",
    "",
    "# Which way `sync` creates the partner of a case that has none.",
    "creates: both",
    "# Link unlinked cases whose title and participants agree (first sync of two populated books).",
    "matchExisting: false",
    "",
  );
  return lines.join("\n");
}

// Human renderings of what commands return: short, ordered by what needs attention, with the
// record and the field named in every problem line. (`--json` prints the objects themselves.)
// Ids, titles, values, messages and reasons come from the CRMs: each goes through `text` or
// `show` (issue 9 item 4), so no escape sequence reaches the terminal and every line is ours.
import { inertJson, inertLines, inertText } from "../core/inert-text.js";
import type { PlanAction, PlanItem, RunReport } from "../core/report.js";
import type { AuditEntry, Conflict } from "../core/state.js";
import type { Status } from "../library/admin.js";
import type { CheckReport } from "../library/check.js";
import { hintFor, inEnvironmentTerms } from "./hints.js";

const SIDE = { plannr: "Plannr", onlyoffice: "ONLYOFFICE" } as const;
const MAX_LINES = 25;
/** A message on one line of a report: enough to act on (`--json` has the whole of it). */
const MAX_MESSAGE = 1_000;

/** Upstream text in a line: inert, and cut when it is a message. */
function text(value: string | number | null | undefined, max?: number): string {
  return value === null || value === undefined ? "" : inertText(String(value), max);
}

/** A value as JSON (quoted, so an empty string shows), with what JSON leaves raw escaped too. */
function show(value: unknown): string {
  if (value === null || value === undefined) return "(empty)";
  return inertJson(JSON.stringify(value));
}

/** A problem line: side, record, field, [code], message; the gaps of missing parts closed. */
function issueLine(side: string, record: string | null | undefined, field: string | null | undefined, code: string, message: string): string {
  return `    ${[side, text(record), text(field), `[${text(code)}]`, text(message, MAX_MESSAGE)].filter((part) => part !== "").join(" ")}`;
}

function count(ops: Record<string, number>): string {
  const parts = Object.entries(ops).map(([kind, n]) => `${n} ${kind}`);
  return parts.length === 0 ? "no writes" : parts.join(", ");
}

function limited(lines: string[]): string[] {
  if (lines.length <= MAX_LINES) return lines;
  return [...lines.slice(0, MAX_LINES), `    … and ${lines.length - MAX_LINES} more (--json has them all)`];
}

export function renderReport(report: RunReport): string {
  const out: string[] = [];
  if (report.abort?.code === "CS_LOCKED") return `case-sync ${report.command}: skipped, ${text(report.abort.message, MAX_MESSAGE)} (exit code 5; the next run goes ahead)`;
  const seconds = (report.durationMs / 1000).toFixed(1);
  const verb = report.dryRun ? "would make" : "made";
  out.push(`case-sync ${report.command}${report.dryRun ? " (dry run: nothing written)" : ""}: ${seconds}s`);
  const scanned = report.sides.plannr.scanned + report.sides.onlyoffice.scanned > 0 || report.sides.plannr.complete;
  for (const side of ["plannr", "onlyoffice"] as const) {
    const s = report.sides[side];
    if (!scanned) break;
    out.push(`  ${SIDE[side].padEnd(10)} scanned ${s.scanned}${s.complete ? "" : " (INCOMPLETE: no deletes inferred)"}, ${s.requests} requests; ${verb}: ${count(s.operations)}`);
  }
  if (scanned) out.push(`  links      ${report.links.total} (+${report.links.added} −${report.links.removed})`);
  if (report.abort) {
    // Our abort messages may run to several lines ("the mapping does not fit ...:\n  a\n  b"): kept,
    // and indented under the message, so no line of it stands at the margin as a line of its own.
    out.push(`  ABORTED    ${text(report.abort.code)}: ${inertLines(inEnvironmentTerms(report.abort.message), "             ")}`);
    const hint = hintFor(report.abort.code, report.abort.side, report.abort.message);
    if (hint) out.push(`             ${hint}`);
  }
  const waiting = report.conflicts.filter((c) => c.state !== "settled");
  const settled = report.conflicts.filter((c) => c.state === "settled");
  if (settled.length > 0) out.push(`  conflicts settled by policy: ${settled.length}`);
  if (waiting.length > 0) {
    out.push(`  conflicts waiting for you: ${waiting.length} (case-sync conflicts list; resolve with case-sync conflicts resolve <id> --take plannr|onlyoffice|base)`);
    out.push(...limited(waiting.map((c) => `    ${text(c.id) || "(new)"} ${text(c.group)} of ${text(c.plannrId)} ⇄ ${text(c.onlyofficeId)}: Plannr ${show(c.plannr)} vs ONLYOFFICE ${show(c.onlyoffice)} (${text(c.reason, MAX_MESSAGE)})`)));
  }
  if (report.errors.length > 0) {
    out.push(`  errors: ${report.errors.length}${report.abort ? "" : " (the rest of the run went on)"}`);
    out.push(...limited(report.errors.map((e) => issueLine(e.side ? SIDE[e.side] : "", e.record, e.field, e.code, e.message))));
  }
  if (report.warnings.length > 0) {
    out.push(`  warnings: ${report.warnings.length}`);
    out.push(...limited(report.warnings.map((w) => issueLine(w.side ? SIDE[w.side] : "", w.record, w.field, w.code, w.message))));
  }
  const carried = report.notCarried.map((n) => (n.count === null ? text(n.item) : `${text(n.item)}: ${n.count}`));
  if (scanned) out.push(`  not carried: ${carried.join("; ")}`);
  out.push(`  exit code ${report.exitCode}`);
  return out.join("\n");
}

/** One field group's value before and after a planned update (the engine's `values` of an update item). */
export interface GroupValues {
  group: string;
  before: unknown;
  after: unknown;
}
/** A plan item; updates may carry their groups' values (then the plan shows before → after). */
export type PlanItemValues = PlanItem & { values?: GroupValues[] | undefined };

/** Terraform's marks: + adds, ~ changes in place, - takes away. */
const MARK: Record<PlanAction, "+" | "~" | "-"> = { create: "+", link: "+", adopt: "+", update: "~", stamp: "~", delete: "-", close: "-", unlink: "-" };
/** A value in a plan line: enough to recognise it (`--json` and `--verbose` have the whole of it). */
const MAX_VALUE = 80;

function shortShow(value: unknown): string {
  const shown = show(value);
  return shown.length > MAX_VALUE ? `${shown.slice(0, MAX_VALUE - 1)}…` : shown;
}

/** A status as people name it: its name (and "closed" when it closes the case), or open/closed. */
function statusText(value: unknown): string {
  if (value === null || typeof value !== "object") return shortShow(value);
  const { statusName, closed } = value as { statusName?: unknown; closed?: unknown };
  const state = closed === true ? "closed" : "open";
  return typeof statusName === "string" ? `${shortShow(statusName)}${closed === true ? " (closed)" : ""}` : state;
}

/** `title "a" → "b"`; sets (people) as what is added and taken away. */
export function describeChange(change: GroupValues): string {
  const group = text(change.group);
  if (Array.isArray(change.before) && Array.isArray(change.after)) {
    const before = change.before.map((v) => show(v));
    const after = change.after.map((v) => show(v));
    const parts = [...after.filter((v) => !before.includes(v)).map((v) => `+${v}`), ...before.filter((v) => !after.includes(v)).map((v) => `−${v}`)];
    return `${group} ${parts.length > 0 ? parts.join(" ") : "reordered"}`;
  }
  const render = change.group === "status" ? statusText : shortShow;
  return `${group} ${render(change.before)} → ${render(change.after)}`;
}

/** The record a plan item writes, or the pair it links or unlinks. */
function target(item: PlanItem): string {
  const plannr = item.plannrId ? `Plannr ${text(item.plannrId)}` : null;
  const onlyoffice = item.onlyofficeId ? `ONLYOFFICE ${text(item.onlyofficeId)}` : null;
  if (item.action === "create") {
    const source = item.side === "plannr" ? onlyoffice : plannr;
    return `${SIDE[item.side]}${source ? ` (from ${source})` : ""}`;
  }
  if (item.action === "link" || item.action === "adopt" || item.action === "unlink") return [plannr, onlyoffice].filter(Boolean).join(" ⇄ ");
  const id = item.side === "plannr" ? item.plannrId : item.onlyofficeId;
  return `${SIDE[item.side]}${id ? ` ${text(id)}` : ""}`;
}

/** One line per record, Terraform style: `~ update ONLYOFFICE 7 "Smith": title "a" → "b"`. */
export function planLine(item: PlanItemValues): string {
  const title = item.title ? ` ${show(item.title)}` : "";
  let detail = "";
  if (item.values && item.values.length > 0) detail = `: ${item.values.map(describeChange).join(", ")}`;
  else if (item.groups.length > 0) detail = `: ${item.groups.map((g) => text(g)).join(", ")}`;
  const note = item.note ? ` (${text(item.note, MAX_MESSAGE)})` : "";
  return `${MARK[item.action]} ${item.action} ${target(item)}${title}${detail}${note}`;
}

/** The first line of an empty plan: true to the rest of the report (a waiting conflict is no agreement). */
function emptyPlan(report: RunReport): string {
  if (report.abort) return "No plan: the run stopped before it could plan every write (see below).";
  const waiting = report.conflicts.filter((c) => c.state !== "settled").length;
  const reasons = [
    waiting > 0 ? `${waiting} conflict${waiting === 1 ? " waits" : "s wait"} for you` : null,
    report.errors.length > 0 ? `${report.errors.length} record error${report.errors.length === 1 ? "" : "s"}` : null,
    !report.sides.plannr.complete || !report.sides.onlyoffice.complete ? "the scan was incomplete" : null,
  ].filter((r): r is string => r !== null);
  if (reasons.length === 0) return "The plan is empty: both systems agree.";
  return `The plan is empty, but the systems do not agree yet: ${reasons.join(", ")} (see below).`;
}

/** A plan for people: one line per record; the raw request bodies only with `verbose`. */
export function renderPlan(report: RunReport, options: { verbose?: boolean } = {}): string {
  const items: PlanItemValues[] = report.plan ?? [];
  if (items.length === 0) return emptyPlan(report);
  const out: string[] = [];
  const counts = new Map<PlanAction, number>();
  for (const item of items) {
    counts.set(item.action, (counts.get(item.action) ?? 0) + 1);
    out.push(planLine(item));
    if (options.verbose) for (const op of item.ops) out.push(`    ${text(op.method)} ${text(op.path || op.kind)} ${op.body === undefined ? "" : show(op.body)}`);
  }
  out.push(`Plan: ${[...counts].map(([action, n]) => `${n} to ${action}`).join(", ")}.${options.verbose ? "" : " (--verbose shows each request)"}`);
  return out.join("\n");
}

export function renderCheck(report: CheckReport): string {
  const lines = report.items.map((i) => {
    const line = `${i.ok ? "ok  " : i.severity === "warning" ? "warn" : "FAIL"} ${text(i.name)}: ${text(inEnvironmentTerms(i.detail))}`;
    const code = /^(CS_[A-Z_]+):/.exec(i.detail)?.[1];
    const side = i.name.startsWith("Plannr") ? "plannr" : i.name.startsWith("ONLYOFFICE") ? "onlyoffice" : undefined;
    const hint = !i.ok && code ? hintFor(code, side, i.detail) : i.name === "Plannr account" && !i.ok ? hintFor("CS_FORBIDDEN", "plannr", "") : null;
    return hint ? `${line}\n     ${hint}` : line;
  });
  lines.push(report.ok ? "All checks passed." : `Some checks failed (exit code ${report.exitCode}).`);
  return lines.join("\n");
}

export function renderConflicts(conflicts: Conflict[]): string {
  if (conflicts.length === 0) return "No conflicts are waiting.";
  const lines = conflicts.map(
    (c) =>
      `${text(c.id)}  ${text(c.group)} of Plannr ${text(c.plannrId)} ⇄ ONLYOFFICE ${text(c.onlyofficeId)}\n      base ${show(c.base)} · Plannr ${show(c.plannr)} · ONLYOFFICE ${show(c.onlyoffice)}\n      ${text(c.reason, MAX_MESSAGE)}${c.resolution ? ` · decided: take ${text(c.resolution)} (the next sync carries it out)` : ""}`,
  );
  return [...lines, "Resolve with: case-sync conflicts resolve <id> --take plannr|onlyoffice|base"].join("\n");
}

function runReasons(run: Status["runs"][number]): string[] {
  if (run.exitCode === null || run.exitCode === 0 || run.exitCode === 5) return [];
  const why = run.summary?.why;
  return Array.isArray(why) ? why.filter((w): w is string => typeof w === "string") : [];
}

export function renderStatus(status: Status): string {
  const out = [`state: ${text(status.store)}`];
  out.push(status.identity ? `pair: Plannr account ${text(status.identity.plannrAccount)} ⇄ ONLYOFFICE ${text(status.identity.onlyofficePortal)}` : "pair: not used yet");
  out.push(`links: ${status.links}`);
  out.push(`conflicts waiting: ${status.conflicts.length}${status.conflicts.length > 0 ? " (case-sync conflicts list)" : ""}`);
  out.push(`creates in doubt (settled by the next run): ${status.pendingCreates.length}`);
  out.push(`tombstones (cases whose partner was deleted or unlinked; never re-created automatically): ${status.tombstones.length}`);
  if (status.rebuiltAt !== null) {
    out.push(`links rebuilt from the stamps at ${status.rebuiltAt} (the state had been lost): unlinked cases that existed then are not copied until you check them and run sync --allow-create-after-rebuild (or link them by hand)`);
  }
  out.push(`skipped by hand (not synced; case-sync unskip <id>): ${status.skips.length}`);
  for (const skip of status.skips) out.push(`  ${SIDE[skip.side]} ${text(skip.id)} since ${text(skip.at)}${skip.reason === "" ? "" : `: ${text(skip.reason)}`}`);
  out.push("last runs:");
  if (status.runs.length === 0) out.push("  none");
  for (const run of status.runs) {
    out.push(`  ${text(run.startedAt)} ${text(run.id.slice(0, 8))} ${text(run.command)} → ${run.exitCode === null ? "did not finish" : `exit ${run.exitCode}`}`);
    // Why a run needs a person (exit 3 or 4), in its own words.
    for (const why of runReasons(run)) out.push(`      ${text(why)}`);
  }
  return out.join("\n");
}

export function renderHistory(id: string, entries: AuditEntry[]): string {
  if (entries.length === 0) return `No writes recorded for ${text(id)}.`;
  return entries.map((e) => `${text(e.at)} ${SIDE[e.side]} ${text(e.record)} ${text(e.operation)} ${text(e.group)}: ${show(e.before)} → ${show(e.after)} (run ${text(e.runId.slice(0, 8))})`).join("\n");
}

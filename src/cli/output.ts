// Human renderings of what commands return: short, ordered by what needs attention, with the
// record and the field named in every problem line. (`--json` prints the objects themselves.)
import type { RunReport } from "../core/report.js";
import type { AuditEntry, Conflict } from "../core/state.js";
import type { Status } from "../library/admin.js";
import type { CheckReport } from "../library/check.js";
import { hintFor, inEnvironmentTerms } from "./hints.js";

const SIDE = { plannr: "Plannr", onlyoffice: "ONLYOFFICE" } as const;
const MAX_LINES = 25;

function show(value: unknown): string {
  if (value === null || value === undefined) return "(empty)";
  if (typeof value === "string") return JSON.stringify(value);
  return JSON.stringify(value);
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
  if (report.abort?.code === "CS_LOCKED") return `case-sync ${report.command}: skipped, ${report.abort.message} (exit code 5; the next run goes ahead)`;
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
    out.push(`  ABORTED    ${report.abort.code}: ${inEnvironmentTerms(report.abort.message)}`);
    const hint = hintFor(report.abort.code, report.abort.side, report.abort.message);
    if (hint) out.push(`             ${hint}`);
  }
  const waiting = report.conflicts.filter((c) => c.state !== "settled");
  const settled = report.conflicts.filter((c) => c.state === "settled");
  if (settled.length > 0) out.push(`  conflicts settled by policy: ${settled.length}`);
  if (waiting.length > 0) {
    out.push(`  conflicts waiting for you: ${waiting.length} (case-sync conflicts list; resolve with case-sync conflicts resolve <id> --take plannr|onlyoffice|base)`);
    out.push(...limited(waiting.map((c) => `    ${c.id || "(new)"} ${c.group} of ${c.plannrId} ⇄ ${c.onlyofficeId}: Plannr ${show(c.plannr)} vs ONLYOFFICE ${show(c.onlyoffice)} (${c.reason})`)));
  }
  if (report.errors.length > 0) {
    out.push(`  errors: ${report.errors.length}${report.abort ? "" : " (the rest of the run went on)"}`);
    out.push(...limited(report.errors.map((e) => `    ${e.side ? SIDE[e.side] : ""} ${e.record ?? ""} ${e.field ?? ""} [${e.code}] ${e.message}`.replace(/\s+/g, " ").trimEnd())));
  }
  if (report.warnings.length > 0) {
    out.push(`  warnings: ${report.warnings.length}`);
    out.push(...limited(report.warnings.map((w) => `    ${w.side ? SIDE[w.side] : ""} ${w.record ?? ""} ${w.field ?? ""} [${w.code}] ${w.message}`.replace(/\s+/g, " ").trimEnd())));
  }
  const carried = report.notCarried.map((n) => (n.count === null ? n.item : `${n.item}: ${n.count}`));
  if (scanned) out.push(`  not carried: ${carried.join("; ")}`);
  out.push(`  exit code ${report.exitCode}`);
  return out.join("\n");
}

export function renderPlan(report: RunReport): string {
  const items = report.plan ?? [];
  if (items.length === 0) return "The plan is empty: both systems agree.";
  const out = [`The plan: ${items.length} item${items.length === 1 ? "" : "s"}`];
  for (const item of items) {
    const ids = [item.plannrId ? `Plannr ${item.plannrId}` : null, item.onlyofficeId ? `ONLYOFFICE ${item.onlyofficeId}` : null].filter(Boolean).join(" ⇄ ");
    out.push(`${item.action.padEnd(6)} ${SIDE[item.side]} ${ids} ${item.title ? JSON.stringify(item.title) : ""}${item.groups.length > 0 ? ` [${item.groups.join(", ")}]` : ""}${item.note ? ` (${item.note})` : ""}`);
    for (const op of item.ops) out.push(`         ${op.method} ${op.path || op.kind} ${op.body === undefined ? "" : JSON.stringify(op.body)}`);
  }
  return out.join("\n");
}

export function renderCheck(report: CheckReport): string {
  const lines = report.items.map((i) => {
    const line = `${i.ok ? "ok  " : i.severity === "warning" ? "warn" : "FAIL"} ${i.name}: ${inEnvironmentTerms(i.detail)}`;
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
      `${c.id}  ${c.group} of Plannr ${c.plannrId} ⇄ ONLYOFFICE ${c.onlyofficeId}\n      base ${show(c.base)} · Plannr ${show(c.plannr)} · ONLYOFFICE ${show(c.onlyoffice)}\n      ${c.reason}${c.resolution ? ` · decided: take ${c.resolution} (the next sync carries it out)` : ""}`,
  );
  return [...lines, "Resolve with: case-sync conflicts resolve <id> --take plannr|onlyoffice|base"].join("\n");
}

export function renderStatus(status: Status): string {
  const out = [`state: ${status.store}`];
  out.push(status.identity ? `pair: Plannr account ${status.identity.plannrAccount} ⇄ ONLYOFFICE ${status.identity.onlyofficePortal}` : "pair: not used yet");
  out.push(`links: ${status.links}`);
  out.push(`conflicts waiting: ${status.conflicts.length}${status.conflicts.length > 0 ? " (case-sync conflicts list)" : ""}`);
  out.push(`creates in doubt (settled by the next run): ${status.pendingCreates.length}`);
  out.push(`tombstones (cases whose partner was deleted or unlinked; never re-created automatically): ${status.tombstones.length}`);
  if (status.rebuiltAt !== null) {
    out.push(`links rebuilt from the stamps at ${status.rebuiltAt} (the state had been lost): unlinked cases that existed then are not copied until you check them and run sync --allow-create-after-rebuild (or link them by hand)`);
  }
  out.push("last runs:");
  if (status.runs.length === 0) out.push("  none");
  for (const run of status.runs) out.push(`  ${run.startedAt} ${run.command} → ${run.exitCode === null ? "did not finish" : `exit ${run.exitCode}`}`);
  return out.join("\n");
}

export function renderHistory(id: string, entries: AuditEntry[]): string {
  if (entries.length === 0) return `No writes recorded for ${id}.`;
  return entries.map((e) => `${e.at} ${SIDE[e.side]} ${e.record} ${e.operation} ${e.group}: ${show(e.before)} → ${show(e.after)} (run ${e.runId.slice(0, 8)})`).join("\n");
}

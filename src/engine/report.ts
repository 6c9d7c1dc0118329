// Builds the one report object of a run (SPEC §6) from what the run saw, planned and did.
import type { Side } from "../core/errors.js";
import type { Case } from "../core/case.js";
import type { RecordIssue, WriteOp } from "../core/records.js";
import { emptySideReport, type ConflictReport, type IssueReport, type PlanItem, type RunReport, type SideReport } from "../core/report.js";
import type { BreakerVerdict } from "./breakers.js";
import type { ChangeLog } from "./change-log.js";
import type { Plan } from "./work.js";
import { WARNING_LIST_CAP, type Snapshot } from "./snapshot.js";
import { auditValue, type ViewScope } from "./view.js";

/** What this tool never carries (SPEC §2), named the same in --help, README and reports. */
export const NOT_CARRIED = [
  { item: "ONLYOFFICE company members", side: "onlyoffice", field: "participants" },
  { item: "Plannr non-client participants", side: "plannr", field: "participants" },
  { item: "ONLYOFFICE tags, history, tasks and files", side: null, field: null },
  { item: "Plannr plans and task boards", side: null, field: null },
] as const;

/** The same list as one sentence, for help texts. */
export function notCarriedText(): string {
  return NOT_CARRIED.map((n) => n.item).join("; ");
}

export function toIssueReport(issue: RecordIssue): IssueReport {
  return { side: issue.side, record: issue.record, field: issue.field, code: issue.code, message: issue.message };
}

export function planItems(plan: Plan, stampOps: WriteOp[], scope: ViewScope): PlanItem[] {
  const items: PlanItem[] = [];
  const values = (gs: string[], before: Case, after: Case) => gs.map((group) => ({ group, before: auditValue(scope, group, before), after: auditValue(scope, group, after) }));
  for (const work of plan.updates) {
    const title = work.input.plannr.title;
    const groups = (ops: WriteOp[]) => [...new Set(ops.flatMap((op) => op.groups))];
    if (work.opsPlannr.length > 0) {
      const gs = groups(work.opsPlannr);
      items.push({ action: "update", side: "plannr", plannrId: work.plannrId, onlyofficeId: work.onlyofficeId, title: work.input.plannr.title, groups: gs, ops: work.opsPlannr, values: values(gs, work.input.plannr, work.decision.targetPlannr) });
    }
    if (work.opsOnlyoffice.length > 0) {
      const gs = groups(work.opsOnlyoffice);
      // The title of the record written, as it reads before the write.
      items.push({ action: "update", side: "onlyoffice", plannrId: work.plannrId, onlyofficeId: work.onlyofficeId, title: work.input.onlyoffice.title, groups: gs, ops: work.opsOnlyoffice, values: values(gs, work.input.onlyoffice, work.decision.targetOnlyoffice) });
    }
    if (work.newLink) items.push({ action: work.newLink.reason === "journal" ? "adopt" : "link", side: "plannr", plannrId: work.plannrId, onlyofficeId: work.onlyofficeId, title, groups: [], ops: [], note: `linked by ${work.newLink.reason}` });
  }
  for (const op of stampOps) items.push({ action: "stamp", side: "onlyoffice", plannrId: null, onlyofficeId: op.record, title: "", groups: [], ops: [op] });
  for (const work of plan.creates) {
    items.push({
      action: "create",
      side: work.to,
      plannrId: work.from === "plannr" ? work.sourceId : null,
      onlyofficeId: work.from === "onlyoffice" ? work.sourceId : null,
      title: work.target.title,
      groups: [],
      ops: [...work.ops, ...work.sourceOps],
    });
  }
  for (const work of plan.deletes) {
    const survivor: Side = work.vanished === "plannr" ? "onlyoffice" : "plannr";
    items.push({
      action: work.action === "drop-link" ? "unlink" : work.action,
      side: survivor,
      plannrId: work.plannrId,
      onlyofficeId: work.onlyofficeId,
      title: work.title,
      groups: [],
      ops: work.ops,
      note: `vanished from ${work.vanished}`,
    });
  }
  return items;
}

export interface ReportInput {
  command: string;
  runId: string;
  dryRun: boolean;
  startedAt: Date;
  finishedAt: Date;
  snapshots: Partial<Record<Side, Snapshot>>;
  requests: Record<Side, number>;
  /** Writes applied (or, for a dry run, planned), each with its record's partner. */
  changes: ChangeLog;
  plan: Plan | null;
  conflicts: ConflictReport[];
  errors: RecordIssue[];
  warnings: RecordIssue[];
  breakers: BreakerVerdict | null;
  abort: { code: string; message: string; side?: Side } | null;
  linksTotal: number;
  linksAdded: number;
  linksRemoved: number;
  items?: PlanItem[];
}

function sideReport(side: Side, input: ReportInput): SideReport {
  const report = emptySideReport();
  const snapshot = input.snapshots[side];
  report.scanned = snapshot ? snapshot.records.size + snapshot.invalid.size : 0;
  report.complete = snapshot?.complete ?? false;
  report.requests = input.requests[side];
  report.operations = input.changes.operations(side);
  for (const [kind, count] of Object.entries(report.operations)) {
    if (kind === "case.create") report.creates += count;
    else if (kind === "case.delete") report.deletes += count;
    else if (kind !== "stamp") report.updates += count;
  }
  for (const work of input.plan?.deletes ?? []) {
    const survivor: Side = work.vanished === "plannr" ? "onlyoffice" : "plannr";
    if (work.action === "close" && survivor === side) report.closes += 1;
    if ((work.action === "unlink" || work.action === "close") && work.vanished === side) report.unlinks += 1;
  }
  return report;
}

export function exitCodeFor(input: Pick<ReportInput, "abort" | "errors" | "conflicts">): number {
  if (input.abort !== null) {
    if (input.abort.code === "CS_LOCKED") return 5;
    if (input.abort.code === "CS_CONFIG" || input.abort.code === "CS_USAGE") return 2;
    if (input.abort.code === "CS_INTERNAL") return 1;
    return 4;
  }
  if (input.errors.length > 0 || input.conflicts.some((c) => c.state !== "settled")) return 3;
  return 0;
}

/**
 * One record, one error per field and code: the same problem is met by the scan, the plan and the
 * apply of one run, and a report that lists it three times reads as three problems.
 */
export function onePerRecord(issues: readonly RecordIssue[], options: { keepEachMessage?: boolean } = {}): RecordIssue[] {
  const seen = new Set<string>();
  const out: RecordIssue[] = [];
  for (const issue of issues) {
    // Warnings are listed in full: two different people unmapped on one case are two warnings.
    const message = issue.record === null || options.keepEachMessage === true ? `|${issue.message}` : "";
    const key = `${issue.side}|${issue.record ?? "-"}|${issue.field ?? ""}|${issue.code}${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}

export function buildReport(input: ReportInput): RunReport {
  const notCarried = NOT_CARRIED.map(({ item, side, field }) => {
    if (side === null) return { item, count: null };
    let count = 0;
    const snapshot = input.snapshots[side];
    for (const { issue, count: n } of snapshot?.warnings.values() ?? []) if (issue.code === "CS_NOT_CARRIED" && issue.field === field) count += n;
    return { item, count };
  });
  // Every warning in full (the human summary shortens them, not the report).
  const listed: RecordIssue[] = [];
  for (const side of ["plannr", "onlyoffice"] as const) {
    const snapshot = input.snapshots[side];
    if (!snapshot) continue;
    listed.push(...snapshot.warningList);
    if (snapshot.warningsLeftOut > 0) {
      listed.push({ severity: "warning", side, record: null, field: null, code: "CS_UPSTREAM", message: `${snapshot.warningsLeftOut} more ${side} warnings were not listed (a report keeps at most ${WARNING_LIST_CAP} a side)` });
    }
  }
  const warnings: IssueReport[] = onePerRecord([...listed, ...input.warnings], { keepEachMessage: true }).map(toIssueReport);
  const errors = onePerRecord(input.errors).map(toIssueReport);
  if (input.breakers?.tripped) for (const reason of input.breakers.reasons) errors.push({ side: null, record: null, field: null, code: "CS_BREAKER", message: reason });
  const report: RunReport = {
    command: input.command,
    runId: input.runId,
    dryRun: input.dryRun,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: Math.max(0, input.finishedAt.getTime() - input.startedAt.getTime()),
    exitCode: exitCodeFor({ abort: input.abort, errors: input.errors, conflicts: input.conflicts }),
    abort: input.abort,
    sides: { plannr: sideReport("plannr", input), onlyoffice: sideReport("onlyoffice", input) },
    links: { total: input.linksTotal, added: input.linksAdded, removed: input.linksRemoved },
    conflicts: input.conflicts,
    changes: input.changes.changes(),
    errors,
    warnings,
    notCarried,
  };
  if (input.items) report.plan = input.items;
  return report;
}

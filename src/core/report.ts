// The one report object every run produces (SPEC §6 `--json`). Its zod schema is exported and
// published as JSON Schema (mappings/report.schema.json) so that schedulers can parse it safely.
import { z } from "zod";

const side = z.enum(["plannr", "onlyoffice"]);

export const WriteOpSchema = z.object({
  side,
  record: z.string().nullable(),
  kind: z.string(),
  method: z.enum(["POST", "PUT", "DELETE"]),
  path: z.string(),
  groups: z.array(z.string()),
  body: z.unknown(),
  summary: z.string(),
  rereadFirst: z.boolean().optional(),
});

export const PlanActionSchema = z.enum(["create", "update", "delete", "close", "unlink", "link", "adopt", "stamp"]);
export type PlanAction = z.infer<typeof PlanActionSchema>;

export const PlanItemSchema = z.object({
  action: PlanActionSchema,
  /** The side written to. */
  side,
  plannrId: z.string().nullable(),
  onlyofficeId: z.string().nullable(),
  title: z.string(),
  groups: z.array(z.string()),
  ops: z.array(WriteOpSchema),
  note: z.string().optional(),
  /** Updates: each written field group's value on the written side before, and after (canonical, as `history` shows them). */
  values: z.array(z.object({ group: z.string(), before: z.unknown(), after: z.unknown() })).optional(),
});
export type PlanItem = z.infer<typeof PlanItemSchema>;

export const IssueReportSchema = z.object({
  side: side.nullable(),
  record: z.string().nullable(),
  field: z.string().nullable(),
  code: z.string(),
  message: z.string(),
});
export type IssueReport = z.infer<typeof IssueReportSchema>;

export const ConflictReportSchema = z.object({
  id: z.string(),
  plannrId: z.string(),
  onlyofficeId: z.string(),
  group: z.string(),
  base: z.unknown(),
  plannr: z.unknown(),
  onlyoffice: z.unknown(),
  reason: z.string(),
  /** `new` this run, `pending` from before, `settled` by a policy this run. */
  state: z.enum(["new", "pending", "settled"]),
  resolution: z.string().nullable(),
});
export type ConflictReport = z.infer<typeof ConflictReportSchema>;

/** One write a run made (or, for a dry run, would make), named so it can be traced to a case. */
export const ChangeReportSchema = z.object({
  side,
  /** The record written; null for a create not made yet (dry run). */
  record: z.string().nullable(),
  /** Its partner on the other side, when it has one. */
  partner: z.string().nullable(),
  /** The operation, e.g. `case.update`, `case.create`, `members.add`, `stamp`, `case.delete`. */
  operation: z.string(),
  groups: z.array(z.string()),
});
export type ChangeReport = z.infer<typeof ChangeReportSchema>;

export const SideReportSchema = z.object({
  scanned: z.number().int(),
  complete: z.boolean(),
  requests: z.number().int(),
  /** Planned (dry run) or applied write operations by kind. */
  operations: z.record(z.string(), z.number().int()),
  creates: z.number().int(),
  updates: z.number().int(),
  deletes: z.number().int(),
  closes: z.number().int(),
  unlinks: z.number().int(),
});
export type SideReport = z.infer<typeof SideReportSchema>;

export const RunReportSchema = z.object({
  command: z.string(),
  runId: z.string(),
  dryRun: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().int(),
  /** 0 ok, 1 internal, 2 usage/config, 3 record errors or pending conflicts, 4 aborted, 5 locked. */
  exitCode: z.number().int().min(0).max(5),
  abort: z.object({ code: z.string(), message: z.string(), side: side.optional() }).nullable(),
  sides: z.object({ plannr: SideReportSchema, onlyoffice: SideReportSchema }),
  links: z.object({ total: z.number().int(), added: z.number().int(), removed: z.number().int() }),
  conflicts: z.array(ConflictReportSchema),
  /** Every write, one entry per request, with the record and its partner (the human summary counts them). */
  changes: z.array(ChangeReportSchema),
  errors: z.array(IssueReportSchema),
  /** Every warning in full, one per record and problem (not-carried items are counted in `notCarried`). */
  warnings: z.array(IssueReportSchema),
  /** What this tool does not carry, with counts seen in this run (null: not read, so not counted). */
  notCarried: z.array(z.object({ item: z.string(), count: z.number().int().nullable() })),
  /** For `plan` and dry runs: every write the run would make, in order. */
  plan: z.array(PlanItemSchema).optional(),
});
export type RunReport = z.infer<typeof RunReportSchema>;

/**
 * The cases a targeted sync left to the next full sync (`CS_DEFERRED`): a copy still in doubt could
 * be one of them, and only a full scan can tell. The service and the fleet run that full sync soon.
 */
export function leftForFullSync(report: Pick<RunReport, "warnings">): IssueReport[] {
  return report.warnings.filter((w) => w.code === "CS_DEFERRED");
}

/** Write operations a run made (or, for a dry run, would make), both sides together. */
export function countWrites(report: Pick<RunReport, "sides">): number {
  const sum = (ops: Record<string, number>) => Object.values(ops).reduce((a, b) => a + b, 0);
  return sum(report.sides.plannr.operations) + sum(report.sides.onlyoffice.operations);
}

export function emptySideReport(): SideReport {
  return { scanned: 0, complete: false, requests: 0, operations: {}, creates: 0, updates: 0, deletes: 0, closes: 0, unlinks: 0 };
}

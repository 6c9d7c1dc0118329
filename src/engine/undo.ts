// Undo one run (SPEC §11) from its audit (invariant 13): every field group the run wrote that still
// holds what the run wrote gets its `before` value back; a group that moved since is left alone
// and reported; a case the run created is unlinked and deleted only if untouched since (and its
// source is remembered, so the next sync does not copy it again). The bases stay what the undone
// run wrote, so a restored value is a one-sided change the next sync carries to the other side.
// Undo is a run of its own: planned (dry run), audited, itself undoable.
import { withGroupValue, type Case, type FieldGroup } from "../core/case.js";
import { CaseSyncError, type Side } from "../core/errors.js";
import { sameContent } from "../core/hash.js";
import type { CrmAdapter } from "../core/ports.js";
import type { CaseRecord, ChangeSet, RecordIssue, WriteOp } from "../core/records.js";
import type { AuditEntry, StateStore, Tombstone, WriteCommit } from "../core/state.js";
import { applySetDelta, setDelta } from "./diff.js";
import { auditValue, viewValue, type ViewScope } from "./view.js";

export interface UndoContext {
  scope: ViewScope;
  adapters: Record<Side, CrmAdapter>;
  store: StateStore;
  refine: (record: CaseRecord) => CaseRecord;
  /** The undo run's own id (its writes are audited under it). */
  runId: string;
  now: () => Date;
  dryRun: boolean;
}

export interface UndoResult {
  ops: WriteOp[];
  issues: RecordIssue[];
  restored: number;
  deleted: number;
}

interface RecordWrites {
  side: Side;
  record: string;
  partner: string | null;
  created: AuditEntry | null;
  /** Per group: the value before the run's first write and after its last. */
  groups: Map<string, { before: unknown; after: unknown }>;
  /** Operations undo cannot reverse (a delete, an unlink). */
  irreversible: AuditEntry[];
}

const IRREVERSIBLE = new Set(["case.delete"]);

function byRecord(entries: readonly AuditEntry[], compared: ReadonlySet<string>): RecordWrites[] {
  const out = new Map<string, RecordWrites>();
  for (const e of entries) {
    const key = `${e.side}:${e.record}`;
    const w: RecordWrites = out.get(key) ?? { side: e.side, record: e.record, partner: e.partner, created: null, groups: new Map(), irreversible: [] };
    out.set(key, w);
    if (e.operation === "case.create") w.created = e;
    else if (IRREVERSIBLE.has(e.operation)) w.irreversible.push(e);
    if (!compared.has(e.group)) continue;
    const seen = w.groups.get(e.group);
    w.groups.set(e.group, { before: seen ? seen.before : e.before, after: e.after });
  }
  return [...out.values()];
}

function issue(side: Side, record: string, field: string | null, code: RecordIssue["code"], message: string, severity: RecordIssue["severity"] = "error"): RecordIssue {
  return { severity, side, record, field, code, message };
}

/** The changes that take `current` back to `before` for one group. */
function restoreChange(scope: ViewScope, group: FieldGroup, current: Case, before: unknown): { target: Case; changes: ChangeSet } {
  if (group === "participants" || group === "assignees") {
    const delta = setDelta(viewValue(scope, group, current) as string[], (before ?? []) as string[]);
    return { target: { ...current, [group]: applySetDelta(current[group], delta) }, changes: { set: [], [group]: delta } };
  }
  return { target: withGroupValue(current, group, before), changes: { set: [group] } };
}

export async function undoRun(ctx: UndoContext, entries: readonly AuditEntry[]): Promise<UndoResult> {
  const result: UndoResult = { ops: [], issues: [], restored: 0, deleted: 0 };
  const compared = new Set<string>(ctx.scope.settings.groups.map((g) => g.group));
  for (const w of byRecord(entries, compared)) {
    for (const e of w.irreversible) result.issues.push(issue(w.side, w.record, null, "CS_CONFLICT", `${e.operation} at ${e.at} cannot be undone (the case is gone); restore it by hand`));
    const adapter = ctx.adapters[w.side];
    const read = await adapter.getCase(w.record);
    if (read === null) {
      if (w.groups.size > 0 || w.created) result.issues.push(issue(w.side, w.record, null, "CS_NOT_FOUND", "no longer exists; nothing to undo"));
      continue;
    }
    const current = w.side === "onlyoffice" ? ctx.refine(read) : read;
    const moved = [...w.groups].filter(([group, v]) => !sameContent(auditValue(ctx.scope, group, current.case), v.after));
    if (w.created) {
      await undoCreate(ctx, w, current, moved.map(([g]) => g), result);
      continue;
    }
    for (const [group] of moved) {
      const v = w.groups.get(group);
      result.issues.push(issue(w.side, w.record, group, "CS_CONFLICT", `changed since the run wrote it (now ${JSON.stringify(auditValue(ctx.scope, group, current.case))}, the run wrote ${JSON.stringify(v?.after)}): left as it is`));
    }
    let target = current.case;
    const changes: ChangeSet = { set: [] };
    const audit: AuditEntry[] = [];
    for (const [group, v] of w.groups) {
      if (moved.some(([g]) => g === group)) continue;
      const step = restoreChange(ctx.scope, group as FieldGroup, target, v.before);
      target = step.target;
      changes.set.push(...step.changes.set);
      if (step.changes.participants) changes.participants = step.changes.participants;
      if (step.changes.assignees) changes.assignees = step.changes.assignees;
      audit.push({ runId: ctx.runId, side: w.side, record: w.record, partner: w.partner, operation: "undo", group, before: v.after as AuditEntry["before"], after: (v.before ?? null) as AuditEntry["after"], at: ctx.now().toISOString() });
    }
    if (audit.length === 0) continue;
    const encoded = adapter.encodeWrites({ record: current, target, changes, people: ctx.scope.directory.people() });
    result.issues.push(...encoded.issues);
    if (encoded.ops.length === 0) continue;
    if (!ctx.dryRun) {
      try {
        const outcome = await adapter.applyWrites(w.record, encoded.ops);
        result.issues.push(...outcome.refused);
      } catch (error) {
        const e = error instanceof CaseSyncError ? error : new CaseSyncError("CS_INTERNAL", String(error));
        result.issues.push(issue(w.side, w.record, e.field ?? null, e.code, `not restored: ${e.message}`));
        continue;
      }
      await ctx.store.commit({ audit });
    }
    result.ops.push(...encoded.ops);
    result.restored += audit.length;
  }
  return result;
}

/** A copy the run made: deleted and unlinked if nobody touched it since, its source protected. */
async function undoCreate(ctx: UndoContext, w: RecordWrites, current: CaseRecord, moved: string[], result: UndoResult): Promise<void> {
  const created = w.created;
  if (created === null) return;
  if (moved.length > 0) {
    result.issues.push(issue(w.side, w.record, moved.join(", "), "CS_CONFLICT", `created by that run but changed since (${moved.join(", ")}): not deleted`));
    return;
  }
  const op = ctx.adapters[w.side].encodeDelete(w.record);
  result.ops.push(op);
  result.deleted += 1;
  if (ctx.dryRun) return;
  try {
    await ctx.adapters[w.side].applyWrites(w.record, [op]);
  } catch (error) {
    const e = error instanceof CaseSyncError ? error : new CaseSyncError("CS_INTERNAL", String(error));
    result.issues.push(issue(w.side, w.record, null, e.code, `not deleted: ${e.message}`));
    return;
  }
  const at = ctx.now().toISOString();
  const commit: WriteCommit = {
    audit: [{ runId: ctx.runId, side: w.side, record: w.record, partner: w.partner, operation: "undo.delete", group: "case", before: null, after: null, at }],
  };
  const link = w.side === "plannr" ? await ctx.store.getLinkByPlannr(w.record) : await ctx.store.getLinkByOnlyoffice(w.record);
  if (link) commit.deleteLink = link.plannrId;
  if (w.partner !== null) {
    // The source is not copied again by the next sync: the undo said this copy should not exist.
    const tombstone: Tombstone = { side: w.side, id: w.record, partnerId: w.partner, reason: `its copy ${w.record} was deleted by undo of run ${created.runId}`, at };
    commit.addTombstone = tombstone;
  }
  await ctx.store.commit(commit);
}

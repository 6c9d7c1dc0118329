// Deletes are never guessed (invariant 7): a linked case missing from a complete scan (and
// confirmed gone by a direct read) is handled by the mapping's delete policy: `ignore` unlinks and
// remembers a tombstone, `propagate` deletes the partner, `close` closes it. A delete on one side
// against an edit on the other since the base is a conflict.
import type { Case } from "../core/case.js";
import type { Side } from "../core/errors.js";
import type { Link, Tombstone } from "../core/state.js";
import { deletedMark } from "./links.js";
import { recordOf, type RecordSummary } from "./snapshot.js";
import type { DeleteWork, Plan, PlanContext } from "./work.js";

export function planVanished(ctx: PlanContext, link: Link, p: RecordSummary | undefined, o: RecordSummary | undefined, plan: Plan): void {
  const pGone = !p && !ctx.plannr.invalid.has(link.plannrId);
  const oGone = !o && !ctx.onlyoffice.invalid.has(link.onlyofficeId);
  const title = link.base?.title ?? "";
  const base: Omit<DeleteWork, "action" | "vanished" | "ops" | "tombstone"> = { plannrId: link.plannrId, onlyofficeId: link.onlyofficeId, title };
  if (pGone && oGone) {
    if (ctx.plannr.complete && ctx.onlyoffice.complete) plan.deletes.push({ ...base, action: "drop-link", vanished: "plannr", ops: [], tombstone: null });
    return;
  }
  const vanished: Side = pGone ? "plannr" : "onlyoffice";
  if (!(vanished === "plannr" ? ctx.plannr.complete : ctx.onlyoffice.complete)) return;
  const survivor = (vanished === "plannr" ? o : p);
  if (!survivor) return;
  const survivorSide: Side = vanished === "plannr" ? "onlyoffice" : "plannr";
  const survivorId = survivor.id;
  const tombstone: Tombstone = { side: vanished, id: vanished === "plannr" ? link.plannrId : link.onlyofficeId, partnerId: survivorId, reason: "", at: ctx.now.toISOString() };
  const decision = (ctx.pendingConflicts.get(link.plannrId) ?? []).find((c) => c.group === "delete")?.resolution ?? null;
  const policy = ctx.scope.settings.mapping.deletes.policy;
  const survivorChanged = link.base === null || survivor.hash !== (survivorSide === "plannr" ? link.baseHashPlannr : link.baseHashOnlyoffice);
  if (decision === survivorSide || decision === "base") {
    plan.deletes.push({ ...base, action: "unlink", vanished, ops: [], tombstone: null });
    return;
  }
  if (policy === "ignore") {
    // The tombstone lives in the state store; the ONLYOFFICE survivor's stamp says it too, so a
    // state rebuilt after a loss never copies the case back into Plannr.
    const ops = vanished === "plannr" ? [ctx.adapters.onlyoffice.encodeStamp(survivorId, deletedMark(link.plannrId))] : [];
    plan.deletes.push({ ...base, action: "unlink", vanished, ops, tombstone: { ...tombstone, reason: `${vanished} case deleted; partner kept (delete policy: ignore)` } });
    return;
  }
  if (survivorChanged && decision !== vanished) {
    plan.conflicts.push({
      plannrId: link.plannrId,
      onlyofficeId: link.onlyofficeId,
      group: "delete",
      base: link.base?.title ?? null,
      plannr: vanished === "plannr" ? "(deleted)" : "(edited)",
      onlyoffice: vanished === "onlyoffice" ? "(deleted)" : "(edited)",
      reason: `deleted in ${vanished}, edited in ${survivorSide} since the last sync`,
      settled: null,
      existing: (ctx.pendingConflicts.get(link.plannrId) ?? []).find((c) => c.group === "delete") ?? null,
    });
    return;
  }
  const adapter = ctx.adapters[survivorSide];
  if (policy === "propagate") {
    plan.deletes.push({ ...base, action: "delete", vanished, ops: [adapter.encodeDelete(survivorId)], tombstone: null });
    return;
  }
  // close: the survivor is closed with the mapping's closed status, then unlinked and remembered.
  const current = survivor.case ?? link.base;
  if (current === null) return;
  if (survivor.thin) {
    // The run reads a thin survivor before planning a close (run.ts); this one could not be read.
    plan.issues.push({ severity: "error", side: survivorSide, record: survivorId, field: "status", code: "CS_UPSTREAM", message: `not closed this run: its partner was deleted in ${vanished}, but the case could not be read again; the next run closes it` });
    return;
  }
  const closedStatus = ctx.scope.directory.statuses.defaultFor(true);
  const target: Case = { ...current, status: { closed: true, statusName: closedStatus?.name ?? current.status.statusName } };
  const result = adapter.encodeWrites({ record: recordOf(survivor, current), target, changes: { set: ["status"] } });
  plan.issues.push(...result.issues);
  plan.deletes.push({ ...base, action: "close", vanished, ops: result.ops, tombstone: { ...tombstone, reason: `${vanished} case deleted; partner closed (delete policy: close)` } });
}

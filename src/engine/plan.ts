// Plan as data (SPEC §4.10): from two snapshots, the links and the store's pending work, the
// ordered write operations a sync would make. The same snapshots always give the same plan; the
// only reads it makes are confirmations that a vanished case is really gone (invariant 7). A
// migration's copies of records held without their case are planned as ids (`Plan.streamed`).
import { emptyCase, groupValue, withGroupValue, type Case, type FieldGroup } from "../core/case.js";
import { sameContent } from "../core/hash.js";
import type { Side } from "../core/errors.js";
import type { CaseRecord, ChangeSet, RecordIssue, WriteOp } from "../core/records.js";
import type { Conflict, Link } from "../core/state.js";
import { IdSet } from "./compact-ids.js";
import { createsFrom, groupsWithoutBase } from "./context.js";
import { planVanished } from "./deletes.js";
import { decidePair, type Decision, type PairDecision, type PairInput } from "./diff.js";
import type { NewLink, Pair } from "./links.js";
import { recordOf, type RecordSummary } from "./snapshot.js";
import { groupEquals, viewHash, viewValue, type ViewScope } from "./view.js";
import type { ConflictFinding, CreateWork, Plan, PairWork, PlanContext } from "./work.js";

export type { ConflictFinding, CreateWork, DeleteAction, DeleteWork, PairWork, Plan, PlanContext, StreamedCopies } from "./work.js";

/** Stands for the uuid of a Plannr case not created yet, in planned stamp writes. */
export const NEW_PLANNR_ID = "{new Plannr uuid}";

function recordIssue(side: Side, record: string | null, field: string | null, code: RecordIssue["code"], message: string): RecordIssue {
  return { severity: "error", side, record, field, code, message };
}

function planPair(ctx: PlanContext, pair: Pair, plan: Plan): void {
  const p = ctx.plannr.records.get(pair.plannrId);
  const o = ctx.onlyoffice.records.get(pair.onlyofficeId);
  const link = pair.link;
  const base = link?.base ?? null;
  const conflicts = ctx.pendingConflicts.get(pair.plannrId) ?? [];
  if (!p || !o) {
    if (link) planVanished(ctx, link, p, o, plan);
    return;
  }
  // Unchanged on both sides since the base: nothing to do, and the base was never even loaded.
  const fastPath = link !== null && link.baseHashPlannr !== null && conflicts.length === 0 && p.hash === link.baseHashPlannr && o.hash === link.baseHashOnlyoffice;
  if (fastPath) return;
  const plannrCase = p.case ?? base;
  const onlyofficeCase = o.case ?? base;
  if (plannrCase === null || onlyofficeCase === null) return;
  const decisions = new Map<string, Decision>();
  // A copy this tool made (adopted after a crash or a lost answer), or any link a migration
  // adopts: the source side's values win where the copy differs, as in the migration itself.
  const source = pair.newLink?.source ?? (pair.newLink && ctx.mode.kind === "migrate" ? ctx.mode.from : undefined);
  if (source) for (const spec of ctx.scope.settings.groups) decisions.set(spec.group, source);
  const grounds = decisionGrounds(ctx, link, conflicts, plannrCase, onlyofficeCase);
  for (const [group, decision] of grounds.decisions) decisions.set(group, decision);
  const input: PairInput = {
    base: grounds.base,
    plannr: plannrCase,
    onlyoffice: onlyofficeCase,
    frozenPlannr: new Set(p.frozen),
    frozenOnlyoffice: new Set(o.frozen),
    fresh: grounds.fresh,
    pending: new Set(conflicts.filter((c) => c.resolution === null).map((c) => c.group)),
    neutral: grounds.neutral,
    plannrUpdatedAt: p.updatedAt,
    previousScanAt: ctx.previousScanAt,
    decisions,
  };
  const thin = [p, o].filter((r) => r.thin).map((r) => r.side);
  const work = encodePair(ctx, pair, input, recordOf(p, plannrCase), recordOf(o, onlyofficeCase), thin);
  plan.conflicts.push(...conflictFindings(work, conflicts));
  const mustStore = link === null || link.base === null || work.opsPlannr.length + work.opsOnlyoffice.length > 0 || work.resolvedConflicts.length > 0;
  const hashChanged = link !== null && (p.hash !== link.baseHashPlannr || o.hash !== link.baseHashOnlyoffice);
  if (mustStore || hashChanged) plan.updates.push(work);
  else plan.unchanged += 1;
}

/** The signatures a link's base covers (links from before per-group bases: the groups compared then). */
export function coveredSignatures(ctx: Pick<PlanContext, "scope" | "freshGroups">, link: Link | null): ReadonlySet<string> | null {
  if (link === null || link.base === null) return null;
  if (link.baseGroups !== null) return new Set(link.baseGroups);
  return new Set(ctx.scope.settings.groups.filter((g) => !ctx.freshGroups.has(g.group)).map((g) => g.signature));
}

interface DecisionGrounds {
  base: Case | null;
  fresh: Set<string>;
  decisions: Map<string, Decision>;
  neutral: Map<string, Side>;
}

/**
 * What a pair is judged against: its base group by group, and the decisions people made. A
 * decision applies only to the values it was made on (invariant 4): where a side moved since, the
 * decided value becomes that group's base and the side that did not move shows nothing new, so a
 * later edit is taken as a one-sided change, or (both moved) asks the person again.
 */
function decisionGrounds(ctx: PlanContext, link: Link | null, conflicts: readonly Conflict[], plannrCase: Case, onlyofficeCase: Case): DecisionGrounds {
  const fresh = groupsWithoutBase(ctx.scope.settings, coveredSignatures(ctx, link));
  let base = link?.base ?? null;
  const decisions = new Map<string, Decision>();
  const neutral = new Map<string, Side>();
  const compared = new Set<string>(ctx.scope.settings.groups.map((g) => g.group));
  for (const c of conflicts) {
    if (c.resolution === null) continue;
    if (!compared.has(c.group)) {
      decisions.set(c.group, c.resolution);
      continue;
    }
    const group = c.group as FieldGroup;
    const seen = (value: unknown) => viewValue(ctx.scope, group, withGroupValue(emptyCase(), group, value));
    const plannrMoved = !sameContent(viewValue(ctx.scope, group, plannrCase), seen(c.plannr));
    const onlyofficeMoved = !sameContent(viewValue(ctx.scope, group, onlyofficeCase), seen(c.onlyoffice));
    if (!plannrMoved && !onlyofficeMoved) {
      decisions.set(group, c.resolution);
      continue;
    }
    const decided = c.resolution === "plannr" ? c.plannr : c.resolution === "onlyoffice" ? c.onlyoffice : c.base;
    base = withGroupValue(base ?? plannrCase, group, decided);
    fresh.delete(group);
    if (!plannrMoved) neutral.set(group, "plannr");
    if (!onlyofficeMoved) neutral.set(group, "onlyoffice");
  }
  return { base, fresh, decisions, neutral };
}

/**
 * The conflicts one decided pair holds, each tied to the pending conflict it updates; pending
 * conflicts that this decision settles or finds settled are added to `work.resolvedConflicts`.
 */
export function conflictFindings(work: PairWork, pending: readonly Conflict[]): ConflictFinding[] {
  const findings: ConflictFinding[] = [];
  const { base, plannr, onlyoffice } = work.input;
  for (const g of work.decision.groups) {
    const existing = pending.find((c) => c.group === g.group) ?? null;
    if (g.conflict) {
      findings.push({
        plannrId: work.plannrId,
        onlyofficeId: work.onlyofficeId,
        group: g.group,
        base: base === null || work.input.fresh.has(g.group) ? null : groupValue(base, g.group),
        plannr: groupValue(plannr, g.group),
        onlyoffice: groupValue(onlyoffice, g.group),
        reason: g.conflict.reason,
        settled: g.conflict.settled,
        existing,
      });
      if (g.conflict.settled !== null && existing) work.resolvedConflicts.push(existing.id);
    } else if (existing && g.outcome !== "frozen") work.resolvedConflicts.push(existing.id);
  }
  return findings;
}

/** Whether a decision changes anything on one side. */
export function hasChanges(changes: PairDecision["changesPlannr"]): boolean {
  return changes.set.length > 0 || changes.participants !== undefined || changes.assignees !== undefined;
}

/**
 * Decide one pair and encode its writes on both sides (also used to re-plan after a re-read). A
 * side in `thin` has no carry to encode from: its writes wait for the read before them.
 */
export function encodePair(
  ctx: Pick<PlanContext, "scope" | "adapters">,
  pair: { plannrId: string; onlyofficeId: string; link: Link | null; newLink: NewLink | null },
  input: PairInput,
  plannrRecord: CaseRecord,
  onlyofficeRecord: CaseRecord,
  thin: readonly Side[] = [],
): PairWork {
  const decision = decidePair(ctx.scope, input);
  const people = ctx.scope.directory.people();
  const issues: RecordIssue[] = [...plannrRecord.issues, ...onlyofficeRecord.issues];
  const encode = (side: Side, record: CaseRecord, target: Case, changes: PairDecision["changesPlannr"]): WriteOp[] => {
    if (!hasChanges(changes) || thin.includes(side)) return [];
    const result = ctx.adapters[side].encodeWrites({ record, target, changes, people });
    issues.push(...result.issues);
    return result.ops;
  };
  const opsPlannr = encode("plannr", plannrRecord, decision.targetPlannr, decision.changesPlannr);
  const opsOnlyoffice = encode("onlyoffice", onlyofficeRecord, decision.targetOnlyoffice, decision.changesOnlyoffice);
  const { plannrId, onlyofficeId, link, newLink } = pair;
  return { plannrId, onlyofficeId, link, newLink, input, decision, plannrRecord, onlyofficeRecord, opsPlannr, opsOnlyoffice, thin: [...thin], issues, resolvedConflicts: [] };
}


function inScope(ctx: PlanContext, record: RecordSummary): boolean {
  if (ctx.mode.kind !== "migrate") return true;
  if (ctx.mode.onlyOpen && record.closed) return false;
  if (ctx.mode.createdSince !== null && (record.createdAt === null || Date.parse(record.createdAt) < Date.parse(ctx.mode.createdSince))) return false;
  return true;
}

/** What a case copied from ONLYOFFICE becomes in Plannr: a named status is needed there. */
function targetFromOnlyoffice(scope: ViewScope, c: Case): Case | string {
  const catalog = scope.directory.statuses;
  const named = c.status.statusName === null ? undefined : catalog.get(c.status.statusName);
  const status = named ?? catalog.defaultFor(c.status.closed);
  if (!status) return `no Plannr status to give a ${c.status.closed ? "closed" : "open"} case (set closedStatus/openStatus in the mapping)`;
  // Plannr needs a client: with none that it can tell, the mapping's default client is the copy's
  // client, and (when carried) the source gets it too, so the pair agrees after this run.
  const clients = viewValue(scope, "participants", c) as string[];
  const fallback = scope.directory.defaultClientKey;
  const participants = clients.length === 0 && fallback !== null ? [...c.participants, fallback] : c.participants;
  return { ...c, participants, status: { closed: status.closed, statusName: status.name } };
}

/** Groups where the source reads differently from the copy made of it get written back to the source. */
function alignSource(ctx: Pick<PlanContext, "scope" | "adapters">, record: RecordSummary, target: Case): WriteOp[] {
  const source = record.case;
  if (source === null) return [];
  const changes: ChangeSet = { set: [] };
  for (const { group } of ctx.scope.settings.groups) {
    if (groupEquals(ctx.scope, group, source, target)) continue;
    if (group === "participants" || group === "assignees") {
      const from = viewValue(ctx.scope, group, source) as string[];
      const to = viewValue(ctx.scope, group, target) as string[];
      changes[group] = { add: to.filter((k) => !from.includes(k)), remove: from.filter((k) => !to.includes(k)) };
    } else changes.set.push(group);
  }
  if (changes.set.length === 0 && !changes.participants && !changes.assignees) return [];
  return ctx.adapters[record.side].encodeWrites({ record: recordOf(record, source), target, changes, people: ctx.scope.directory.people() }).ops;
}

/**
 * The copy of one unlinked record (whole: its case and carry are held), or why it is not made.
 * Used by the plan, by a migration's check of each record as it is scanned, and by the copies a
 * migration makes from its second read of the source (`Plan.streamed`).
 */
export function planCreate(ctx: Pick<PlanContext, "scope" | "adapters" | "mode">, from: Side, record: RecordSummary): CreateWork | RecordIssue {
  const to: Side = from === "plannr" ? "onlyoffice" : "plannr";
  if (record.frozen.length > 0) return recordIssue(from, record.id, record.frozen.join(", "), "CS_VALIDATION", `not copied to ${to}: ${record.errors.map((e) => e.message).join("; ")}`);
  if (record.case === null) return recordIssue(from, record.id, null, "CS_INTERNAL", `not copied to ${to}: the case was not held`);
  const target = from === "plannr" ? record.case : targetFromOnlyoffice(ctx.scope, record.case);
  if (typeof target === "string") return recordIssue(from, record.id, "status", "CS_VALIDATION", target);
  const options = { stamp: from === "plannr" ? record.id : null, people: ctx.scope.directory.people(), createdAt: ctx.mode.kind === "migrate" ? record.createdAt : null };
  try {
    const preview = ctx.adapters[to].previewCreate(target, options);
    const sourceOps = alignSource(ctx, record, target);
    // A copy made in Plannr is stamped onto its ONLYOFFICE source right after (invariant 6).
    if (to === "plannr") sourceOps.unshift(ctx.adapters.onlyoffice.encodeStamp(record.id, NEW_PLANNR_ID));
    return { from, to, sourceId: record.id, target, ops: preview.ops, issues: preview.issues, createdAt: options.createdAt, sourceOps };
  } catch (error) {
    const e = error as { code?: string; message?: string; field?: string };
    return recordIssue(from, record.id, e.field ?? null, "CS_VALIDATION", `not copied to ${to}: ${e.message ?? String(error)}`);
  }
}

export function isIssue(result: CreateWork | RecordIssue): result is RecordIssue {
  return "severity" in result;
}

function planCreates(ctx: PlanContext, from: Side, records: readonly RecordSummary[], plan: Plan): void {
  const to: Side = from === "plannr" ? "onlyoffice" : "plannr";
  let count = 0;
  const sorted = [...records].sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? "") || a.id.localeCompare(b.id));
  for (const record of sorted) {
    if (!inScope(ctx, record)) continue;
    if (ctx.mode.kind === "migrate" && ctx.mode.limit !== null && count >= ctx.mode.limit) break;
    if (record.case === null) {
      // Held without its case (a migration's source, checked as it was scanned): copied as it is
      // read again, in the apply phase, so the run never holds every copy's case and bodies.
      plan.streamed ??= { from, to, ids: new IdSet() };
      plan.streamed.ids.add(record.id);
      count += 1;
      continue;
    }
    const work = planCreate(ctx, from, record);
    if (isIssue(work)) {
      plan.issues.push(work);
      continue;
    }
    plan.creates.push(work);
    count += 1;
  }
}

export function buildPlan(ctx: PlanContext): Plan {
  const plan: Plan = { updates: [], creates: [], deletes: [], conflicts: [], issues: [], unchanged: 0 };
  if (ctx.mode.kind === "sync") {
    for (const pair of ctx.pairing.pairs) planPair(ctx, pair, plan);
  } else {
    // A migration only stores the links it adopts (stamps, journal); it does not sync linked pairs.
    for (const pair of ctx.pairing.pairs) if (pair.newLink) planPair(ctx, pair, plan);
  }
  const mapping = ctx.scope.settings.mapping;
  for (const from of ["plannr", "onlyoffice"] as const) {
    const allowed = ctx.mode.kind === "migrate" ? ctx.mode.from === from : createsFrom(mapping, from);
    if (!allowed) continue;
    planCreates(ctx, from, from === "plannr" ? ctx.pairing.unlinkedPlannr : ctx.pairing.unlinkedOnlyoffice, plan);
  }
  return plan;
}

/** The base hash a link stores for a base case (both sides share the view). */
export function baseHashOf(scope: ViewScope, base: Case | null): string | null {
  return base === null ? null : viewHash(scope, base);
}

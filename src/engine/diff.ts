// Three-way diff of one linked pair (invariants 4 and 5): per field group, against the last
// agreed base. Changed on one side only → taken from that side. Changed on both → the group's
// conflict policy. Set groups merge element-wise and never conflict once there is a base. Pure.
import { emptyCase, groupValue, withGroupValue, type Case, type FieldGroup, type StatusGroup } from "../core/case.js";
import { sameContent } from "../core/hash.js";
import type { ConflictPolicy } from "../core/mapping.js";
import type { ChangeSet, SetDelta } from "../core/records.js";
import type { GroupSpec } from "./context.js";
import { plannrChanged, onlyofficeChanged, statusAgrees, statusFromOnlyoffice, statusWrites, type StatusReading } from "./status-group.js";
import { viewValue, type ViewScope } from "./view.js";

export type Decision = "plannr" | "onlyoffice" | "base";
export type Outcome = "equal" | "take-plannr" | "take-onlyoffice" | "merge" | "forced" | "decided" | "conflict" | "frozen";

export interface GroupDecision {
  group: FieldGroup;
  outcome: Outcome;
  /** The group's agreed value after this run; undefined while unsettled (pending conflict, frozen). */
  target?: unknown;
  writePlannr: boolean;
  writeOnlyoffice: boolean;
  deltaPlannr?: SetDelta;
  deltaOnlyoffice?: SetDelta;
  conflict?: { reason: string; policy: ConflictPolicy; settled: "plannr" | "onlyoffice" | null };
}

export interface PairInput {
  base: Case | null;
  plannr: Case;
  onlyoffice: Case;
  frozenPlannr: ReadonlySet<string>;
  frozenOnlyoffice: ReadonlySet<string>;
  /**
   * Groups with no base yet for this pair (just linked, newly mapped, re-pointed, or never agreed):
   * first contact for them, whatever the other groups' bases say (SPEC §2).
   */
  fresh: ReadonlySet<string>;
  /** Groups with a conflict waiting for a person: no policy settles them behind the person's back. */
  pending: ReadonlySet<string>;
  /**
   * Groups whose person's decision was made on values that have moved since: the base is the
   * decided value and the side named here still holds what the person saw (and rejected), so its
   * difference from the base is no news. The other side's later edit is then taken.
   */
  neutral: ReadonlyMap<string, "plannr" | "onlyoffice">;
  plannrUpdatedAt: string | null;
  previousScanAt: string | null;
  /** Conflicts the user decided (`case-sync conflicts resolve`), by group. */
  decisions: ReadonlyMap<string, Decision>;
}

export interface PairDecision {
  groups: GroupDecision[];
  targetPlannr: Case;
  targetOnlyoffice: Case;
  changesPlannr: ChangeSet;
  changesOnlyoffice: ChangeSet;
}

/** How a conflict is settled without a person (SPEC §4.4): `newest-wins` is honest about ONLYOFFICE having no clock. */
export function settleByPolicy(policy: ConflictPolicy, plannrUpdatedAt: string | null, previousScanAt: string | null): "plannr" | "onlyoffice" | null {
  switch (policy) {
    case "plannr-wins":
      return "plannr";
    case "onlyoffice-wins":
      return "onlyoffice";
    case "newest-wins":
      if (plannrUpdatedAt !== null && previousScanAt !== null && Date.parse(plannrUpdatedAt) < Date.parse(previousScanAt)) return "onlyoffice";
      return null;
    case "manual":
      return null;
  }
}

/** The adds and removes that take set `from` to set `to`. */
export function setDelta(from: readonly string[], to: readonly string[]): SetDelta {
  const fromSet = new Set(from);
  const toSet = new Set(to);
  return { add: to.filter((k) => !fromSet.has(k)), remove: from.filter((k) => !toSet.has(k)) };
}

function nonEmpty(delta: SetDelta): boolean {
  return delta.add.length > 0 || delta.remove.length > 0;
}

function sorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

interface Sides<T> {
  p: T;
  o: T;
  b: T | undefined;
}

function decideScalar(spec: GroupSpec, v: Sides<unknown>, input: PairInput, decision: Decision | undefined): GroupDecision {
  const d = (outcome: Outcome, target: unknown): GroupDecision => ({
    group: spec.group,
    outcome,
    target,
    writePlannr: !sameContent(v.p, target),
    writeOnlyoffice: !sameContent(v.o, target),
  });
  if (sameContent(v.p, v.o)) return d("equal", v.p);
  if (spec.direction === "plannr-to-onlyoffice") return d("forced", v.p);
  if (spec.direction === "onlyoffice-to-plannr") return d("forced", v.o);
  if (decision !== undefined && (decision !== "base" || v.b !== undefined)) {
    return d("decided", decision === "plannr" ? v.p : decision === "onlyoffice" ? v.o : v.b);
  }
  if (v.b !== undefined) {
    const neutral = input.neutral.get(spec.group);
    const pChanged = neutral !== "plannr" && !sameContent(v.p, v.b);
    const oChanged = neutral !== "onlyoffice" && !sameContent(v.o, v.b);
    if (pChanged && !oChanged) return d("take-plannr", v.p);
    if (!pChanged && oChanged) return d("take-onlyoffice", v.o);
  }
  return conflict(spec, v, input, v.b === undefined ? "first contact: the two sides differ" : "changed on both sides", d);
}

function conflict(
  spec: GroupSpec,
  v: Sides<unknown>,
  input: PairInput,
  reason: string,
  d: (outcome: Outcome, target: unknown) => GroupDecision,
  onlyofficeTarget: unknown = v.o,
): GroupDecision {
  // A conflict once queued waits for a person (SPEC §4.4): a later run's policy must not settle it,
  // since it would judge with less than the run that queued it saw (newest-wins on a later scan).
  const settled = input.pending.has(spec.group) ? null : settleByPolicy(spec.policy, input.plannrUpdatedAt, input.previousScanAt);
  const info = { reason, policy: spec.policy, settled };
  if (settled === "plannr") return { ...d("conflict", v.p), conflict: info };
  if (settled === "onlyoffice" && onlyofficeTarget !== undefined) return { ...d("conflict", onlyofficeTarget), conflict: info };
  return { group: spec.group, outcome: "conflict", writePlannr: false, writeOnlyoffice: false, conflict: { ...info, settled: null } };
}

function decideSet(spec: GroupSpec, v: Sides<string[]>, input: PairInput, decision: Decision | undefined): GroupDecision {
  const d = (outcome: Outcome, target: unknown): GroupDecision => {
    const list = target as string[];
    const deltaPlannr = setDelta(v.p, list);
    const deltaOnlyoffice = setDelta(v.o, list);
    return {
      group: spec.group,
      outcome,
      target: list,
      writePlannr: nonEmpty(deltaPlannr),
      writeOnlyoffice: nonEmpty(deltaOnlyoffice),
      deltaPlannr,
      deltaOnlyoffice,
    };
  };
  if (sameContent(v.p, v.o)) return d("equal", v.p);
  if (spec.direction === "plannr-to-onlyoffice") return d("forced", v.p);
  if (spec.direction === "onlyoffice-to-plannr") return d("forced", v.o);
  if (decision !== undefined && (decision !== "base" || v.b !== undefined)) {
    return d("decided", decision === "plannr" ? v.p : decision === "onlyoffice" ? v.o : v.b);
  }
  if (v.b === undefined) return conflict(spec, v, input, "first contact: the two sides differ", d);
  // Element-wise merge (invariant 5): an add on one side and a remove on the other both apply.
  // A side that only still shows what a person already decided against contributes nothing.
  const neutral = input.neutral.get(spec.group);
  const p = neutral === "plannr" ? v.b : v.p;
  const o = neutral === "onlyoffice" ? v.b : v.o;
  const base = new Set(v.b);
  const removed = new Set([...v.b.filter((k) => !p.includes(k)), ...v.b.filter((k) => !o.includes(k))]);
  const added = [...p.filter((k) => !base.has(k)), ...o.filter((k) => !base.has(k))];
  const merged = sorted([...v.b.filter((k) => !removed.has(k)), ...added]);
  const outcome: Outcome = sameContent(merged, v.p) ? "take-plannr" : sameContent(merged, v.o) ? "take-onlyoffice" : "merge";
  return d(outcome, merged);
}

function decideStatus(spec: GroupSpec, reading: StatusReading, input: PairInput, scope: ViewScope, decision: Decision | undefined): GroupDecision {
  const catalog = scope.directory.statuses;
  const d = (outcome: Outcome, target: unknown): GroupDecision => {
    const writes = statusWrites(reading, target as StatusGroup);
    return { group: "status", outcome, target, writePlannr: writes.plannr, writeOnlyoffice: writes.onlyoffice };
  };
  const frozen = (): GroupDecision => ({ group: "status", outcome: "frozen", writePlannr: false, writeOnlyoffice: false });
  const fromOnlyoffice = (r: StatusReading) => statusFromOnlyoffice(r, catalog);
  const plannrTarget: StatusGroup = { closed: reading.plannr.closed, statusName: reading.plannr.statusName };
  if (spec.direction === "plannr-to-onlyoffice") return d("forced", plannrTarget);
  if (spec.direction === "onlyoffice-to-plannr") {
    const target = fromOnlyoffice({ ...reading, base: reading.base ?? null });
    return target === undefined ? frozen() : d("forced", target);
  }
  if (decision === "plannr") return d("decided", plannrTarget);
  if (decision === "onlyoffice") {
    const target = fromOnlyoffice({ ...reading, base: null });
    if (target !== undefined) return d("decided", target);
  }
  if (decision === "base" && reading.base !== null) return d("decided", reading.base);
  if (reading.base === null) {
    if (statusAgrees(reading)) return d("equal", plannrTarget);
  } else {
    const neutral = input.neutral.get("status");
    const pChanged = neutral !== "plannr" && plannrChanged(reading);
    const oChanged = neutral !== "onlyoffice" && onlyofficeChanged(reading);
    if (!oChanged) return d(pChanged ? "take-plannr" : "equal", plannrTarget);
    const onlyofficeTarget = fromOnlyoffice(reading);
    if (onlyofficeTarget === undefined) return frozen();
    if (!pChanged) return d("take-onlyoffice", onlyofficeTarget);
    if (sameContent(onlyofficeTarget, plannrTarget)) return d("equal", plannrTarget);
  }
  const v: Sides<unknown> = { p: plannrTarget, o: reading.onlyoffice, b: reading.base ?? undefined };
  const reason = reading.base === null ? "first contact: the two sides differ" : "changed on both sides";
  return conflict(spec, v, input, reason, d, fromOnlyoffice({ ...reading, base: null }));
}

/** A set with a delta applied (keys the delta does not name, e.g. people not carried, stay). */
export function applySetDelta(current: readonly string[], delta: SetDelta | undefined): string[] {
  if (!delta) return [...current];
  const removed = new Set(delta.remove);
  return sorted([...current.filter((k) => !removed.has(k)), ...delta.add]);
}

export function decidePair(scope: ViewScope, input: PairInput): PairDecision {
  const groups: GroupDecision[] = [];
  for (const spec of scope.settings.groups) {
    const g = spec.group;
    if (input.frozenPlannr.has(g) || input.frozenOnlyoffice.has(g)) {
      groups.push({ group: g, outcome: "frozen", writePlannr: false, writeOnlyoffice: false });
      continue;
    }
    const base = input.fresh.has(g) ? null : input.base;
    const decision = input.decisions.get(g);
    if (g === "status") {
      const reading: StatusReading = {
        plannr: input.plannr.status,
        onlyoffice: input.onlyoffice.status,
        base: base?.status ?? null,
        nameCarried: scope.settings.statusNameCarried,
      };
      groups.push(decideStatus(spec, reading, input, scope, decision));
    } else if (g === "participants" || g === "assignees") {
      const v: Sides<string[]> = {
        p: viewValue(scope, g, input.plannr) as string[],
        o: viewValue(scope, g, input.onlyoffice) as string[],
        b: base === null ? undefined : (viewValue(scope, g, base) as string[]),
      };
      groups.push(decideSet(spec, v, input, decision));
    } else {
      const v: Sides<unknown> = { p: groupValue(input.plannr, g), o: groupValue(input.onlyoffice, g), b: base === null ? undefined : groupValue(base, g) };
      groups.push(decideScalar(spec, v, input, decision));
    }
  }
  return buildTargets(input, groups);
}

function buildTargets(input: PairInput, groups: GroupDecision[]): PairDecision {
  let targetPlannr = input.plannr;
  let targetOnlyoffice = input.onlyoffice;
  const changesPlannr: ChangeSet = { set: [] };
  const changesOnlyoffice: ChangeSet = { set: [] };
  for (const decision of groups) {
    const g = decision.group;
    if (g === "participants" || g === "assignees") {
      if (decision.writePlannr && decision.deltaPlannr) {
        targetPlannr = { ...targetPlannr, [g]: applySetDelta(targetPlannr[g], decision.deltaPlannr) };
        changesPlannr[g] = decision.deltaPlannr;
      }
      if (decision.writeOnlyoffice && decision.deltaOnlyoffice) {
        targetOnlyoffice = { ...targetOnlyoffice, [g]: applySetDelta(targetOnlyoffice[g], decision.deltaOnlyoffice) };
        changesOnlyoffice[g] = decision.deltaOnlyoffice;
      }
      continue;
    }
    if (decision.writePlannr) {
      targetPlannr = withGroupValue(targetPlannr, g, decision.target);
      changesPlannr.set.push(g);
    }
    if (decision.writeOnlyoffice) {
      targetOnlyoffice = withGroupValue(targetOnlyoffice, g, decision.target);
      changesOnlyoffice.set.push(g);
    }
  }
  return { groups, targetPlannr, targetOnlyoffice, changesPlannr, changesOnlyoffice };
}

export interface NextBase {
  /** The agreed case; null while no group has a base. */
  base: Case | null;
  /** Signatures of the groups `base` covers (see GroupSpec.signature). */
  groups: string[];
}

/**
 * The base after the run, group by group (SPEC §2): a group settled this run (written everywhere it
 * needed to be, or already equal) takes its target; one left unsettled keeps the base it had, or
 * stays without one. So the fields that agree become the base even while another group waits.
 */
export function nextBase(input: PairInput, decision: PairDecision, settledGroups: ReadonlySet<string>, specs: readonly GroupSpec[]): NextBase {
  let base: Case = input.base ?? input.plannr;
  const covered: string[] = [];
  const byGroup = new Map(decision.groups.map((g) => [g.group, g]));
  for (const spec of specs) {
    const g = byGroup.get(spec.group);
    if (g !== undefined && g.target !== undefined && settledGroups.has(spec.group)) {
      base = withGroupValue(base, spec.group, g.target);
      covered.push(spec.signature);
    } else if (input.base !== null && !input.fresh.has(spec.group)) {
      covered.push(spec.signature);
    } else {
      // No base for this group yet: the stored value means nothing, keep it out of the way.
      base = withGroupValue(base, spec.group, groupValue(emptyCase(), spec.group));
    }
  }
  if (covered.length === 0) return { base: null, groups: [] };
  // Read-only and uncompared fields come from Plannr, the canonical side of the names.
  if (input.base === null) base = { ...base, createdAt: input.plannr.createdAt };
  return { base, groups: covered.sort() };
}

// After a sync: every linked pair, every field group, read from both simulators and held against
// what a person expects (model-expect.ts); then the model learns the outcome. A killed, faulted or
// raced run is judged on safety only (no value lost, nothing written that should not be); a clean
// run must also leave each group converged, queued for a person, or reported as an error.
import type { RunReport } from "../../src/core/report.js";
import type { Conflict } from "../../src/core/state.js";
import { expectGroup, winnerOf, type Expectation } from "./model-expect.js";
import { check, violate } from "./model-invariants.js";
import { engineGroup, keysOfField, sameVal, showVal, type ModelEyes, type Val } from "./model-readers.js";
import { comparedKeys, firstContact, type GroupState, type Model, type PairModel } from "./model-state.js";

export interface SyncContext {
  report: RunReport | null;
  /** No faults, no stripped includes, no kill, no concurrent edit. */
  clean: boolean;
  runStart: number;
  pending: Conflict[];
  /** Pairs (by Plannr id) a person edited during the run: their outcome is judged on safety only. */
  racedPairs: ReadonlyMap<string, RacedCase>;
  /** A targeted sync: only the pairs with a case in this set (Plannr or ONLYOFFICE ids) were in its scope. */
  only?: ReadonlySet<string>;
}

/**
 * A case a person edited while the run applied. The run read it before that edit, so the other
 * side may receive what it held then: stale for a moment, never a lost edit (the edit itself must
 * survive, and the next run carries it over).
 */
export interface RacedCase {
  side: "plannr" | "onlyoffice";
  before: ReadonlyMap<string, Val> | null;
}

function describePair(pair: PairModel): string {
  return `pair P ${pair.plannrId.slice(0, 8)} / O ${pair.onlyofficeId}`;
}

function describeState(g: GroupState): string {
  const parts = [`agreed ${showVal(g.agreed)}`, `Plannr ${showVal(g.p.value)}`, `ONLYOFFICE ${showVal(g.o.value)}`];
  if (g.queued) parts.push("queued");
  if (g.decision) parts.push(`decided take ${g.decision.take} on (${showVal(g.decision.p)}, ${showVal(g.decision.o)})`);
  if (g.loose) parts.push("loose");
  return parts.join(", ");
}

/** Was this side's value a person's edit (moved from the agreed value)? */
function heldAnEdit(g: GroupState, side: "p" | "o"): boolean {
  return g.agreed === undefined || !sameVal(g[side].value, g.agreed);
}

function checkAllowed(pair: PairModel, key: string, g: GroupState, e: Expectation, actual: { p: Val; o: Val }): void {
  for (const side of ["p", "o"] as const) {
    const allowed = side === "p" ? e.allowP : e.allowO;
    const value = actual[side];
    if (allowed.some((v) => sameVal(v, value))) continue;
    const name = side === "p" ? "Plannr" : "ONLYOFFICE";
    violate(
      heldAnEdit(g, side) ? "lost-edit" : "unexpected-write",
      `${describePair(pair)} ${key}: ${name} now holds ${showVal(value)}, expected one of ${allowed.map(showVal).join(" | ")} (${e.why}; before the run: ${describeState(g)})`,
    );
  }
}

export function judgePairs(m: Model, eyes: ModelEyes, ctx: SyncContext): void {
  const keys = comparedKeys(m);
  for (const pair of m.pairs) {
    if (ctx.only && !ctx.only.has(pair.plannrId) && !ctx.only.has(pair.onlyofficeId)) continue;
    const pv = eyes.read("plannr", pair.plannrId, m.mapping.valueField);
    const ov = eyes.read("onlyoffice", pair.onlyofficeId, m.mapping.valueField);
    if (!pv || !ov) continue; // the census reports a vanished case
    const errors = (ctx.report?.errors ?? []).filter((e) => e.record === pair.plannrId || e.record === pair.onlyofficeId);
    const raced = ctx.racedPairs.get(pair.plannrId);
    const judged = ctx.clean && ctx.report !== null && raced === undefined;
    for (const key of keys) {
      let g = pair.groups.get(key);
      const actual = { p: pv.get(key) ?? null, o: ov.get(key) ?? null };
      if (!g) {
        g = firstContact(actual.p, actual.o, { p: ctx.runStart, o: ctx.runStart });
        pair.groups.set(key, g);
      }
      const e = withRaceBefore(expectGroup(key, g, m.mapping.policy, m.lastRunStart), raced, key);
      checkAllowed(pair, key, g, e, actual);
      const queuedNow = ctx.pending.some((c) => c.plannrId === pair.plannrId && c.group === engineGroup(key));
      const waived = errors.some((err) => err.field !== null && keysOfField(err.field, keys).includes(key));
      if (judged && !waived) judgeOutcome(pair, key, g, e, actual, queuedNow, errors.length > 0);
      learn(g, actual, { queuedNow, settled: judged && !waived, reported: ctx.report !== null, runStart: ctx.runStart });
    }
    keepSetGroupsWhole(pair, keys);
  }
}

function withRaceBefore(e: Expectation, raced: RacedCase | undefined, key: string): Expectation {
  if (raced === undefined || raced.before === null) return e;
  const stale = raced.before.get(key) ?? null;
  return raced.side === "plannr" ? { ...e, allowO: [...e.allowO, stale] } : { ...e, allowP: [...e.allowP, stale] };
}

function judgeOutcome(pair: PairModel, key: string, g: GroupState, e: Expectation, actual: { p: Val; o: Val }, queuedNow: boolean, anyError: boolean): void {
  const where = `${describePair(pair)} ${key} (${e.why}; before the run: ${describeState(g)}; now Plannr ${showVal(actual.p)}, ONLYOFFICE ${showVal(actual.o)})`;
  const equal = sameVal(actual.p, actual.o);
  switch (e.outcome) {
    case "converge":
      check(!queuedNow || equal, "spurious-conflict", () => where);
      check(equal || queuedNow, "convergence", () => where);
      return;
    case "queue":
      check(queuedNow || equal, "queued-conflict", () => `no pending conflict for ${where}`);
      return;
    case "settle":
      check(equal || queuedNow, "convergence", () => where);
      return;
    case "unholdable":
      // Reported as a record error, or waiting for a person as a conflict: never silent.
      check(anyError || queuedNow, "unreported-refusal", () => where);
  }
}

/** The model learns what the run did to one group. */
function learn(g: GroupState, actual: { p: Val; o: Val }, run: { queuedNow: boolean; settled: boolean; reported: boolean; runStart: number }): void {
  const movedP = !sameVal(actual.p, g.p.value);
  const movedO = !sameVal(actual.o, g.o.value);
  if (movedP) g.p = { value: actual.p, at: run.runStart };
  if (movedO) g.o = { value: actual.o, at: run.runStart };
  if (sameVal(actual.p, actual.o)) {
    // A run that did not settle the group may or may not have recorded this as its first base.
    const firstBase = g.agreed === undefined;
    g.agreed = actual.p;
    g.queued = false;
    g.queuedOn = null;
    g.decision = null;
    g.loose = run.settled ? false : g.loose || movedP || movedO || firstBase;
    return;
  }
  g.queued = run.queuedNow;
  g.queuedOn = run.queuedNow ? { p: actual.p, o: actual.o } : null;
  if (g.decision !== null && run.reported) {
    const stale = !sameVal(g.p.value, g.decision.p) || !sameVal(g.o.value, g.decision.o);
    if (stale || movedP || movedO) {
      // The run used (or set aside) the decision: the decided value is the new reference.
      const w = winnerOf(g.decision);
      if (w !== undefined) g.agreed = w;
      g.decision = null;
    }
  }
  if ((movedP || movedO) && !run.settled) g.loose = true;
}

/**
 * A set group (participants, assignees) is compared element by element once it has a base, but
 * before that (first contact) it is one value: while any element lacks a base and the sides still
 * differ, no element has one (SPEC §2: the fields that agree become the base, group by group).
 */
export function keepSetGroupsWhole(pair: PairModel, keys: readonly string[]): void {
  for (const group of ["participants", "assignees"]) {
    const members = keys.map((k) => [k, pair.groups.get(k)] as const).filter(([k]) => engineGroup(k) === group);
    const open = members.some(([, g]) => g?.agreed === undefined);
    const differ = members.some(([, g]) => g !== undefined && !sameVal(g.p.value, g.o.value));
    if (open && differ) for (const [, g] of members) if (g) g.agreed = undefined;
  }
}

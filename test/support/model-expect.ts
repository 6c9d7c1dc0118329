// What a person may expect of one field group of one linked pair after a sync, from the model's
// state alone (pure). Two parts: the values each side may hold afterwards (a side keeps its own
// value unless a rule lets the other side's win: a one-sided change, a policy, a decision), and
// what a clean run must leave behind: both sides equal (`converge`), a conflict waiting for a
// person (`queue`), either of the two (`settle`), or a record error (`unholdable`).
import type { ConflictPolicy } from "../../src/core/mapping.js";
import { PLANNR_LONGTEXT_MAX } from "./model-world.js";
import { sameVal, type Val } from "./model-readers.js";
import type { Decision, GroupState } from "./model-state.js";

export type Outcome = "converge" | "queue" | "settle" | "unholdable";

export interface Expectation {
  allowP: Val[];
  allowO: Val[];
  outcome: Outcome;
  /** Why, in a person's words (shown when a check fails). */
  why: string;
}

export function winnerOf(d: Decision): Val | undefined {
  return d.take === "plannr" ? d.p : d.take === "onlyoffice" ? d.o : d.base;
}

/** A value Plannr cannot hold (invariant 11: reported, never truncated). */
export function plannrCannotHold(key: string, value: Val): boolean {
  return key === "notes" && typeof value === "string" && [...value].length > PLANNR_LONGTEXT_MAX;
}

function both(p: Val, o: Val): Val[] {
  return sameVal(p, o) ? [p] : [p, o];
}

/**
 * The three-way rule against a reference value (the agreed base, or a decided value): a side that
 * moved from it holds a person's edit; one mover wins; two movers are a conflict for the policy.
 */
function threeWay(p: Val, o: Val, reference: Val | undefined, queued: boolean, policy: ConflictPolicy, newestMayFavourOnlyoffice: boolean): Expectation {
  const pMoved = reference === undefined || !sameVal(p, reference);
  const oMoved = reference === undefined || !sameVal(o, reference);
  if (queued) {
    // A conflict once queued stays queued until a person decides (issue 8 item 1); if a side has
    // since gone back to the base, taking the other side is fine too.
    if (!pMoved || !oMoved) return { allowP: pMoved ? [p] : both(p, o), allowO: oMoved ? [o] : both(o, p), outcome: "settle", why: "queued conflict, one side since back at the base" };
    if (policy === "plannr-wins") return { allowP: [p], allowO: both(o, p), outcome: "settle", why: "queued conflict, policy now plannr-wins" };
    if (policy === "onlyoffice-wins") return { allowP: both(p, o), allowO: [o], outcome: "settle", why: "queued conflict, policy now onlyoffice-wins" };
    return { allowP: [p], allowO: [o], outcome: "queue", why: `queued conflict under ${policy}: waits for a person` };
  }
  if (pMoved && !oMoved) return { allowP: [p], allowO: both(o, p), outcome: "converge", why: "one-sided change in Plannr" };
  if (!pMoved && oMoved) return { allowP: both(p, o), allowO: [o], outcome: "converge", why: "one-sided change in ONLYOFFICE" };
  const first = reference === undefined ? "first contact" : "changed on both sides";
  switch (policy) {
    case "plannr-wins":
      return { allowP: [p], allowO: both(o, p), outcome: "converge", why: `${first}, plannr-wins` };
    case "onlyoffice-wins":
      return { allowP: both(p, o), allowO: [o], outcome: "converge", why: `${first}, onlyoffice-wins` };
    case "newest-wins":
      // ONLYOFFICE may win only over a Plannr edit older than the previous scan (SPEC §4.4).
      if (newestMayFavourOnlyoffice) return { allowP: both(p, o), allowO: [o], outcome: "settle", why: `${first}, newest-wins (Plannr's edit predates the last scan)` };
      return { allowP: [p], allowO: [o], outcome: "queue", why: `${first}, newest-wins cannot tell: waits as manual` };
    case "manual":
      return { allowP: [p], allowO: [o], outcome: "queue", why: `${first}, manual` };
  }
}

/**
 * A decision applies only to the values it was made on (issue 8 item 2). A side edited since is
 * new information: taken as a one-sided change against the decided value, or queued as a new
 * conflict; never lost, and the stale decision is not applied to the other side either.
 */
function afterStaleDecision(p: Val, o: Val, d: Decision, policy: ConflictPolicy, newest: boolean): Expectation {
  const pMoved = !sameVal(p, d.p);
  const oMoved = !sameVal(o, d.o);
  const why = `decision (take ${d.take}) made before a later edit`;
  if (pMoved && !oMoved) return { allowP: [p], allowO: both(o, p), outcome: "settle", why: `${why} in Plannr` };
  if (!pMoved && oMoved) return { allowP: both(p, o), allowO: [o], outcome: "settle", why: `${why} in ONLYOFFICE` };
  const inner = threeWay(p, o, undefined, false, policy, newest);
  return { ...inner, outcome: inner.outcome === "converge" ? "settle" : inner.outcome, why: `${why} on both sides: ${inner.why}` };
}

export function expectGroup(key: string, g: GroupState, policy: ConflictPolicy, lastRunStart: number | null): Expectation {
  const p = g.p.value;
  const o = g.o.value;
  const newest = lastRunStart !== null && g.p.at < lastRunStart;
  let e: Expectation;
  if (g.loose) {
    // Whatever the engine's base, a person's decision on exactly these values is theirs to apply:
    // the value they chose (the conflict's base included) is one the run may write.
    const d = g.decision;
    const decided = d !== null && sameVal(p, d.p) && sameVal(o, d.o) ? winnerOf(d) : undefined;
    const also = (v: Val[]) => (decided === undefined || v.some((x) => sameVal(x, decided)) ? v : [...v, decided]);
    e = { allowP: also(both(p, o)), allowO: also(both(o, p)), outcome: "settle", why: `the engine's base is unknown after a killed or failed run${decided === undefined ? "" : `; a person decided: take ${d?.take ?? ""}`}` };
  }
  else if (sameVal(p, o)) e = { allowP: [p], allowO: [o], outcome: "converge", why: "both sides agree" };
  else if (g.decision !== null) {
    const d = g.decision;
    const w = winnerOf(d);
    const untouched = sameVal(p, d.p) && sameVal(o, d.o);
    if (untouched && w !== undefined) e = { allowP: both(p, w), allowO: both(o, w), outcome: "converge", why: `a person decided: take ${d.take}` };
    else e = afterStaleDecision(p, o, d, policy, newest);
  } else e = threeWay(p, o, g.agreed, g.queued, policy, newest);
  // Only where Plannr is to receive it: a conflict that waits for a person writes nothing.
  if (plannrCannotHold(key, o) && !sameVal(p, o) && e.outcome !== "queue" && e.allowP.some((v) => sameVal(v, o))) {
    // Plannr cannot take it: nothing is truncated, the other groups still land, an error says so.
    return { ...e, outcome: "unholdable", why: `ONLYOFFICE holds a value Plannr cannot hold (${e.why})` };
  }
  return e;
}

// Fault injection for the simulators: a list of rules, each matching some requests and doing one
// thing to them a bounded number of times. Tests and the benchmark arm them programmatically or
// over the control endpoint (`POST /__sandbox/faults`).
//
// Besides "the next N" (`after`, `times`), a rule can describe a rate: `every` acts on every Nth
// matching request, `probability` on each matching request with that probability. The draws come
// from a seeded PRNG (mulberry32, as the world uses), one stream per rule, seeded from the plan's
// seed and the rule's position (or the rule's own `seed`): a rule's faults depend only on the
// sequence of requests it matches, so adding an unrelated rule does not shift them. Same seed, same
// rules, same request order: same faults. (Concurrent clients can reorder requests; that is theirs.)
// The counting and drawing (`RateTrigger`) is shared with the Plannr webhook delivery faults.

import { createRng, type Rng } from "./world.js";

/** When a rule acts on the requests (or deliveries) it matches. */
export interface FaultRate {
  /**
   * How many matching requests it affects. Default 1, or unbounded when `every` or `probability`
   * is set (a rate, not a one-off). Infinity for all.
   */
  times?: number;
  /** Skip this many matching requests before acting. */
  after?: number;
  /** Act only on every Nth matching request (counted after `after`): 25 → the 25th, 50th, ... */
  every?: number;
  /** Act on a matching request with this probability (0..1), drawn from the seeded PRNG. */
  probability?: number;
  /** This rule's own PRNG seed (default: derived from the plan's seed and the rule's position). */
  seed?: number;
}

/** Rule positions get seeds far apart, so rule 0 of seed 2 is not rule 1 of seed 1. */
const RULE_SEED_STEP = 0x9e3779b9;

/** The seed of the rule added at `position` (0-based) to a plan seeded `planSeed`, unless it has its own. */
export function ruleSeed(planSeed: number, position: number, own?: number): number {
  return own ?? (planSeed + Math.imul(position + 1, RULE_SEED_STEP)) >>> 0;
}

/** One rule's counters and PRNG stream: decides, match by match, whether the rule acts. */
export class RateTrigger {
  private seen = 0;
  private firedCount = 0;
  private readonly rng: Rng | null;

  constructor(
    private readonly rate: FaultRate,
    seed: number,
  ) {
    checkRate(rate);
    this.rng = rate.probability !== undefined ? createRng(seed) : null;
  }

  get fired(): number {
    return this.firedCount;
  }

  /** Called once per matching request; consumes its count and PRNG draw. */
  fires(): boolean {
    const rule = this.rate;
    this.seen += 1;
    const after = rule.after ?? 0;
    if (this.seen <= after) return false;
    const rate = rule.every !== undefined || rule.probability !== undefined;
    if (this.firedCount >= (rule.times ?? (rate ? Infinity : 1))) return false;
    if (rule.every !== undefined && (this.seen - after) % rule.every !== 0) return false;
    // One draw per request that reached this point, hit or miss, keeps the stream aligned.
    if (this.rng && !this.rng.chance(rule.probability ?? 1)) return false;
    this.firedCount += 1;
    return true;
  }
}

/** A rule that could never act as written is a test bug: say so instead of ignoring it. */
export function checkRate(rule: FaultRate): void {
  if (rule.every !== undefined && !(Number.isInteger(rule.every) && rule.every >= 1)) {
    throw new RangeError(`fault rule "every" must be a whole number of at least 1, got ${rule.every}`);
  }
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    throw new RangeError(`fault rule "probability" must be between 0 and 1, got ${rule.probability}`);
  }
}

export type FaultKind =
  /** Answer with this status (and, for 429, a Retry-After) without touching state. */
  | "status"
  /** Wait this long before handling. */
  | "latency"
  /** Handle the request (commit the write), then destroy the socket without answering. */
  | "drop-response";

export interface FaultRule extends FaultRate {
  kind: FaultKind;
  method?: string;
  /** Matches the request path (without query); a string is a substring match. */
  path?: string | RegExp;
  status?: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
}

interface ArmedRule {
  rule: FaultRule;
  trigger: RateTrigger;
}

export class FaultPlan {
  private rules: ArmedRule[] = [];
  /** Rules added since construction or the last clear(); positions seed the per-rule PRNGs. */
  private added = 0;

  constructor(private readonly seed = 1) {}

  add(rule: FaultRule): void {
    const trigger = new RateTrigger(rule, ruleSeed(this.seed, this.added, rule.seed));
    this.added += 1;
    this.rules.push({ rule: { ...rule }, trigger });
  }

  /** Drops every rule; rules added afterwards draw the same faults as after construction. */
  clear(): void {
    this.rules = [];
    this.added = 0;
  }

  /** How often each armed rule has acted, in the order the rules were added (tests check faults really fired). */
  firedCounts(): number[] {
    return this.rules.map((r) => r.trigger.fired);
  }

  /** Rules that act on this request now (consumes their counts and PRNG draws). */
  take(method: string, path: string): FaultRule[] {
    const acting: FaultRule[] = [];
    for (const { rule, trigger } of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path !== undefined) {
        const hit = typeof rule.path === "string" ? path.includes(rule.path) : rule.path.test(path);
        if (!hit) continue;
      }
      if (trigger.fires()) acting.push(rule);
    }
    return acting;
  }

  /** Parses rules sent as JSON to the control endpoint (path given as a string or `/regex/`). */
  static parse(input: unknown): FaultRule[] {
    const list = Array.isArray(input) ? input : [input];
    return list.map((raw) => {
      if (typeof raw !== "object" || raw === null) throw new TypeError("a fault rule must be an object");
      const rule = raw as Record<string, unknown>;
      const kind = rule.kind;
      if (kind !== "status" && kind !== "latency" && kind !== "drop-response") throw new TypeError(`unknown fault kind ${String(kind)}`);
      const out: FaultRule = { kind };
      if (typeof rule.method === "string") out.method = rule.method;
      if (typeof rule.path === "string") {
        const regex = /^\/(.*)\/$/.exec(rule.path);
        out.path = regex ? new RegExp(regex[1] ?? "") : rule.path;
      }
      for (const key of ["status", "retryAfterSeconds", "latencyMs", "times", "after", "every", "probability", "seed"] as const) {
        if (typeof rule[key] === "number") out[key] = rule[key];
      }
      // JSON has no Infinity: "all" (or null) asks for an unbounded rule.
      if (rule.times === "all" || rule.times === null) out.times = Infinity;
      checkRate(out);
      return out;
    });
  }
}

// Faults of Plannr's webhook deliveries, for testing a receiver against what the reference warns
// of ("deliveries may repeat, arrive out of order or late", and may be lost): `drop` (never sent),
// `duplicate` (sent twice, same bytes), `delay` (held `delayMs` before sending) and `reorder` (held
// per subscription until `batch` are held or `windowMs` passes, then sent newest first).
//
// Same style and same counting as the HTTP FaultPlan (faults.ts): a rule matches deliveries by event
// and subscription url, acts on the next one by default, or at a rate (`every`, `probability`) drawn
// from its own seeded stream. Same seed, same rules, same sequence of deliveries: same faults.
import { z } from "zod";
import { RateTrigger, ruleSeed, type FaultRate } from "../faults.js";

export const DELIVERY_FAULT_KINDS = ["drop", "duplicate", "delay", "reorder"] as const;
export type DeliveryFaultKind = (typeof DELIVERY_FAULT_KINDS)[number];

export interface DeliveryFaultRule extends FaultRate {
  kind: DeliveryFaultKind;
  /** Matches this event name only (e.g. `case.updated`). */
  event?: string;
  /** Matches the subscription url: a string is a substring match. */
  url?: string | RegExp;
  /** `delay`: how long to hold the delivery (default 500 ms). */
  delayMs?: number;
  /** `reorder`: how many held deliveries make a batch (default 3). */
  batch?: number;
  /** `reorder`: the longest a delivery is held waiting for its batch (default 1000 ms). */
  windowMs?: number;
}

export const DEFAULT_DELAY_MS = 500;
export const DEFAULT_REORDER_BATCH = 3;
export const DEFAULT_REORDER_WINDOW_MS = 1000;

/** The JSON form of a rule (control endpoint): `url` as a string, or `/regex/`; `times` "all" or null for unbounded. */
const RuleJson = z
  .object({
    kind: z.enum(DELIVERY_FAULT_KINDS),
    event: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    delayMs: z.number().int().min(0).optional(),
    batch: z.number().int().min(1).optional(),
    windowMs: z.number().int().min(0).optional(),
    times: z.union([z.number().int().min(0), z.literal("all"), z.null()]).optional(),
    after: z.number().int().min(0).optional(),
    every: z.number().int().min(1).optional(),
    probability: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
  })
  .strict();

function checkRule(rule: DeliveryFaultRule): void {
  for (const key of ["delayMs", "batch", "windowMs"] as const) {
    const value = rule[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= (key === "batch" ? 1 : 0))) {
      throw new RangeError(`webhook fault rule "${key}" must be a whole number${key === "batch" ? " of at least 1" : ""}, got ${value}`);
    }
  }
}

export class DeliveryFaultPlan {
  private rules: { rule: DeliveryFaultRule; trigger: RateTrigger }[] = [];
  private added = 0;

  constructor(private readonly seed = 1) {}

  add(rule: DeliveryFaultRule): void {
    checkRule(rule);
    const trigger = new RateTrigger(rule, ruleSeed(this.seed, this.added, rule.seed));
    this.added += 1;
    this.rules.push({ rule: { ...rule }, trigger });
  }

  /** Replaces every rule; the new ones draw as if added to a fresh plan. */
  set(rules: readonly DeliveryFaultRule[]): void {
    this.clear();
    for (const rule of rules) this.add(rule);
  }

  clear(): void {
    this.rules = [];
    this.added = 0;
  }

  /** How often each rule has acted, in the order the rules were added. */
  firedCounts(): number[] {
    return this.rules.map((r) => r.trigger.fired);
  }

  /** Rules that act on this delivery (consumes their counts and draws). */
  take(event: string, url: string): DeliveryFaultRule[] {
    const acting: DeliveryFaultRule[] = [];
    for (const { rule, trigger } of this.rules) {
      if (rule.event !== undefined && rule.event !== event) continue;
      if (rule.url !== undefined && !(typeof rule.url === "string" ? url.includes(rule.url) : rule.url.test(url))) continue;
      if (trigger.fires()) acting.push(rule);
    }
    return acting;
  }

  /** Rules sent as JSON (one or a list); errors name the rule and field. */
  static parse(input: unknown): DeliveryFaultRule[] {
    const list: unknown[] = Array.isArray(input) ? input : [input];
    return list.map((raw, i) => {
      const parsed = RuleJson.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = [i, ...(issue?.path ?? [])].join(".");
        throw new TypeError(`webhook fault rule ${where}: ${issue?.message ?? "invalid"}`);
      }
      const { url, times, ...rest } = parsed.data;
      const rule: DeliveryFaultRule = { kind: rest.kind };
      for (const key of ["event", "delayMs", "batch", "windowMs", "after", "every", "probability", "seed"] as const) {
        const value = rest[key];
        if (value !== undefined) Object.assign(rule, { [key]: value });
      }
      if (url !== undefined) {
        const regex = /^\/(.*)\/$/.exec(url);
        rule.url = regex ? new RegExp(regex[1] ?? "") : url;
      }
      // JSON has no Infinity: "all" (or null) asks for an unbounded rule.
      if (times !== undefined) rule.times = typeof times === "number" ? times : Infinity;
      return rule;
    });
  }
}

// Fault injection for the simulators: a list of rules, each matching some requests and doing one
// thing to them a bounded number of times. Tests and the benchmark arm them programmatically or
// over the control endpoint (`POST /__sandbox/faults`).

export type FaultKind =
  /** Answer with this status (and, for 429, a Retry-After) without touching state. */
  | "status"
  /** Wait this long before handling. */
  | "latency"
  /** Handle the request (commit the write), then destroy the socket without answering. */
  | "drop-response";

export interface FaultRule {
  kind: FaultKind;
  method?: string;
  /** Matches the request path (without query); a string is a substring match. */
  path?: string | RegExp;
  status?: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
  /** How many matching requests it affects (default 1; Infinity for all). */
  times?: number;
  /** Skip this many matching requests before acting. */
  after?: number;
}

interface ArmedRule extends FaultRule {
  seen: number;
  fired: number;
}

export class FaultPlan {
  private rules: ArmedRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0, fired: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** Rules that act on this request now (consumes their counts). */
  take(method: string, path: string): FaultRule[] {
    const acting: FaultRule[] = [];
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path !== undefined) {
        const hit = typeof rule.path === "string" ? path.includes(rule.path) : rule.path.test(path);
        if (!hit) continue;
      }
      rule.seen += 1;
      if (rule.seen <= (rule.after ?? 0)) continue;
      if (rule.fired >= (rule.times ?? 1)) continue;
      rule.fired += 1;
      acting.push(rule);
    }
    return acting;
  }

  /** Parses rules sent as JSON to the control endpoint (path given as a string or `/regex/`). */
  static parse(input: unknown): FaultRule[] {
    const list = Array.isArray(input) ? input : [input];
    return list.map((raw) => {
      const rule = raw as Record<string, unknown>;
      const kind = rule.kind;
      if (kind !== "status" && kind !== "latency" && kind !== "drop-response") throw new TypeError(`unknown fault kind ${String(kind)}`);
      const out: FaultRule = { kind };
      if (typeof rule.method === "string") out.method = rule.method;
      if (typeof rule.path === "string") {
        const regex = /^\/(.*)\/$/.exec(rule.path);
        out.path = regex ? new RegExp(regex[1] ?? "") : rule.path;
      }
      for (const key of ["status", "retryAfterSeconds", "latencyMs", "times", "after"] as const) {
        if (typeof rule[key] === "number") out[key] = rule[key];
      }
      return out;
    });
  }
}

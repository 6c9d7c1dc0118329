// Plannr's rate limit (reference "Transport"): 500 requests per minute per user; every answer
// carries `X-Ratelimit-Remaining` (and `X-RateLimit-Limit`); over the limit a 429 with
// `Retry-After` in seconds. Modelled as a sliding window per token; a refused request does not
// use up a slot (Laravel's throttle checks before it counts).

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the oldest request in the window leaves it (refusals only). */
  retryAfterSeconds: number;
}

export class RateWindow {
  private readonly hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one request for `key` at `now` if a slot is free. */
  hit(key: string, now: number): RateDecision {
    const recent = this.prune(key, now);
    if (recent.length >= this.limit) {
      const oldest = recent[0] ?? now;
      return { allowed: false, limit: this.limit, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
    }
    recent.push(now);
    return { allowed: true, limit: this.limit, remaining: this.limit - recent.length, retryAfterSeconds: 0 };
  }

  /** The headers' view without counting (answers that never reached the limiter, e.g. injected faults). */
  peek(key: string, now: number): RateDecision {
    const recent = this.prune(key, now);
    return { allowed: recent.length < this.limit, limit: this.limit, remaining: Math.max(0, this.limit - recent.length), retryAfterSeconds: 0 };
  }

  private prune(key: string, now: number): number[] {
    let recent = this.hits.get(key);
    if (!recent) {
      recent = [];
      this.hits.set(key, recent);
    }
    let drop = 0;
    while (drop < recent.length && (recent[drop] ?? 0) <= now - this.windowMs) drop += 1;
    if (drop > 0) recent.splice(0, drop);
    return recent;
  }
}

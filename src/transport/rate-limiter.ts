// Plannr allows 500 requests a minute per user and says how many are left in
// `X-Ratelimit-Remaining` (and, on a 429, how long to wait in `Retry-After`). The limiter keeps a
// sliding window of our own sends and also believes the server when it reports fewer requests
// left than we think (another client using the same token), so that a steady-state run never
// earns a 429. The decision (`delayBeforeNext`) is pure; sleeping goes through the Clock port.
import type { Clock } from "../core/ports.js";

export interface RateLimitPolicy {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
  /** Header names, compared case-insensitively. */
  remainingHeader: string;
  retryAfterHeader: string;
}

export interface LimiterState {
  /** Send times (ms) of our requests still inside the window, oldest first. */
  sent: number[];
  /** The server's last `remaining`, and how many we sent since it was read. */
  serverRemaining: number | null;
  sentSinceObservation: number;
  /** Nobody sends before this time (a `Retry-After`, or a server that said 0 left). */
  blockedUntil: number;
}

export function initialLimiterState(): LimiterState {
  return { sent: [], serverRemaining: null, sentSinceObservation: 0, blockedUntil: 0 };
}

/**
 * Index of the first send still inside the window (`sent` is oldest first). The sends before it
 * are pruned at every acquire, so this walks a few entries, not the window (issue 12 item 5: a
 * filtered copy of the window per request was O(window) garbage, ~20 KB a request on ONLYOFFICE,
 * whose window holds every request of the last second).
 */
function firstLive(sent: readonly number[], cutoff: number): number {
  let i = 0;
  while (i < sent.length && sent[i]! <= cutoff) i += 1;
  return i;
}

/** Puts `time` in its place in `sent` (oldest first), from the end: a time is almost always the newest. */
function insertSorted(sent: number[], time: number): void {
  let at = sent.length;
  while (at > 0 && sent[at - 1]! > time) at -= 1;
  if (at === sent.length) sent.push(time);
  else sent.splice(at, 0, time);
}

/** Milliseconds to wait before the next request may go (0 = now). Pure. */
export function delayBeforeNext(state: LimiterState, now: number, policy: RateLimitPolicy): number {
  const sent = state.sent;
  const first = firstLive(sent, now - policy.windowMs);
  const live = sent.length - first;
  let wait = Math.max(0, state.blockedUntil - now);
  if (live >= policy.limit) {
    const oldest = sent[sent.length - policy.limit] ?? now;
    wait = Math.max(wait, oldest + policy.windowMs - now);
  }
  if (state.serverRemaining !== null && state.serverRemaining - state.sentSinceObservation <= 0) {
    // The server knows of requests we did not send: wait until our oldest send leaves the window,
    // or a whole window when we have sent nothing it could be counting.
    const oldest = live > 0 ? sent[first] : undefined;
    wait = Math.max(wait, oldest === undefined ? policy.windowMs : oldest + policy.windowMs - now);
  }
  return wait;
}

function headerValue(headers: Record<string, unknown>, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    if (typeof value === "string" || typeof value === "number") return String(value);
    if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  }
  return null;
}

/** Seconds or an HTTP date, as `Retry-After` allows; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  // RFC 9110: delay-seconds is digits only. `Number` alone would read "" as 0 (no wait at all)
  // and "0x10" as 16; `Date.parse` would read "-5" or "1.5" as dates in 2001.
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** A count header (`X-Ratelimit-Remaining`): digits only; a blank or garbled value is no figure. */
function parseCount(value: string | null): number | null {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return null;
  return Number(value);
}

export class RateLimiter {
  private state: LimiterState = initialLimiterState();
  /** Wall time during which some request waited, up to the start of the current wait. */
  private waited = 0;
  /** Requests waiting for a slot now, and since when one has been. */
  private waiting = 0;
  private waitingSince = 0;

  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly clock: Clock,
  ) {}

  /** Waits for a slot and takes it; returns the slot's time, for `complete`. */
  async acquire(): Promise<number> {
    for (;;) {
      const now = this.clock.now().getTime();
      // Sends that left the window count for nothing: dropped first, so the delay reads only live ones.
      const expired = firstLive(this.state.sent, now - this.policy.windowMs);
      if (expired > 0) this.state.sent.splice(0, expired);
      const delay = delayBeforeNext(this.state, now, this.policy);
      if (delay <= 0) {
        insertSorted(this.state.sent, now);
        this.state.sentSinceObservation += 1;
        return now;
      }
      if (this.waiting === 0) this.waitingSince = now;
      this.waiting += 1;
      try {
        await this.clock.sleep(delay);
      } finally {
        this.waiting -= 1;
        if (this.waiting === 0) this.waited += this.clock.now().getTime() - this.waitingSince;
      }
      const after = this.clock.now().getTime();
      // A server-reported exhaustion is over once we waited it out.
      if (this.state.serverRemaining !== null && after - now >= delay) {
        this.state.serverRemaining = null;
        this.state.sentSinceObservation = 0;
      }
    }
  }

  /**
   * The answer to the request sent in `slot` came back. The server counts a request when it
   * arrives, which may be well after we sent it (a new connection, a busy loop); by the time the
   * answer is here it has surely been counted, so the slot is dated from now. Keeps our window
   * behind the server's instead of ahead of it.
   */
  complete(slot: number): void {
    const index = this.state.sent.lastIndexOf(slot);
    if (index < 0) return;
    this.state.sent.splice(index, 1);
    insertSorted(this.state.sent, this.clock.now().getTime());
  }

  /** Reads the rate-limit headers of any response (including a 429). */
  observe(headers: Record<string, unknown>, status: number): void {
    const now = this.clock.now().getTime();
    const remaining = parseCount(headerValue(headers, this.policy.remainingHeader));
    if (remaining !== null) {
      this.state.serverRemaining = remaining;
      this.state.sentSinceObservation = 0;
    }
    // A 429, or a 503 that says when to come back, pauses every caller of this side.
    if (status === 429 || (status === 503 && headerValue(headers, this.policy.retryAfterHeader) !== null)) {
      const retryAfter = parseRetryAfter(headerValue(headers, this.policy.retryAfterHeader), now) ?? this.policy.windowMs / 10;
      this.state.blockedUntil = Math.max(this.state.blockedUntil, now + retryAfter);
    }
  }

  /** What the server last said is left in its window, less what we sent since (null until it said). */
  remaining(): number | null {
    return this.state.serverRemaining === null ? null : Math.max(0, this.state.serverRemaining - this.state.sentSinceObservation);
  }

  /**
   * Wall time during which at least one request was held for a slot (for reports and the
   * benchmark): what the limit cost the run. Concurrent waits count once, so this never exceeds
   * the time that passed.
   */
  waitedMs(): number {
    return this.waited + (this.waiting > 0 ? this.clock.now().getTime() - this.waitingSince : 0);
  }
}

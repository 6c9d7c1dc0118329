// A test hook: Plannr case answers that lack an include (issue 8 item 5). The real API leaves out
// `participants` and `custom_fields` unless asked (`include=`), and the seeds show PUT answers
// without `review_at`; a client must read a missing key as "unknown", never as "empty". Armed, this
// strips the named keys from case answers to GET requests (the list and one case) until cleared or
// until it has stripped `times` answers, so a test can check that nothing is cleared on the other
// side because of it.
import type { SandboxRequest, SandboxResponse } from "../http-server.js";

export const STRIPPABLE_KEYS = ["participants", "custom_fields", "value", "review_at"] as const;
export type StrippableKey = (typeof STRIPPABLE_KEYS)[number];

const CASE_PATH = /^\/api\/v1\/cases(\/[^/]+)?\/?$/;

export class AnswerGaps {
  private keys = new Set<StrippableKey>();
  private remaining = 0;
  private count = 0;

  /** Strips `keys` from the next `times` case answers to GETs (default: all until cleared). */
  strip(keys: readonly StrippableKey[], times = Number.POSITIVE_INFINITY): void {
    this.keys = new Set(keys);
    this.remaining = times;
  }

  clear(): void {
    this.keys.clear();
    this.remaining = 0;
  }

  /** Answers stripped since construction (tests check the hook really fired). */
  stripped(): number {
    return this.count;
  }

  /** Called on every answer before it is sent; edits the body in place (a fresh object per answer). */
  apply(request: SandboxRequest, response: SandboxResponse): void {
    if (this.keys.size === 0 || this.remaining <= 0) return;
    if (request.method !== "GET" || response.status !== 200 || !CASE_PATH.test(request.path)) return;
    const data = (response.body as { data?: unknown } | undefined)?.data;
    const cases = Array.isArray(data) ? data : data !== null && typeof data === "object" ? [data] : [];
    for (const item of cases) {
      if (item === null || typeof item !== "object") continue;
      for (const key of this.keys) delete (item as Record<string, unknown>)[key];
    }
    this.remaining -= 1;
    this.count += 1;
  }
}

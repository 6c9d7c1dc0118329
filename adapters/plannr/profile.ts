// Plannr transport policy as data (after Nango's providers.yaml): page size, concurrency, the rate
// limit, and every endpoint the adapter calls with whether it may be sent twice. The retry decision
// in src/transport reads `idempotent` from here and nothing else, so this table is the one place to
// review when asking "can this request be duplicated?" (SPEC §5, invariant 6).
// Facts relied on (reference "Transport", "Envelopes and paging", "Cases"): paths live under
// `/api/v1`; 500 requests a minute per user, `X-Ratelimit-Remaining` on every answer and
// `Retry-After` on a 429; `per_page` is at most 500.
import type { Mapping } from "../../src/core/mapping.js";
import type { HttpMethod } from "../../src/transport/http.js";
import type { RateLimitPolicy } from "../../src/transport/rate-limiter.js";

export const API_ROOT = "/api/v1";

export interface EndpointSpec {
  method: HttpMethod;
  /** Path template below the host; `{name}` is one path segment. */
  template: string;
  idempotent: boolean;
}

const endpoint = (method: HttpMethod, path: string, idempotent: boolean): EndpointSpec => ({
  method,
  template: `${API_ROOT}/${path}`,
  idempotent,
});

/**
 * Every call the adapter makes. Only the create is not idempotent: a lost answer to
 * `POST /cases` may have made a case, and the journal settles that (invariant 6). A PUT is a
 * partial update that sets values; adding a participant twice or removing one already gone leaves
 * the same set; deleting a deleted case answers 404, which counts as done.
 */
export const ENDPOINTS = {
  listCases: endpoint("GET", "cases", true),
  getCase: endpoint("GET", "cases/{uuid}", true),
  createCase: endpoint("POST", "cases", false),
  updateCase: endpoint("PUT", "cases/{uuid}", true),
  deleteCase: endpoint("DELETE", "cases/{uuid}", true),
  addParticipants: endpoint("POST", "cases/{uuid}/participants", true),
  removeParticipants: endpoint("DELETE", "cases/{uuid}/participants", true),
  listStatuses: endpoint("GET", "cases-status", true),
  listFields: endpoint("GET", "custom-field", true),
  listAccounts: endpoint("GET", "account", true),
  listLogins: endpoint("GET", "logins", true),
  // The webhook subscriptions of `case-sync serve` (reference "Webhooks (v2)", webhooks.ts). A lost
  // answer to the create may have made one: the next start finds it by URL instead of sending twice.
  listWebhooks: { method: "GET", template: "/api/v2/webhook-subscriptions", idempotent: true },
  createWebhook: { method: "POST", template: "/api/v2/webhook-subscriptions", idempotent: false },
  getWebhook: { method: "GET", template: "/api/v2/webhook-subscriptions/{uuid}", idempotent: true },
  updateWebhook: { method: "PUT", template: "/api/v2/webhook-subscriptions/{uuid}", idempotent: true },
  deleteWebhook: { method: "DELETE", template: "/api/v2/webhook-subscriptions/{uuid}", idempotent: true },
} as const satisfies Record<string, EndpointSpec>;

export type EndpointName = keyof typeof ENDPOINTS;

/** `METHOD /template` for errors, logs and counting (never a concrete URL). */
export function endpointLabel(spec: EndpointSpec): string {
  return `${spec.method} ${spec.template}`;
}

/** The concrete path of an endpoint; parameters are URL-encoded. */
export function endpointPath(spec: EndpointSpec, params: Record<string, string> = {}): string {
  return spec.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name} for ${spec.template}`);
    return encodeURIComponent(value);
  });
}

/** The endpoint a concrete method + path belongs to (stored write ops are sent as they are). */
export function matchEndpoint(method: string, path: string): { name: EndpointName; spec: EndpointSpec } | null {
  for (const [name, spec] of Object.entries(ENDPOINTS) as [EndpointName, EndpointSpec][]) {
    if (spec.method !== method) continue;
    const pattern = new RegExp(`^${spec.template.replace(/[.]/g, "\\.").replace(/\{\w+\}/g, "[^/]+")}$`);
    if (pattern.test(path)) return { name, spec };
  }
  return null;
}

/** `include` of every case read: participants and custom fields are not on a case without it [D]. */
export const CASE_INCLUDE = "participants,custom_fields";

/**
 * Case scans sort by `created_at`: a case created during the scan lands after every page already
 * read, so it cannot push an unread case onto a page already read (cases have no `updated_at`
 * sort or filter, reference "Envelopes and paging").
 */
export const CASE_SORT = "created_at";

export interface PlannrProfile {
  pageSize: number;
  concurrency: number;
  rateLimit: RateLimitPolicy;
}

export const DEFAULT_CONCURRENCY = 4;
export const RATE_LIMIT = { limit: 500, windowMs: 60_000 } as const;

/**
 * Plannr counts a request when it arrives; our limiter counts it when it is sent. When an early
 * request took longer to arrive than a later one (a new connection, a busy event loop, network
 * jitter), a slot we think is free is still taken on the server's clock, and the request earns
 * a 429. The limiter therefore runs on a window longer than the server's by this allowance: 5 % of
 * the window (3 s on Plannr's minute, well inside SPEC §8's 1.15 × wall time), and at least 250 ms
 * (against the simulator the first requests of a run, on new connections, arrived over 50 ms late).
 */
export const LATENCY_ALLOWANCE = { fraction: 0.05, minMs: 250 } as const;

/** The window our limiter keeps for a server window of `windowMs`. */
export function limiterWindowMs(windowMs: number): number {
  return windowMs + Math.max(LATENCY_ALLOWANCE.minMs, Math.ceil(windowMs * LATENCY_ALLOWANCE.fraction));
}

export function plannrProfile(
  mapping: Mapping,
  overrides: { concurrency?: number | undefined; rateLimit?: { limit: number; windowMs: number } | undefined } = {},
): PlannrProfile {
  const rate = overrides.rateLimit ?? RATE_LIMIT;
  return {
    pageSize: mapping.plannr.pageSize,
    concurrency: overrides.concurrency ?? DEFAULT_CONCURRENCY,
    rateLimit: {
      limit: rate.limit,
      windowMs: limiterWindowMs(rate.windowMs),
      remainingHeader: "X-Ratelimit-Remaining",
      retryAfterHeader: "Retry-After",
    },
  };
}

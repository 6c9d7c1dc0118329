// ONLYOFFICE transport policy as data (after Nango's providers.yaml): page size, concurrency, the
// 429 back-off, every endpoint the adapter calls with whether it may be sent twice, and how its
// deterministic 500s are classified. The retry
// decision in src/transport reads `idempotent` from here and nothing else, so this table is the
// one place to review when asking "can this request be duplicated?" (SPEC §5, invariant 6).
import { CaseSyncError } from "../../src/core/errors.js";
import { messageFromBody, type CallContext } from "../../src/transport/errors.js";
import type { HttpMethod } from "../../src/transport/http.js";
import { redactText } from "../../src/transport/redact.js";
import type { RateLimitPolicy } from "../../src/transport/rate-limiter.js";
import type { Mapping } from "../../src/core/mapping.js";
import { camelizeKeys } from "./schemas.js";

export const API_ROOT = "/api/2.0";

export interface EndpointSpec {
  method: HttpMethod;
  /** Path template below the portal root; `{name}` is one path segment. */
  template: string;
  idempotent: boolean;
}

const endpoint = <M extends HttpMethod>(method: M, path: string, idempotent: boolean): EndpointSpec & { method: M } => ({
  method,
  template: `${API_ROOT}/${path}`,
  idempotent,
});

/**
 * Every call the adapter makes. Creates are never idempotent (a lost answer is settled by the
 * journal). A member add is idempotent on the server ("POST crm/case/{id}/contact → 201
 * (idempotent)"), and the per-field POST sets a value, so both may be resent. The batch delete
 * endpoints (`PUT crm/case`, `DELETE crm/case/filter`) are deliberately absent (reference trap 10).
 */
export const ENDPOINTS = {
  // A second login only issues a second token; a refused one is CS_AUTH and never resent.
  login: endpoint("POST", "authentication", true),
  listCases: endpoint("GET", "crm/case/filter", true),
  getCase: endpoint("GET", "crm/case/{id}", true),
  createCase: endpoint("POST", "crm/case", false),
  updateCase: endpoint("PUT", "crm/case/{id}", true),
  closeCase: endpoint("PUT", "crm/case/{id}/close", true),
  reopenCase: endpoint("PUT", "crm/case/{id}/reopen", true),
  deleteCase: endpoint("DELETE", "crm/case/{id}", true),
  addMember: endpoint("POST", "crm/case/{id}/contact", true),
  removeMember: endpoint("DELETE", "crm/case/{id}/contact/{contactid}", true),
  setField: endpoint("POST", "crm/case/{id}/customfield/{fieldid}", true),
  fieldDefinitions: endpoint("GET", "crm/case/customfield/definitions", true),
  createField: endpoint("POST", "crm/case/customfield", false),
  listPeople: endpoint("GET", "people", true),
  self: endpoint("GET", "people/@self", true),
  listContacts: endpoint("GET", "crm/contact/filter", true),
  createPerson: endpoint("POST", "crm/contact/person", false),
  addContactData: endpoint("POST", "crm/contact/{id}/data", false),
} as const satisfies Record<string, EndpointSpec>;

export type EndpointName = keyof typeof ENDPOINTS;

/** `METHOD /template` for errors, logs and counting (never a concrete URL). */
export function endpointLabel(spec: EndpointSpec): string {
  return `${spec.method} ${spec.template}`;
}

/** The concrete path of an endpoint; parameters are URL-encoded. */
export function endpointPath(spec: EndpointSpec, params: Record<string, string | number> = {}): string {
  return spec.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name} for ${spec.template}`);
    return encodeURIComponent(String(value));
  });
}

/** The endpoint a concrete method + path belongs to (used to send stored write ops as they are). */
export function matchEndpoint(method: string, path: string): { name: EndpointName; spec: EndpointSpec } | null {
  for (const [name, spec] of Object.entries(ENDPOINTS) as [EndpointName, EndpointSpec][]) {
    if (spec.method !== method) continue;
    const pattern = new RegExp(`^${spec.template.replace(/[.]/g, "\\.").replace(/\{\w+\}/g, "[^/]+")}$`);
    if (pattern.test(path)) return { name, spec };
  }
  return null;
}

export interface OnlyofficeProfile {
  /** Asked per list page; the portal may answer with fewer (its own cap). */
  pageSize: number;
  concurrency: number;
  /**
   * Case list pages in flight at once during a scan, the one being waited for included (prefetch.ts);
   * at most `concurrency`. Default: `min(PREFETCH_PAGES, concurrency)`.
   */
  prefetchPages?: number;
  /**
   * ONLYOFFICE has no API rate limit, but a proxy in front of a portal may still answer 429 with
   * `Retry-After`. The transport only honours that header through a limiter, so the policy is a
   * limiter that never limits by itself (an unreachable limit over a short window) and only
   * blocks for a 429's `Retry-After`.
   */
  rateLimit: RateLimitPolicy;
}

export const DEFAULT_CONCURRENCY = 8;

/**
 * Case pages fetched ahead of the scan, the page waited for included: ONLYOFFICE has no rate limit,
 * and four pages in flight hide most of each round trip behind the decoding of the page before.
 */
export const PREFETCH_PAGES = 4;

/** How many case list pages a client keeps in flight (never more than its concurrency). */
export function prefetchDepth(profile: OnlyofficeProfile): number {
  return Math.max(1, Math.min(profile.prefetchPages ?? PREFETCH_PAGES, profile.concurrency));
}

export function onlyofficeProfile(mapping: Mapping, concurrency?: number): OnlyofficeProfile {
  return {
    pageSize: mapping.onlyoffice.pageSize,
    concurrency: concurrency ?? DEFAULT_CONCURRENCY,
    prefetchPages: PREFETCH_PAGES,
    rateLimit: {
      limit: Number.MAX_SAFE_INTEGER,
      windowMs: 1_000,
      remainingHeader: "X-Ratelimit-Remaining",
      retryAfterHeader: "Retry-After",
    },
  };
}

/** The bare message of a .NET NullReferenceException, which is all the per-field POST says. */
const NULL_REFERENCE = /object reference not set|nullreference/i;

/** ONLYOFFICE's own error envelope `{status: 1, error: {message}}`: the portal answered, not a proxy. */
function isPortalError(body: unknown): boolean {
  if (body === null || typeof body !== "object") return false;
  const error = (body as Record<string, unknown>).error;
  return error !== null && typeof error === "object" && typeof (error as Record<string, unknown>).message === "string";
}

/**
 * ONLYOFFICE's deterministic 500s (reference "Transport and auth", "Custom fields", "Cases"): a
 * failed or blocked login ("User authentication failed"; any portal error envelope on the login
 * endpoint, in case a portal words it otherwise) is an auth error; an unknown or missing
 * custom field and an over-long title are validation errors. None of these is retried: resending
 * cannot change the answer (and five failed logins a minute lock the login out). The per-field
 * POST fails only for an unknown field or a missing `fieldValue` ("no case/access checks"), and
 * then with a bare NullReferenceException message that names neither, so that message on that
 * endpoint is a validation error. Any other 500 (a proxy's error page, a database hiccup) is left
 * to the default: upstream trouble, retried on an idempotent call (SPEC §5).
 */
export function classifyOnlyoffice(status: number, body: unknown, context: CallContext): CaseSyncError | null {
  if (status !== 500) return null;
  const camel = camelizeKeys(body);
  const detail = messageFromBody(camel) ?? "HTTP 500";
  const base = { side: context.side, record: context.record, endpoint: context.endpoint, status, retryable: false };
  const message = redactText(`${context.endpoint} answered 500: ${detail}`, context.secrets);
  const login = context.endpoint === endpointLabel(ENDPOINTS.login);
  if (/authentication failed/i.test(detail) || (login && isPortalError(camel))) return new CaseSyncError("CS_AUTH", message, base);
  if (context.endpoint === endpointLabel(ENDPOINTS.setField) && NULL_REFERENCE.test(detail)) return new CaseSyncError("CS_VALIDATION", message, base);
  if (/custom\s*field|field\s*id|fieldid|fieldvalue/i.test(detail)) return new CaseSyncError("CS_VALIDATION", message, base);
  if (/title/i.test(detail) && /long|length|255|truncat|exceed/i.test(detail)) {
    return new CaseSyncError("CS_VALIDATION", message, { ...base, field: "title" });
  }
  if (/would be truncated|too long/i.test(detail)) return new CaseSyncError("CS_VALIDATION", message, base);
  return null;
}

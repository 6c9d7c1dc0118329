// One factory builds every transport error from status + body (after stripe-node's Error.ts):
// a redacted message, the endpoint, the record, and whether the call may be retried. Adapters
// refine it through a classifier for their own quirks (ONLYOFFICE answers 500 for a bad
// password); the defaults follow HTTP. `retryable` says the failure is transient transport
// trouble (the same request may succeed later); whether it is actually resent also depends on the
// endpoint being idempotent (retry.ts), and the circuit breaker counts exactly these failures.
import { CaseSyncError, type ErrorCode, type Side } from "../core/errors.js";
import { inertText } from "../core/inert-text.js";
import { redactText } from "./redact.js";

/**
 * How much of an upstream's own words a message keeps (an HTML error page, a Laravel list of every
 * field's complaints), and of a field name. The cut comes after redaction, so a secret is never cut
 * in half (a half is not recognised, and would be printed).
 */
const MAX_DETAIL = 500;
const MAX_FIELD = 200;

/**
 * A message around text an upstream chose: secrets redacted first, then made inert (no escape
 * sequence, no line break to forge a log line with) and capped, once, at construction, so every
 * report, log line and `--json` downstream carries it safely (issue 9 item 4).
 */
function upstreamMessage(prefix: string, detail: string, secrets: readonly string[]): string {
  return `${inertText(redactText(prefix, secrets))}${inertText(redactText(detail, secrets), MAX_DETAIL)}`;
}

export interface CallContext {
  side: Side;
  /** `METHOD /path/{template}`: never the concrete URL with query secrets. */
  endpoint: string;
  record?: string | undefined;
  secrets: readonly string[];
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: "CS_VALIDATION",
  401: "CS_AUTH",
  402: "CS_FORBIDDEN",
  403: "CS_FORBIDDEN",
  404: "CS_NOT_FOUND",
  409: "CS_CONFLICT",
  422: "CS_VALIDATION",
  429: "CS_RATE_LIMIT",
};

/**
 * Status codes worth another try for an idempotent call (SPEC §5): 408 and 429 are answered before
 * the server acts; 500 and 502–504 are an upstream having a bad moment. Deterministic 500s (a bad
 * password, a too-long title on ONLYOFFICE) must be classified by the adapter first, so they
 * arrive here only when nobody knows them.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Pulls a human message out of the common error body shapes (Laravel, ONLYOFFICE, plain text), as the upstream wrote it. */
function rawMessageFromBody(body: unknown): string | null {
  if (typeof body === "string") return body.trim() || null;
  if (body === null || typeof body !== "object") return null;
  const record = body as Record<string, unknown>;
  const nested = record.error;
  if (nested !== null && typeof nested === "object") {
    const message = (nested as Record<string, unknown>).message;
    if (typeof message === "string") return message;
  }
  if (typeof record.message === "string") {
    const errors = record.errors;
    if (errors !== null && typeof errors === "object") {
      const details = Object.entries(errors as Record<string, unknown>)
        .map(([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(" ") : String(messages)}`)
        .join("; ");
      if (details) return `${record.message} (${details})`;
    }
    return record.message;
  }
  return null;
}

/**
 * The upstream's message, inert and cut to 500 characters, for a classifier to match on and to
 * build its own message with (it redacts afterwards; errorFromResponse redacts before it cuts).
 */
export function messageFromBody(body: unknown): string | null {
  const raw = rawMessageFromBody(body);
  return raw === null ? null : inertText(raw, MAX_DETAIL);
}

/** The first field a Laravel 422 body names (`errors: {field: [...]}`), if any, made inert (reports print it). */
export function fieldFromBody(body: unknown): string | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const errors = (body as Record<string, unknown>).errors;
  if (errors === null || typeof errors !== "object") return undefined;
  const field = Object.keys(errors)[0];
  return field === undefined ? undefined : inertText(field, MAX_FIELD);
}

export function errorFromResponse(status: number, body: unknown, context: CallContext): CaseSyncError {
  const code: ErrorCode = STATUS_CODES[status] ?? "CS_UPSTREAM";
  const message = upstreamMessage(`${context.endpoint} answered ${status}: `, rawMessageFromBody(body) ?? `HTTP ${status}`, context.secrets);
  return new CaseSyncError(code, message, {
    side: context.side,
    record: context.record,
    field: fieldFromBody(body),
    endpoint: context.endpoint,
    status,
    retryable: RETRYABLE_STATUSES.has(status),
  });
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ERR_SOCKET_CONNECTION_TIMEOUT"]);
const TIMEOUT_CODES = new Set(["ECONNABORTED", "ETIMEDOUT", "ERR_CANCELED"]);

/** An error thrown below HTTP (no response): unreachable, reset, timed out. */
export function errorFromNetwork(error: unknown, context: CallContext): CaseSyncError {
  // Anything may be thrown (a rejected promise can carry undefined): never fail while reporting a failure.
  const code = error !== null && typeof error === "object" ? (error as { code?: unknown }).code : undefined;
  const raw = error instanceof Error ? error.message : String(error);
  const message = upstreamMessage(`${context.endpoint} failed: `, raw, context.secrets);
  const isTimeout = typeof code === "string" && TIMEOUT_CODES.has(code);
  const isNetwork = (typeof code === "string" && NETWORK_CODES.has(code)) || /socket hang up/i.test(raw);
  return new CaseSyncError(isTimeout ? "CS_TIMEOUT" : isNetwork ? "CS_NETWORK" : "CS_NETWORK", message, {
    side: context.side,
    record: context.record,
    endpoint: context.endpoint,
    retryable: true,
  });
}

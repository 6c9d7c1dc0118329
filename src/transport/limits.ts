// The limits the transport holds a hostile or broken upstream to (issue 9), and the one error
// each of them raises when it is hit. `errors.ts` builds the errors of an answer (status + body);
// these are the transport's own verdicts: a deadline passed, the run was stopped, an answer too
// large or too deeply nested, a redirect. Messages name the endpoint template and the limit; the
// only upstream text is a redirect's origin, which the URL parser has reduced to scheme, host and
// port (no query, no control characters), so nothing here needs redacting or making inert.
import { CaseSyncError } from "../core/errors.js";
import type { CallContext } from "./errors.js";
import { MAX_JSON_DEPTH } from "./json-depth.js";

/** 64 MiB: a 500-case page is a few MB; a 1 GiB "page" must not be buffered (issue 9 item 3). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

export function deadlineError(context: CallContext, ms: number): CaseSyncError {
  return new CaseSyncError("CS_TIMEOUT", `${context.endpoint} did not complete within ${ms} ms (the deadline covers connecting, headers and the whole body)`, {
    side: context.side,
    record: context.record,
    endpoint: context.endpoint,
    retryable: true,
  });
}

export function interruptedError(context: CallContext): CaseSyncError {
  return new CaseSyncError("CS_INTERRUPTED", `${context.endpoint} cancelled: the run was stopped`, {
    side: context.side,
    record: context.record,
    endpoint: context.endpoint,
    retryable: false,
  });
}

/** Not retried: the same request would only fetch the same oversized answer again. */
export function tooLargeError(context: CallContext, cap: number): CaseSyncError {
  return new CaseSyncError(
    "CS_UPSTREAM",
    `${context.endpoint} answered more than ${sizeText(cap)}, the response size cap (http.maxResponseBytes): dropped unread, not retried`,
    { side: context.side, record: context.record, endpoint: context.endpoint, retryable: false },
  );
}

export function tooDeepError(context: CallContext, status: number): CaseSyncError {
  return new CaseSyncError("CS_SCHEMA", `${context.endpoint} answered JSON nested deeper than ${MAX_JSON_DEPTH} levels, the depth cap: refused unread`, {
    side: context.side,
    record: context.record,
    endpoint: context.endpoint,
    status,
    retryable: false,
  });
}

/**
 * Redirects are never followed (`maxRedirects: 0`): a redirected request would carry the token to
 * wherever the server points. Said plainly, with where it pointed (origin only: a query may hold
 * anything), since the usual cause is a base URL with the wrong scheme or path.
 */
export function redirectError(context: CallContext, status: number, location: unknown, baseUrl: string): CaseSyncError {
  let target = "";
  try {
    if (typeof location === "string" && location !== "") target = ` to ${new URL(location, baseUrl).origin}`;
  } catch {
    // an unparsable Location names nothing
  }
  return new CaseSyncError("CS_UPSTREAM", `${context.endpoint} answered a redirect (${status})${target}, which is not followed: check the base URL (https://, host, path)`, {
    side: context.side,
    record: context.record,
    endpoint: context.endpoint,
    status,
    retryable: false,
  });
}

/** axios's own error when an answer passes `maxContentLength` (code ERR_BAD_RESPONSE). */
export function isResponseTooLarge(error: unknown): boolean {
  return error instanceof Error && /\bmaxContentLength size of \d+ exceeded/.test(error.message);
}

/** axios's own error when a request body passes `maxBodyLength` (code ERR_BAD_REQUEST): nothing was sent. */
export function isRequestTooLarge(error: unknown): boolean {
  return error instanceof Error && /\bRequest body larger than maxBodyLength limit\b/.test(error.message);
}

/** A record whose write would not fit the cap: its problem, not the side's; resending cannot help. */
export function requestTooLargeError(context: CallContext, cap: number): CaseSyncError {
  return new CaseSyncError("CS_VALIDATION", `${context.endpoint} was not sent: its body is larger than ${sizeText(cap)}, the size cap (http.maxResponseBytes)`, {
    side: context.side,
    record: context.record,
    endpoint: context.endpoint,
    retryable: false,
  });
}

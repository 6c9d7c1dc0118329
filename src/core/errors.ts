// One small typed error family with stable codes (after stripe-node's Error.ts and octokit's
// RequestError). Every error that leaves a module is a CaseSyncError; the CLI maps codes to exit
// codes and the report prints code + record + field. Secrets are never put into an error: the
// transport builds its errors from redacted request descriptions only.

export const ERROR_CODES = [
  "CS_AUTH", // credentials refused (401, ONLYOFFICE's 500 "User authentication failed")
  "CS_FORBIDDEN", // 403: no right to this record or account
  "CS_NOT_ADMIN", // the integration user is not a CRM administrator (SPEC §4.8)
  "CS_NOT_FOUND", // 404
  "CS_VALIDATION", // the other side refused or cannot hold a value (422, 400, known 500s)
  "CS_SCHEMA", // a response did not match its schema
  "CS_CONFLICT", // a record moved under us (re-read before PUT found a change)
  "CS_RATE_LIMIT", // 429 that outlived the retries
  "CS_UPSTREAM", // 5xx
  "CS_NETWORK", // connection refused/reset, DNS, socket hang-up
  "CS_TIMEOUT", // a call ran past its timeout (outcome unknown for writes)
  "CS_INCOMPLETE", // an answer lacked part of a record (e.g. a Plannr include): that part is unknown this run
  "CS_CIRCUIT", // a side's circuit breaker opened: too many requests failed after their retries
  "CS_CONFIG", // bad config, env or mapping
  "CS_USAGE", // bad command-line usage
  "CS_IDENTITY", // the state store belongs to another pair of systems
  "CS_LOCKED", // another run holds the lock
  "CS_PLAN_STALE", // a saved plan no longer matches the systems: records moved since it was made
  "CS_STUCK", // the lock is held by a live run older than the maximum run time: it is stuck
  "CS_BREAKER", // mass delete/create breaker tripped
  "CS_BUDGET", // request budget spent
  "CS_STATE", // persisted state failed validation or is inconsistent
  "CS_DEFERRED", // a targeted sync left a case to the next full sync (a copy still in doubt could be this case)
  "CS_INTERRUPTED", // stopped by a signal (Ctrl-C); resumable
  "CS_INTERNAL", // a bug
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type Side = "plannr" | "onlyoffice";

export interface ErrorContext {
  side?: Side | undefined;
  /** Native record id the error is about (Plannr uuid, ONLYOFFICE case id). */
  record?: string | undefined;
  /** Canonical or native field path, e.g. `customFields.favourite_drink` or `response[3].title`. */
  field?: string | undefined;
  /** `METHOD path` of the call, without host or query secrets. */
  endpoint?: string | undefined;
  status?: number | undefined;
  /** Whether the same call may succeed if made again (transport errors only). */
  retryable?: boolean | undefined;
  cause?: unknown;
}

export class CaseSyncError extends Error {
  readonly code: ErrorCode;
  readonly side: Side | undefined;
  readonly record: string | undefined;
  readonly field: string | undefined;
  readonly endpoint: string | undefined;
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = "CaseSyncError";
    this.code = code;
    this.side = context.side;
    this.record = context.record;
    this.field = context.field;
    this.endpoint = context.endpoint;
    this.status = context.status;
    this.retryable = context.retryable ?? false;
  }

  /** A plain object for reports and JSON logs: no stack, no cause chain. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.side === undefined ? {} : { side: this.side }),
      ...(this.record === undefined ? {} : { record: this.record }),
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.endpoint === undefined ? {} : { endpoint: this.endpoint }),
      ...(this.status === undefined ? {} : { status: this.status }),
    };
  }
}

export function isCaseSyncError(value: unknown): value is CaseSyncError {
  return value instanceof CaseSyncError;
}

/**
 * Codes that stop a whole run (exit code 4): nothing more can be done safely. A network error is
 * not one of them (SPEC §5): one failed request concerns one record; a side that is really down
 * opens its circuit breaker (`CS_CIRCUIT`), and a failed reference list stops the run by itself.
 */
export const ABORTING_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "CS_AUTH",
  "CS_NOT_ADMIN",
  "CS_IDENTITY",
  "CS_BREAKER",
  "CS_BUDGET",
  "CS_CIRCUIT",
  "CS_INTERRUPTED",
]);

/** Wrap anything thrown into a CaseSyncError, keeping an existing one as it is. */
export function toCaseSyncError(error: unknown, context: ErrorContext = {}): CaseSyncError {
  if (error instanceof CaseSyncError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CaseSyncError("CS_INTERNAL", message, { ...context, cause: error });
}

/**
 * The same failure, saying which list page it stopped on (SPEC §5: an incomplete scan names the
 * failed page, so the report tells an operator where the list broke).
 */
export function onPage(error: unknown, page: number, context: ErrorContext = {}): CaseSyncError {
  const e = toCaseSyncError(error, context);
  return new CaseSyncError(e.code, `${e.message} (list page ${page})`, {
    side: e.side,
    record: e.record,
    field: e.field,
    endpoint: e.endpoint,
    status: e.status,
    retryable: e.retryable,
    cause: error,
  });
}

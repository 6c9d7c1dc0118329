// The errors both stores raise beyond row validation (rows.ts): driver failures become CS_STATE
// with the store named and any password scrubbed (invariant 12); a refused link claim names both
// cases (commit-plan.ts).
import { CaseSyncError } from "../core/errors.js";
import type { Conflict } from "../core/state.js";
import { scrubSecrets } from "./location.js";

/** Wraps a driver error; our own errors (row validation, usage) pass through unchanged. */
export function toStateError(error: unknown, store: string, secrets: readonly string[] = []): CaseSyncError {
  if (error instanceof CaseSyncError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  // Node's connection errors can come as an AggregateError with an empty message and only a code.
  const withCode = typeof code === "string" && !message.includes(code);
  const detail = withCode ? (message === "" ? code : `${code}: ${message}`) : message;
  // The driver error stays out of `cause`: its fields are not ours to vouch for.
  return new CaseSyncError(stateErrorCode(code, message), scrubSecrets(`state store ${store}: ${detail}`, secrets));
}

const UNREACHABLE = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "57P03" /* cannot connect now */]);
/** PostgreSQL: invalid password (28P01), invalid authorization (28000), unknown database (3D000). */
const REFUSED = new Set(["28P01", "28000", "3D000"]);

/**
 * TLS that sslmode asks for and the server cannot give (pg says so in a message without a code),
 * or a certificate that fails verification (Node's codes): the store is not safely reachable.
 */
const NO_SAFE_TLS = /^(ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE))/;
const NO_TLS_MESSAGE = "The server does not support SSL connections";

/**
 * A store that cannot be reached or refuses the credentials stops the run like an unreachable
 * CRM does (exit 4), not like a bug (exit 1); anything else wrong with the state is CS_STATE.
 */
function stateErrorCode(code: unknown, message: string): "CS_NETWORK" | "CS_AUTH" | "CS_STATE" {
  if (message.includes(NO_TLS_MESSAGE)) return "CS_NETWORK";
  if (typeof code !== "string") return "CS_STATE";
  if (UNREACHABLE.has(code) || NO_SAFE_TLS.test(code)) return "CS_NETWORK";
  return REFUSED.has(code) ? "CS_AUTH" : "CS_STATE";
}

export function onlyofficeTakenError(onlyofficeId: string, takenBy: string, wanted: string): CaseSyncError {
  return new CaseSyncError(
    "CS_STATE",
    `links: ONLYOFFICE case ${onlyofficeId} is already linked to Plannr case ${takenBy}; cannot link it to ${wanted}`,
    { side: "onlyoffice", record: onlyofficeId },
  );
}

export function notInitialized(store: string): CaseSyncError {
  return new CaseSyncError("CS_INTERNAL", `state store ${store} used before init()`);
}

/**
 * A decision is recorded only on a pending conflict: an unknown id is a usage error (a typo in
 * `conflicts resolve`), and a settled conflict's resolution is history, not to be rewritten.
 */
export function undecidableConflict(id: string, conflict: Conflict | null): CaseSyncError | null {
  if (conflict === null) return new CaseSyncError("CS_USAGE", `no conflict with id ${id}`);
  if (conflict.status === "resolved") return new CaseSyncError("CS_USAGE", `conflict ${id} is already resolved`);
  return null;
}

/** finishRun on an id that was never started is a bug in the caller, not something to ignore. */
export function unknownRun(id: string): CaseSyncError {
  return new CaseSyncError("CS_STATE", `runs: no run with id ${id} was started`);
}

/** The lock was taken over (it expired, or our pid looked dead): carrying on would mean two runs. */
export function lockLost(owner: string): CaseSyncError {
  return new CaseSyncError("CS_LOCKED", `run lock is no longer held by ${owner}`);
}

// The errors both stores raise beyond row validation (rows.ts): driver failures become CS_STATE
// with the store named and any password scrubbed (invariant 12); a refused link claim names both
// cases (commit-plan.ts). What a person must fix (a file that is no database, a database that does
// not exist) is a configuration error (exit 2) that says what to do, not a bug (issue 10 items 3, 9).
import { CaseSyncError } from "../core/errors.js";
import type { Conflict } from "../core/state.js";
import { scrubSecrets } from "./location.js";
import { shellWord } from "./private-files.js";

/** Wraps a driver error; our own errors (row validation, usage) pass through unchanged. */
export function toStateError(error: unknown, store: string, secrets: readonly string[] = []): CaseSyncError {
  if (error instanceof CaseSyncError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  // Node's connection errors can come as an AggregateError with an empty message and only a code.
  const withCode = typeof code === "string" && !message.includes(code);
  const detail = withCode ? (message === "" ? code : `${code}: ${message}`) : message;
  if (code === MISSING_DATABASE) return missingDatabase(store, message, secrets);
  // The driver error stays out of `cause`: its fields are not ours to vouch for.
  return new CaseSyncError(stateErrorCode(code, message), scrubSecrets(`state store ${store}: ${detail}`, secrets));
}

/** PostgreSQL's "database does not exist": the URL names a database nobody created yet. */
const MISSING_DATABASE = "3D000";

function missingDatabase(store: string, message: string, secrets: readonly string[]): CaseSyncError {
  const name = /database "(.+)" does not exist/.exec(message)?.[1];
  const what = name === undefined ? "the database in CASE_SYNC_STATE does not exist" : `database "${name}" does not exist`;
  const create = name === undefined ? "create it" : `create it (createdb ${shellWord(name)})`;
  return new CaseSyncError("CS_CONFIG", scrubSecrets(`state store ${store}: ${what}: ${create} or fix CASE_SYNC_STATE`, secrets), { field: "CASE_SYNC_STATE" });
}

/** SQLite and the file system saying the file is not a (sound) database: SQLITE_NOTADB, SQLITE_CORRUPT and their extended codes. */
const NOT_A_DATABASE = /^SQLITE_(NOTADB|CORRUPT)/;
/** The file or its folder cannot be opened or written by this user (SQLite adds -wal and -shm beside it). */
const CANNOT_OPEN = /^(SQLITE_(CANTOPEN|READONLY|PERM)|EACCES$|EPERM$|EROFS$|EISDIR$|ENOTDIR$)/;

/**
 * A SQLite driver or file-system failure on the state file at `path`. A file that is not a
 * SQLite database (or a damaged one) and a file this user cannot open are configuration errors
 * with the remedy, named by path; anything else goes through `toStateError`.
 */
export function toSqliteError(error: unknown, path: string): CaseSyncError {
  if (error instanceof CaseSyncError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NOT_A_DATABASE.test(code)) {
    const file = shellWord(path);
    return new CaseSyncError(
      "CS_CONFIG",
      `state file ${path} is not a SQLite database, or is damaged (${code}): move it aside, with its -wal and -shm files if there are any (mv ${file} ${shellWord(`${path}.broken`)}); the links are rebuilt from the stamps on the next run`,
      { field: "CASE_SYNC_STATE" },
    );
  }
  if (typeof code === "string" && CANNOT_OPEN.test(code)) {
    const message = error instanceof Error ? error.message : String(error);
    return new CaseSyncError(
      "CS_CONFIG",
      `state file ${path} cannot be opened or written (${code}: ${message}): it must be a file this user may read and write, in a folder it may write (SQLite keeps -wal and -shm files beside it); check CASE_SYNC_STATE`,
      { field: "CASE_SYNC_STATE" },
    );
  }
  return toStateError(error, path);
}

const UNREACHABLE = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "57P03" /* cannot connect now */]);
/** PostgreSQL: invalid password (28P01), invalid authorization (28000). */
const REFUSED = new Set(["28P01", "28000"]);

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

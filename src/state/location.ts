// Where a state store lives, as given by CASE_SYNC_STATE or the library's `store` option (SPEC §6,
// §7): a postgres:// URL or a SQLite file path. The URL may carry a password, so it is taken apart
// here once: the driver gets the URL without our own `schema` parameter and without the TLS
// settings (postgres-tls.ts turns those into pg's `ssl` option), logs get a description with the
// password masked (invariant 12). A SQLite path is checked before anything is created (issue 10
// items 2 and 3): only the default location is made on its own.
import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CaseSyncError } from "../core/errors.js";
import { shellWord } from "./private-files.js";

export const DEFAULT_PG_SCHEMA = "case_sync";

// Identifiers are interpolated into DDL (a schema cannot be a bind parameter), so only plain
// names are accepted.
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The URL's TLS parameters (libpq's names, plus pg's `ssl`), handed to pg as its `ssl` option. */
export const TLS_PARAMETERS = ["sslmode", "ssl", "sslrootcert", "sslcert", "sslkey", "sslpassword"] as const;
export type PostgresTlsParameters = Partial<Record<(typeof TLS_PARAMETERS)[number], string>>;

export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

export interface PostgresLocation {
  /** What pg receives: the URL minus `?schema=` and the TLS parameters. */
  connectionString: string;
  schema: string;
  /** The TLS parameters the URL carried. */
  tls: PostgresTlsParameters;
  /** For logs and messages: no password, no query parameters (they may hold sslpassword etc.). */
  description: string;
  /** The password in the forms it might be echoed in, to scrub driver messages. */
  secrets: string[];
}

interface RawParts {
  /** `postgres://` as written. */
  head: string;
  /** Between `//` and the last `@`, as written (null: no `@`). */
  userinfo: string | null;
  /** After the last `@`: host, port, database, query. */
  rest: string;
}

/**
 * Splits at the LAST `@`: a password may hold an unencoded `/`, `?`, `#`, `:` or `@`, and WHATWG
 * URL parsing would end the credentials at the first `/` and take the rest of the password for the
 * host and path, and so print it. An `@` in the database name or the query must be written %40.
 */
function splitRaw(url: string): RawParts {
  const slashes = url.indexOf("//");
  if (slashes === -1) return { head: "", userinfo: null, rest: url };
  const head = url.slice(0, slashes + 2);
  const after = url.slice(slashes + 2);
  const at = after.lastIndexOf("@");
  return at === -1 ? { head, userinfo: null, rest: after } : { head, userinfo: after.slice(0, at), rest: after.slice(at + 1) };
}

/** The username (up to the first `:`) is kept; everything else up to the host is masked. */
function maskUserinfo(userinfo: string | null): string {
  if (userinfo === null) return "";
  const colon = userinfo.indexOf(":");
  return colon === -1 ? `${userinfo}@` : `${userinfo.slice(0, colon)}:***@`;
}

/** The URL as written, safe to print: credentials masked, query dropped (it may hold sslpassword). */
export function redactPostgresUrl(url: string): string {
  const { head, userinfo, rest } = splitRaw(url.trim());
  return `${head}${maskUserinfo(userinfo)}${rest.split("?")[0] ?? ""}`;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function parsePostgresLocation(url: string, schemaOption?: string): PostgresLocation {
  const trimmed = url.trim();
  const { head, userinfo, rest } = splitRaw(trimmed);
  let parsed: URL;
  try {
    parsed = new URL(`${head}${rest}`);
  } catch {
    throw invalidUrl(trimmed);
  }
  const rawSecrets: string[] = [];
  if (userinfo !== null) {
    // With no host, WHATWG URL would silently drop the credentials set below.
    if (parsed.host === "") throw invalidUrl(trimmed);
    const colon = userinfo.indexOf(":");
    const user = colon === -1 ? userinfo : userinfo.slice(0, colon);
    const password = colon === -1 ? "" : userinfo.slice(colon + 1);
    // The setters percent-encode what must be (`/`, `@`, `:`, ...) and leave existing %XX alone,
    // so pg, which decodes them, receives the password as written.
    parsed.username = user;
    parsed.password = password;
    rawSecrets.push(password);
  }
  const schema = schemaOption ?? parsed.searchParams.get("schema") ?? DEFAULT_PG_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new CaseSyncError("CS_CONFIG", `state store: invalid postgres schema name "${schema}"`, { field: "schema" });
  }
  parsed.searchParams.delete("schema");
  const tls: PostgresTlsParameters = {};
  for (const name of TLS_PARAMETERS) {
    const value = parsed.searchParams.get(name);
    if (value !== null) tls[name] = value;
    parsed.searchParams.delete(name);
  }
  rawSecrets.push(parsed.password, tls.sslpassword ?? "", parsed.searchParams.get("password") ?? "");
  return {
    connectionString: parsed.toString(),
    schema,
    tls,
    description: describePostgres(parsed, schema),
    secrets: secretsOf(rawSecrets),
  };
}

function invalidUrl(url: string): CaseSyncError {
  return new CaseSyncError("CS_CONFIG", `state store: invalid postgres URL ${redactPostgresUrl(url)}`, { field: "CASE_SYNC_STATE" });
}

function describePostgres(url: URL, schema: string): string {
  const user = url.username === "" ? "" : `${url.username}${url.password === "" ? "" : ":***"}@`;
  const noUserButPassword = url.username === "" && url.password !== "" ? ":***@" : "";
  const suffix = schema === DEFAULT_PG_SCHEMA ? "" : `?schema=${schema}`;
  return `${url.protocol}//${user}${noUserButPassword}${url.host}${url.pathname}${suffix}`;
}

function secretsOf(raw: readonly string[]): string[] {
  const out = new Set<string>();
  for (const secret of raw) {
    if (secret === "") continue;
    out.add(secret);
    // A malformed escape is still scrubbed in its raw form.
    out.add(decoded(secret));
  }
  // Longest first, so a secret that contains another is removed whole.
  return [...out].sort((a, b) => b.length - a.length);
}

/** Removes every known secret from a driver message before it becomes one of our errors. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return out;
}

/** The default SQLite state (SPEC §6), relative to the working directory. */
export const DEFAULT_STATE_PATH = "./.case-sync/state.db";

/** Whether `path` names the default state file (`./.case-sync/state.db`, however it is written). */
export function isDefaultStatePath(path: string, cwd: string = process.cwd()): boolean {
  return resolve(cwd, path) === resolve(cwd, DEFAULT_STATE_PATH);
}

function kindOf(path: string): "file" | "folder" | "other" | null {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? "folder" : stat.isFile() ? "file" : "other";
  } catch {
    return null;
  }
}

/**
 * A SQLite state path, judged before anything is created. Only the default location is made on its
 * own (folder 0700): a mistyped CASE_SYNC_STATE would otherwise start a new, empty state beside the
 * real one, rebuild every link from the stamps and split the audit across two files. A folder
 * given as the path is a configuration error as well. Both name the path and what to do.
 */
export function checkSqliteLocation(path: string, cwd: string = process.cwd()): void {
  if (path === ":memory:") return;
  const full = resolve(cwd, path);
  if (kindOf(full) === "folder") {
    throw new CaseSyncError("CS_CONFIG", `state store ${path} is a folder, not a SQLite file: set CASE_SYNC_STATE to a file path (e.g. ${shellWord(join(path, "state.db"))})`, { field: "CASE_SYNC_STATE" });
  }
  if (isDefaultStatePath(path, cwd)) return;
  const folder = dirname(full);
  const folderKind = kindOf(folder);
  if (folderKind === "folder") return;
  const why = folderKind === null ? "does not exist" : "is not a folder";
  throw new CaseSyncError(
    "CS_CONFIG",
    `state store ${path}: its folder ${folder} ${why}. Only the default location ${DEFAULT_STATE_PATH} is created on its own, so that a mistyped CASE_SYNC_STATE never starts a new, empty state: check the path, or create the folder first (mkdir -m 700 -p ${shellWord(folder)})`,
    { field: "CASE_SYNC_STATE" },
  );
}

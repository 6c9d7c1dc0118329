// Where a state store lives, as given by CASE_SYNC_STATE or the library's `store` option (SPEC §6,
// §7): a postgres:// URL or a SQLite file path. The URL may carry a password, so it is taken apart
// here once: the driver gets the URL without our own `schema` parameter, logs get a description
// with the password masked (invariant 12).
import { CaseSyncError } from "../core/errors.js";

export const DEFAULT_PG_SCHEMA = "case_sync";

// Identifiers are interpolated into DDL (a schema cannot be a bind parameter), so only plain
// names are accepted.
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

export interface PostgresLocation {
  /** What pg receives: the URL minus `?schema=`. */
  connectionString: string;
  schema: string;
  /** For logs and messages: no password, no query parameters (they may hold sslpassword etc.). */
  description: string;
  /** The password in the forms it might be echoed in, to scrub driver messages. */
  secrets: string[];
}

export function parsePostgresLocation(url: string, schemaOption?: string): PostgresLocation {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    // The URL itself is not repeated: it may hold a password.
    throw new CaseSyncError("CS_CONFIG", "state store: invalid postgres URL");
  }
  const schema = schemaOption ?? parsed.searchParams.get("schema") ?? DEFAULT_PG_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new CaseSyncError("CS_CONFIG", `state store: invalid postgres schema name "${schema}"`, { field: "schema" });
  }
  parsed.searchParams.delete("schema");
  const secrets = secretsOf(parsed);
  return {
    connectionString: parsed.toString(),
    schema,
    description: describePostgres(parsed, schema),
    secrets,
  };
}

function describePostgres(url: URL, schema: string): string {
  const user = url.username === "" ? "" : `${url.username}${url.password === "" ? "" : ":***"}@`;
  const noUserButPassword = url.username === "" && url.password !== "" ? ":***@" : "";
  const suffix = schema === DEFAULT_PG_SCHEMA ? "" : `?schema=${schema}`;
  return `${url.protocol}//${user}${noUserButPassword}${url.host}${url.pathname}${suffix}`;
}

function secretsOf(url: URL): string[] {
  const raw = [url.password, url.searchParams.get("password") ?? "", url.searchParams.get("sslpassword") ?? ""];
  const out = new Set<string>();
  for (const secret of raw) {
    if (secret === "") continue;
    out.add(secret);
    try {
      out.add(decodeURIComponent(secret));
    } catch {
      // A malformed escape is still scrubbed in its raw form.
    }
  }
  return [...out];
}

/** Removes every known secret from a driver message before it becomes one of our errors. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return out;
}

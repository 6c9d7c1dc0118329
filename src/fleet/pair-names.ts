// Names in the fleet's database (SPEC §10): CASE_SYNC_STATE=postgres://host/db?schema=<fleet>.
// The registry's own tables live in `<fleet>` (default `case_sync_fleet`), pg-boss in
// `<fleet>_boss`, and each pair's state store in `<fleet>_p_<name, - as _>`, so a pair never
// reads another's links, journal or audit. Schema names go into DDL (they cannot be bind
// parameters), which is why a pair name is held to a plain alphabet.
import { CaseSyncError } from "../core/errors.js";
import { isPostgresLocation, parsePostgresLocation } from "../state/location.js";

export const PAIR_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
export const DEFAULT_FLEET_SCHEMA = "case_sync_fleet";
/** Postgres truncates identifiers past 63 bytes: `<fleet>_p_` + 31 characters must fit. */
const MAX_FLEET_SCHEMA = 63 - "_p_".length - 31;

/** The name, checked: 1–31 of a-z, 0-9 and -, starting with a letter or digit. */
export function checkPairName(name: unknown): string {
  if (typeof name !== "string" || !PAIR_NAME.test(name)) {
    const shown = typeof name === "string" ? `"${name.slice(0, 40).replace(/[^\x20-\x7e]/g, "?")}"` : `(${typeof name})`;
    throw new CaseSyncError("CS_USAGE", `pair name ${shown} is not valid: use 1 to 31 lower-case letters, digits and -, starting with a letter or digit (e.g. acme-law)`, { field: "name" });
  }
  return name;
}

export interface FleetLocation {
  /** The URL as given (the password stays in it: pg needs it). */
  url: string;
  /** The registry's schema. */
  schema: string;
  /** For messages: no password. */
  description: string;
}

/** Reads CASE_SYNC_STATE (or the library's `store`) for the fleet. */
export function fleetLocation(url: unknown): FleetLocation {
  if (typeof url !== "string" || !isPostgresLocation(url)) {
    throw new CaseSyncError("CS_CONFIG", "the fleet needs CASE_SYNC_STATE=postgres://… (its pairs, schedules and credentials live in PostgreSQL)", { field: "CASE_SYNC_STATE" });
  }
  const schema = queryOf(url).get("schema") ?? DEFAULT_FLEET_SCHEMA;
  // Validates the URL and the schema's alphabet, and masks the password for messages.
  const location = parsePostgresLocation(url, schema);
  if (schema.length > MAX_FLEET_SCHEMA) {
    throw new CaseSyncError("CS_CONFIG", `the fleet schema "${schema}" is too long: at most ${MAX_FLEET_SCHEMA} characters, so that each pair's schema (<fleet>_p_<pair>) fits PostgreSQL's 63`, { field: "CASE_SYNC_STATE" });
  }
  return { url: url.trim(), schema, description: location.description };
}

/** The schema of a pair's state store. */
export function pairSchema(fleetSchema: string, name: string): string {
  return `${fleetSchema}_p_${checkPairName(name).replace(/-/g, "_")}`;
}

/** The schema pg-boss uses for the fleet's jobs (the worker's). */
export function bossSchema(fleetSchema: string): string {
  return `${fleetSchema}_boss`;
}

/** The same database URL with `?schema=` set to `schema` (other parameters, TLS ones included, kept). */
export function withSchema(url: string, schema: string): string {
  const trimmed = url.trim();
  const { base, query } = splitQuery(trimmed);
  query.set("schema", schema);
  return `${base}?${query.toString()}`;
}

/** The query after the credentials: a password may hold `?` (location.ts splits at the last `@`). */
function splitQuery(url: string): { base: string; query: URLSearchParams } {
  const at = url.lastIndexOf("@");
  const mark = url.indexOf("?", at + 1);
  return mark === -1 ? { base: url, query: new URLSearchParams() } : { base: url.slice(0, mark), query: new URLSearchParams(url.slice(mark + 1)) };
}

function queryOf(url: string): URLSearchParams {
  return splitQuery(url.trim()).query;
}

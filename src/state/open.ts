// Opens the store a location names (CASE_SYNC_STATE, or the library's `store` string, SPEC §6–7):
// a postgres:// or postgresql:// URL is a team's PostgreSQL, anything else a SQLite file path.
// The store is returned uninitialized; the caller's init() migrates it. A SQLite path is checked
// first: only the default `./.case-sync/state.db` has its folder made (location.ts).
import { CaseSyncError } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
import type { StateStore } from "../core/state.js";
import { checkSqliteLocation, isPostgresLocation } from "./location.js";
import { PostgresStateStore } from "./postgres.js";
import { SqliteStateStore } from "./sqlite.js";

export interface OpenStateStoreOptions {
  /** Hears what the store warns about on opening (a state file other users can read). */
  logger?: Logger;
}

export function openStateStore(location: string, options: OpenStateStoreOptions = {}): StateStore {
  // An empty path would give better-sqlite3's anonymous temporary database: state lost on exit.
  if (location.trim() === "") throw new CaseSyncError("CS_CONFIG", "state store location is empty", { field: "CASE_SYNC_STATE" });
  if (isPostgresLocation(location)) return new PostgresStateStore({ url: location.trim() });
  checkSqliteLocation(location);
  return new SqliteStateStore(location, options.logger ? { logger: options.logger } : {});
}

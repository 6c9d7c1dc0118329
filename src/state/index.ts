// src/state: the StateStore port's two implementations and the function that picks one.
export { openStateStore } from "./open.js";
export { SqliteStateStore, type SqliteStoreOptions } from "./sqlite.js";
export { PostgresStateStore, type PostgresStoreOptions } from "./postgres.js";
export { SCHEMA_VERSION } from "./migrations.js";

// The few places where SQLite and PostgreSQL SQL differ, kept in one spot so the DDL
// (migrations.ts) and every statement (statements.ts) are written once for both stores.
// Parameters are written `$1`, `$2`, ... in both: pg binds them by position, better-sqlite3 by
// name from an object keyed 1, 2, ... (sqlite.ts builds it).
import type { TableName } from "./tables.js";

export interface Dialect {
  /** The table's name as written in SQL (schema-qualified on PostgreSQL). */
  table(name: TableName): string;
  /** An auto-incrementing primary key column, used to keep insertion order. */
  serial: string;
  /** `column` equals one element of the string list bound to `param`. */
  inList(column: string, param: string): string;
  /**
   * Row locking for read-then-write transactions. Empty on SQLite, whose write transactions are
   * BEGIN IMMEDIATE and so already hold the database's write lock.
   */
  forUpdate: string;
}

export const sqliteDialect: Dialect = {
  table: (name) => name,
  serial: "INTEGER PRIMARY KEY AUTOINCREMENT",
  // The list travels as one JSON text, so a statement is prepared once for any number of ids;
  // SQLite still answers `IN (subquery)` from the column's index.
  inList: (column, param) => `${column} IN (SELECT value FROM json_each(${param}))`,
  forUpdate: "",
};

/** `schema` must already be a checked plain identifier (location.ts). */
export function postgresDialect(schema: string): Dialect {
  return {
    table: (name) => `"${schema}".${name}`,
    serial: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    inList: (column, param) => `${column} = ANY(CAST(${param} AS text[]))`,
    forUpdate: " FOR UPDATE",
  };
}

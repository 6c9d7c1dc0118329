// The registry's connection to PostgreSQL: one pg.Pool with the state store's TLS handling
// (postgres-tls.ts), transactions that roll back on any error, and driver errors turned into
// CS_STATE / CS_NETWORK / CS_AUTH with the password scrubbed (store-errors.ts).
import { readFileSync } from "node:fs";
import pg from "pg";
import { parsePostgresLocation, type PostgresLocation } from "../state/location.js";
import { postgresSsl } from "../state/postgres-tls.js";
import { inTransaction } from "../state/pg-transaction.js";
import { toStateError } from "../state/store-errors.js";

export type Queryable = Pick<pg.ClientBase, "query">;

export class RegistryDatabase {
  readonly location: PostgresLocation;
  private readonly pool: pg.Pool;
  private ended: Promise<void> | null = null;

  constructor(url: string, schema: string) {
    this.location = parsePostgresLocation(url, schema);
    const ssl = postgresSsl(this.location.tls, process.env.PGSSLMODE, (file) => readFileSync(file, "utf8"));
    this.pool = new pg.Pool({
      connectionString: this.location.connectionString,
      ssl,
      max: 4,
      connectionTimeoutMillis: 10_000,
      application_name: "case-sync-fleet",
    });
    // An idle client losing its connection emits here; the next query reports it instead.
    this.pool.on("error", () => undefined);
  }

  /** `"<schema>".<table>`, for DDL and statements. */
  table(name: string): string {
    return `"${this.location.schema}".${name}`;
  }

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = [], on: Queryable = this.pool): Promise<R[]> {
    try {
      return (await on.query<R>(text, values)).rows;
    } catch (error) {
      throw toStateError(error, this.location.description, this.location.secrets);
    }
  }

  /** Runs `fn` in one transaction; any error rolls it back and is rethrown (driver errors translated). */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.pool, fn);
    } catch (error) {
      throw toStateError(error, this.location.description, this.location.secrets);
    }
  }

  close(): Promise<void> {
    this.ended ??= this.pool.end().catch(() => undefined);
    return this.ended;
  }
}

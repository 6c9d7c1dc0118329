// The registry's tables, in the fleet schema, created and migrated under an advisory lock (like
// src/state/postgres.ts) so that workers starting together do not race. Every credential column
// holds a sealed value (secrets.ts): a dump of the database shows no token, password or secret.
import type pg from "pg";
import type { RegistryDatabase } from "./registry-db.js";

/** Each version's statements, in order; `t` qualifies a table with the fleet schema. */
const MIGRATIONS: ((t: (name: string) => string) => string[])[] = [
  (t) => [
    `CREATE TABLE ${t("pairs")} (
      name text PRIMARY KEY,
      auth text NOT NULL CHECK (auth IN ('token', 'oauth')),
      connection jsonb NOT NULL,
      credentials jsonb NOT NULL,
      mapping text NOT NULL,
      every_ms bigint NOT NULL CHECK (every_ms > 0),
      paused boolean NOT NULL DEFAULT false,
      consecutive_failures integer NOT NULL DEFAULT 0,
      last_run_at timestamptz,
      last_exit_code integer,
      next_due_at timestamptz,
      webhook_secret jsonb,
      created_at timestamptz NOT NULL
    )`,
    `CREATE INDEX pairs_due ON ${t("pairs")} (next_due_at) WHERE NOT paused`,
    // One row per OAuth pair: the row a refresh locks (SELECT … FOR UPDATE), so one worker refreshes.
    `CREATE TABLE ${t("pair_tokens")} (
      pair text PRIMARY KEY REFERENCES ${t("pairs")} (name) ON DELETE CASCADE,
      sealed jsonb NOT NULL,
      expires_at timestamptz,
      refreshed_at timestamptz,
      refreshes integer NOT NULL DEFAULT 0
    )`,
    // A value sealed under the fleet's key: a process with another key is refused at once.
    `CREATE TABLE ${t("key_check")} (id integer PRIMARY KEY CHECK (id = 1), sealed jsonb NOT NULL)`,
  ],
];

export const REGISTRY_VERSION = MIGRATIONS.length;

/** Creates the schema and tables, or brings them up to date. */
export async function migrateRegistry(db: RegistryDatabase): Promise<void> {
  const schema = db.location.schema;
  await db.transaction(async (client: pg.PoolClient) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`case-sync-fleet:${schema}`]);
    // Only when missing: CREATE SCHEMA checks the CREATE right even with IF NOT EXISTS.
    const existing = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    if (existing.rowCount === 0) await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${db.table("registry_version")} (version integer NOT NULL)`);
    const found = await client.query<{ version: number }>(`SELECT max(version) AS version FROM ${db.table("registry_version")}`);
    const from = Number(found.rows[0]?.version ?? 0);
    for (let version = from; version < MIGRATIONS.length; version += 1) {
      for (const statement of MIGRATIONS[version]?.((name) => db.table(name)) ?? []) await client.query(statement);
      await client.query(`INSERT INTO ${db.table("registry_version")} (version) VALUES ($1)`, [version + 1]);
    }
  });
}

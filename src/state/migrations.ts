// The versioned schema of both state stores, written once for both dialects so SQLite and
// PostgreSQL can never drift apart. A store records the version it was last migrated to; `init()`
// applies the missing migrations in one transaction and refuses a store written by a newer
// case-sync (its tables may mean something this code does not know).
//
// JSON-bearing columns are TEXT in both databases (not jsonb): the exact bytes round-trip, the
// one decoder in rows.ts handles both stores, and a damaged value is reported by the same check.
import { CaseSyncError } from "../core/errors.js";
import type { Dialect } from "./dialect.js";

export interface Migration {
  version: number;
  description: string;
  statements(d: Dialect): string[];
}

/** Created before any migration runs, so the version can be read from an empty database. */
export function versionTableDdl(d: Dialect): string {
  return `CREATE TABLE IF NOT EXISTS ${d.table("schema_version")} (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    version INTEGER NOT NULL,
    applied_at TEXT NOT NULL
  )`;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "links, journal, conflicts, tombstones, runs, audit, lock",
    statements: (d) => [
      `CREATE TABLE ${d.table("meta")} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
      // One row: the pair of systems this store belongs to (SPEC §4 invariant 7).
      `CREATE TABLE ${d.table("pair_identity")} (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        plannr_account TEXT NOT NULL,
        onlyoffice_portal TEXT NOT NULL
      )`,
      // A case is linked to at most one partner in each direction (invariant 6: no duplicates).
      `CREATE TABLE ${d.table("links")} (
        plannr_id TEXT PRIMARY KEY,
        onlyoffice_id TEXT NOT NULL UNIQUE,
        base TEXT,
        base_hash_plannr TEXT,
        base_hash_onlyoffice TEXT,
        linked_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )`,
      `CREATE TABLE ${d.table("journal")} (
        seq ${d.serial},
        id TEXT NOT NULL UNIQUE,
        run_id TEXT NOT NULL,
        side TEXT NOT NULL,
        source_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status TEXT NOT NULL,
        created_id TEXT,
        started_at TEXT NOT NULL,
        settled_at TEXT
      )`,
      `CREATE INDEX journal_status ON ${d.table("journal")} (status, started_at)`,
      `CREATE TABLE ${d.table("conflicts")} (
        id TEXT PRIMARY KEY,
        plannr_id TEXT NOT NULL,
        onlyoffice_id TEXT NOT NULL,
        field_group TEXT NOT NULL,
        base_value TEXT,
        plannr_value TEXT,
        onlyoffice_value TEXT,
        reason TEXT NOT NULL,
        status TEXT NOT NULL,
        resolution TEXT,
        created_at TEXT NOT NULL,
        resolved_at TEXT
      )`,
      `CREATE INDEX conflicts_status ON ${d.table("conflicts")} (status)`,
      `CREATE INDEX conflicts_plannr ON ${d.table("conflicts")} (plannr_id)`,
      `CREATE TABLE ${d.table("tombstones")} (
        side TEXT NOT NULL,
        id TEXT NOT NULL,
        partner_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (side, id)
      )`,
      `CREATE TABLE ${d.table("runs")} (
        seq ${d.serial},
        id TEXT NOT NULL UNIQUE,
        command TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        exit_code INTEGER,
        summary TEXT
      )`,
      `CREATE INDEX runs_started ON ${d.table("runs")} (started_at)`,
      // `history <id>` looks a case up from either side (invariant 13), hence both indexes.
      `CREATE TABLE ${d.table("audit")} (
        seq ${d.serial},
        run_id TEXT NOT NULL,
        side TEXT NOT NULL,
        record TEXT NOT NULL,
        partner TEXT,
        operation TEXT NOT NULL,
        field_group TEXT NOT NULL,
        before_value TEXT,
        after_value TEXT,
        at TEXT NOT NULL
      )`,
      `CREATE INDEX audit_record ON ${d.table("audit")} (record)`,
      `CREATE INDEX audit_partner ON ${d.table("audit")} (partner)`,
      `CREATE TABLE ${d.table("run_lock")} (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        owner TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        expires_at TEXT NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    description: "per-group bases; tombstones keyed by the record they protect",
    // A base is per field group (SPEC §2 first contact): a group newly mapped, or re-pointed at
    // another field, has no base yet even where the others do. NULL: a link written before this
    // version, whose base covers the groups compared then (the engine reads that from meta).
    statements: (d) => [
      `ALTER TABLE ${d.table("links")} ADD COLUMN base_groups TEXT`,
      // Tombstones are per record: one case unlinked from two partners in turn keeps both
      // protected, so the key holds the protected partner too (it was (side, id) alone).
      `CREATE TABLE ${d.table("tombstones")}_v2 (
        side TEXT NOT NULL,
        id TEXT NOT NULL,
        partner_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (side, id, partner_id)
      )`,
      `INSERT INTO ${d.table("tombstones")}_v2 (side, id, partner_id, reason, at) SELECT side, id, partner_id, reason, at FROM ${d.table("tombstones")}`,
      `DROP TABLE ${d.table("tombstones")}`,
      `ALTER TABLE ${d.table("tombstones")}_v2 RENAME TO tombstones`,
    ],
  },
  {
    version: 3,
    description: "quarantine (cases skipped by hand); audit by run (undo)",
    statements: (d) => [
      // A case a person took out of the sync (`case-sync skip`): never planned, reported once a day.
      `CREATE TABLE ${d.table("skips")} (
        side TEXT NOT NULL,
        id TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL,
        reported_at TEXT,
        PRIMARY KEY (side, id)
      )`,
      `CREATE INDEX audit_run ON ${d.table("audit")} (run_id)`,
    ],
  },
  {
    version: 4,
    description: "how each link was made (the consultant's link export)",
    statements: (d) => [`ALTER TABLE ${d.table("links")} ADD COLUMN how TEXT`],
  },
  {
    version: 5,
    description: "the service's webhook inbox and its Plannr webhook subscription",
    statements: (d) => [
      // One row per case (SPEC §9: the inbox coalesces by case). `seq` goes up with every
      // delivery so the drain deletes only what it handled; the index serves "oldest first".
      `CREATE TABLE ${d.table("webhook_inbox")} (
        case_id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        first_received_at TEXT NOT NULL,
        last_received_at TEXT NOT NULL,
        deliveries INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        not_before TEXT
      )`,
      `CREATE INDEX webhook_inbox_first ON ${d.table("webhook_inbox")} (first_received_at, case_id)`,
      // One row: the subscription `serve` keeps. The signing secret is plain text here, as the
      // CRM credentials are elsewhere: the SQLite file is private (0600) and the fleet encrypts
      // pair secrets before they reach a store.
      `CREATE TABLE ${d.table("webhook_subscription")} (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        uuid TEXT NOT NULL,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL
      )`,
    ],
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION: number = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * The migrations a store at `current` still needs, in order. A store from a newer case-sync is
 * refused rather than half-understood.
 */
export function pendingMigrations(current: number, known: readonly Migration[] = MIGRATIONS): Migration[] {
  const latest = known.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > latest) {
    throw new CaseSyncError(
      "CS_STATE",
      `state store schema version ${current} is newer than this case-sync supports (${latest}); upgrade case-sync`,
    );
  }
  return known.filter((m) => m.version > current).sort((a, b) => a.version - b.version);
}

// Every statement both stores run, written once (the dialect supplies table names and the two
// constructs that differ). Parameter order matches the *Params functions of rows.ts.
// Upserts replace every column: the engine always hands over the whole row it wants stored.
import type { Dialect } from "./dialect.js";
import type { TableName } from "./tables.js";

export function stateStatements(d: Dialect) {
  const t = (name: TableName) => d.table(name);
  return {
    getVersion: `SELECT version FROM ${t("schema_version")} WHERE singleton = 1`,
    putVersion: `INSERT INTO ${t("schema_version")} (singleton, version, applied_at) VALUES (1, $1, $2)
      ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at`,

    getIdentity: `SELECT * FROM ${t("pair_identity")} WHERE singleton = 1`,
    setIdentity: `INSERT INTO ${t("pair_identity")} (singleton, plannr_account, onlyoffice_portal) VALUES (1, $1, $2)
      ON CONFLICT (singleton) DO UPDATE SET plannr_account = excluded.plannr_account,
        onlyoffice_portal = excluded.onlyoffice_portal`,

    getLock: `SELECT * FROM ${t("run_lock")} WHERE singleton = 1`,
    putLock: `INSERT INTO ${t("run_lock")} (singleton, owner, host, pid, expires_at) VALUES (1, $1, $2, $3, $4)
      ON CONFLICT (singleton) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,
        expires_at = excluded.expires_at`,
    renewLock: `UPDATE ${t("run_lock")} SET expires_at = $1 WHERE owner = $2`,
    releaseLock: `DELETE FROM ${t("run_lock")} WHERE owner = $1`,

    listLinks: `SELECT * FROM ${t("links")} ORDER BY plannr_id`,
    listLinkHeads: `SELECT plannr_id, onlyoffice_id, NULL AS base, NULL AS base_groups, base_hash_plannr, base_hash_onlyoffice, linked_at, updated_at, how FROM ${t("links")} ORDER BY plannr_id`,
    linksByPlannr: `SELECT * FROM ${t("links")} WHERE ${d.inList("plannr_id", "$1")} ORDER BY plannr_id`,
    linkByPlannr: `SELECT * FROM ${t("links")} WHERE plannr_id = $1`,
    linkByOnlyoffice: `SELECT * FROM ${t("links")} WHERE onlyoffice_id = $1`,
    countLinks: `SELECT count(*) AS n FROM ${t("links")}`,
    upsertLink: `INSERT INTO ${t("links")} (plannr_id, onlyoffice_id, base, base_hash_plannr, base_hash_onlyoffice,
        linked_at, updated_at, base_groups, how) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
      ON CONFLICT (plannr_id) DO UPDATE SET onlyoffice_id = excluded.onlyoffice_id, base = excluded.base,
        base_groups = excluded.base_groups, how = excluded.how,
        base_hash_plannr = excluded.base_hash_plannr, base_hash_onlyoffice = excluded.base_hash_onlyoffice,
        linked_at = excluded.linked_at, updated_at = excluded.updated_at`,
    deleteLink: `DELETE FROM ${t("links")} WHERE plannr_id = $1`,

    addJournal: `INSERT INTO ${t("journal")} (id, run_id, side, source_id, fingerprint, status, created_id,
        started_at, settled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    pendingJournal: `SELECT * FROM ${t("journal")} WHERE status = 'pending' ORDER BY started_at, seq`,
    settleJournal: `UPDATE ${t("journal")} SET status = $1, created_id = $2, settled_at = $3 WHERE id = $4`,

    putConflict: `INSERT INTO ${t("conflicts")} (id, plannr_id, onlyoffice_id, field_group, base_value,
        plannr_value, onlyoffice_value, reason, status, resolution, created_at, resolved_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
      ON CONFLICT (id) DO UPDATE SET plannr_id = excluded.plannr_id, onlyoffice_id = excluded.onlyoffice_id,
        field_group = excluded.field_group, base_value = excluded.base_value,
        plannr_value = excluded.plannr_value, onlyoffice_value = excluded.onlyoffice_value,
        reason = excluded.reason, status = excluded.status, resolution = excluded.resolution,
        created_at = excluded.created_at, resolved_at = excluded.resolved_at`,
    // One statement for every filter combination: an absent filter is bound as NULL.
    listConflicts: `SELECT * FROM ${t("conflicts")}
      WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) AND (CAST($2 AS TEXT) IS NULL OR plannr_id = $2)
      ORDER BY created_at, id`,
    getConflict: `SELECT * FROM ${t("conflicts")} WHERE id = $1`,
    getConflictForUpdate: `SELECT * FROM ${t("conflicts")} WHERE id = $1${d.forUpdate}`,
    decideConflict: `UPDATE ${t("conflicts")} SET resolution = $1 WHERE id = $2`,
    resolveConflicts: `UPDATE ${t("conflicts")} SET status = 'resolved', resolved_at = $1 WHERE ${d.inList("id", "$2")}`,

    addTombstone: `INSERT INTO ${t("tombstones")} (side, id, partner_id, reason, at) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (side, id, partner_id) DO UPDATE SET reason = excluded.reason, at = excluded.at`,
    listTombstones: `SELECT * FROM ${t("tombstones")} ORDER BY at, side, id`,
    // The tombstones that protect one record (its partner id) and come from the other side.
    removeTombstone: `DELETE FROM ${t("tombstones")} WHERE partner_id = $2 AND side <> $1`,

    startRun: `INSERT INTO ${t("runs")} (id, command, started_at, finished_at, exit_code, summary)
      VALUES ($1, $2, $3, $4, $5, $6)`,
    finishRun: `UPDATE ${t("runs")} SET finished_at = $1, exit_code = $2, summary = $3 WHERE id = $4`,
    listRuns: `SELECT * FROM ${t("runs")} ORDER BY started_at DESC, seq DESC LIMIT $1`,

    addAudit: `INSERT INTO ${t("audit")} (run_id, side, record, partner, operation, field_group, before_value,
        after_value, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    // `history` finds a case from either side (invariant 13): by its own id or as the partner.
    listAudit: `SELECT * FROM ${t("audit")} WHERE ${d.inList("record", "$1")} OR ${d.inList("partner", "$1")}
      ORDER BY at, seq`,

    // `undo <run>` replays one run's writes backwards.
    listAuditByRun: `SELECT * FROM ${t("audit")} WHERE run_id = $1 ORDER BY at, seq`,

    putSkip: `INSERT INTO ${t("skips")} (side, id, reason, at, reported_at) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (side, id) DO UPDATE SET reason = excluded.reason, at = excluded.at, reported_at = excluded.reported_at`,
    listSkips: `SELECT * FROM ${t("skips")} ORDER BY at, side, id`,
    removeSkip: `DELETE FROM ${t("skips")} WHERE side = $1 AND id = $2`,

    // A delivery for a case already waiting is folded into its row in this one statement, so two
    // deliveries racing both count (SPEC §9). The new one resets the backoff: a fresh delivery
    // deserves a fresh try. Times are ISO-8601 UTC, so text order is time order.
    putInbox: `INSERT INTO ${t("webhook_inbox")} (case_id, event, first_received_at, last_received_at, deliveries, seq,
        attempts, not_before) VALUES ($1, $2, $3, $3, 1, 1, 0, NULL)
      ON CONFLICT (case_id) DO UPDATE SET event = excluded.event,
        last_received_at = CASE WHEN excluded.last_received_at > webhook_inbox.last_received_at
          THEN excluded.last_received_at ELSE webhook_inbox.last_received_at END,
        deliveries = webhook_inbox.deliveries + 1, seq = webhook_inbox.seq + 1, attempts = 0, not_before = NULL`,
    listInbox: `SELECT * FROM ${t("webhook_inbox")} WHERE not_before IS NULL OR not_before <= $2
      ORDER BY first_received_at, case_id LIMIT $1`,
    // Only the entry the drain read: a delivery that came in meanwhile bumped seq and keeps it.
    removeInbox: `DELETE FROM ${t("webhook_inbox")} WHERE case_id = $1 AND seq = $2`,
    deferInbox: `UPDATE ${t("webhook_inbox")} SET attempts = attempts + 1, not_before = $2 WHERE case_id = $1`,
    countInbox: `SELECT count(*) AS n FROM ${t("webhook_inbox")}`,

    getSubscription: `SELECT * FROM ${t("webhook_subscription")} WHERE singleton = 1`,
    setSubscription: `INSERT INTO ${t("webhook_subscription")} (singleton, uuid, url, events, secret, created_at)
        VALUES (1, $1, $2, $3, $4, $5)
      ON CONFLICT (singleton) DO UPDATE SET uuid = excluded.uuid, url = excluded.url, events = excluded.events,
        secret = excluded.secret, created_at = excluded.created_at`,
    clearSubscription: `DELETE FROM ${t("webhook_subscription")}`,

    getMeta: `SELECT * FROM ${t("meta")} WHERE key = $1`,
    setMeta: `INSERT INTO ${t("meta")} (key, value) VALUES ($1, $2)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  };
}

export type Statements = ReturnType<typeof stateStatements>;
export type StatementName = keyof Statements;

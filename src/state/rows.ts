// Rows ⇄ persisted shapes, shared by both stores. Every row read back goes through the zod schema
// of src/core/state.ts (STYLE: validate persisted state when loaded), so a hand-edited or damaged
// store fails with `<table> row <key>: <field path> <message>` instead of steering the engine wrong.
// Parameter arrays are in the column order of the INSERT statements of both stores.
import { z } from "zod";
import { CaseSyncError } from "../core/errors.js";
import {
  AuditEntrySchema,
  ConflictSchema,
  InboxEntrySchema,
  JournalEntrySchema,
  LinkSchema,
  PairIdentitySchema,
  RunSchema,
  SkipSchema,
  TombstoneSchema,
  WebhookSubscriptionSchema,
  type AuditEntry,
  type Conflict,
  type InboxEntry,
  type JournalEntry,
  type Link,
  type LockHolder,
  type PairIdentity,
  type Run,
  type Skip,
  type Tombstone,
  type WebhookSubscription,
} from "../core/state.js";
import type { TableName } from "./tables.js";

/** A row as a driver hands it over: column name → value, nothing trusted yet. */
export type Row = Record<string, unknown>;
/** A bound value; a string list is bound as the dialect's list (dialect.ts `inList`). */
export type SqlValue = string | number | null | string[];

// src/core has no schema for the lock holder (it is an interface there), so it lives here.
const LockHolderSchema = z.object({
  owner: z.string().min(1),
  host: z.string(),
  pid: z.number().int(),
  expiresAt: z.string().min(1),
});

function stateError(table: TableName, key: unknown, field: string, message: string): CaseSyncError {
  return new CaseSyncError("CS_STATE", `${table} row ${String(key)}: ${field} ${message}`, { field });
}

function validate<T>(schema: z.ZodType<T>, value: unknown, table: TableName, key: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue === undefined || issue.path.length === 0 ? "(row)" : issue.path.map(String).join(".");
  throw stateError(table, key, path, issue?.message ?? "is invalid");
}

/** Parses a JSON column; SQL NULL stands for JSON null. */
function parseJson(text: unknown, table: TableName, key: unknown, field: string): unknown {
  if (text === null || text === undefined) return null;
  if (typeof text !== "string") throw stateError(table, key, field, `is not JSON text (found ${typeof text})`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw stateError(table, key, field, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

const MetaValueSchema = z.object({ value: z.string() });

/**
 * Decodes a whole result set, letting go of each raw row as soon as it is decoded: with 100,000
 * links the raw JSON text and the parsed cases need not both be held in full at the peak.
 */
export function decodeAll<T>(list: (Row | null)[], decode: (row: Row) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < list.length; i += 1) {
    const row = list[i];
    if (row === null || row === undefined) continue;
    out.push(decode(row));
    list[i] = null;
  }
  return out;
}

// ---- pair identity -------------------------------------------------------------------------

export function identityParams(identity: PairIdentity): SqlValue[] {
  return [identity.plannrAccount, identity.onlyofficePortal];
}

export function decodeIdentity(row: Row): PairIdentity {
  return validate(
    PairIdentitySchema,
    { plannrAccount: row.plannr_account, onlyofficePortal: row.onlyoffice_portal },
    "pair_identity",
    row.singleton,
  );
}

// ---- links ---------------------------------------------------------------------------------

export function linkParams(link: Link): SqlValue[] {
  return [
    link.plannrId,
    link.onlyofficeId,
    json(link.base),
    link.baseHashPlannr,
    link.baseHashOnlyoffice,
    link.linkedAt,
    link.updatedAt,
    link.baseGroups === null ? null : json(link.baseGroups),
    link.how,
  ];
}

export function decodeLink(row: Row): Link {
  const key = row.plannr_id;
  return validate(
    LinkSchema,
    {
      plannrId: row.plannr_id,
      onlyofficeId: row.onlyoffice_id,
      base: parseJson(row.base, "links", key, "base"),
      baseGroups: row.base_groups === null || row.base_groups === undefined ? null : parseJson(row.base_groups, "links", key, "base_groups"),
      baseHashPlannr: row.base_hash_plannr,
      baseHashOnlyoffice: row.base_hash_onlyoffice,
      linkedAt: row.linked_at,
      updatedAt: row.updated_at,
      how: row.how ?? null,
    },
    "links",
    key,
  );
}

// ---- journal -------------------------------------------------------------------------------

export function journalParams(entry: JournalEntry): SqlValue[] {
  return [
    entry.id,
    entry.runId,
    entry.side,
    entry.sourceId,
    JSON.stringify(entry.fingerprint),
    entry.status,
    entry.createdId,
    entry.startedAt,
    entry.settledAt,
  ];
}

export function decodeJournal(row: Row): JournalEntry {
  const key = row.id;
  return validate(
    JournalEntrySchema,
    {
      id: row.id,
      runId: row.run_id,
      side: row.side,
      sourceId: row.source_id,
      fingerprint: parseJson(row.fingerprint, "journal", key, "fingerprint"),
      status: row.status,
      createdId: row.created_id,
      startedAt: row.started_at,
      settledAt: row.settled_at,
    },
    "journal",
    key,
  );
}

// ---- conflicts -----------------------------------------------------------------------------

export function conflictParams(conflict: Conflict): SqlValue[] {
  return [
    conflict.id,
    conflict.plannrId,
    conflict.onlyofficeId,
    conflict.group,
    json(conflict.base),
    json(conflict.plannr),
    json(conflict.onlyoffice),
    conflict.reason,
    conflict.status,
    conflict.resolution,
    conflict.createdAt,
    conflict.resolvedAt,
  ];
}

export function decodeConflict(row: Row): Conflict {
  const key = row.id;
  return validate(
    ConflictSchema,
    {
      id: row.id,
      plannrId: row.plannr_id,
      onlyofficeId: row.onlyoffice_id,
      group: row.field_group,
      base: parseJson(row.base_value, "conflicts", key, "base"),
      plannr: parseJson(row.plannr_value, "conflicts", key, "plannr"),
      onlyoffice: parseJson(row.onlyoffice_value, "conflicts", key, "onlyoffice"),
      reason: row.reason,
      status: row.status,
      resolution: row.resolution,
      createdAt: row.created_at,
      resolvedAt: row.resolved_at,
    },
    "conflicts",
    key,
  );
}

// ---- tombstones ----------------------------------------------------------------------------

export function tombstoneParams(tombstone: Tombstone): SqlValue[] {
  return [tombstone.side, tombstone.id, tombstone.partnerId, tombstone.reason, tombstone.at];
}

export function decodeTombstone(row: Row): Tombstone {
  return validate(
    TombstoneSchema,
    { side: row.side, id: row.id, partnerId: row.partner_id, reason: row.reason, at: row.at },
    "tombstones",
    `${String(row.side)}/${String(row.id)}`,
  );
}

// ---- skips ---------------------------------------------------------------------------------

export function skipParams(skip: Skip): SqlValue[] {
  return [skip.side, skip.id, skip.reason, skip.at, skip.reportedAt];
}

export function decodeSkip(row: Row): Skip {
  const key = `${String(row.side)}:${String(row.id)}`;
  return validate(SkipSchema, { side: row.side, id: row.id, reason: row.reason, at: row.at, reportedAt: row.reported_at ?? null }, "skips", key);
}

// ---- runs ----------------------------------------------------------------------------------

export function runParams(run: Run): SqlValue[] {
  return [run.id, run.command, run.startedAt, run.finishedAt, run.exitCode, json(run.summary)];
}

export function decodeRun(row: Row): Run {
  const key = row.id;
  return validate(
    RunSchema,
    {
      id: row.id,
      command: row.command,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      exitCode: row.exit_code,
      summary: parseJson(row.summary, "runs", key, "summary"),
    },
    "runs",
    key,
  );
}

// ---- audit ---------------------------------------------------------------------------------

export function auditParams(entry: AuditEntry): SqlValue[] {
  return [
    entry.runId,
    entry.side,
    entry.record,
    entry.partner,
    entry.operation,
    entry.group,
    json(entry.before),
    json(entry.after),
    entry.at,
  ];
}

export function decodeAudit(row: Row): AuditEntry {
  const key = row.seq;
  return validate(
    AuditEntrySchema,
    {
      runId: row.run_id,
      side: row.side,
      record: row.record,
      partner: row.partner,
      operation: row.operation,
      group: row.field_group,
      before: parseJson(row.before_value, "audit", key, "before"),
      after: parseJson(row.after_value, "audit", key, "after"),
      at: row.at,
    },
    "audit",
    key,
  );
}

// ---- lock ----------------------------------------------------------------------------------

export function lockParams(holder: LockHolder): SqlValue[] {
  return [holder.owner, holder.host, holder.pid, holder.expiresAt];
}

export function decodeLock(row: Row): LockHolder {
  return validate(
    LockHolderSchema,
    { owner: row.owner, host: row.host, pid: row.pid, expiresAt: row.expires_at },
    "run_lock",
    row.singleton,
  );
}

// ---- webhook inbox and subscription ----------------------------------------------------------

export function inboxParams(delivery: { caseId: string; event: string; receivedAt: string }): SqlValue[] {
  return [delivery.caseId, delivery.event, delivery.receivedAt];
}

export function decodeInbox(row: Row): InboxEntry {
  return validate(
    InboxEntrySchema,
    {
      caseId: row.case_id,
      event: row.event,
      firstReceivedAt: row.first_received_at,
      lastReceivedAt: row.last_received_at,
      deliveries: row.deliveries,
      seq: row.seq,
      attempts: row.attempts,
      notBefore: row.not_before ?? null,
    },
    "webhook_inbox",
    row.case_id,
  );
}

export function subscriptionParams(subscription: WebhookSubscription): SqlValue[] {
  return [subscription.uuid, subscription.url, JSON.stringify(subscription.events), subscription.secret, subscription.createdAt];
}

/** Its errors name the field, never a value: the row holds the signing secret. */
export function decodeSubscription(row: Row): WebhookSubscription {
  return validate(
    WebhookSubscriptionSchema,
    {
      uuid: row.uuid,
      url: row.url,
      events: parseJson(row.events, "webhook_subscription", row.singleton, "events"),
      secret: row.secret,
      createdAt: row.created_at,
    },
    "webhook_subscription",
    row.singleton,
  );
}

// ---- meta ----------------------------------------------------------------------------------

export function decodeMeta(row: Row): string {
  return validate(MetaValueSchema, { value: row.value }, "meta", row.key).value;
}

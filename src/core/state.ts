// The state store port and the shapes it persists (SPEC §1, invariants 6, 7, 13). Every row is
// validated with these schemas when loaded, so a hand-edited or corrupted store is refused with a
// named field instead of steering the engine wrong.
import { z } from "zod";
import { CaseSchema, CustomValueSchema } from "./case.js";

const side = z.enum(["plannr", "onlyoffice"]);
const isoTime = z.string().min(1);

export const PairIdentitySchema = z.object({
  plannrAccount: z.string().min(1),
  onlyofficePortal: z.string().min(1),
});
export type PairIdentity = z.infer<typeof PairIdentitySchema>;

export const LinkSchema = z.object({
  plannrId: z.string().min(1),
  onlyofficeId: z.string().min(1),
  /** The last agreed canonical case; null right after linking (first contact, SPEC §2). */
  base: CaseSchema.nullable(),
  /**
   * The field groups the base covers, by signature (group and the fields it is mapped to, so a
   * re-pointed field is a new group). A group not listed has no base yet: first contact for it.
   * Null on links written before per-group bases (they cover the groups compared at the time).
   */
  baseGroups: z.array(z.string()).nullable().default(null),
  /** Hash of the base as each side sees it (projection): an equal scan hash means "unchanged". */
  baseHashPlannr: z.string().nullable(),
  baseHashOnlyoffice: z.string().nullable(),
  linkedAt: isoTime,
  updatedAt: isoTime,
  /**
   * How the pair was linked: a copy this tool made (`create`), found by the ONLYOFFICE stamp
   * (`stamp`), an interrupted copy adopted from the journal (`journal`), `match` (matchExisting), or
   * `hand` (`case-sync link`). Null on links written before it was kept.
   */
  how: z.enum(["create", "stamp", "journal", "match", "hand"]).nullable().default(null),
});
export type Link = z.infer<typeof LinkSchema>;

export const FingerprintSchema = z.object({
  title: z.string(),
  participants: z.array(z.string()),
});
export type Fingerprint = z.infer<typeof FingerprintSchema>;

export const JournalEntrySchema = z.object({
  id: z.string().min(1),
  runId: z.string().min(1),
  /** The side the case is being created on. */
  side,
  /** The id of the case being copied, on the other side. */
  sourceId: z.string().min(1),
  fingerprint: FingerprintSchema,
  status: z.enum(["pending", "done", "failed"]),
  createdId: z.string().nullable(),
  startedAt: isoTime,
  settledAt: isoTime.nullable(),
});
export type JournalEntry = z.infer<typeof JournalEntrySchema>;

export const ConflictSchema = z.object({
  id: z.string().min(1),
  plannrId: z.string().min(1),
  onlyofficeId: z.string().min(1),
  /** A field group, or `delete` for a delete on one side against an edit on the other. */
  group: z.string().min(1),
  base: z.unknown(),
  plannr: z.unknown(),
  onlyoffice: z.unknown(),
  reason: z.string(),
  status: z.enum(["pending", "resolved"]),
  resolution: z.enum(["plannr", "onlyoffice", "base"]).nullable(),
  createdAt: isoTime,
  resolvedAt: isoTime.nullable(),
});
export type Conflict = z.infer<typeof ConflictSchema>;

export const TombstoneSchema = z.object({
  /** The side where the case vanished. */
  side,
  id: z.string().min(1),
  /** The surviving partner, never re-created automatically. */
  partnerId: z.string().min(1),
  reason: z.string(),
  at: isoTime,
});
export type Tombstone = z.infer<typeof TombstoneSchema>;

export const SkipSchema = z.object({
  side,
  id: z.string().min(1),
  reason: z.string(),
  at: isoTime,
  /** When a run last reported the case as skipped (at most once a day). */
  reportedAt: isoTime.nullable(),
});
export type Skip = z.infer<typeof SkipSchema>;

export const RunSchema = z.object({
  id: z.string().min(1),
  command: z.string(),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  exitCode: z.number().int().nullable(),
  /** The run's report summary (counts only). */
  summary: z.record(z.string(), z.unknown()).nullable(),
});
export type Run = z.infer<typeof RunSchema>;

export const AuditEntrySchema = z.object({
  runId: z.string().min(1),
  side,
  record: z.string().min(1),
  /** The partner's id at the time of the write, so history finds it from either side. */
  partner: z.string().nullable(),
  operation: z.string(),
  group: z.string(),
  before: z.union([CustomValueSchema, z.array(z.string()), z.record(z.string(), z.unknown())]).nullable(),
  after: z.union([CustomValueSchema, z.array(z.string()), z.record(z.string(), z.unknown())]).nullable(),
  at: isoTime,
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/**
 * One case waiting in the service's webhook inbox (SPEC §9): deliveries are hints, coalesced by
 * case, so a burst of edits to one case costs one targeted sync.
 */
export const InboxEntrySchema = z.object({
  /** Plannr case uuid. */
  caseId: z.string().min(1),
  /** The last event name received for it (a hint only: the case is read from the API). */
  event: z.string(),
  /** The oldest delivery still waiting (for the webhook-lag metric). */
  firstReceivedAt: isoTime,
  lastReceivedAt: isoTime,
  /** How many deliveries were coalesced into it. */
  deliveries: z.number().int(),
  /** Bumped by every put: the drain removes only what it handled. */
  seq: z.number().int(),
  /** Failed drain attempts. */
  attempts: z.number().int(),
  /** Backoff after a failed attempt. */
  notBefore: isoTime.nullable(),
});
export type InboxEntry = z.infer<typeof InboxEntrySchema>;

/** The service's Plannr webhook subscription; `secret` signs deliveries (invariant 12: never logged). */
export const WebhookSubscriptionSchema = z.object({
  uuid: z.string().min(1),
  url: z.string().min(1),
  events: z.array(z.string()),
  secret: z.string().min(1),
  createdAt: isoTime,
});
export type WebhookSubscription = z.infer<typeof WebhookSubscriptionSchema>;

/** Everything one write changes in the store, committed in one transaction. */
export interface WriteCommit {
  upsertLink?: Link;
  /** Plannr id of a link to remove. */
  deleteLink?: string;
  audit?: AuditEntry[];
  settleJournal?: { id: string; status: "done" | "failed"; createdId: string | null; at: string };
  addTombstone?: Tombstone;
  resolveConflicts?: { ids: string[]; at: string };
}

export interface LockHolder {
  owner: string;
  /** host:pid of the holder, for stale-lock detection after a crash. */
  host: string;
  pid: number;
  expiresAt: string;
}

export interface StateStore {
  /** Create or migrate the schema; refuses a store written by a newer version. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** A short description for logs (file path, or postgres URL without password). */
  describe(): string;

  getIdentity(): Promise<PairIdentity | null>;
  setIdentity(identity: PairIdentity): Promise<void>;

  /** Takes the run lock; false (and the holder) if another live run has it. */
  acquireLock(holder: LockHolder): Promise<{ acquired: true } | { acquired: false; holder: LockHolder }>;
  renewLock(owner: string, expiresAt: string): Promise<void>;
  releaseLock(owner: string): Promise<void>;

  /**
   * Every link. With `bases: false` each `base` is left out (null) — its hashes still say whether
   * there is one — so a sync over 100,000 links holds only what a hash compare needs.
   */
  listLinks(options?: { bases?: boolean }): Promise<Link[]>;
  /** The links of these Plannr ids, bases included (unknown ids are skipped). */
  getLinks(plannrIds: readonly string[]): Promise<Link[]>;
  getLinkByPlannr(id: string): Promise<Link | null>;
  getLinkByOnlyoffice(id: string): Promise<Link | null>;
  countLinks(): Promise<number>;

  addJournal(entry: JournalEntry): Promise<void>;
  listPendingJournal(): Promise<JournalEntry[]>;

  putConflict(conflict: Conflict): Promise<void>;
  listConflicts(filter?: { status?: "pending" | "resolved"; plannrId?: string }): Promise<Conflict[]>;
  getConflict(id: string): Promise<Conflict | null>;
  /** Records the user's decision; the next sync carries it out. */
  decideConflict(id: string, resolution: "plannr" | "onlyoffice" | "base"): Promise<void>;

  /** Cases a person took out of the sync (`case-sync skip`): never planned, not counted in exit codes. */
  putSkip(skip: Skip): Promise<void>;
  listSkips(): Promise<Skip[]>;
  removeSkip(side: "plannr" | "onlyoffice", id: string): Promise<void>;

  listTombstones(): Promise<Tombstone[]>;
  /**
   * Lifts the protection of one record: removes the tombstones whose surviving partner is record
   * `id` on `side` (a person linked it by hand). Tombstones protecting any other record stay.
   */
  removeTombstone(side: "plannr" | "onlyoffice", id: string): Promise<void>;

  startRun(run: Run): Promise<void>;
  finishRun(id: string, finishedAt: string, exitCode: number, summary: Record<string, unknown>): Promise<void>;
  listRuns(limit: number): Promise<Run[]>;

  listAudit(recordIds: string[]): Promise<AuditEntry[]>;
  /** Every write one run made, in order (for `undo`). */
  listAuditByRun(runId: string): Promise<AuditEntry[]>;

  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;

  /** Applies one write's consequences atomically (link/base, audit, journal, tombstone). */
  commit(commit: WriteCommit): Promise<void>;

  /** A verified delivery, coalesced by case: one row per case; seq and deliveries go up, firstReceivedAt stays (durable before the 202). */
  putInbox(delivery: { caseId: string; event: string; receivedAt: string }): Promise<void>;
  /** Waiting cases, oldest first, whose notBefore is null or <= now; at most `limit`. */
  listInbox(limit: number, now: string): Promise<InboxEntry[]>;
  /** Removes the case's entry only if its seq is still `seq` (a delivery that came in meanwhile keeps it waiting); true when removed. */
  removeInbox(caseId: string, seq: number): Promise<boolean>;
  /** A failed drain attempt: attempts + 1 and a notBefore (leaves seq alone). */
  deferInbox(caseId: string, notBefore: string): Promise<void>;
  countInbox(): Promise<number>;
  /** The service's Plannr webhook subscription (its signing secret is a secret: never logged). */
  getWebhookSubscription(): Promise<WebhookSubscription | null>;
  setWebhookSubscription(subscription: WebhookSubscription | null): Promise<void>;
}

// The units of work a plan is made of, and what planning reads: data only, shared by the
// planner (plan.ts, deletes.ts), the breakers, the report and the applier.
import type { Case } from "../core/case.js";
import type { Side } from "../core/errors.js";
import type { CrmAdapter } from "../core/ports.js";
import type { CaseRecord, RecordIssue, WriteOp } from "../core/records.js";
import type { Conflict, Link, Tombstone } from "../core/state.js";
import type { PairDecision, PairInput } from "./diff.js";
import type { NewLink, Pairing } from "./links.js";
import type { IdSet } from "./compact-ids.js";
import type { Snapshot } from "./snapshot.js";
import type { ViewScope } from "./view.js";

export interface PairWork {
  plannrId: string;
  onlyofficeId: string;
  link: Link | null;
  newLink: NewLink | null;
  input: PairInput;
  decision: PairDecision;
  plannrRecord: CaseRecord;
  onlyofficeRecord: CaseRecord;
  opsPlannr: WriteOp[];
  opsOnlyoffice: WriteOp[];
  /**
   * Sides held thin in the snapshot (settled: no carry), whose writes are not encoded yet: a side
   * here with changes in `decision` is read again and encoded right before it is written (apply's
   * guard), so the run never holds a settled record whole.
   */
  thin: Side[];
  issues: RecordIssue[];
  /** Pending conflicts of this pair that this run settles or finds settled. */
  resolvedConflicts: string[];
}

export interface CreateWork {
  from: Side;
  /** The side written to. */
  to: Side;
  sourceId: string;
  target: Case;
  ops: WriteOp[];
  issues: RecordIssue[];
  /** Migration: the source's created time, for the mapping's created-at field. */
  createdAt: string | null;
  /** Writes that bring the source in line with what was created (e.g. its status field gets the name). */
  sourceOps: WriteOp[];
}

/**
 * A migration's copies of records held without their case (SPEC §8: memory does not grow with the
 * book): each is checked as the source is scanned, and copied as the source is read a second time
 * in the apply phase, page by page, so no run holds every copy's case and request bodies at once.
 */
export interface StreamedCopies {
  from: Side;
  to: Side;
  /** Source ids to copy (a migration's whole book: kept packed, compact-ids.ts). */
  ids: IdSet;
}

export type DeleteAction = "delete" | "close" | "unlink" | "drop-link";

export interface DeleteWork {
  action: DeleteAction;
  /** Where the case vanished. */
  vanished: Side;
  plannrId: string;
  onlyofficeId: string;
  /** Writes on the surviving side (delete or close). */
  ops: WriteOp[];
  tombstone: Tombstone | null;
  title: string;
}

export interface ConflictFinding {
  /** A fixed id for conflicts that have one (an uncertain copy is named after its journal entry). */
  id?: string;
  plannrId: string;
  onlyofficeId: string;
  group: string;
  base: unknown;
  plannr: unknown;
  onlyoffice: unknown;
  reason: string;
  /** `settled`: a policy decided it this run; otherwise it waits for a person. */
  settled: "plannr" | "onlyoffice" | null;
  /** The pending conflict this one updates, if any. */
  existing: Conflict | null;
}

export interface Plan {
  updates: PairWork[];
  creates: CreateWork[];
  /** Copies made from a second read of the source (migrations only). */
  streamed?: StreamedCopies;
  deletes: DeleteWork[];
  conflicts: ConflictFinding[];
  issues: RecordIssue[];
  /** Links that only need to be stored (new links whose pair needs no write). */
  unchanged: number;
}

export interface PlanContext {
  scope: ViewScope;
  adapters: { plannr: CrmAdapter; onlyoffice: CrmAdapter };
  plannr: Snapshot;
  onlyoffice: Snapshot;
  pairing: Pairing;
  pendingConflicts: ReadonlyMap<string, Conflict[]>;
  previousScanAt: string | null;
  /** Groups newly compared this run (not in the last run's mapping): first contact for them. */
  freshGroups: ReadonlySet<string>;
  mode: { kind: "sync" } | { kind: "migrate"; from: Side; limit: number | null; onlyOpen: boolean; createdSince: string | null };
  now: Date;
}

// What adapters hand the engine (scanned records) and what the engine hands back (change sets to
// encode, write operations to apply). Write operations are the systems' own requests (SPEC §4's
// table), described as data so that `plan` can print exactly what `sync` would send.
import type { Case, FieldGroup } from "./case.js";
import type { ErrorCode, Side } from "./errors.js";

/** A problem with one record: an error stops that record's write, a warning only reports. */
export interface RecordIssue {
  severity: "error" | "warning";
  side: Side;
  /** Native id; null for a record that does not exist yet (a create). */
  record: string | null;
  /** Canonical field group or native field path. */
  field: string | null;
  code: ErrorCode | "CS_UNMAPPED" | "CS_AMBIGUOUS" | "CS_NOT_CARRIED";
  message: string;
}

export interface CaseRecord {
  side: Side;
  /** Native id as text (Plannr uuid, ONLYOFFICE case id). */
  id: string;
  /** Canonical, normalized. */
  case: Case;
  /** The link stamp found on the record (ONLYOFFICE: Plannr uuid; Plannr: opt-in mirror of the ONLYOFFICE id). */
  stamp: string | null;
  /** Last modification time when the system keeps one (Plannr `updated_at`), UTC ISO. */
  updatedAt: string | null;
  /** Hash of the native content that writes depend on: a re-read with another version means it moved. */
  version: string;
  /**
   * Native facts the adapter needs to encode writes for this record later (e.g. ONLYOFFICE
   * `isPrivate` + access GUIDs, Plannr status/type uuids and assignee uuids). Opaque to the engine;
   * kept small because it is held for every record of a scan.
   */
  carry: unknown;
  /** Decode problems (unmapped people, values out of range): reported, never fatal. */
  issues: RecordIssue[];
}

export type ScanItem =
  /** `rawHash`: a hash of the native record as listed, before decoding (when the adapter was asked for it). */
  | { kind: "record"; record: CaseRecord; rawHash?: string }
  /**
   * Listed with the same raw hash as the caller already knows (`ScanOptions.known`): not decoded
   * at all, so an unchanged record costs next to nothing (the service's frequent scans).
   */
  | { kind: "unchanged"; side: Side; id: string; rawHash: string }
  /** The record exists but could not be decoded: it counts as present (never as deleted). */
  | { kind: "invalid"; side: Side; id: string; issue: RecordIssue }
  /** Last item of every scan. `complete` is false unless every page was read without error. */
  | { kind: "end"; complete: boolean; pages: number };

/** Options of `CrmAdapter.listCases`. */
export interface ScanOptions {
  /**
   * Raw hashes (id → rawHash) from an earlier scan. A listed record whose raw hash is the same comes
   * back as an `unchanged` item without being decoded; every other record comes back with its
   * `rawHash`. An adapter that cannot hash raw records ignores it and yields records as usual.
   */
  known?: ReadonlyMap<string, string>;
}

export interface SetDelta {
  add: string[];
  remove: string[];
}

/** What should change on one record, in canonical terms. */
export interface ChangeSet {
  /** Scalar groups whose target value (from `target`) must be written. */
  set: FieldGroup[];
  /** Element-wise changes of set-valued groups (invariant 5): applied to the native current set. */
  participants?: SetDelta;
  assignees?: SetDelta;
}

export interface PersonInfo {
  key: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  name: string;
}

export interface EncodeInput {
  /** The record as last read on this side (null when encoding a create). */
  record: CaseRecord | null;
  /** The whole canonical case this side should hold afterwards. */
  target: Case;
  changes: ChangeSet;
  /** Details of people the other side knows, for `unknownContact: create`. */
  people?: ReadonlyMap<string, PersonInfo>;
}

export type WriteMethod = "POST" | "PUT" | "DELETE";

export interface WriteOp {
  side: Side;
  /** Native record id; null inside a create (the id is not known yet). */
  record: string | null;
  /** A stable operation name for counting and audit, e.g. `case.update`, `members.add`, `field.clear`. */
  kind: string;
  method: WriteMethod;
  /** Path relative to the API root, e.g. `crm/case/17/close` or `/api/v1/cases/{uuid}`. */
  path: string;
  /** The canonical field groups this request carries. */
  groups: FieldGroup[];
  /** The native request body (never holds secrets). */
  body: unknown;
  /** One line for humans. */
  summary: string;
  /** The record must be read again right before this request and re-planned if it moved (invariant 4). */
  rereadFirst?: boolean;
}

/**
 * What `applyWrites` reports back when it succeeded only in part: field groups the system refused
 * (e.g. a Plannr 422 naming one field, after which the PUT was sent again without it). Each issue
 * names its group in `field`; those groups were not written, everything else was.
 */
export interface WriteOutcome {
  refused: RecordIssue[];
}

export interface EncodeResult {
  ops: WriteOp[];
  /** Values this side cannot hold (invariant 11): the groups named here are not written. */
  issues: RecordIssue[];
}

export interface CreateOptions {
  /** The link stamp to carry inside the create (ONLYOFFICE: the Plannr uuid), or null. */
  stamp: string | null;
  people?: ReadonlyMap<string, PersonInfo>;
  /** Migration only: copy this created-at timestamp into the mapped field. */
  createdAt?: string | null;
}

export interface CreatePreview {
  ops: WriteOp[];
  issues: RecordIssue[];
}

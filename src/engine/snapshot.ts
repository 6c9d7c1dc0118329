// Reads one side's whole case book into a Snapshot (SPEC §4.1, invariant 7): per record a view
// hash, its stamp and the adapter's carry; the full canonical case only where it may be needed
// (unlinked, or changed since the base). A record unchanged since its base (the bulk of a sync) is
// held as its link alone: ids and hash, no carry, so a 100,000-case no-op sync stays small in
// memory (SPEC §8); a write to such a record waits for the read that precedes it (apply's guard).
// A scan that did not end cleanly is marked incomplete, and an incomplete scan never yields
// deletes.
import type { Case } from "../core/case.js";
import { CaseSyncError, toCaseSyncError, type Side } from "../core/errors.js";
import type { Progress } from "../core/ports.js";
import type { CaseRecord, RecordIssue, ScanItem } from "../core/records.js";
import type { Link } from "../core/state.js";
import type { LinkIndex } from "./link-index.js";
import { viewHash, type ViewScope } from "./view.js";

export interface RecordSummary {
  side: Side;
  id: string;
  hash: string;
  stamp: string | null;
  updatedAt: string | null;
  createdAt: string | null;
  /** The case's closed flag (a migration's `onlyOpen` reads it where the case is not held). */
  closed: boolean;
  version: string;
  /** The adapter's carry (its ids are pooled by the adapter, so it is mostly pointers); null when thin. */
  carry: unknown;
  /**
   * Held without case, carry and version. Settled (unchanged since its base): ids and hash only;
   * its case is the base, and writes to it are encoded once it has been read again before them
   * (`PairWork.thin`). A migration's source (unlinked): ids and times; it is copied from a second
   * read of its side (`Plan.streamed`).
   */
  thin: boolean;
  /** Groups with an error issue on this record: frozen for this run. */
  frozen: readonly string[];
  /** The canonical case; null when thin. */
  case: Case | null;
  /** Error issues of this record (warnings are aggregated in the snapshot instead). */
  errors: readonly RecordIssue[];
}

export interface Snapshot {
  side: Side;
  complete: boolean;
  /** Why the scan stopped early, if it did. */
  failure: CaseSyncError | null;
  records: SnapshotRecords;
  /** Records that exist but could not be decoded: present, never deleted, never written. */
  invalid: Map<string, RecordIssue>;
  /** Warning counts by code and field, with a few examples each. */
  warnings: Map<string, { issue: RecordIssue; count: number }>;
  /**
   * Every warning (not-carried items aside: those are counts), for the JSON report. Bounded, so a
   * book where every record warns cannot grow without end; `warningsLeftOut` says how many did not fit.
   */
  warningList: RecordIssue[];
  warningsLeftOut: number;
  pages: number;
}

export interface SnapshotOptions {
  side: Side;
  scope: ViewScope;
  /** The run's links: a record's base hash says whether it is unchanged; settled records are marked there. */
  links: LinkIndex;
  /** Side-specific canonical fix-ups (e.g. resolving an ONLYOFFICE status name against the catalog). */
  refine?: (record: CaseRecord) => CaseRecord;
  /**
   * Keep every record whole, carry included (plans and dry runs: they encode every write from the
   * snapshot, without the read a sync makes before writing; a saved plan is compared op by op).
   */
  keepCarries?: boolean;
  /**
   * A migration's source side: an unlinked, unstamped record that `copyable` says can be copied is
   * held without its case and carry, and copied from a second read of the side (`Plan.streamed`).
   * `keepWhole` names the records pairing may link this run (a pending create's source, a uuid a
   * stamp on the other side carries): those stay whole, as pairing plans them field by field.
   */
  streamCopies?: { copyable: (summary: RecordSummary) => boolean; keepWhole: ReadonlySet<string> };
  progress?: Progress;
}

const NONE: readonly never[] = Object.freeze([]);

export function summarize(record: CaseRecord, scope: ViewScope, keepCase: boolean): RecordSummary {
  const errors = record.issues.filter((i) => i.severity === "error");
  if (errors.length === 0) {
    return { side: record.side, id: record.id, hash: viewHash(scope, record.case), stamp: record.stamp, updatedAt: record.updatedAt, createdAt: record.case.createdAt, closed: record.case.status.closed, version: record.version, carry: record.carry, thin: false, frozen: NONE, case: keepCase ? record.case : null, errors: NONE };
  }
  return {
    side: record.side,
    id: record.id,
    hash: viewHash(scope, record.case),
    stamp: record.stamp,
    updatedAt: record.updatedAt,
    createdAt: record.case.createdAt,
    closed: record.case.status.closed,
    version: record.version,
    carry: record.carry,
    thin: false,
    frozen: [...new Set(errors.map((i) => i.field).filter((f): f is string => f !== null))],
    case: keepCase ? record.case : null,
    errors,
  };
}

/** The record a snapshot holds as its link (`SnapshotRecords.settle`), rebuilt when asked for. */
function thinSummary(side: Side, link: Link): RecordSummary {
  return {
    side,
    id: side === "plannr" ? link.plannrId : link.onlyofficeId,
    hash: (side === "plannr" ? link.baseHashPlannr : link.baseHashOnlyoffice) ?? "",
    // Settled only when the stamp is what the link says (ONLYOFFICE: the Plannr uuid; Plannr: none).
    stamp: side === "onlyoffice" ? link.plannrId : null,
    updatedAt: null,
    createdAt: null,
    closed: false,
    version: "",
    carry: null,
    thin: true,
    frozen: NONE,
    case: null,
    errors: NONE,
  };
}

/**
 * One side's records by id. A settled record costs nothing here: the link index marks it (one
 * bit), and it is rebuilt as a thin summary from its link each time it is asked for. Every other
 * record keeps its summary.
 */
export class SnapshotRecords {
  private readonly entries = new Map<string, RecordSummary>();

  constructor(
    private readonly side: Side,
    private readonly links: LinkIndex,
  ) {}

  /** Records the scan found (released ones included). */
  get size(): number {
    return this.released + this.entries.size + this.links.settled(this.side);
  }

  private released = 0;

  /** Lets the summaries go once the plan is made; the count stays (the report states it). */
  release(): void {
    this.released += this.entries.size;
    this.entries.clear();
  }

  has(id: string): boolean {
    return this.entries.has(id) || this.links.isSettled(this.side, id);
  }

  get(id: string): RecordSummary | undefined {
    const entry = this.entries.get(id);
    if (entry !== undefined || !this.links.isSettled(this.side, id)) return entry;
    const link = this.links.of(this.side, id);
    return link === undefined ? undefined : thinSummary(this.side, link);
  }

  set(id: string, summary: RecordSummary): this {
    this.links.unsettle(this.side, id);
    this.entries.set(id, summary);
    return this;
  }

  /** Holds record `id` as unchanged since its link's base. */
  settle(id: string): this {
    this.entries.delete(id);
    this.links.settle(this.side, id);
    return this;
  }

  /** Every record: those held whole first, then the settled ones. */
  *values(): IterableIterator<RecordSummary> {
    yield* this.entries.values();
    for (const link of this.links.settledLinks(this.side)) yield thinSummary(this.side, link);
  }

  /** Summaries of the records not settled (changed, unlinked, with errors, or a migration's source). */
  held(): IterableIterator<RecordSummary> {
    return this.entries.values();
  }
}

/** A summary as the record the adapters encode writes for (a thin one has no carry: see `thin`). */
export function recordOf(summary: RecordSummary, fallback: Case): CaseRecord {
  return {
    side: summary.side,
    id: summary.id,
    case: summary.case ?? fallback,
    stamp: summary.stamp,
    updatedAt: summary.updatedAt,
    version: summary.version,
    carry: summary.carry,
    issues: [...summary.errors],
  };
}

/** Warnings listed one by one per side and run; past this they are counted, not kept. */
export const WARNING_LIST_CAP = 10_000;

function noteWarning(snapshot: Snapshot, issue: RecordIssue): void {
  if (issue.code !== "CS_NOT_CARRIED") {
    if (snapshot.warningList.length < WARNING_LIST_CAP) snapshot.warningList.push(issue);
    else snapshot.warningsLeftOut += 1;
  }
  const key = `${issue.code}|${issue.field ?? ""}`;
  const entry = snapshot.warnings.get(key);
  if (entry) entry.count += 1;
  else snapshot.warnings.set(key, { issue, count: 1 });
}

/** Unchanged since the link's base, stamped as the link says, without errors: held as the link. */
function isSettled(record: CaseRecord, link: Link, options: SnapshotOptions): boolean {
  const baseHash = options.side === "plannr" ? link.baseHashPlannr : link.baseHashOnlyoffice;
  if (baseHash === null || record.issues.some((i) => i.severity === "error")) return false;
  if (record.stamp !== (options.side === "onlyoffice" ? link.plannrId : null)) return false;
  return viewHash(options.scope, record.case) === baseHash;
}

/** What a snapshot holds of a record that is not settled: whole, or (a migration's copy) its id and times. */
function held(record: CaseRecord, link: Link | undefined, options: SnapshotOptions): RecordSummary {
  const summary = summarize(record, options.scope, true);
  const stream = options.streamCopies;
  if (stream === undefined || link !== undefined || record.stamp !== null || stream.keepWhole.has(record.id)) return summary;
  if (summary.errors.length > 0 || !stream.copyable(summary)) return summary;
  return { ...summary, hash: "", updatedAt: null, version: "", carry: null, thin: true, case: null };
}

export async function takeSnapshot(scan: AsyncIterable<ScanItem>, options: SnapshotOptions): Promise<Snapshot> {
  const snapshot: Snapshot = {
    side: options.side,
    complete: false,
    failure: null,
    records: new SnapshotRecords(options.side, options.links),
    invalid: new Map(),
    warnings: new Map(),
    warningList: [],
    warningsLeftOut: 0,
    pages: 0,
  };
  try {
    for await (const item of scan) {
      if (item.kind === "end") {
        snapshot.complete = item.complete && snapshot.failure === null;
        snapshot.pages = item.pages;
        break;
      }
      if (item.kind === "invalid") {
        snapshot.invalid.set(item.id, item.issue);
        continue;
      }
      if (item.kind === "unchanged") {
        // Only a caller that passed `known` gets these, and a snapshot needs every record decoded.
        throw new CaseSyncError("CS_INTERNAL", `${options.side} scan returned an undecoded record (${item.id}) to a full snapshot`);
      }
      const record = options.refine ? options.refine(item.record) : item.record;
      if (snapshot.records.has(record.id) || snapshot.invalid.has(record.id)) {
        // A record seen twice means the pages shifted under us: the scan cannot be trusted for deletes.
        snapshot.complete = false;
        snapshot.failure = new CaseSyncError("CS_UPSTREAM", `${options.side} case ${record.id} appeared twice in one scan`, { side: options.side, record: record.id });
        continue;
      }
      for (const issue of record.issues) if (issue.severity === "warning") noteWarning(snapshot, issue);
      const link = options.links.of(options.side, record.id);
      if (link !== undefined && options.keepCarries !== true && isSettled(record, link, options)) snapshot.records.settle(record.id);
      else snapshot.records.set(record.id, held(record, link, options));
      const seen = snapshot.records.size + snapshot.invalid.size;
      if (seen % 250 === 0) options.progress?.({ phase: "scan", side: options.side, done: seen });
    }
  } catch (error) {
    snapshot.complete = false;
    snapshot.failure = toCaseSyncError(error, { side: options.side });
  }
  options.progress?.({ phase: "scan", side: options.side, done: snapshot.records.size + snapshot.invalid.size });
  return snapshot;
}

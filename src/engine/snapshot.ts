// Reads one side's whole case book into a Snapshot (SPEC §4.1, invariant 7): per record a view
// hash, its stamp and the adapter's carry; the full canonical case only where it may be needed
// (unlinked, or changed since the base), so a 100,000-case no-op sync stays small in memory.
// A scan that did not end cleanly is marked incomplete, and an incomplete scan never yields
// deletes.
import type { Case } from "../core/case.js";
import { CaseSyncError, toCaseSyncError, type Side } from "../core/errors.js";
import type { Progress } from "../core/ports.js";
import type { CaseRecord, RecordIssue, ScanItem } from "../core/records.js";
import type { Link } from "../core/state.js";
import { viewHash, type ViewScope } from "./view.js";

export interface RecordSummary {
  side: Side;
  id: string;
  hash: string;
  stamp: string | null;
  updatedAt: string | null;
  createdAt: string | null;
  version: string;
  /** The adapter's carry (its ids are pooled by the adapter, so it is mostly pointers). */
  carry: unknown;
  /** Groups with an error issue on this record: frozen for this run. */
  frozen: readonly string[];
  /** The canonical case, kept only when the engine may need it (see `baseHashOf`). */
  case: Case | null;
  /** Error issues of this record (warnings are aggregated in the snapshot instead). */
  errors: readonly RecordIssue[];
}

export interface Snapshot {
  side: Side;
  complete: boolean;
  /** Why the scan stopped early, if it did. */
  failure: CaseSyncError | null;
  records: Map<string, RecordSummary>;
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
  /** The record's link, if it has one: its base hash says whether the record is unchanged. */
  linkOf: (id: string) => Link | undefined;
  /** Side-specific canonical fix-ups (e.g. resolving an ONLYOFFICE status name against the catalog). */
  refine?: (record: CaseRecord) => CaseRecord;
  progress?: Progress;
}

const NONE: readonly never[] = Object.freeze([]);

export function summarize(record: CaseRecord, scope: ViewScope, keepCase: boolean): RecordSummary {
  const errors = record.issues.filter((i) => i.severity === "error");
  if (errors.length === 0) {
    return { side: record.side, id: record.id, hash: viewHash(scope, record.case), stamp: record.stamp, updatedAt: record.updatedAt, createdAt: record.case.createdAt, version: record.version, carry: record.carry, frozen: NONE, case: keepCase ? record.case : null, errors: NONE };
  }
  return {
    side: record.side,
    id: record.id,
    hash: viewHash(scope, record.case),
    stamp: record.stamp,
    updatedAt: record.updatedAt,
    createdAt: record.case.createdAt,
    version: record.version,
    carry: record.carry,
    frozen: [...new Set(errors.map((i) => i.field).filter((f): f is string => f !== null))],
    case: keepCase ? record.case : null,
    errors,
  };
}

/**
 * A record unchanged since its base, kept small: a 100,000-case no-op sync holds mostly these.
 * Its case is the base, its hash the link's own string; its times matter only to changed or
 * unlinked records; its carry stays in case the partner changed and this side needs a write.
 */
function settled(summary: RecordSummary, link: Link, baseHash: string): RecordSummary {
  // The link already holds these strings: share them rather than keep equal copies.
  const id = summary.side === "plannr" ? link.plannrId : link.onlyofficeId;
  return {
    side: summary.side,
    id,
    hash: baseHash,
    stamp: summary.stamp === link.plannrId ? link.plannrId : summary.stamp,
    updatedAt: null,
    createdAt: null,
    // Only an ONLYOFFICE record is ever re-read and compared by version (before a PUT).
    version: summary.side === "onlyoffice" ? summary.version : "",
    carry: summary.carry,
    frozen: NONE,
    case: null,
    errors: NONE,
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

export async function takeSnapshot(scan: AsyncIterable<ScanItem>, options: SnapshotOptions): Promise<Snapshot> {
  const snapshot: Snapshot = {
    side: options.side,
    complete: false,
    failure: null,
    records: new Map(),
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
      const summary = summarize(record, options.scope, true);
      const link = options.linkOf(record.id);
      const baseHash = link === undefined ? null : options.side === "plannr" ? link.baseHashPlannr : link.baseHashOnlyoffice;
      if (link !== undefined && baseHash !== null && baseHash === summary.hash && summary.errors.length === 0) {
        const small = settled(summary, link, baseHash);
        snapshot.records.set(small.id, small);
      } else snapshot.records.set(record.id, summary);
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

// A migration's copies, made as its source is read a second time (`Plan.streamed`, SPEC §8): the
// first read checked every record and kept only its id, so the copies' cases and request bodies
// exist a page at a time, never for the whole book. The source is read at its largest page size
// (Plannr: ⌈N/500⌉ more requests; ONLYOFFICE has no rate limit), and each record is copied as it
// is read now. A record the second read does not list is not copied this run, and says so.
import { toCaseSyncError, type Side } from "../core/errors.js";
import type { CaseRecord, RecordIssue, ScanItem } from "../core/records.js";
import type { IdSet } from "./compact-ids.js";
import { summarize, type RecordSummary } from "./snapshot.js";
import type { ViewScope } from "./view.js";
import type { CreateWork } from "./work.js";

export interface CopyAsRead {
  /** Source ids to copy, each at most once: taken out as they are read (what is left was not listed). */
  ids: IdSet;
  side: Side;
  scan: AsyncIterable<ScanItem>;
  refine: (record: CaseRecord) => CaseRecord;
  scope: ViewScope;
  build: (record: RecordSummary) => CreateWork | RecordIssue;
  copy: (work: CreateWork) => Promise<void>;
  /** Copies in hand at once; the next page is read only as they finish. */
  concurrency: number;
  stopped: () => boolean;
  report: (issue: RecordIssue) => void;
}

export async function copyAsRead(input: CopyAsRead): Promise<void> {
  const waiting = input.ids;
  const inHand = new Set<Promise<void>>();
  let failure: unknown = null;
  let why: string | null = null;
  try {
    for await (const item of input.scan) {
      if (input.stopped() || failure !== null) break;
      if (item.kind === "end") {
        if (!item.complete) why = `the second read of ${input.side} did not complete`;
        break;
      }
      if (item.kind !== "record" || !waiting.delete(item.record.id)) continue;
      const work = input.build(summarize(input.refine(item.record), input.scope, true));
      if ("severity" in work) {
        input.report(work);
        continue;
      }
      const task: Promise<void> = input
        .copy(work)
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => inHand.delete(task));
      inHand.add(task);
      if (inHand.size >= Math.max(1, input.concurrency)) await Promise.race(inHand);
    }
  } catch (error) {
    why = `the second read of ${input.side} failed (${toCaseSyncError(error).message})`;
  }
  await Promise.all(inHand);
  if (failure !== null) throw toCaseSyncError(failure);
  if (input.stopped()) return;
  if (waiting.size === 0) return;
  if (why !== null) {
    const ids = [...waiting].slice(0, 20).join(", ");
    input.report({ severity: "error", side: input.side, record: null, field: null, code: "CS_INCOMPLETE", message: `${waiting.size} case(s) not copied this run: ${why}; the next run copies them (${ids}${waiting.size > 20 ? ", …" : ""})` });
    return;
  }
  for (const id of waiting) {
    input.report({ severity: "warning", side: input.side, record: id, field: null, code: "CS_NOT_FOUND", message: "not copied: no longer listed when the copies were made; the next run copies it if it is back" });
  }
}

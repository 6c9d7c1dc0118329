// The service's ONLYOFFICE scan tick (SPEC §9): ONLYOFFICE has no webhooks but no rate limit, so
// its case list is read every few seconds and only the pairs that moved are synced. A record
// listed with the raw hash it had at the last tick is not even decoded (the adapter answers
// `unchanged`); every other record is decoded once and compared with its link's base, as a full
// sync's snapshot would, so a record that changed back, or that a run just put in step, costs no
// Plannr request. Deletes on ONLYOFFICE are left to the reconcile: a list cannot confirm them.
import type { CrmAdapter } from "../core/ports.js";
import type { Link } from "../core/state.js";
import { viewHash } from "./view.js";
import type { ViewScope } from "./view.js";
import type { CaseRecord } from "../core/records.js";

export interface OnlyofficeChanges {
  /** ONLYOFFICE ids whose pair moved since its base, or that no link knows yet. */
  changed: string[];
  /** False when a page could not be read: the next tick looks again. */
  complete: boolean;
  listed: number;
  /** Listed with the raw hash of the last tick: not decoded. */
  unchanged: number;
}

export async function findOnlyofficeChanges(input: {
  onlyoffice: CrmAdapter;
  scope: ViewScope;
  refine: (record: CaseRecord) => CaseRecord;
  /** id → raw hash as of the last tick; updated in place. */
  known: Map<string, string>;
  /** The links (bases not needed): read only when some record was not skipped. */
  links: () => Promise<readonly Link[]>;
  /** Stops the listing (a service shutting down): the answer is then incomplete and hands out nothing. */
  signal?: AbortSignal | undefined;
}): Promise<OnlyofficeChanges> {
  const candidates: { id: string; hash: string | null; rawHash: string | null }[] = [];
  const seen = new Set<string>();
  let listed = 0;
  let unchanged = 0;
  let complete = false;
  const stopped = (): OnlyofficeChanges => ({ changed: [], complete: false, listed, unchanged });
  try {
    for await (const item of input.onlyoffice.listCases({ known: input.known })) {
      if (input.signal?.aborted === true) return stopped();
      if (item.kind === "end") {
        complete = item.complete;
        break;
      }
      listed += 1;
      if (item.kind === "unchanged") {
        unchanged += 1;
        seen.add(item.id);
        continue;
      }
      if (item.kind === "invalid") {
        seen.add(item.id);
        continue; // cannot be compared; the reconcile reports it
      }
      const record = input.refine(item.record);
      seen.add(record.id);
      const errors = record.issues.some((i) => i.severity === "error");
      candidates.push({ id: record.id, hash: errors ? null : viewHash(input.scope, record.case), rawHash: item.rawHash ?? null });
    }
  } catch (error) {
    // A read cut by the stop: nothing half-read is handed out, and `known` is left as it was.
    if (input.signal?.aborted === true) return stopped();
    throw error;
  }
  if (complete) for (const id of input.known.keys()) if (!seen.has(id)) input.known.delete(id);
  if (candidates.length === 0) return { changed: [], complete, listed, unchanged };
  const byOnlyoffice = new Map((await input.links()).map((l) => [l.onlyofficeId, l]));
  const changed: string[] = [];
  for (const c of candidates) {
    const link = byOnlyoffice.get(c.id);
    const same = link !== undefined && c.hash !== null && link.baseHashOnlyoffice !== null && link.baseHashOnlyoffice === c.hash;
    if (!same) changed.push(c.id);
    // Remembered either way: a changed record is handed out once per change, so a pair waiting for
    // a person (a queued conflict) costs no Plannr request per tick. A caller whose sync of it
    // failed forgets it (`known.delete`) to have it handed out again.
    if (c.rawHash !== null) input.known.set(c.id, c.rawHash);
  }
  return { changed, complete, listed, unchanged };
}

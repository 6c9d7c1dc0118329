// A targeted sync (SPEC §9): the service's webhook deliveries and ONLYOFFICE scan ticks name a few
// cases; the run reads just those pairs by id and hands them to the same pairing, diff, plan,
// breakers and apply as a full sync. What differs is only what the run may conclude from a partial
// view of the systems, and that is decided here:
// - the scope is closed over links: a named case brings its partner, an ONLYOFFICE case stamped
//   with an unlinked Plannr uuid brings that case, so every pair is whole;
// - within the scope the view is complete: a case read by id and answered 404 is gone (the
//   "confirmed by a 404" of a `case.deleted`), so the delete policy applies to it;
// - a copy is only made where a full sync would make the same one: with a create journal entry
//   still open anywhere (a lost answer's copy could be the very case named) or with matchExisting
//   (its match candidates are the unlinked cases of the whole other side), unlinked cases wait for
//   the next full sync (the service's reconcile).
import { CaseSyncError, toCaseSyncError, type Side } from "../core/errors.js";
import type { CrmAdapter } from "../core/ports.js";
import type { CaseRecord, ScanItem } from "../core/records.js";
import type { JournalEntry, Link, StateStore } from "../core/state.js";
import { isDeletedMark } from "./links.js";

export interface Targets {
  plannr: readonly string[];
  onlyoffice: readonly string[];
}

export interface TargetedView {
  /** The links of the pairs in scope (bases included). */
  links: Link[];
  /** Scan items per side: every case in scope that exists, or that exists but could not be read. */
  items: Record<Side, ScanItem[]>;
  /** Cases left out of this run because an open create may concern them (the reconcile settles them). */
  deferred: { side: Side; id: string; why: string }[];
}

/** How many cases of one side are read at once (Plannr's limiter paces its own requests). */
const READ_CONCURRENCY = 8;

export async function readTargets(input: {
  targets: Targets;
  store: StateStore;
  adapters: Record<Side, CrmAdapter>;
  journal: readonly JournalEntry[];
  signal?: AbortSignal;
}): Promise<TargetedView> {
  const { store, adapters } = input;
  const links = new Map<string, Link>();
  const ids: Record<Side, Set<string>> = { plannr: new Set(), onlyoffice: new Set() };
  const addLink = (link: Link | null) => {
    if (link === null) return;
    links.set(link.plannrId, link);
    ids.plannr.add(link.plannrId);
    ids.onlyoffice.add(link.onlyofficeId);
  };
  for (const id of unique(input.targets.plannr)) {
    ids.plannr.add(id);
    addLink(await store.getLinkByPlannr(id));
  }
  for (const id of unique(input.targets.onlyoffice)) {
    ids.onlyoffice.add(id);
    addLink(await store.getLinkByOnlyoffice(id));
  }
  const readOnlyoffice = new Set(ids.onlyoffice);
  const onlyofficeItems = await readAll(adapters.onlyoffice, [...readOnlyoffice], input.signal);
  // An unlinked ONLYOFFICE case stamped with a Plannr uuid is half of a pair (a rebuilt link, or a
  // copy whose link was lost): its Plannr case joins the scope, as it would in a full scan.
  for (const item of onlyofficeItems) {
    if (item.kind !== "record") continue;
    const stamp = item.record.stamp;
    if (stamp === null || isDeletedMark(stamp) || ids.plannr.has(stamp)) continue;
    ids.plannr.add(stamp);
    addLink(await store.getLinkByPlannr(stamp));
  }
  // A stamped Plannr case already linked to another ONLYOFFICE case brings that one too.
  const extra = await readAll(adapters.onlyoffice, [...ids.onlyoffice].filter((id) => !readOnlyoffice.has(id)), input.signal);
  const plannrItems = await readAll(adapters.plannr, [...ids.plannr], input.signal);

  const deferred: TargetedView["deferred"] = [];
  const open = input.journal.filter((e) => e.status === "pending");
  const items: Record<Side, ScanItem[]> = { plannr: plannrItems, onlyoffice: dedupe([...onlyofficeItems, ...extra]) };
  if (open.length > 0) {
    const sources = new Set(open.map((e) => `${e.side === "onlyoffice" ? "plannr" : "onlyoffice"}:${e.sourceId}`));
    for (const side of ["plannr", "onlyoffice"] as const) {
      const linked = new Set(side === "plannr" ? links.keys() : [...links.values()].map((l) => l.onlyofficeId));
      items[side] = items[side].filter((item) => {
        const id = itemId(item);
        if (linked.has(id)) return true;
        const why = sources.has(`${side}:${id}`)
          ? "its copy to the other side was started and not confirmed"
          : `${open.length} copy(ies) are not confirmed yet, and this case could be one of them`;
        deferred.push({ side, id, why });
        return false;
      });
    }
  }
  return { links: [...links.values()], items, deferred };
}

/** Every case of `ids` as a scan item: a record, an unreadable (but present) case, or nothing (404). */
async function readAll(adapter: CrmAdapter, ids: readonly string[], signal?: AbortSignal): Promise<ScanItem[]> {
  const out: ScanItem[] = [];
  for (let i = 0; i < ids.length; i += READ_CONCURRENCY) {
    if (signal?.aborted) throw toCaseSyncError(signal.reason);
    const batch = ids.slice(i, i + READ_CONCURRENCY);
    const read = await Promise.all(batch.map((id) => readOne(adapter, id)));
    for (const item of read) if (item !== null) out.push(item);
  }
  return out;
}

async function readOne(adapter: CrmAdapter, id: string): Promise<ScanItem | null> {
  try {
    const record: CaseRecord | null = await adapter.getCase(id);
    return record === null ? null : { kind: "record", record };
  } catch (error) {
    const e = toCaseSyncError(error);
    // A side that refuses us outright (credentials, rights, breaker) ends the run, as a scan would.
    if (e.code === "CS_AUTH" || e.code === "CS_FORBIDDEN" || e.code === "CS_CIRCUIT" || e.code === "CS_INTERRUPTED" || e.code === "CS_TIMEOUT") throw e;
    // Anything else: the case is there (or may be), but this run cannot know its state; it counts
    // as present, so nothing is inferred from it, and the error is the run's (exit 3).
    return {
      kind: "invalid",
      side: adapter.side,
      id,
      issue: { severity: "error", side: adapter.side, record: id, field: null, code: e.code, message: `could not be read: ${e.message}` },
    };
  }
}

function itemId(item: ScanItem): string {
  if (item.kind === "record") return item.record.id;
  if (item.kind === "invalid" || item.kind === "unchanged") return item.id;
  throw new CaseSyncError("CS_INTERNAL", "a targeted read produced an end item");
}

function dedupe(items: ScanItem[]): ScanItem[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const id = itemId(item);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => id.trim()).filter((id) => id !== ""))];
}

/** The items as the scan a snapshot reads: complete, since every case in scope was asked for by id. */
// eslint-disable-next-line @typescript-eslint/require-await -- a snapshot reads every scan as an async iterable; these items are already read
export async function* asScan(items: readonly ScanItem[]): AsyncGenerator<ScanItem> {
  yield* items;
  yield { kind: "end", complete: true, pages: 0 };
}

// The small hand operations around the engine: status, conflicts, linking by hand, history, and
// the link table as a deliverable (`case-sync links`).
// Each one that writes takes the run lock, so it never interleaves with a sync.
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { CaseSyncError } from "../core/errors.js";
import type { CrmAdapter, StateStore } from "../core/ports.js";
import { unlinkedMark } from "../engine/links.js";
import { META_REBUILT_AT } from "../engine/run.js";
import type { AuditEntry, Conflict, JournalEntry, Link, PairIdentity, Run, Skip, Tombstone } from "../core/state.js";

export interface Status {
  identity: PairIdentity | null;
  links: number;
  runs: Run[];
  conflicts: Conflict[];
  tombstones: Tombstone[];
  /** Creates whose outcome is not known yet (reconciled by the next run). */
  pendingCreates: JournalEntry[];
  /**
   * When the links were rebuilt from the stamps after a lost state, while the cases that existed
   * then are still withheld from copying (`sync --allow-create-after-rebuild` lifts it); else null.
   */
  rebuiltAt: string | null;
  /** Cases taken out of the sync by hand (`case-sync skip`). */
  skips: Skip[];
  store: string;
}

/** One row of the link table export (`case-sync links`, `CaseSync.links()`). */
export interface LinkRow {
  plannrId: string;
  onlyofficeId: string;
  /** The last agreed title (the pair's base); empty before the pair's first sync. */
  title: string;
  linkedAt: string;
  /** How the pair was linked (create, stamp, journal, match, hand); null for links older than the record of it. */
  how: Link["how"];
}

/** Every link, oldest first (then by Plannr uuid): the consultant's record of what was paired. */
export async function listLinkRows(store: StateStore): Promise<LinkRow[]> {
  const links = await store.listLinks();
  const rows = links.map((l): LinkRow => ({ plannrId: l.plannrId, onlyofficeId: l.onlyofficeId, title: l.base?.title ?? "", linkedAt: l.linkedAt, how: l.how }));
  return rows.sort((a, b) => a.linkedAt.localeCompare(b.linkedAt) || a.plannrId.localeCompare(b.plannrId));
}

export async function withLock<T>(store: StateStore, what: string, action: () => Promise<T>): Promise<T> {
  const owner = `${what}-${randomUUID()}`;
  const lock = await store.acquireLock({ owner, host: hostname(), pid: process.pid, expiresAt: new Date(Date.now() + 60_000).toISOString() });
  if (!lock.acquired) throw new CaseSyncError("CS_LOCKED", `another run holds the lock (${lock.holder.host} pid ${lock.holder.pid}); try again when it ends`);
  try {
    return await action();
  } finally {
    await store.releaseLock(owner);
  }
}

export async function readStatus(store: StateStore): Promise<Status> {
  const [identity, links, runs, conflicts, tombstones, pendingCreates, rebuiltAt, skips] = await Promise.all([
    store.getIdentity(),
    store.countLinks(),
    store.listRuns(10),
    store.listConflicts({ status: "pending" }),
    store.listTombstones(),
    store.listPendingJournal(),
    store.getMeta(META_REBUILT_AT),
    store.listSkips(),
  ]);
  return { identity, links, runs, conflicts, tombstones, pendingCreates, rebuiltAt: rebuiltAt || null, skips, store: store.describe() };
}

export async function resolveConflict(store: StateStore, id: string, take: "plannr" | "onlyoffice" | "base"): Promise<Conflict> {
  const conflict = await store.getConflict(id);
  if (!conflict) throw new CaseSyncError("CS_USAGE", `no conflict with id ${id} (case-sync conflicts list shows them)`);
  if (conflict.status !== "pending") throw new CaseSyncError("CS_USAGE", `conflict ${id} is already resolved`);
  if (conflict.group === "copy" && take !== "base") {
    throw new CaseSyncError("CS_USAGE", `conflict ${id} is about an interrupted copy: link the right case with case-sync link, or use --take base if none of the candidates is the copy`);
  }
  await withLock(store, "resolve", () => store.decideConflict(id, take));
  return { ...conflict, resolution: take };
}

/** Links two existing cases by hand and stamps the ONLYOFFICE one; the next sync compares them (first contact). */
export async function linkByHand(store: StateStore, plannr: CrmAdapter, onlyoffice: CrmAdapter, plannrId: string, onlyofficeId: string): Promise<Link> {
  return withLock(store, "link", async () => {
    const [byP, byO] = await Promise.all([store.getLinkByPlannr(plannrId), store.getLinkByOnlyoffice(onlyofficeId)]);
    if (byP) throw new CaseSyncError("CS_USAGE", `Plannr case ${plannrId} is already linked to ONLYOFFICE case ${byP.onlyofficeId} (case-sync unlink ${plannrId} first)`);
    if (byO) throw new CaseSyncError("CS_USAGE", `ONLYOFFICE case ${onlyofficeId} is already linked to Plannr case ${byO.plannrId}`);
    const [p, o] = await Promise.all([plannr.getCase(plannrId), onlyoffice.getCase(onlyofficeId)]);
    // A mistyped id is a usage error (exit 2), not an aborted run (exit 4).
    if (!p) throw new CaseSyncError("CS_USAGE", `Plannr case ${plannrId} does not exist (check the uuid)`, { side: "plannr", record: plannrId });
    if (!o) throw new CaseSyncError("CS_USAGE", `ONLYOFFICE case ${onlyofficeId} does not exist or is not visible to the integration user (check the id)`, { side: "onlyoffice", record: onlyofficeId });
    const now = new Date().toISOString();
    const link: Link = { plannrId, onlyofficeId, base: null, baseGroups: null, baseHashPlannr: null, baseHashOnlyoffice: null, linkedAt: now, updatedAt: now, how: "hand" };
    const audit: AuditEntry = { runId: "link", side: "onlyoffice", record: onlyofficeId, partner: plannrId, operation: "link.hand", group: "link", before: o.stamp, after: plannrId, at: now };
    await store.commit({ upsertLink: link, audit: [audit] });
    await Promise.all([store.removeTombstone("plannr", plannrId), store.removeTombstone("onlyoffice", onlyofficeId)]);
    if (o.stamp !== plannrId) await onlyoffice.setStamp(onlyofficeId, plannrId);
    return link;
  });
}

/**
 * Unlinks a pair: the link goes, the ONLYOFFICE stamp is cleared (else the next sync would relink
 * by it) and both cases are remembered, so neither gets a new partner automatically.
 */
export async function unlinkByHand(store: StateStore, onlyoffice: CrmAdapter, plannrId: string): Promise<Link> {
  return withLock(store, "unlink", async () => {
    const link = await store.getLinkByPlannr(plannrId);
    if (!link) throw new CaseSyncError("CS_USAGE", `Plannr case ${plannrId} is not linked`);
    const now = new Date().toISOString();
    const reason = "unlinked by hand; not copied again automatically";
    await store.commit({
      deleteLink: plannrId,
      addTombstone: { side: "onlyoffice", id: link.onlyofficeId, partnerId: plannrId, reason, at: now },
      audit: [{ runId: "unlink", side: "plannr", record: plannrId, partner: link.onlyofficeId, operation: "link.unlink", group: "link", before: link.onlyofficeId, after: null, at: now }],
    });
    await store.commit({ addTombstone: { side: "plannr", id: plannrId, partnerId: link.onlyofficeId, reason, at: now } });
    // The mark, not an empty stamp: a state rebuilt after a loss must not copy this case again.
    await onlyoffice.setStamp(link.onlyofficeId, unlinkedMark(plannrId));
    return link;
  });
}

/** Plannr ids are uuids, ONLYOFFICE ids whole numbers: the id says its side. */
export function sideOfId(id: string): "plannr" | "onlyoffice" {
  return /^\d+$/.test(id.trim()) ? "onlyoffice" : "plannr";
}

/**
 * Takes one case (and, through its link, its partner) out of the sync: a case that can never be
 * copied or written no longer makes every run exit 3; runs mention it once a day.
 */
export async function skipCase(store: StateStore, id: string, reason: string): Promise<Skip> {
  if (id.trim() === "") throw new CaseSyncError("CS_USAGE", "skip needs a Plannr uuid or an ONLYOFFICE case id");
  const skip: Skip = { side: sideOfId(id), id: id.trim(), reason: reason.trim(), at: new Date().toISOString(), reportedAt: null };
  await withLock(store, "skip", () => store.putSkip(skip));
  return skip;
}

export async function unskipCase(store: StateStore, id: string): Promise<void> {
  const side = sideOfId(id);
  const known = (await store.listSkips()).some((s) => s.side === side && s.id === id.trim());
  if (!known) throw new CaseSyncError("CS_USAGE", `${id} is not skipped (case-sync status lists the skipped cases)`);
  await withLock(store, "unskip", () => store.removeSkip(side, id.trim()));
}

export async function readHistory(store: StateStore, id: string): Promise<AuditEntry[]> {
  const [byP, byO] = await Promise.all([store.getLinkByPlannr(id), store.getLinkByOnlyoffice(id)]);
  const ids = new Set([id]);
  if (byP) ids.add(byP.onlyofficeId);
  if (byO) ids.add(byO.plannrId);
  const entries = await store.listAudit([...ids]);
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

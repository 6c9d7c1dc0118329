// Pairing (invariant 6): which Plannr case is which ONLYOFFICE case. The link table comes first;
// then the stamps on the records (so a lost state file is rebuilt from them); then the create
// journal (a create whose answer was lost is adopted, never repeated); then, when the mapping asks,
// matching by normalized title and participants. Anything ambiguous is reported and left for
// `case-sync link`; nothing is silently relinked. Pure.
import type { Case } from "../core/case.js";
import type { Side } from "../core/errors.js";
import type { RecordIssue } from "../core/records.js";
import type { JournalEntry, Link, Tombstone } from "../core/state.js";
import type { RecordSummary, Snapshot } from "./snapshot.js";
import { viewValue, type ViewScope } from "./view.js";

export type LinkReason = "stamp" | "journal" | "match";

export interface NewLink {
  plannrId: string;
  onlyofficeId: string;
  reason: LinkReason;
  journalId?: string;
  /** A copy this tool made: the source's values win wherever the copy differs (SPEC §2). */
  source?: Side;
}

export interface JournalSettlement {
  id: string;
  status: "done" | "failed";
  createdId: string | null;
}

/** A linked pair: by a stored link, or by a link this pairing found. */
export interface Pair {
  link: Link | null;
  plannrId: string;
  onlyofficeId: string;
  newLink: NewLink | null;
}

/**
 * The pairs of a run: every stored link, then the new ones. Each pair is made as it is walked, so
 * a 100,000-link sync holds no pair object per link (SPEC §8); `filter` leaves pairs out.
 */
export class PairList implements Iterable<Pair> {
  constructor(
    private readonly links: Iterable<Link>,
    private readonly added: readonly NewLink[],
    private readonly keep: (pair: Pair) => boolean = () => true,
  ) {}

  *[Symbol.iterator](): Iterator<Pair> {
    for (const link of this.links) {
      const pair: Pair = { link, plannrId: link.plannrId, onlyofficeId: link.onlyofficeId, newLink: null };
      if (this.keep(pair)) yield pair;
    }
    for (const newLink of this.added) {
      const pair: Pair = { link: null, plannrId: newLink.plannrId, onlyofficeId: newLink.onlyofficeId, newLink };
      if (this.keep(pair)) yield pair;
    }
  }

  filter(keep: (pair: Pair) => boolean): PairList {
    return new PairList(this.links, this.added, (pair) => this.keep(pair) && keep(pair));
  }
}

export interface Pairing {
  /** Existing links plus the new ones (read as the plan walks them: `links` may get their bases loaded first). */
  pairs: PairList;
  newLinks: NewLink[];
  unlinkedPlannr: RecordSummary[];
  unlinkedOnlyoffice: RecordSummary[];
  /** ONLYOFFICE records that need the link stamp written (linked, but stamp missing). */
  stampRepairs: { onlyofficeId: string; plannrId: string }[];
  settlements: JournalSettlement[];
  /** Interrupted creates that may have made one of several cases: a person decides. */
  uncertain: { entry: JournalEntry; candidates: string[] }[];
  /** Record ids (either side) that must not get a new partner this run. */
  blocked: Set<string>;
  issues: RecordIssue[];
}

/** The stamp an ONLYOFFICE case carries once its linked Plannr case was deleted (policy ignore). */
export const DELETED_MARK = "deleted:";
/** The stamp an ONLYOFFICE case carries once a person unlinked it (`case-sync unlink`). */
export const UNLINKED_MARK = "unlinked:";

export function deletedMark(plannrId: string): string {
  return `${DELETED_MARK}${plannrId}`;
}

export function unlinkedMark(plannrId: string): string {
  return `${UNLINKED_MARK}${plannrId}`;
}

/**
 * A stamp that says "this case had a partner and must not get a new one by itself": its Plannr
 * partner was deleted, or a person unlinked the pair. The state's tombstone says the same; the mark
 * keeps saying it when the state is lost.
 */
export function isDeletedMark(stamp: string): boolean {
  return stamp.startsWith(DELETED_MARK) || stamp.startsWith(UNLINKED_MARK);
}

/** How long before a journal entry a created case may appear (server and local clocks differ). */
export const CLOCK_SKEW_MS = 10 * 60 * 1000;

export function fingerprintKey(title: string, participants: readonly string[]): string {
  return `${title.trim().toLowerCase()}\u0000${[...participants].sort().join(",")}`;
}

function caseFingerprint(scope: ViewScope, c: Case): string {
  return fingerprintKey(c.title, viewValue(scope, "participants", c) as string[]);
}

export interface PairingInput {
  scope: ViewScope;
  links: Iterable<Link>;
  plannr: Snapshot;
  onlyoffice: Snapshot;
  journal: readonly JournalEntry[];
  tombstones: readonly Tombstone[];
  matchExisting: boolean;
  /** Journal entries a person declared abandoned (none of the candidates is the copy). */
  abandoned: ReadonlySet<string>;
  /** `links` by either id, when the caller holds them so already (a 100,000-link sync builds that once). */
  index?: LinkLookup;
}

function warn(side: Side | null, record: string | null, code: RecordIssue["code"], message: string): RecordIssue {
  return { severity: "warning", side: side ?? "onlyoffice", record, field: "link", code, message };
}

/** The store's links by either id. */
export interface LinkLookup {
  byPlannr(id: string): Link | undefined;
  byOnlyoffice(id: string): Link | undefined;
}

function lookup(links: Iterable<Link>): LinkLookup {
  const byPlannr = new Map<string, Link>();
  const byOnlyoffice = new Map<string, Link>();
  for (const l of links) {
    byPlannr.set(l.plannrId, l);
    byOnlyoffice.set(l.onlyofficeId, l);
  }
  return { byPlannr: (id) => byPlannr.get(id), byOnlyoffice: (id) => byOnlyoffice.get(id) };
}

/** Whether a record is linked (by the store or by this pairing). */
interface Linked {
  has(id: string): boolean;
}

export function pairRecords(input: PairingInput): Pairing {
  const { plannr, onlyoffice } = input;
  const stored = input.index ?? lookup(input.links);
  const issues: RecordIssue[] = [];
  const newLinks: NewLink[] = [];
  const blocked = new Set<string>();
  const settlements: JournalSettlement[] = [];
  const uncertain: Pairing["uncertain"] = [];
  // Linked: by the store, or by this pairing (kept apart, so the store's links are not copied).
  const addedP = new Set<string>();
  const addedO = new Set<string>();
  const linkedP: Linked = { has: (id) => stored.byPlannr(id) !== undefined || addedP.has(id) };
  const linkedO: Linked = { has: (id) => stored.byOnlyoffice(id) !== undefined || addedO.has(id) };
  const addLink = (link: NewLink) => {
    newLinks.push(link);
    addedP.add(link.plannrId);
    addedO.add(link.onlyofficeId);
  };

  // 1. Stamps on ONLYOFFICE records (the durable half of every link). A stamp that only repeats
  // its record's own link says nothing new; the uuids any other stamp names are looked at with
  // every record that carries them.
  const telling = new Set<string>();
  // A record held thin is settled: its stamp is its link's (see snapshot.ts).
  for (const record of onlyoffice.records.held()) {
    if (record.stamp === null) continue;
    if (isDeletedMark(record.stamp)) {
      // Its Plannr partner was deleted (delete policy ignore): never linked or copied again, even
      // by a state rebuilt from the stamps (invariant 6; `case-sync link` still can).
      if (!linkedO.has(record.id)) blocked.add(record.id);
      continue;
    }
    if (stored.byOnlyoffice(record.id)?.plannrId !== record.stamp) telling.add(record.stamp);
  }
  const stamped = new Map<string, string[]>();
  if (telling.size > 0) {
    for (const record of onlyoffice.records.held()) {
      if (record.stamp === null || !telling.has(record.stamp)) continue;
      const list = stamped.get(record.stamp) ?? [];
      list.push(record.id);
      stamped.set(record.stamp, list);
    }
  }
  for (const [plannrId, ids] of stamped) {
    const unlinked = ids.filter((id) => !linkedO.has(id));
    for (const id of ids) {
      const link = stored.byOnlyoffice(id);
      if (link && link.plannrId !== plannrId) {
        issues.push(warn("onlyoffice", id, "CS_STATE", `ONLYOFFICE case ${id} carries Plannr uuid ${plannrId} but is linked to ${link.plannrId}; left as it is (use case-sync link to change it)`));
      }
    }
    if (unlinked.length === 0) continue;
    if (ids.length > 1) {
      for (const id of unlinked) blocked.add(id);
      issues.push(warn("onlyoffice", unlinked[0] ?? null, "CS_AMBIGUOUS", `ONLYOFFICE cases ${ids.join(", ")} all carry Plannr uuid ${plannrId}; none is linked automatically (use case-sync link)`));
      continue;
    }
    const onlyofficeId = unlinked[0] ?? "";
    if (linkedP.has(plannrId)) {
      blocked.add(onlyofficeId);
      issues.push(warn("onlyoffice", onlyofficeId, "CS_STATE", `ONLYOFFICE case ${onlyofficeId} carries Plannr uuid ${plannrId}, which is already linked to another case; not linked`));
    } else if (plannr.records.has(plannrId)) {
      addLink({ plannrId, onlyofficeId, reason: "stamp" });
    } else if (plannr.complete && !plannr.invalid.has(plannrId)) {
      blocked.add(onlyofficeId);
      issues.push(warn("onlyoffice", onlyofficeId, "CS_STATE", `ONLYOFFICE case ${onlyofficeId} carries Plannr uuid ${plannrId}, which no longer exists in Plannr; it is not re-created (use case-sync link or clear the stamp)`));
    } else blocked.add(onlyofficeId);
  }

  // 2. The create journal: adopt what a lost answer or a crash left behind. A candidate must have
  // been created around the time of the entry (the request's own lifetime plus clock skew).
  for (const entry of input.journal) {
    const sourceSide: Side = entry.side === "onlyoffice" ? "plannr" : "onlyoffice";
    const partner = findLinkPartner(entry.sourceId, sourceSide, (id) => (sourceSide === "plannr" ? stored.byPlannr(id) : stored.byOnlyoffice(id)), newLinks);
    if (partner !== null) {
      // Adopted by its stamp this run: it is our copy, finished or not (e.g. created, never closed).
      const adopted = newLinks.find((l) => (sourceSide === "plannr" ? l.plannrId : l.onlyofficeId) === entry.sourceId);
      if (adopted) Object.assign(adopted, { journalId: entry.id, source: sourceSide });
      settlements.push({ id: entry.id, status: "done", createdId: partner });
      continue;
    }
    const destination = entry.side === "onlyoffice" ? onlyoffice : plannr;
    const linked = entry.side === "onlyoffice" ? linkedO : linkedP;
    const started = Date.parse(entry.startedAt);
    const inWindow = (r: RecordSummary) => r.createdAt === null || Math.abs(Date.parse(r.createdAt) - started) <= CLOCK_SKEW_MS;
    const nearby = [...destination.records.held()].filter((r) => !linked.has(r.id) && r.case !== null && inWindow(r));
    const wanted = fingerprintKey(entry.fingerprint.title, entry.fingerprint.participants);
    const exact = nearby.filter((r) => r.case !== null && caseFingerprint(input.scope, r.case) === wanted);
    // Edited since (renamed, or a participant changed): still a possible match, so never re-created.
    // Only for Plannr: an ONLYOFFICE create carries its stamp, so an unstamped look-alike is not it.
    const loose = entry.side === "plannr" ? nearby.filter((r) => r.case !== null && partialMatch(input.scope, r.case, entry)) : [];
    const exactUnstamped = entry.side === "onlyoffice" ? exact.filter((r) => r.stamp === null) : exact;
    const other = entry.side === "plannr" ? "ONLYOFFICE" : "Plannr";
    if (input.abandoned.has(entry.id)) {
      // A person said none of the candidates is the copy: make it again.
      settlements.push({ id: entry.id, status: "failed", createdId: null });
    } else if (exactUnstamped.length === 1) {
      const created = exactUnstamped[0]?.id ?? "";
      const link = entry.side === "onlyoffice" ? { plannrId: entry.sourceId, onlyofficeId: created } : { plannrId: created, onlyofficeId: entry.sourceId };
      addLink({ ...link, reason: "journal", journalId: entry.id, source: sourceSide });
      settlements.push({ id: entry.id, status: "done", createdId: created });
    } else if (exactUnstamped.length > 1 || loose.length > 0) {
      const candidates = exactUnstamped.length > 1 ? exactUnstamped : loose;
      // Neither the source nor any possible copy gets a partner until a person links them.
      blocked.add(entry.sourceId);
      for (const c of candidates) blocked.add(c.id);
      uncertain.push({ entry, candidates: candidates.map((c) => c.id) });
      issues.push(
        warn(entry.side, entry.sourceId, "CS_AMBIGUOUS", `an interrupted copy of ${other} case ${entry.sourceId} may be ${entry.side} case ${candidates.map((c) => c.id).join(" or ")}; not adopted and not copied again: link it by hand (case-sync link), or resolve the "copy" conflict with --take base if none of them is the copy`),
      );
    } else if (destination.complete) {
      settlements.push({ id: entry.id, status: "failed", createdId: null });
    } else blocked.add(entry.sourceId);
  }

  // 3. Match existing pairs by normalized title and participants (opt-in, first sync of two populated books).
  if (input.matchExisting) matchExisting(input, linkedP, linkedO, blocked, addLink, issues);

  // 4. Stamp repairs for linked pairs whose ONLYOFFICE record lacks the stamp.
  const pairs = new PairList(input.links, newLinks);
  const stampRepairs: Pairing["stampRepairs"] = [];
  for (const pair of pairs) {
    const record = onlyoffice.records.get(pair.onlyofficeId);
    if (record && record.stamp === null) stampRepairs.push({ onlyofficeId: pair.onlyofficeId, plannrId: pair.plannrId });
  }

  // A tombstone protects the surviving record (its partnerId, on the side other than its own).
  const tombstoned = new Set(input.tombstones.map((t) => `${t.side === "plannr" ? "onlyoffice" : "plannr"}:${t.partnerId}`));
  const keep = (r: RecordSummary) => !blocked.has(r.id) && !tombstoned.has(`${r.side}:${r.id}`);
  return {
    pairs,
    newLinks,
    unlinkedPlannr: [...plannr.records.held()].filter((r) => !linkedP.has(r.id) && keep(r)),
    unlinkedOnlyoffice: [...onlyoffice.records.held()].filter((r) => !linkedO.has(r.id) && keep(r)),
    stampRepairs,
    settlements,
    uncertain,
    blocked,
    issues,
  };
}

function partialMatch(scope: ViewScope, c: Case, entry: JournalEntry): boolean {
  const participants = [...(viewValue(scope, "participants", c) as string[])].sort().join(",");
  const sameTitle = c.title.trim().toLowerCase() === entry.fingerprint.title.trim().toLowerCase();
  const sameParticipants = participants === [...entry.fingerprint.participants].sort().join(",");
  return sameTitle || sameParticipants;
}

function findLinkPartner(sourceId: string, sourceSide: Side, existing: (id: string) => Link | undefined, added: readonly NewLink[]): string | null {
  const link = existing(sourceId);
  if (link) return sourceSide === "plannr" ? link.onlyofficeId : link.plannrId;
  const fresh = added.find((l) => (sourceSide === "plannr" ? l.plannrId : l.onlyofficeId) === sourceId);
  if (!fresh) return null;
  return sourceSide === "plannr" ? fresh.onlyofficeId : fresh.plannrId;
}

function matchExisting(
  input: PairingInput,
  linkedP: Linked,
  linkedO: Linked,
  blocked: Set<string>,
  addLink: (link: NewLink) => void,
  issues: RecordIssue[],
): void {
  const group = (snapshot: Snapshot, linked: Linked) => {
    const map = new Map<string, string[]>();
    for (const r of snapshot.records.held()) {
      if (linked.has(r.id) || blocked.has(r.id) || r.case === null) continue;
      const key = caseFingerprint(input.scope, r.case);
      map.set(key, [...(map.get(key) ?? []), r.id]);
    }
    return map;
  };
  const plannrGroups = group(input.plannr, linkedP);
  const onlyofficeGroups = group(input.onlyoffice, linkedO);
  for (const [key, plannrIds] of plannrGroups) {
    const onlyofficeIds = onlyofficeGroups.get(key);
    if (!onlyofficeIds) continue;
    if (plannrIds.length === 1 && onlyofficeIds.length === 1) {
      addLink({ plannrId: plannrIds[0] ?? "", onlyofficeId: onlyofficeIds[0] ?? "", reason: "match" });
      continue;
    }
    for (const id of [...plannrIds, ...onlyofficeIds]) blocked.add(id);
    issues.push(warn("plannr", plannrIds[0] ?? null, "CS_AMBIGUOUS", `matchExisting: Plannr cases ${plannrIds.join(", ")} and ONLYOFFICE cases ${onlyofficeIds.join(", ")} share title and participants; none linked automatically (use case-sync link)`));
  }
}

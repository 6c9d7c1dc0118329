// A StateStore in plain maps: the "bring your own store" an embedding platform might write, and a
// fast store for engine unit tests. Deep-copies on the way in and out, like a real store would.
import { CaseSyncError } from "../../src/core/errors.js";
import { mayTakeLock } from "../../src/state/lock-policy.js";
import type {
  AuditEntry,
  Conflict,
  InboxEntry,
  JournalEntry,
  Link,
  LockHolder,
  PairIdentity,
  Run,
  Skip,
  StateStore,
  Tombstone,
  WebhookSubscription,
  WriteCommit,
} from "../../src/core/state.js";

const copy = <T>(value: T): T => structuredClone(value);
/** Code-unit order, as SQLite's BINARY collation compares the ISO times. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class MemoryStateStore implements StateStore {
  identity: PairIdentity | null = null;
  links = new Map<string, Link>();
  journal = new Map<string, JournalEntry>();
  conflicts = new Map<string, Conflict>();
  tombstones = new Map<string, Tombstone>();
  runs: Run[] = [];
  audit: AuditEntry[] = [];
  meta = new Map<string, string>();
  lock: LockHolder | null = null;
  inbox = new Map<string, InboxEntry>();
  subscription: WebhookSubscription | null = null;
  commits = 0;

  init(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  describe(): string {
    return "memory";
  }
  getIdentity(): Promise<PairIdentity | null> {
    return Promise.resolve(copy(this.identity));
  }
  setIdentity(identity: PairIdentity): Promise<void> {
    this.identity = copy(identity);
    return Promise.resolve();
  }
  acquireLock(holder: LockHolder): Promise<{ acquired: true } | { acquired: false; holder: LockHolder }> {
    // The same rule as the real stores: free, expired, our own, or left by a dead process here.
    if (!mayTakeLock(this.lock, holder, new Date())) return Promise.resolve({ acquired: false, holder: copy(this.lock as LockHolder) });
    this.lock = copy(holder);
    return Promise.resolve({ acquired: true });
  }
  renewLock(owner: string, expiresAt: string): Promise<void> {
    if (this.lock?.owner !== owner) return Promise.reject(new CaseSyncError("CS_LOCKED", `the lock is not held by ${owner}`));
    this.lock.expiresAt = expiresAt;
    return Promise.resolve();
  }
  releaseLock(owner: string): Promise<void> {
    if (this.lock?.owner === owner) this.lock = null;
    return Promise.resolve();
  }
  listLinks(options: { bases?: boolean } = {}): Promise<Link[]> {
    const all = [...this.links.values()].sort((a, b) => a.plannrId.localeCompare(b.plannrId));
    return Promise.resolve(all.map((l) => (options.bases === false ? { ...copy(l), base: null } : copy(l))));
  }
  getLinks(plannrIds: readonly string[]): Promise<Link[]> {
    return Promise.resolve(plannrIds.flatMap((id) => (this.links.has(id) ? [copy(this.links.get(id) as Link)] : [])));
  }
  getLinkByPlannr(id: string): Promise<Link | null> {
    return Promise.resolve(copy(this.links.get(id) ?? null));
  }
  getLinkByOnlyoffice(id: string): Promise<Link | null> {
    return Promise.resolve(copy([...this.links.values()].find((l) => l.onlyofficeId === id) ?? null));
  }
  countLinks(): Promise<number> {
    return Promise.resolve(this.links.size);
  }
  addJournal(entry: JournalEntry): Promise<void> {
    if (this.journal.has(entry.id)) return Promise.reject(new CaseSyncError("CS_STATE", `journal entry ${entry.id} exists`));
    this.journal.set(entry.id, copy(entry));
    return Promise.resolve();
  }
  listPendingJournal(): Promise<JournalEntry[]> {
    const pending = [...this.journal.values()].filter((e) => e.status === "pending");
    return Promise.resolve(pending.sort((a, b) => a.startedAt.localeCompare(b.startedAt)).map(copy));
  }
  putConflict(conflict: Conflict): Promise<void> {
    this.conflicts.set(conflict.id, copy(conflict));
    return Promise.resolve();
  }
  listConflicts(filter: { status?: "pending" | "resolved"; plannrId?: string } = {}): Promise<Conflict[]> {
    const found = [...this.conflicts.values()].filter((c) => (!filter.status || c.status === filter.status) && (!filter.plannrId || c.plannrId === filter.plannrId));
    return Promise.resolve(found.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)).map(copy));
  }
  getConflict(id: string): Promise<Conflict | null> {
    return Promise.resolve(copy(this.conflicts.get(id) ?? null));
  }
  decideConflict(id: string, resolution: "plannr" | "onlyoffice" | "base"): Promise<void> {
    const conflict = this.conflicts.get(id);
    if (!conflict) return Promise.reject(new CaseSyncError("CS_USAGE", `no conflict ${id}`));
    if (conflict.status === "resolved") return Promise.reject(new CaseSyncError("CS_USAGE", `conflict ${id} is already resolved`));
    conflict.resolution = resolution;
    return Promise.resolve();
  }
  skips = new Map<string, Skip>();
  putSkip(skip: Skip): Promise<void> {
    this.skips.set(`${skip.side}:${skip.id}`, copy(skip));
    return Promise.resolve();
  }
  listSkips(): Promise<Skip[]> {
    return Promise.resolve([...this.skips.values()].map(copy));
  }
  removeSkip(side: "plannr" | "onlyoffice", id: string): Promise<void> {
    this.skips.delete(`${side}:${id}`);
    return Promise.resolve();
  }
  listTombstones(): Promise<Tombstone[]> {
    return Promise.resolve([...this.tombstones.values()].map(copy));
  }
  removeTombstone(side: "plannr" | "onlyoffice", id: string): Promise<void> {
    for (const [key, t] of this.tombstones) if (t.partnerId === id && t.side !== side) this.tombstones.delete(key);
    return Promise.resolve();
  }
  startRun(run: Run): Promise<void> {
    if (this.runs.some((r) => r.id === run.id)) return Promise.reject(new CaseSyncError("CS_STATE", `run ${run.id} exists`));
    this.runs.push(copy(run));
    return Promise.resolve();
  }
  finishRun(id: string, finishedAt: string, exitCode: number, summary: Record<string, unknown>): Promise<void> {
    const run = this.runs.find((r) => r.id === id);
    if (!run) return Promise.reject(new CaseSyncError("CS_STATE", `no run ${id}`));
    Object.assign(run, { finishedAt, exitCode, summary: copy(summary) });
    return Promise.resolve();
  }
  listRuns(limit: number): Promise<Run[]> {
    const newest = [...this.runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    return Promise.resolve(newest.slice(0, limit).map(copy));
  }
  listAuditByRun(runId: string): Promise<AuditEntry[]> {
    return Promise.resolve(this.audit.filter((a) => a.runId === runId).map(copy));
  }
  listAudit(recordIds: string[]): Promise<AuditEntry[]> {
    return Promise.resolve(this.audit.filter((a) => recordIds.includes(a.record) || (a.partner !== null && recordIds.includes(a.partner))).map(copy));
  }
  getMeta(key: string): Promise<string | null> {
    return Promise.resolve(this.meta.get(key) ?? null);
  }
  setMeta(key: string, value: string): Promise<void> {
    this.meta.set(key, value);
    return Promise.resolve();
  }
  commit(commit: WriteCommit): Promise<void> {
    this.commits += 1;
    // All or nothing, like a transaction: check first, then apply (a removal before an upsert, so a relink works).
    const links = new Map(this.links);
    if (commit.deleteLink) links.delete(commit.deleteLink);
    if (commit.upsertLink) {
      const next = commit.upsertLink;
      const clash = [...links.values()].find((l) => l.onlyofficeId === next.onlyofficeId && l.plannrId !== next.plannrId);
      if (clash) return Promise.reject(new CaseSyncError("CS_STATE", `ONLYOFFICE case ${clash.onlyofficeId} is already linked to ${clash.plannrId}; cannot link it to ${next.plannrId}`));
      links.set(next.plannrId, copy(next));
    }
    this.links = links;
    if (commit.audit) this.audit.push(...commit.audit.map(copy));
    if (commit.settleJournal) {
      const entry = this.journal.get(commit.settleJournal.id);
      if (entry) Object.assign(entry, { status: commit.settleJournal.status, createdId: commit.settleJournal.createdId, settledAt: commit.settleJournal.at });
    }
    if (commit.addTombstone) this.tombstones.set(`${commit.addTombstone.side}:${commit.addTombstone.id}:${commit.addTombstone.partnerId}`, copy(commit.addTombstone));
    if (commit.resolveConflicts) {
      for (const id of commit.resolveConflicts.ids) {
        const conflict = this.conflicts.get(id);
        if (conflict) Object.assign(conflict, { status: "resolved", resolvedAt: commit.resolveConflicts.at });
      }
    }
    return Promise.resolve();
  }

  putInbox(delivery: { caseId: string; event: string; receivedAt: string }): Promise<void> {
    const found = this.inbox.get(delivery.caseId);
    this.inbox.set(
      delivery.caseId,
      found === undefined
        ? { caseId: delivery.caseId, event: delivery.event, firstReceivedAt: delivery.receivedAt, lastReceivedAt: delivery.receivedAt, deliveries: 1, seq: 1, attempts: 0, notBefore: null }
        : {
            ...found,
            event: delivery.event,
            lastReceivedAt: byText(delivery.receivedAt, found.lastReceivedAt) > 0 ? delivery.receivedAt : found.lastReceivedAt,
            deliveries: found.deliveries + 1,
            seq: found.seq + 1,
            attempts: 0,
            notBefore: null,
          },
    );
    return Promise.resolve();
  }
  listInbox(limit: number, now: string): Promise<InboxEntry[]> {
    const due = [...this.inbox.values()].filter((e) => e.notBefore === null || byText(e.notBefore, now) <= 0);
    due.sort((a, b) => byText(a.firstReceivedAt, b.firstReceivedAt) || byText(a.caseId, b.caseId));
    return Promise.resolve(due.slice(0, Math.max(0, Math.floor(limit))).map(copy));
  }
  removeInbox(caseId: string, seq: number): Promise<boolean> {
    if (this.inbox.get(caseId)?.seq !== seq) return Promise.resolve(false);
    this.inbox.delete(caseId);
    return Promise.resolve(true);
  }
  deferInbox(caseId: string, notBefore: string): Promise<void> {
    const found = this.inbox.get(caseId);
    if (found !== undefined) this.inbox.set(caseId, { ...found, attempts: found.attempts + 1, notBefore });
    return Promise.resolve();
  }
  countInbox(): Promise<number> {
    return Promise.resolve(this.inbox.size);
  }
  getWebhookSubscription(): Promise<WebhookSubscription | null> {
    return Promise.resolve(copy(this.subscription));
  }
  setWebhookSubscription(subscription: WebhookSubscription | null): Promise<void> {
    this.subscription = copy(subscription);
    return Promise.resolve();
  }
}

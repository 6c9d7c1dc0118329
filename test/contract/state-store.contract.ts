// The StateStore contract (src/core/state.ts), run against every implementation: what the engine
// relies on for invariants 6 (links, journal), 7 (tombstones, identity), 13 (audit) and the run
// lock. Store-specific files supply a factory and raw driver access for the damage tests.
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import type { Case } from "../../src/core/case.js";
import { CaseSyncError } from "../../src/core/errors.js";
import type { AuditEntry, Conflict, InboxEntry, JournalEntry, Link, LockHolder, Run, StateStore, WebhookSubscription } from "../../src/core/state.js";
import { SCHEMA_VERSION } from "../../src/state/migrations.js";

/** Driver-level access to a store's tables, for what the port itself must never allow. */
export interface RawAccess {
  /** Runs SQL on the store's own tables (plain table names), bypassing every check. */
  exec(store: StateStore, sql: string): Promise<void>;
  /** A second, uninitialized store on the same location (another process, or a restart). */
  reopen(store: StateStore): Promise<StateStore>;
}

const T0 = "2024-05-01T10:00:00.000Z";
const T1 = "2024-05-01T10:01:00.000Z";
const T2 = "2024-05-01T10:02:00.000Z";
const T3 = "2024-05-01T10:03:00.000Z";
const T4 = "2024-05-01T10:04:00.000Z";
const T5 = "2024-05-01T10:05:00.000Z";
const FAR_FUTURE = "2999-01-01T00:00:00.000Z";
const PAST = "2000-01-01T00:00:00.000Z";

export const fullCase: Case = {
  title: "Pension transfer — \"Smith\" ✓ 'quoted'\nsecond line",
  status: { closed: true, statusName: "Awaiting documents" },
  participants: ["ann@example.com", "plannr:8a7b6c5d-0000-4000-8000-000000000001"],
  assignees: ["adviser@firm.example"],
  customFields: {
    text_field: "Gin & tonic 🍸",
    number_field: 12.5,
    integer_field: -3,
    checkbox_true: true,
    checkbox_false: false,
    date_field: "2024-12-31",
    empty_text: "",
    unset_field: null,
  },
  value: 1_234_567,
  reviewAt: "2025-02-28",
  type: "Pension",
  groups: ["0b5e1c9a-1111-4111-8111-111111111111", "Team A"],
  createdAt: "2023-01-02T03:04:05.000Z",
};

export function link(plannrId: string, onlyofficeId: string, base: Case | null = null): Link {
  return {
    plannrId,
    onlyofficeId,
    base,
    baseGroups: base === null ? null : ["title"],
    baseHashPlannr: base === null ? null : `hp-${plannrId}`,
    baseHashOnlyoffice: base === null ? null : `ho-${onlyofficeId}`,
    linkedAt: T0,
    updatedAt: T1,
    how: base === null ? null : "create",
  };
}

function audit(record: string, partner: string | null, at: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    runId: "run-1",
    side: "onlyoffice",
    record,
    partner,
    operation: "PUT crm/case",
    group: "title",
    before: "old",
    after: "new",
    at,
    ...extra,
  };
}

function journal(id: string, startedAt: string): JournalEntry {
  return {
    id,
    runId: "run-1",
    side: "onlyoffice",
    sourceId: `p-${id}`,
    fingerprint: { title: `Case ${id}`, participants: ["ann@example.com"] },
    status: "pending",
    createdId: null,
    startedAt,
    settledAt: null,
  };
}

function conflict(id: string, plannrId: string, createdAt: string, extra: Partial<Conflict> = {}): Conflict {
  return {
    id,
    plannrId,
    onlyofficeId: `o-${plannrId}`,
    group: "title",
    base: "Base title",
    plannr: ["a@example.com", "b@example.com"],
    onlyoffice: { closed: true, statusName: null },
    reason: "changed on both sides",
    status: "pending",
    resolution: null,
    createdAt,
    resolvedAt: null,
    ...extra,
  };
}

function run(id: string, startedAt: string): Run {
  return { id, command: "sync", startedAt, finishedAt: null, exitCode: null, summary: null };
}

function holder(owner: string, extra: Partial<LockHolder> = {}): LockHolder {
  return { owner, host: hostname(), pid: process.pid, expiresAt: FAR_FUTURE, ...extra };
}

/** A pid that certainly belonged to a process on this host and certainly is gone now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  expect(child.pid).toBeGreaterThan(0);
  return child.pid;
}

function delivery(caseId: string, receivedAt: string, event = "case.updated"): { caseId: string; event: string; receivedAt: string } {
  return { caseId, event, receivedAt };
}

/** An entry as one fresh delivery leaves it. */
function fresh(caseId: string, receivedAt: string, event = "case.updated"): InboxEntry {
  return { caseId, event, firstReceivedAt: receivedAt, lastReceivedAt: receivedAt, deliveries: 1, seq: 1, attempts: 0, notBefore: null };
}

const SECRET = "whsec-Do-Not-Show-9f8e7d";

function subscription(extra: Partial<WebhookSubscription> = {}): WebhookSubscription {
  return {
    uuid: "3f1c2b7a-0000-4000-8000-00000000aaaa",
    url: "https://sync.example.com/webhooks/plannr",
    events: ["case.created", "case.updated", "case.deleted"],
    secret: SECRET,
    createdAt: T1,
    ...extra,
  };
}

async function rejection(promise: Promise<unknown>): Promise<CaseSyncError> {
  const error: unknown = await promise.then(
    () => {
      throw new Error("expected the call to be refused");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CaseSyncError);
  return error as CaseSyncError;
}

export function stateStoreContract(
  name: string,
  makeStore: () => Promise<StateStore>,
  cleanup?: (store: StateStore) => Promise<void>,
  raw?: RawAccess,
): void {
  describe(`StateStore contract: ${name}`, () => {
    const opened: StateStore[] = [];
    const open = async (): Promise<StateStore> => {
      const store = await makeStore();
      opened.push(store);
      return store;
    };
    const reopen = async (store: StateStore): Promise<StateStore> => {
      const again = await raw!.reopen(store);
      opened.push(again);
      return again;
    };
    afterEach(async () => {
      const stores = opened.splice(0);
      for (const store of stores.reverse()) await store.close();
      if (cleanup) for (const store of stores) await cleanup(store);
    });

    it("initializes idempotently and describes itself", async () => {
      const store = await open();
      await store.setMeta("k", "v");
      await store.init();
      expect(await store.getMeta("k")).toBe("v");
      expect(store.describe()).not.toBe("");
    });

    it("round-trips the pair identity", async () => {
      const store = await open();
      expect(await store.getIdentity()).toBeNull();
      await store.setIdentity({ plannrAccount: "acc-1", onlyofficePortal: "https://portal.example.com" });
      expect(await store.getIdentity()).toEqual({ plannrAccount: "acc-1", onlyofficePortal: "https://portal.example.com" });
      await store.setIdentity({ plannrAccount: "acc-2", onlyofficePortal: "https://other.example.com" });
      expect(await store.getIdentity()).toEqual({ plannrAccount: "acc-2", onlyofficePortal: "https://other.example.com" });
    });

    it("stores meta values", async () => {
      const store = await open();
      expect(await store.getMeta("scan.plannr")).toBeNull();
      await store.setMeta("scan.plannr", "2024-05-01T10:00:00Z");
      await store.setMeta("scan.plannr", "2024-05-02T10:00:00Z");
      await store.setMeta("other", "");
      expect(await store.getMeta("scan.plannr")).toBe("2024-05-02T10:00:00Z");
      expect(await store.getMeta("other")).toBe("");
    });

    describe("links", () => {
      it("upserts, finds from both sides, lists, counts and deletes through commit", async () => {
        const store = await open();
        expect(await store.countLinks()).toBe(0);
        expect(await store.listLinks()).toEqual([]);
        await store.commit({ upsertLink: link("p-2", "o-2") });
        await store.commit({ upsertLink: link("p-1", "o-1", fullCase) });
        expect(await store.countLinks()).toBe(2);
        expect((await store.listLinks()).map((l) => l.plannrId).sort()).toEqual(["p-1", "p-2"]);
        expect(await store.getLinkByPlannr("p-1")).toEqual(link("p-1", "o-1", fullCase));
        expect(await store.getLinkByOnlyoffice("o-2")).toEqual(link("p-2", "o-2"));
        expect(await store.getLinkByPlannr("nope")).toBeNull();
        expect(await store.getLinkByOnlyoffice("nope")).toBeNull();

        const updated: Link = { ...link("p-2", "o-2", fullCase), baseHashPlannr: "h2", updatedAt: T3 };
        await store.commit({ upsertLink: updated });
        expect(await store.getLinkByPlannr("p-2")).toEqual(updated);
        expect(await store.countLinks()).toBe(2);

        await store.commit({ deleteLink: "p-1" });
        expect(await store.getLinkByPlannr("p-1")).toBeNull();
        expect(await store.getLinkByOnlyoffice("o-1")).toBeNull();
        expect(await store.countLinks()).toBe(1);
      });

      it("round-trips a full canonical base, byte for byte", async () => {
        const store = await open();
        await store.commit({ upsertLink: link("p-1", "o-1", fullCase) });
        const back = await store.getLinkByPlannr("p-1");
        expect(back?.base).toEqual(fullCase);
        expect(JSON.stringify(back?.base)).toBe(JSON.stringify(fullCase));
        expect(typeof back?.base?.customFields.number_field).toBe("number");
        expect(back?.base?.customFields.checkbox_false).toBe(false);
        expect(back?.base?.customFields.unset_field).toBeNull();
        expect((await store.listLinks())[0]?.base).toEqual(fullCase);
      });

      it("refuses to link an ONLYOFFICE case that is already linked to another Plannr case", async () => {
        const store = await open();
        await store.commit({ upsertLink: link("p-1", "o-1") });
        const error = await rejection(store.commit({ upsertLink: link("p-2", "o-1") }));
        expect(error.code).toBe("CS_STATE");
        expect(error.message).toContain("o-1");
        expect(error.message).toContain("p-1");
        expect(error.message).toContain("p-2");
        expect(await store.getLinkByPlannr("p-2")).toBeNull();
        expect((await store.getLinkByOnlyoffice("o-1"))?.plannrId).toBe("p-1");
      });

      it("allows a relink when the old link is deleted in the same commit, and a partner change", async () => {
        const store = await open();
        await store.commit({ upsertLink: link("p-1", "o-1") });
        await store.commit({ deleteLink: "p-1", upsertLink: link("p-2", "o-1") });
        expect((await store.getLinkByOnlyoffice("o-1"))?.plannrId).toBe("p-2");
        expect(await store.getLinkByPlannr("p-1")).toBeNull();
        await store.commit({ upsertLink: link("p-2", "o-9") });
        expect(await store.getLinkByOnlyoffice("o-1")).toBeNull();
        expect((await store.getLinkByOnlyoffice("o-9"))?.plannrId).toBe("p-2");
      });
    });

    it("journals creates: pending oldest first, settled through commit", async () => {
      const store = await open();
      await store.addJournal(journal("j-2", T2));
      await store.addJournal(journal("j-1", T1));
      await store.addJournal(journal("j-3", T3));
      expect((await store.listPendingJournal()).map((e) => e.id)).toEqual(["j-1", "j-2", "j-3"]);
      expect((await store.listPendingJournal())[0]).toEqual(journal("j-1", T1));

      await store.commit({ settleJournal: { id: "j-1", status: "done", createdId: "o-77", at: T3 } });
      await store.commit({ settleJournal: { id: "j-3", status: "failed", createdId: null, at: T3 } });
      expect((await store.listPendingJournal()).map((e) => e.id)).toEqual(["j-2"]);

      expect((await rejection(store.addJournal(journal("j-2", T3)))).code).toBe("CS_STATE");
    });

    describe("conflicts", () => {
      it("puts, gets, lists and filters", async () => {
        const store = await open();
        await store.putConflict(conflict("c-2", "p-1", T2));
        await store.putConflict(conflict("c-1", "p-1", T1, { base: null, plannr: 12, onlyoffice: true }));
        await store.putConflict(conflict("c-3", "p-2", T3, { status: "resolved", resolution: "plannr", resolvedAt: T3 }));

        expect(await store.getConflict("c-1")).toEqual(conflict("c-1", "p-1", T1, { base: null, plannr: 12, onlyoffice: true }));
        expect(await store.getConflict("c-2")).toEqual(conflict("c-2", "p-1", T2));
        expect(await store.getConflict("nope")).toBeNull();
        expect((await store.listConflicts()).map((c) => c.id)).toEqual(["c-1", "c-2", "c-3"]);
        expect((await store.listConflicts({ status: "pending" })).map((c) => c.id)).toEqual(["c-1", "c-2"]);
        expect((await store.listConflicts({ status: "resolved" })).map((c) => c.id)).toEqual(["c-3"]);
        expect((await store.listConflicts({ plannrId: "p-2" })).map((c) => c.id)).toEqual(["c-3"]);
        expect((await store.listConflicts({ status: "pending", plannrId: "p-2" })).map((c) => c.id)).toEqual([]);

        await store.putConflict(conflict("c-2", "p-1", T2, { reason: "seen again", plannr: "x" }));
        expect(await store.getConflict("c-2")).toEqual(conflict("c-2", "p-1", T2, { reason: "seen again", plannr: "x" }));
      });

      it("records a decision, keeps it pending, and resolves it through commit", async () => {
        const store = await open();
        await store.putConflict(conflict("c-1", "p-1", T1));
        await store.putConflict(conflict("c-2", "p-1", T2));
        await store.decideConflict("c-1", "onlyoffice");
        expect(await store.getConflict("c-1")).toMatchObject({ status: "pending", resolution: "onlyoffice" });
        await store.decideConflict("c-1", "base");
        expect((await store.getConflict("c-1"))?.resolution).toBe("base");

        const unknown = await rejection(store.decideConflict("nope", "plannr"));
        expect(unknown.code).toBe("CS_USAGE");
        expect(unknown.message).toContain("nope");

        await store.commit({ resolveConflicts: { ids: ["c-1", "c-2"], at: T3 } });
        expect(await store.getConflict("c-1")).toMatchObject({ status: "resolved", resolution: "base", resolvedAt: T3 });
        expect(await store.getConflict("c-2")).toMatchObject({ status: "resolved", resolvedAt: T3 });
        expect(await store.listConflicts({ status: "pending" })).toEqual([]);
        expect((await rejection(store.decideConflict("c-1", "plannr"))).code).toBe("CS_USAGE");
      });
    });

    it("adds tombstones through commit, lists them, and lifts only the protection of the record linked by hand", async () => {
      const store = await open();
      // Plannr case p-1 was unlinked from o-1: both are protected (each tombstone names the survivor).
      const protectsO1 = { side: "plannr" as const, id: "p-1", partnerId: "o-1", reason: "unlinked", at: T1 };
      const protectsP1 = { side: "onlyoffice" as const, id: "o-1", partnerId: "p-1", reason: "unlinked", at: T1 };
      await store.commit({ addTombstone: protectsO1 });
      await store.commit({ addTombstone: protectsP1 });
      await store.commit({ addTombstone: { ...protectsO1, reason: "seen again", at: T0 } });
      // Later p-1 is unlinked from o-2 too: o-1 keeps its protection (per record, not per id).
      const protectsO2 = { side: "plannr" as const, id: "p-1", partnerId: "o-2", reason: "unlinked again", at: T2 };
      await store.commit({ addTombstone: protectsO2 });
      const listed = await store.listTombstones();
      expect(listed).toHaveLength(3);
      expect(listed).toContainEqual({ ...protectsO1, reason: "seen again", at: T0 });
      // Linking p-1 by hand lifts p-1's protection only.
      await store.removeTombstone("plannr", "p-1");
      await store.removeTombstone("plannr", "never-there");
      expect(await store.listTombstones()).toEqual([{ ...protectsO1, reason: "seen again", at: T0 }, protectsO2]);
    });

    it("keeps skipped cases (the quarantine): put, list, update the report time, remove", async () => {
      const store = await open();
      await store.putSkip({ side: "plannr", id: "p-1", reason: "no client and no defaultClient", at: T1, reportedAt: null });
      await store.putSkip({ side: "onlyoffice", id: "7", reason: "", at: T2, reportedAt: null });
      await store.putSkip({ side: "plannr", id: "p-1", reason: "no client and no defaultClient", at: T1, reportedAt: T3 });
      expect(await store.listSkips()).toEqual([
        { side: "plannr", id: "p-1", reason: "no client and no defaultClient", at: T1, reportedAt: T3 },
        { side: "onlyoffice", id: "7", reason: "", at: T2, reportedAt: null },
      ]);
      await store.removeSkip("plannr", "p-1");
      await store.removeSkip("plannr", "7");
      expect((await store.listSkips()).map((s) => s.id)).toEqual(["7"]);
    });

    it("lists one run's audit in order (undo)", async () => {
      const store = await open();
      await store.commit({ audit: [audit("o-1", "p-1", T1, { runId: "run-a" }), audit("o-2", "p-2", T2, { runId: "run-b" })] });
      await store.commit({ audit: [audit("p-1", "o-1", T3, { runId: "run-a", side: "plannr" })] });
      expect((await store.listAuditByRun("run-a")).map((a) => a.record)).toEqual(["o-1", "p-1"]);
      expect(await store.listAuditByRun("none")).toEqual([]);
    });

    it("records runs and lists them newest first", async () => {
      const store = await open();
      await store.startRun(run("r-1", T1));
      await store.startRun(run("r-3", T3));
      await store.startRun(run("r-2", T2));
      await store.finishRun("r-1", T2, 3, { writes: 4, conflicts: { pending: 1 } });
      expect((await store.listRuns(2)).map((r) => r.id)).toEqual(["r-3", "r-2"]);
      const all = await store.listRuns(10);
      expect(all.map((r) => r.id)).toEqual(["r-3", "r-2", "r-1"]);
      expect(all[2]).toEqual({ ...run("r-1", T1), finishedAt: T2, exitCode: 3, summary: { writes: 4, conflicts: { pending: 1 } } });
      expect(all[0]).toEqual(run("r-3", T3));
      expect(await store.listRuns(0)).toEqual([]);
      expect((await rejection(store.finishRun("nope", T3, 0, {}))).code).toBe("CS_STATE");
    });

    it("appends audit rows through commit and finds them by record or partner, oldest first", async () => {
      const store = await open();
      const entries: AuditEntry[] = [
        audit("o-1", "p-1", T1),
        audit("p-1", "o-1", T2, { side: "plannr", group: "participants", before: ["a@x.com"], after: ["a@x.com", "b@x.com"] }),
        audit("o-1", "p-1", T2, { group: "custom:drink", before: null, after: 12 }),
        audit("o-1", "p-1", T3, { group: "status", before: { closed: false }, after: { closed: true }, operation: "PUT close" }),
        audit("o-1", "p-1", T3, { group: "custom:flag", before: true, after: false }),
        audit("o-2", null, T1, { operation: "POST crm/case", before: null, after: null }),
      ];
      await store.commit({ audit: entries.slice(0, 3) });
      await store.commit({ audit: entries.slice(3) });

      const fromPlannr = await store.listAudit(["p-1"]);
      expect(fromPlannr).toEqual(entries.slice(0, 5));
      expect(await store.listAudit(["o-1"])).toEqual(entries.slice(0, 5));
      expect(await store.listAudit(["o-2", "zzz"])).toEqual([entries[5]]);
      expect(await store.listAudit(["zzz"])).toEqual([]);
      expect(await store.listAudit([])).toEqual([]);
    });

    it("commits all parts of one write together", async () => {
      const store = await open();
      await store.addJournal(journal("j-1", T1));
      await store.putConflict(conflict("c-1", "p-1", T1));
      await store.commit({
        upsertLink: link("p-1", "o-1", fullCase),
        audit: [audit("o-1", "p-1", T2)],
        settleJournal: { id: "j-1", status: "done", createdId: "o-1", at: T2 },
        addTombstone: { side: "onlyoffice", id: "o-0", partnerId: "p-0", reason: "gone", at: T2 },
        resolveConflicts: { ids: ["c-1"], at: T2 },
      });
      expect(await store.getLinkByPlannr("p-1")).toEqual(link("p-1", "o-1", fullCase));
      expect(await store.listAudit(["p-1"])).toHaveLength(1);
      expect(await store.listPendingJournal()).toEqual([]);
      expect(await store.listTombstones()).toHaveLength(1);
      expect((await store.getConflict("c-1"))?.status).toBe("resolved");
    });

    it("writes nothing of a commit whose link is refused", async () => {
      const store = await open();
      await store.commit({ upsertLink: link("p-1", "o-1") });
      await store.commit({ upsertLink: link("p-3", "o-3") });
      await store.addJournal(journal("j-1", T1));
      await store.putConflict(conflict("c-1", "p-2", T1));
      const error = await rejection(
        store.commit({
          // Applied before the link is refused, so only the rollback can bring it back.
          deleteLink: "p-3",
          upsertLink: link("p-2", "o-1"),
          audit: [audit("p-2", "o-1", T2), audit("o-1", "p-2", T2)],
          settleJournal: { id: "j-1", status: "done", createdId: "p-2", at: T2 },
          addTombstone: { side: "plannr", id: "p-9", partnerId: "o-9", reason: "gone", at: T2 },
          resolveConflicts: { ids: ["c-1"], at: T2 },
        }),
      );
      expect(error.code).toBe("CS_STATE");
      expect(await store.listAudit(["p-2", "o-1"])).toEqual([]);
      expect((await store.listPendingJournal()).map((e) => e.id)).toEqual(["j-1"]);
      expect(await store.listTombstones()).toEqual([]);
      expect((await store.getConflict("c-1"))?.status).toBe("pending");
      expect(await store.getLinkByPlannr("p-2")).toBeNull();
      expect(await store.getLinkByPlannr("p-3")).toEqual(link("p-3", "o-3"));
      // The store is still usable after the rollback.
      await store.commit({ audit: [audit("p-3", null, T3)] });
      expect(await store.listAudit(["p-3"])).toHaveLength(1);
    });

    describe("run lock", () => {
      it("is taken, refused to a second owner with the holder, and re-taken by its owner", async () => {
        const store = await open();
        const a = holder("run-a");
        expect(await store.acquireLock(a)).toEqual({ acquired: true });
        expect(await store.acquireLock(holder("run-b"))).toEqual({ acquired: false, holder: a });
        expect(await store.acquireLock({ ...a, expiresAt: "2998-01-01T00:00:00.000Z" })).toEqual({ acquired: true });
        const refused = await store.acquireLock(holder("run-b"));
        expect(refused.acquired ? null : refused.holder.expiresAt).toBe("2998-01-01T00:00:00.000Z");
      });

      it("is released only by its owner", async () => {
        const store = await open();
        await store.acquireLock(holder("run-a"));
        await store.releaseLock("run-b");
        expect((await store.acquireLock(holder("run-b"))).acquired).toBe(false);
        await store.releaseLock("run-a");
        expect(await store.acquireLock(holder("run-b"))).toEqual({ acquired: true });
      });

      it("is renewed by its owner only", async () => {
        const store = await open();
        await store.acquireLock(holder("run-a", { expiresAt: "2998-01-01T00:00:00.000Z" }));
        await store.renewLock("run-a", FAR_FUTURE);
        const refused = await store.acquireLock(holder("run-b"));
        expect(refused.acquired ? null : refused.holder.expiresAt).toBe(FAR_FUTURE);
        expect((await rejection(store.renewLock("run-b", FAR_FUTURE))).code).toBe("CS_LOCKED");
      });

      it("is taken over once expired", async () => {
        const store = await open();
        await store.acquireLock(holder("run-a", { expiresAt: PAST }));
        expect(await store.acquireLock(holder("run-b"))).toEqual({ acquired: true });
        expect(await store.acquireLock(holder("run-a"))).toMatchObject({ acquired: false, holder: { owner: "run-b" } });
      });

      it("is taken over from a dead process on the same host, not from one on another host", async () => {
        const store = await open();
        const pid = deadPid();
        await store.acquireLock(holder("run-killed", { pid }));
        expect(await store.acquireLock(holder("run-b"))).toEqual({ acquired: true });

        await store.releaseLock("run-b");
        await store.acquireLock(holder("run-elsewhere", { pid, host: `${hostname()}-other` }));
        expect(await store.acquireLock(holder("run-b"))).toMatchObject({ acquired: false, holder: { owner: "run-elsewhere" } });
      });
    });

    describe("webhook inbox", () => {
      it("coalesces deliveries of one case into one row: event and last time move, the first time stays", async () => {
        const store = await open();
        const times = [T0, T1, T2, T3, T4];
        for (const [i, at] of times.entries()) await store.putInbox(delivery("c-1", at, i === 0 ? "case.created" : `case.updated.${i}`));
        expect(await store.countInbox()).toBe(1);
        expect(await store.listInbox(10, T5)).toEqual([
          { caseId: "c-1", event: "case.updated.4", firstReceivedAt: T0, lastReceivedAt: T4, deliveries: 5, seq: 5, attempts: 0, notBefore: null },
        ]);
        // A late delivery (sent earlier, arrived now) does not move the last time back.
        await store.putInbox(delivery("c-1", T2, "case.deleted"));
        expect(await store.listInbox(10, T5)).toEqual([
          { caseId: "c-1", event: "case.deleted", firstReceivedAt: T0, lastReceivedAt: T4, deliveries: 6, seq: 6, attempts: 0, notBefore: null },
        ]);
      });

      it("counts every one of many deliveries of one case arriving at once", async () => {
        const store = await open();
        await Promise.all(Array.from({ length: 20 }, () => store.putInbox(delivery("c-1", T1))));
        const [entry] = await store.listInbox(10, T5);
        expect(entry).toMatchObject({ caseId: "c-1", deliveries: 20, seq: 20, firstReceivedAt: T1 });
        expect(await store.countInbox()).toBe(1);
      });

      it("removes an entry only while its seq is the one the drain read", async () => {
        const store = await open();
        await store.putInbox(delivery("c-1", T1));
        await store.putInbox(delivery("c-1", T2));
        const [read] = await store.listInbox(10, T5);
        expect(read?.seq).toBe(2);
        // A delivery arrives while the drain syncs the case: it must stay waiting.
        await store.putInbox(delivery("c-1", T3));
        expect(await store.removeInbox("c-1", 2)).toBe(false);
        expect(await store.listInbox(10, T5)).toEqual([{ ...fresh("c-1", T1), lastReceivedAt: T3, deliveries: 3, seq: 3 }]);
        expect(await store.removeInbox("c-1", 3)).toBe(true);
        expect(await store.countInbox()).toBe(0);
        expect(await store.removeInbox("c-1", 3)).toBe(false);
        expect(await store.removeInbox("never", 1)).toBe(false);
        // A case that comes back starts afresh.
        await store.putInbox(delivery("c-1", T4));
        expect(await store.listInbox(10, T5)).toEqual([fresh("c-1", T4)]);
      });

      it("lists the waiting cases oldest first, at most `limit`, leaving out those backing off", async () => {
        const store = await open();
        expect(await store.listInbox(10, T5)).toEqual([]);
        await store.putInbox(delivery("c-3", T3));
        await store.putInbox(delivery("c-1", T1));
        await store.putInbox(delivery("c-2", T2));
        await store.putInbox(delivery("c-0", T1));
        await store.putInbox(delivery("c-3", T4));
        expect((await store.listInbox(10, T5)).map((e) => e.caseId)).toEqual(["c-0", "c-1", "c-2", "c-3"]);
        expect((await store.listInbox(2, T5)).map((e) => e.caseId)).toEqual(["c-0", "c-1"]);
        expect(await store.listInbox(0, T5)).toEqual([]);

        await store.deferInbox("c-1", T4);
        expect((await store.listInbox(10, T3)).map((e) => e.caseId)).toEqual(["c-0", "c-2", "c-3"]);
        expect((await store.listInbox(2, T3)).map((e) => e.caseId)).toEqual(["c-0", "c-2"]);
        // Due again at notBefore itself.
        expect((await store.listInbox(10, T4)).map((e) => e.caseId)).toEqual(["c-0", "c-1", "c-2", "c-3"]);
        expect(await store.countInbox()).toBe(4);
      });

      it("defers a failed case: attempts go up, notBefore is set, seq stays; a fresh delivery clears the backoff", async () => {
        const store = await open();
        await store.putInbox(delivery("c-1", T1));
        await store.putInbox(delivery("c-1", T2));
        await store.deferInbox("c-1", T3);
        await store.deferInbox("c-1", T4);
        expect(await store.listInbox(10, T5)).toEqual([{ ...fresh("c-1", T1), lastReceivedAt: T2, deliveries: 2, seq: 2, attempts: 2, notBefore: T4 }]);
        // A defer is not a delivery: the seq the drain read still removes the entry.
        expect(await store.removeInbox("c-1", 2)).toBe(true);
        expect(await store.countInbox()).toBe(0);

        await store.putInbox(delivery("c-2", T1));
        await store.deferInbox("c-2", T5);
        expect(await store.listInbox(10, T4)).toEqual([]);
        await store.putInbox(delivery("c-2", T3));
        expect(await store.listInbox(10, T4)).toEqual([{ ...fresh("c-2", T1), lastReceivedAt: T3, deliveries: 2, seq: 2 }]);

        await store.deferInbox("never", T5);
        expect(await store.countInbox()).toBe(1);
      });
    });

    it("keeps the webhook subscription: get, set, replace, clear", async () => {
      const store = await open();
      expect(await store.getWebhookSubscription()).toBeNull();
      await store.setWebhookSubscription(subscription());
      expect(await store.getWebhookSubscription()).toEqual(subscription());
      const replaced = subscription({ uuid: "other-uuid", url: "https://b.example/webhooks/plannr", events: [], secret: "s2", createdAt: T3 });
      await store.setWebhookSubscription(replaced);
      expect(await store.getWebhookSubscription()).toEqual(replaced);
      expect(store.describe()).not.toContain("s2");
      await store.setWebhookSubscription(null);
      expect(await store.getWebhookSubscription()).toBeNull();
      await store.setWebhookSubscription(null);
      expect(await store.getWebhookSubscription()).toBeNull();
    });

    it("closes twice without complaint", async () => {
      const store = await open();
      await store.close();
      await store.close();
    });

    if (raw !== undefined) {
      describe("through the driver", () => {
        it("keeps its data across a reopen", async () => {
          const store = await open();
          await store.setIdentity({ plannrAccount: "acc-1", onlyofficePortal: "https://portal.example.com" });
          await store.commit({ upsertLink: link("p-1", "o-1", fullCase), audit: [audit("o-1", "p-1", T1)] });
          await store.startRun(run("r-1", T1));
          await store.close();
          const again = await reopen(store);
          await again.init();
          expect(await again.getIdentity()).toEqual({ plannrAccount: "acc-1", onlyofficePortal: "https://portal.example.com" });
          expect(await again.getLinkByOnlyoffice("o-1")).toEqual(link("p-1", "o-1", fullCase));
          expect(await again.listAudit(["p-1"])).toHaveLength(1);
          expect((await again.listRuns(5)).map((r) => r.id)).toEqual(["r-1"]);
        });

        it("gives the lock to exactly one of many runs asking at once", async () => {
          const store = await open();
          const others = await Promise.all([reopen(store), reopen(store), reopen(store)]);
          await Promise.all(others.map((s) => s.init()));
          const stores = [store, ...others];
          const results = await Promise.all(
            Array.from({ length: 12 }, (_, i) => stores[i % stores.length]!.acquireLock(holder(`run-${i}`))),
          );
          expect(results.filter((r) => r.acquired)).toHaveLength(1);
        });

        it("refuses a link whose base is not JSON, naming table, row and field", async () => {
          const store = await open();
          await store.commit({ upsertLink: link("p-1", "o-1", fullCase) });
          await raw.exec(store, "UPDATE links SET base = '{\"title\": ' WHERE plannr_id = 'p-1'");
          for (const read of [() => store.listLinks(), () => store.getLinkByPlannr("p-1"), () => store.getLinkByOnlyoffice("o-1")]) {
            const error = await rejection(read());
            expect(error.code).toBe("CS_STATE");
            expect(error.message).toMatch(/^links row p-1: base is not valid JSON/);
          }
        });

        it("refuses rows that parse but break the schema, naming the field path", async () => {
          const store = await open();
          await store.commit({ upsertLink: link("p-1", "o-1", fullCase), audit: [audit("o-1", "p-1", T1)] });
          await store.putConflict(conflict("c-1", "p-1", T1));
          await store.addJournal(journal("j-1", T1));
          const wrongTitle = JSON.stringify({ ...fullCase, title: 42 }).replaceAll("'", "''");
          await raw.exec(store, `UPDATE links SET base = '${wrongTitle}' WHERE plannr_id = 'p-1'`);
          await raw.exec(store, "UPDATE conflicts SET status = 'maybe' WHERE id = 'c-1'");
          await raw.exec(store, "UPDATE audit SET before_value = '{nope' WHERE record = 'o-1'");
          await raw.exec(store, `UPDATE journal SET fingerprint = '{"title": "t"}' WHERE id = 'j-1'`);

          const linkError = await rejection(store.getLinkByPlannr("p-1"));
          expect(linkError.code).toBe("CS_STATE");
          expect(linkError.message).toMatch(/^links row p-1: base\.title /);
          expect(linkError.field).toBe("base.title");
          expect((await rejection(store.listConflicts())).message).toMatch(/^conflicts row c-1: status /);
          expect((await rejection(store.listAudit(["o-1"]))).message).toMatch(/^audit row \d+: before is not valid JSON/);
          expect((await rejection(store.listPendingJournal())).message).toMatch(/^journal row j-1: fingerprint\.participants /);
        });

        it("keeps the webhook inbox and subscription across a reopen, and counts deliveries from many processes", async () => {
          const store = await open();
          await store.putInbox(delivery("c-1", T1, "case.created"));
          await store.putInbox(delivery("c-2", T2));
          await store.deferInbox("c-2", T5);
          await store.setWebhookSubscription(subscription());
          await store.close();
          const again = await reopen(store);
          await again.init();
          expect(await again.listInbox(10, T5)).toEqual([
            fresh("c-1", T1, "case.created"),
            { ...fresh("c-2", T2), attempts: 1, notBefore: T5 },
          ]);
          expect(await again.getWebhookSubscription()).toEqual(subscription());

          const others = await Promise.all([reopen(again), reopen(again), reopen(again)]);
          await Promise.all(others.map((s) => s.init()));
          const stores = [again, ...others];
          await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % stores.length]!.putInbox(delivery("c-3", T3))));
          expect((await again.listInbox(10, T5)).find((e) => e.caseId === "c-3")).toMatchObject({ deliveries: 20, seq: 20 });
        });

        it("refuses damaged inbox and subscription rows, naming the field and never the secret", async () => {
          const store = await open();
          await store.putInbox(delivery("c-1", T1));
          await store.setWebhookSubscription(subscription());
          await raw.exec(store, "UPDATE webhook_inbox SET first_received_at = '' WHERE case_id = 'c-1'");
          await raw.exec(store, `UPDATE webhook_subscription SET events = '"case.updated"'`);
          const inboxError = await rejection(store.listInbox(10, T5));
          expect(inboxError.code).toBe("CS_STATE");
          expect(inboxError.message).toMatch(/^webhook_inbox row c-1: firstReceivedAt /);
          const subscriptionError = await rejection(store.getWebhookSubscription());
          expect(subscriptionError.code).toBe("CS_STATE");
          expect(subscriptionError.message).toMatch(/^webhook_subscription row 1: events /);
          await raw.exec(store, "UPDATE webhook_subscription SET events = '[]', url = ''");
          const urlError = await rejection(store.getWebhookSubscription());
          expect(urlError.message).toMatch(/^webhook_subscription row 1: url /);
          for (const error of [subscriptionError, urlError]) {
            expect(error.message).not.toContain(SECRET);
            expect(JSON.stringify(error)).not.toContain(SECRET);
          }
        });

        it("refuses a store written by a newer schema version, naming both versions", async () => {
          const store = await open();
          await raw.exec(store, `UPDATE schema_version SET version = ${SCHEMA_VERSION + 7}`);
          await store.close();
          const again = await reopen(store);
          const error = await rejection(again.init());
          expect(error.code).toBe("CS_STATE");
          expect(error.message).toContain(String(SCHEMA_VERSION + 7));
          expect(error.message).toContain(`(${SCHEMA_VERSION})`);
        });
      });
    }
  });
}

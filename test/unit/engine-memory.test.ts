// SPEC §8: a run's memory does not grow with the book beyond a compact index of ids and hashes.
// A settled record is held as its link (no carry): a write to it is encoded from the read made
// right before it. A migration keeps only the ids of the cases it copies and makes each copy as
// the source is read a second time. A run keeps each write as its report names it, not its body.
import { describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import type { CaseRecord, EncodeInput, EncodeResult, ScanItem, ScanOptions, WriteOp } from "../../src/core/records.js";
import type { Link } from "../../src/core/state.js";
import { ChangeLog } from "../../src/engine/change-log.js";
import { IdSet } from "../../src/engine/compact-ids.js";
import { copyAsRead } from "../../src/engine/copies.js";
import { LinkIndex } from "../../src/engine/link-index.js";
import { runEngine, type RunMode } from "../../src/engine/run.js";
import { SnapshotRecords, summarize } from "../../src/engine/snapshot.js";
import type { CreateWork } from "../../src/engine/work.js";
import { aCase, CLIENTS, references, SYNC, testMapping } from "../support/engine-world.js";
import { MemoryCrm } from "../support/memory-crm.js";
import { MemoryStateStore } from "../support/memory-store.js";
import { testScope } from "../support/scope.js";

/** A CRM whose records carry native state, as real adapters' do: it says where each carry came from. */
class CarryCrm extends MemoryCrm {
  readonly reads: string[] = [];
  readonly encodedFrom: { id: string; carry: unknown }[] = [];
  /** Runs after each complete listing (a person's change between two reads). */
  afterListing: (() => void) | null = null;

  override async *listCases(options: ScanOptions = {}): AsyncIterable<ScanItem> {
    for await (const item of super.listCases(options)) {
      if (item.kind === "end") this.afterListing?.();
      yield item.kind === "record" ? { ...item, record: { ...item.record, carry: { from: "scan" } } } : item;
    }
  }

  override async getCase(id: string): Promise<CaseRecord | null> {
    this.reads.push(id);
    const record = await super.getCase(id);
    return record === null ? null : { ...record, carry: { from: "read" } };
  }

  override encodeWrites(input: EncodeInput): EncodeResult {
    // As the ONLYOFFICE adapter does: a record without its native state cannot be encoded.
    if (input.record !== null && input.record.carry === null) throw new CaseSyncError("CS_INTERNAL", `record ${input.record.id} carries no state to encode from`);
    if (input.record !== null) this.encodedFrom.push({ id: input.record.id, carry: input.record.carry });
    return super.encodeWrites(input);
  }
}

function world() {
  const refs = references();
  const mapping = testMapping();
  const plannr = new CarryCrm("plannr", refs.plannr);
  const onlyoffice = new CarryCrm("onlyoffice", refs.onlyoffice);
  const store = new MemoryStateStore();
  const run = (mode: RunMode) => runEngine({ plannr, onlyoffice, store, mapping }, mode);
  const sync = (o: Partial<Extract<RunMode, { kind: "sync" }>> = {}) => run({ ...(SYNC as Extract<RunMode, { kind: "sync" }>), allowMassCreate: true, ...o });
  const migrate = (o: Partial<Extract<RunMode, { kind: "migrate" }>> = {}) => run({ kind: "migrate", from: "plannr", dryRun: false, limit: null, onlyOpen: false, createdSince: null, ...o });
  return { plannr, onlyoffice, store, sync, migrate };
}

/** A settled pair: copied, then synced once more with nothing to do. */
async function settledPair(w: ReturnType<typeof world>): Promise<{ pid: string; oid: string }> {
  const pid = w.plannr.seed(aCase({ title: "Kept small" }));
  await w.sync();
  await w.sync();
  const oid = [...w.onlyoffice.cases.keys()][0] ?? "";
  w.plannr.reads.length = 0;
  w.onlyoffice.reads.length = 0;
  w.plannr.encodedFrom.length = 0;
  w.onlyoffice.encodedFrom.length = 0;
  return { pid, oid };
}

describe("a settled record is held without its carry", () => {
  it("a write to it is encoded from the read right before it, never from the scan", async () => {
    const w = world();
    const { pid, oid } = await settledPair(w);
    w.plannr.edit(pid, (c) => ({ ...c, title: "Renamed in Plannr" }));
    const report = await w.sync();
    expect(report.exitCode).toBe(0);
    expect(w.onlyoffice.cases.get(oid)?.case.title).toBe("Renamed in Plannr");
    expect(w.onlyoffice.reads).toEqual([oid]);
    expect(w.onlyoffice.encodedFrom).toEqual([{ id: oid, carry: { from: "read" } }]);
    // The side that changed is held whole: nothing is written to it, nothing read again.
    expect(w.plannr.reads).toEqual([]);
  });

  it("even a write that would not read first (a participant add) reads it first", async () => {
    const w = world();
    const { pid, oid } = await settledPair(w);
    w.onlyoffice.edit(oid, (c) => ({ ...c, participants: [...c.participants, CLIENTS[1] ?? ""] }));
    await w.sync();
    expect(w.plannr.cases.get(pid)?.case.participants).toContain(CLIENTS[1]);
    expect(w.plannr.reads).toEqual([pid]);
    expect(w.plannr.encodedFrom).toEqual([{ id: pid, carry: { from: "read" } }]);
  });

  it("a plan keeps every record whole: it encodes from the scan and reads nothing", async () => {
    const w = world();
    const { pid, oid } = await settledPair(w);
    w.plannr.edit(pid, (c) => ({ ...c, title: "Planned only" }));
    const plan = await w.sync({ dryRun: true });
    expect(plan.changes.map((c) => c.record)).toEqual([oid]);
    expect(w.onlyoffice.reads).toEqual([]);
    expect(w.onlyoffice.encodedFrom).toEqual([{ id: oid, carry: { from: "scan" } }]);
  });
});

describe("SnapshotRecords over a LinkIndex", () => {
  const links: Link[] = ["a", "b", "c"].map((x, i) => ({ plannrId: `p-${x}`, onlyofficeId: String(i + 1), base: null, baseGroups: null, baseHashPlannr: `h${x}`, baseHashOnlyoffice: `h${x}`, linkedAt: "-", updatedAt: "-", how: null }));

  it("holds a settled record as a mark on its link, and gives it back thin", () => {
    const index = new LinkIndex(links);
    const records = new SnapshotRecords("onlyoffice", index);
    records.settle("1").settle("2").settle("2");
    const whole = summarize({ side: "onlyoffice", id: "3", case: aCase(), stamp: null, updatedAt: null, version: "v3", carry: { native: true }, issues: [] }, testScope(), true);
    records.set("3", whole);
    expect(records.size).toBe(3);
    expect([...records.held()].map((r) => r.id)).toEqual(["3"]);
    expect(records.get("1")).toMatchObject({ id: "1", hash: "ha", stamp: "p-a", carry: null, case: null, version: "", thin: true });
    expect(records.get("3")?.carry).toEqual({ native: true });
    expect([...records.values()].map((r) => r.id).sort()).toEqual(["1", "2", "3"]);
    expect(records.has("4")).toBe(false);
    // A record held whole after all (a survivor read again) is no longer settled.
    records.set("1", { ...whole, id: "1" });
    expect(index.isSettled("onlyoffice", "1")).toBe(false);
    expect(records.size).toBe(3);
    expect(index.settled("onlyoffice")).toBe(1);
    expect(index.settled("plannr")).toBe(0);
  });

  it("finds each link by either id, and hands out a loaded one whole", () => {
    // Ids in no particular order, of several lengths (the index sorts for itself).
    const many: Link[] = Array.from({ length: 500 }, (_, i) => ({ ...links[0]!, plannrId: `p-${(i * 7919) % 500}`, onlyofficeId: String((i * 104729) % 100_003), how: i % 2 === 0 ? "create" : null }));
    const index = new LinkIndex(many);
    expect(index.size).toBe(500);
    for (const link of many) {
      expect(index.byPlannr(link.plannrId)).toEqual(link);
      expect(index.byOnlyoffice(link.onlyofficeId)?.plannrId).toBe(link.plannrId);
    }
    expect(index.byPlannr("p-500")).toBeUndefined();
    expect(index.has("onlyoffice", "100003")).toBe(false);
    const full = { ...many[3]!, base: aCase(), linkedAt: "2025-01-01T00:00:00.000Z" };
    index.load(full);
    expect(index.byOnlyoffice(full.onlyofficeId)).toBe(full);
    expect([...index].filter((l) => l.base !== null)).toEqual([full]);
  });

  it("gives back exactly the ids and hashes the store gave: real uuids and hashes, and odd ones", () => {
    const uuid = (i: number) => `${(i * 2_654_435_761 % 4_294_967_296).toString(16).padStart(8, "0")}-1b2c-4d3e-8f40-${i.toString(16).padStart(12, "0")}`;
    const hash = (i: number) => `${uuid(i).replaceAll("-", "")}`.slice(0, 32);
    const odd = ["P-UPPER-CASE", "0042", "", "ffffffff-ffff-ffff-ffff-fffffffffffF"];
    const many: Link[] = Array.from({ length: 2_000 }, (_, i) => ({
      ...links[0]!,
      plannrId: i < odd.length ? (odd[i] ?? "") : uuid(i),
      onlyofficeId: i === 1 ? "id-7" : String(1_000_000 + i),
      baseHashPlannr: i % 3 === 0 ? null : hash(i),
      baseHashOnlyoffice: i % 5 === 0 ? `not-hex-${i}` : hash(i + 1),
    }));
    const index = new LinkIndex(many);
    for (const link of many) {
      expect(index.byPlannr(link.plannrId)).toEqual(link);
      expect(index.byOnlyoffice(link.onlyofficeId)).toEqual(link);
    }
    expect(index.byPlannr(uuid(2_000))).toBeUndefined();
    expect(index.byPlannr(uuid(7).toUpperCase())).toBeUndefined();
    expect(index.byOnlyoffice("01000007")).toBeUndefined();
  });
});

describe("a migration copies as it reads the source again", () => {
  it("reads the source twice and copies every case", async () => {
    const w = world();
    const ids = ["One", "Two", "Three", "Four"].map((title) => w.plannr.seed(aCase({ title })));
    const report = await w.migrate();
    expect(report.exitCode).toBe(0);
    expect(w.plannr.listings).toBe(2);
    expect(report.sides.onlyoffice.creates).toBe(4);
    expect(report.links.total).toBe(4);
    const copies = [...w.onlyoffice.cases.values()];
    expect(copies.map((c) => c.stamp).sort()).toEqual([...ids].sort());
    expect(report.changes.filter((c) => c.operation === "case.create").map((c) => c.partner).sort()).toEqual([...ids].sort());
    // Nothing is copied twice by the next migration.
    const again = await w.migrate();
    expect(again.sides.onlyoffice.creates).toBe(0);
    expect(w.onlyoffice.cases.size).toBe(4);
  });

  it("keeps --limit (the oldest first) and --only-open as the plan chose them", async () => {
    const w = world();
    w.plannr.seed(aCase({ title: "Newest", createdAt: "2024-03-01T00:00:00.000Z" }));
    w.plannr.seed(aCase({ title: "Oldest", createdAt: "2024-01-01T00:00:00.000Z" }));
    w.plannr.seed(aCase({ title: "Closed", createdAt: "2023-12-01T00:00:00.000Z", status: { closed: true, statusName: "Completed" } }));
    w.plannr.seed(aCase({ title: "Middle", createdAt: "2024-02-01T00:00:00.000Z" }));
    await w.migrate({ limit: 2, onlyOpen: true });
    expect([...w.onlyoffice.cases.values()].map((c) => c.case.title).sort()).toEqual(["Middle", "Oldest"]);
  });

  it("a case gone before its copy is made is not copied, and the report says so", async () => {
    const w = world();
    const [first, gone] = ["Stays", "Goes"].map((title) => w.plannr.seed(aCase({ title })));
    w.plannr.afterListing = () => {
      w.plannr.afterListing = null;
      w.plannr.remove(gone ?? "");
    };
    const report = await w.migrate();
    expect([...w.onlyoffice.cases.values()].map((c) => c.stamp)).toEqual([first]);
    expect(report.warnings).toContainEqual(expect.objectContaining({ record: gone, code: "CS_NOT_FOUND" }));
  });

  it("a second read that breaks off copies what it read and names the rest (exit 3); the next run copies them", async () => {
    const w = world();
    for (const title of ["A", "B", "C", "D"]) w.plannr.seed(aCase({ title }));
    w.plannr.afterListing = () => {
      w.plannr.afterListing = null;
      w.plannr.faults.push({ kind: "scan-break", after: 2 });
    };
    const report = await w.migrate();
    expect(report.exitCode).toBe(3);
    expect(w.onlyoffice.cases.size).toBe(2);
    expect(report.errors).toContainEqual(expect.objectContaining({ code: "CS_INCOMPLETE", message: expect.stringContaining("2 case(s) not copied") }));
    const next = await w.migrate();
    expect(next.exitCode).toBe(0);
    expect(w.onlyoffice.cases.size).toBe(4);
  });

  it("a dry run lists every copy from one read", async () => {
    const w = world();
    for (const title of ["A", "B"]) w.plannr.seed(aCase({ title }));
    const plan = await w.migrate({ dryRun: true });
    expect(w.plannr.listings).toBe(1);
    expect(plan.plan?.filter((item) => item.action === "create")).toHaveLength(2);
    expect(w.onlyoffice.cases.size).toBe(0);
  });
});

describe("copyAsRead", () => {
  const scope = testScope();
  const record = (id: string): CaseRecord => ({ side: "plannr", id, case: aCase({ title: id }), stamp: null, updatedAt: null, version: id, carry: null, issues: [] });
  const work = (id: string): CreateWork => ({ from: "plannr", to: "onlyoffice", sourceId: id, target: aCase({ title: id }), ops: [], issues: [], createdAt: null, sourceOps: [] });

  it("reads the next record only when a copy in hand is done (at most `concurrency` at once)", async () => {
    let pulled = 0;
    async function* scan(): AsyncGenerator<ScanItem> {
      for (const id of ["a", "b", "c", "d"]) {
        pulled += 1;
        yield { kind: "record", record: record(id) };
      }
      yield { kind: "end", complete: true, pages: 1 };
    }
    const finish: (() => void)[] = [];
    let inHand = 0;
    let most = 0;
    const copied: string[] = [];
    const done = copyAsRead({
      ids: new IdSet(["a", "b", "c", "d"]),
      side: "plannr",
      scan: scan(),
      refine: (r) => r,
      scope,
      build: (summary) => work(summary.id),
      copy: async (w) => {
        inHand += 1;
        most = Math.max(most, inHand);
        await new Promise<void>((resolve) => finish.push(resolve));
        inHand -= 1;
        copied.push(w.sourceId);
      },
      concurrency: 2,
      stopped: () => false,
      report: () => undefined,
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(pulled).toBe(2);
    finish.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(pulled).toBe(3);
    while (copied.length < 4) {
      finish.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    expect(most).toBe(2);
    expect(copied.sort()).toEqual(["a", "b", "c", "d"]);
  });

  it("copies only the ids asked for, each once, and reports a record it cannot copy", async () => {
    async function* scan(): AsyncGenerator<ScanItem> {
      for (const id of ["x", "a", "a", "bad"]) yield { kind: "record", record: record(id) };
      yield { kind: "end", complete: true, pages: 1 };
    }
    const copied: string[] = [];
    const issues: string[] = [];
    await copyAsRead({
      ids: new IdSet(["a", "bad"]),
      side: "plannr",
      scan: scan(),
      refine: (r) => r,
      scope,
      build: (summary) => (summary.id === "bad" ? { severity: "error", side: "plannr", record: "bad", field: null, code: "CS_VALIDATION", message: "not copied" } : work(summary.id)),
      copy: (w) => {
        copied.push(w.sourceId);
        return Promise.resolve();
      },
      concurrency: 4,
      stopped: () => false,
      report: (issue) => issues.push(`${issue.record}: ${issue.message}`),
    });
    expect(copied).toEqual(["a"]);
    expect(issues).toEqual(["bad: not copied"]);
  });
});

describe("ChangeLog", () => {
  const op = (side: "plannr" | "onlyoffice", record: string | null, kind: string, groups: string[]): WriteOp => ({ side, record, kind, method: "PUT", path: "/x", groups: groups as WriteOp["groups"], body: { large: "x".repeat(100) }, summary: "" });

  it("counts writes per side and lists them in order with their partners, bodies left out", () => {
    const log = new ChangeLog();
    log.add(op("onlyoffice", "17", "case.update", ["title", "value"]), "p-1");
    log.add(op("plannr", "p-2", "participants.add", ["participants"]), "18");
    log.add(op("onlyoffice", "19", "case.update", ["title", "value"]), "p-3");
    log.add(op("onlyoffice", null, "case.create", []), "p-4");
    expect(log.size).toBe(4);
    expect(log.operations("onlyoffice")).toEqual({ "case.update": 2, "case.create": 1 });
    expect(log.operations("plannr")).toEqual({ "participants.add": 1 });
    expect(log.changes()).toEqual([
      { side: "onlyoffice", record: "17", partner: "p-1", operation: "case.update", groups: ["title", "value"] },
      { side: "plannr", record: "p-2", partner: "18", operation: "participants.add", groups: ["participants"] },
      { side: "onlyoffice", record: "19", partner: "p-3", operation: "case.update", groups: ["title", "value"] },
      // A create not made yet has no record, so no partner either.
      { side: "onlyoffice", record: null, partner: null, operation: "case.create", groups: [] },
    ]);
    const [a, , b] = log.changes();
    expect(a?.groups).not.toBe(b?.groups);
  });

  it("lists a migration's 140,000 writes exactly as they were added, through the growth of its columns", () => {
    const log = new ChangeLog();
    const expected: ReturnType<ChangeLog["changes"]> = [];
    for (let i = 0; i < 140_000; i += 1) {
      const uuid = `${(i * 2_654_435_761 % 4_294_967_296).toString(16).padStart(8, "0")}-1b2c-4d3e-8f40-${i.toString(16).padStart(12, "0")}`;
      const write = i % 10 < 7 ? op("onlyoffice", String(1_000 + i), "case.create", []) : op("onlyoffice", String(1_000 + i), "case.close", ["status"]);
      log.add(write, uuid);
      expected.push({ side: "onlyoffice", record: String(1_000 + i), partner: uuid, operation: write.kind, groups: [...write.groups] });
    }
    expect(log.size).toBe(140_000);
    expect(log.operations("onlyoffice")).toEqual({ "case.create": 98_000, "case.close": 42_000 });
    expect(log.changes()).toEqual(expected);
  });
});

// The targeted sync of SPEC §9 (the service's webhooks and scan ticks) runs the same engine over a
// few pairs read by id. What it may conclude from that partial view is what these tests pin down:
// edits cross, echoes cost reads and no writes, a 404 is a delete, a new case is copied once, and
// nothing is copied that a full sync might have to adopt instead.
import { describe, expect, it, vi } from "vitest";
import { findOnlyofficeChanges } from "../../src/engine/changes.js";
import { deriveSettings } from "../../src/engine/context.js";
import { Directory, refineOnlyoffice } from "../../src/engine/directory.js";
import { runEngine, type ReferenceCache, type RunMode } from "../../src/engine/run.js";
import type { Targets } from "../../src/engine/targeted.js";
import { aCase, engineWorld, references, testMapping, type EngineWorld } from "../support/engine-world.js";

const SYNC = { kind: "sync", dryRun: false, allowMassDelete: false, allowMassCreate: true } as const;

function targeted(world: EngineWorld, cache: ReferenceCache, targets: Partial<Targets>) {
  const mode: RunMode = { ...SYNC, targets: { plannr: targets.plannr ?? [], onlyoffice: targets.onlyoffice ?? [] } };
  return runEngine({ plannr: world.plannr, onlyoffice: world.onlyoffice, store: world.store, mapping: world.mapping, references: cache }, mode);
}

async function linkedWorld(n = 3, mapping = testMapping()) {
  const world = engineWorld({ mapping });
  const ids = Array.from({ length: n }, (_, i) => world.plannr.seed(aCase({ title: `Case ${i}` })));
  const cache: ReferenceCache = { plannr: null, onlyoffice: null };
  const first = await runEngine({ plannr: world.plannr, onlyoffice: world.onlyoffice, store: world.store, mapping: world.mapping, references: cache }, SYNC);
  expect(first.exitCode).toBe(0);
  const partner = async (plannrId: string) => (await world.store.getLinkByPlannr(plannrId))?.onlyofficeId ?? "";
  return { world, ids, cache, partner };
}

const requests = (world: EngineWorld) => world.plannr.requestCount() + world.onlyoffice.requestCount();

describe("targeted sync (SPEC §9)", () => {
  it("carries a Plannr edit across reading only that pair: no listing, no reference lists", async () => {
    const { world, ids, cache, partner } = await linkedWorld(5);
    const id = ids[2] ?? "";
    world.plannr.edit(id, (c) => ({ ...c, title: "Renamed in Plannr" }));
    const before = { p: world.plannr.requestCount(), o: world.onlyoffice.requestCount(), lp: world.plannr.listings, lo: world.onlyoffice.listings };
    const report = await targeted(world, cache, { plannr: [id] });
    expect(report.exitCode).toBe(0);
    expect(report.command).toBe("sync (targeted)");
    expect(world.onlyoffice.cases.get(await partner(id))?.case.title).toBe("Renamed in Plannr");
    expect(world.plannr.listings - before.lp).toBe(0);
    expect(world.onlyoffice.listings - before.lo).toBe(0);
    // One read of the Plannr case (its re-read before a write is Plannr's only on Plannr PUTs).
    expect(world.plannr.requestCount() - before.p).toBe(1);
    // The other pairs were left alone.
    for (const other of ids.filter((x) => x !== id)) expect(world.onlyoffice.cases.get(await partner(other))?.case.title).toMatch(/^Case \d$/);
  });

  it("reads the links of the pair in scope once: they are whole, so no second load of their bases", async () => {
    const { world, ids, cache, partner } = await linkedWorld(3);
    const id = ids[1] ?? "";
    world.plannr.edit(id, (c) => ({ ...c, title: "Edited for the base count" }));
    const getLinks = vi.spyOn(world.store, "getLinks");
    const report = await targeted(world, cache, { plannr: [id] });
    expect(report.exitCode).toBe(0);
    expect(world.onlyoffice.cases.get(await partner(id))?.case.title).toBe("Edited for the base count");
    expect(getLinks).not.toHaveBeenCalled();
  });

  it("the engine's own write coming back as a delivery costs one read per side and no write", async () => {
    const { world, ids, cache } = await linkedWorld(2);
    const id = ids[0] ?? "";
    world.plannr.edit(id, (c) => ({ ...c, title: "Once" }));
    await targeted(world, cache, { plannr: [id] });
    const writes = world.plannr.log.length + world.onlyoffice.log.length;
    const before = requests(world);
    const echo = await targeted(world, cache, { plannr: [id] });
    expect(echo.exitCode).toBe(0);
    expect(world.plannr.log.length + world.onlyoffice.log.length).toBe(writes);
    expect(requests(world) - before).toBe(2);
  });

  it("a linked case that answers 404 is deleted, and the delete policy applies (ignore: the partner stays, marked)", async () => {
    const { world, ids, cache, partner } = await linkedWorld(3);
    const id = ids[1] ?? "";
    const other = await partner(id);
    world.plannr.remove(id);
    const report = await targeted(world, cache, { plannr: [id] });
    expect(report.exitCode).toBe(0);
    expect(await world.store.getLinkByPlannr(id)).toBeNull();
    expect(world.onlyoffice.cases.has(other)).toBe(true);
    expect(world.onlyoffice.cases.get(other)?.stamp).toMatch(/^deleted:/);
    // The other pairs are untouched: a partial view is not read as mass deletes.
    expect(await world.store.countLinks()).toBe(2);
  });

  it("a new Plannr case is copied exactly once, however often its delivery repeats", async () => {
    const { world, cache } = await linkedWorld(2);
    const fresh = world.plannr.seed(aCase({ title: "Brand new" }));
    for (let i = 0; i < 3; i += 1) expect((await targeted(world, cache, { plannr: [fresh] })).exitCode).toBe(0);
    const copies = [...world.onlyoffice.cases.values()].filter((c) => c.case.title === "Brand new");
    expect(copies).toHaveLength(1);
    expect(copies[0]?.stamp).toBe(fresh);
    expect((await world.store.getLinkByPlannr(fresh))?.how).toBe("create");
  });

  it("copies nothing while a copy is unconfirmed (its lost answer could be the very case named): the full sync adopts it", async () => {
    const { world, cache } = await linkedWorld(1);
    const source = world.onlyoffice.seed(aCase({ title: "From ONLYOFFICE" }));
    // The copy into Plannr is made but its answer is lost: the journal entry stays open.
    world.plannr.faults.push({ kind: "commit-then-timeout", op: "case.create" });
    const lost = await runEngine({ plannr: world.plannr, onlyoffice: world.onlyoffice, store: world.store, mapping: world.mapping, references: cache }, SYNC);
    expect(lost.exitCode).toBe(3);
    const made = world.plannr.createdByEngine[0] ?? "";
    expect(made).not.toBe("");
    expect(await world.store.listPendingJournal()).toHaveLength(1);
    // Its case.created arrives: the targeted run must not copy it back to ONLYOFFICE.
    const report = await targeted(world, cache, { plannr: [made] });
    expect(report.sides.onlyoffice.operations["case.create"] ?? 0).toBe(0);
    expect([...world.onlyoffice.cases.values()].filter((c) => c.case.title === "From ONLYOFFICE")).toHaveLength(1);
    // The report says the case was left to the full sync: the run did not put the pair in step.
    expect(report.warnings).toContainEqual(expect.objectContaining({ side: "plannr", record: made, code: "CS_DEFERRED" }));
    // The next full sync adopts the lost copy from the journal: one pair, no duplicate.
    const full = await runEngine({ plannr: world.plannr, onlyoffice: world.onlyoffice, store: world.store, mapping: world.mapping, references: cache }, SYNC);
    expect(full.errors).toEqual([]);
    expect((await world.store.getLinkByOnlyoffice(source))?.plannrId).toBe(made);
    expect([...world.plannr.cases.values()].filter((c) => c.case.title === "From ONLYOFFICE")).toHaveLength(1);
  });

  it("with matchExisting on, an unlinked case waits for the full sync (matching looks at the whole other side)", async () => {
    const { world, cache } = await linkedWorld(1, testMapping({ matchExisting: true }));
    const p = world.plannr.seed(aCase({ title: "Same on both" }));
    world.onlyoffice.seed(aCase({ title: "Same on both" }));
    await targeted(world, cache, { plannr: [p] });
    expect([...world.onlyoffice.cases.values()].filter((c) => c.case.title === "Same on both")).toHaveLength(1);
    expect(await world.store.getLinkByPlannr(p)).toBeNull();
  });

  it("an ONLYOFFICE case named by the scan brings its Plannr partner, and a conflict there is queued, not overwritten", async () => {
    const { world, ids, cache, partner } = await linkedWorld(2);
    const id = ids[0] ?? "";
    const o = await partner(id);
    world.onlyoffice.edit(o, (c) => ({ ...c, title: "ONLYOFFICE title" }));
    world.plannr.edit(id, (c) => ({ ...c, title: "Plannr title" }));
    const report = await targeted(world, cache, { onlyoffice: [o] });
    expect(report.exitCode).toBe(3);
    expect(report.conflicts.map((c) => c.group)).toContain("title");
    expect(world.plannr.cases.get(id)?.case.title).toBe("Plannr title");
    expect(world.onlyoffice.cases.get(o)?.case.title).toBe("ONLYOFFICE title");
  });

  it("on a state where no full sync has completed yet, runs over the whole books (a lost state is only seen from everything)", async () => {
    const world = engineWorld();
    const p = world.plannr.seed(aCase({ title: "First" }));
    world.onlyoffice.seed(aCase({ title: "Stamped before the state was lost" }), "p-99999");
    const cache: ReferenceCache = { plannr: null, onlyoffice: null };
    const report = await targeted(world, cache, { plannr: [p] });
    expect(report.command).toBe("sync");
    expect(world.plannr.listings).toBe(1);
    expect(world.onlyoffice.listings).toBe(1);
    // The stamps say the state was lost: the rebuild guard holds the copy back, as a full sync does.
    expect(report.errors.map((e) => e.code)).toContain("CS_STATE");
  });

  it("takes the run lock like any sync: another run holding it means exit 5 and nothing read", async () => {
    const { world, ids, cache } = await linkedWorld(1);
    await world.store.acquireLock({ owner: "someone", host: "h", pid: 1, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const before = requests(world);
    const report = await targeted(world, cache, { plannr: [ids[0] ?? ""] });
    expect(report.exitCode).toBe(5);
    expect(requests(world)).toBe(before);
  });
});

describe("ONLYOFFICE scan tick (findOnlyofficeChanges)", () => {
  async function tick(world: EngineWorld, known: Map<string, string>, signal?: AbortSignal) {
    const refs = references();
    const directory = new Directory(refs.plannr, refs.onlyoffice, world.mapping);
    const scope = { settings: deriveSettings(world.mapping), directory };
    return findOnlyofficeChanges({ onlyoffice: world.onlyoffice, scope, refine: refineOnlyoffice(directory), known, links: () => world.store.listLinks({ bases: false }), signal });
  }

  it("a stop ends the listing at the next record: nothing handed out, nothing forgotten", async () => {
    const { world, ids, partner } = await linkedWorld(4);
    const known = new Map<string, string>();
    await tick(world, known);
    const remembered = new Map(known);
    const o = await partner(ids[1] ?? "");
    world.onlyoffice.edit(o, (c) => ({ ...c, title: "Edited before the stop" }));
    const stop = new AbortController();
    // Stopped while the second record is handed over.
    const listing = world.onlyoffice.listCases.bind(world.onlyoffice);
    let handed = 0;
    world.onlyoffice.listCases = async function* (options) {
      for await (const item of listing(options)) {
        handed += 1;
        if (handed === 2) stop.abort();
        yield item;
      }
    };
    const stopped = await tick(world, known, stop.signal);
    expect(stopped).toMatchObject({ changed: [], complete: false });
    expect(stopped.listed).toBeLessThan(4);
    expect(known).toEqual(remembered);
    // The change is still there for the next tick.
    world.onlyoffice.listCases = listing;
    expect((await tick(world, known)).changed).toEqual([o]);
  });

  it("a listing whose read is cut by the stop answers incomplete instead of throwing", async () => {
    const { world } = await linkedWorld(2);
    const known = new Map<string, string>();
    const stop = new AbortController();
    world.onlyoffice.listCases = async function* () {
      stop.abort();
      yield* [];
      throw new Error("read cut by the stop");
    };
    expect(await tick(world, known, stop.signal)).toMatchObject({ changed: [], complete: false, listed: 0 });
    // Without a stop the same failure is the caller's to see.
    await expect(tick(world, known)).rejects.toThrow("read cut by the stop");
  });

  it("hands out only what moved since its base, once per change, and new cases", async () => {
    const { world, ids, partner } = await linkedWorld(4);
    const known = new Map<string, string>();
    const first = await tick(world, known);
    expect(first).toMatchObject({ changed: [], complete: true, listed: 4, unchanged: 0 });
    const again = await tick(world, known);
    expect(again).toMatchObject({ changed: [], listed: 4, unchanged: 4 });
    const o = await partner(ids[3] ?? "");
    world.onlyoffice.edit(o, (c) => ({ ...c, title: "Edited in ONLYOFFICE" }));
    const fresh = world.onlyoffice.seed(aCase({ title: "New in ONLYOFFICE" }));
    const moved = await tick(world, known);
    expect(moved.changed.sort()).toEqual([o, fresh].sort());
    expect(moved.unchanged).toBe(3);
    // Handed out once: a pair waiting (say, for a person) costs nothing on the next ticks.
    expect((await tick(world, known)).changed).toEqual([]);
    // Forgotten by the caller (its sync failed): handed out again.
    known.delete(o);
    expect((await tick(world, known)).changed).toEqual([o]);
  });

  it("an edit that is undone before the tick is not a change (compared with the base, not the last look)", async () => {
    const { world, ids, partner } = await linkedWorld(2);
    const known = new Map<string, string>();
    await tick(world, known);
    const o = await partner(ids[0] ?? "");
    world.onlyoffice.edit(o, (c) => ({ ...c, title: "Case 0" }));
    const result = await tick(world, known);
    expect(result.changed).toEqual([]);
  });
});

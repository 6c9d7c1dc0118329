// The steps of a sequence (fast-check `AsyncCommand`s): what people do in either system, what an
// operator does with case-sync (sync, decide a conflict, link, unlink, change the mapping, lose the
// state file), each applied to the real system and then to the model. Every step ends with the
// census (no duplicate, no resurrection, nothing vanished, nothing made public); a sync also runs
// every other check (model-sync.ts).
import type fc from "fast-check";
import type { ConflictPolicy } from "../../src/core/mapping.js";
import { census } from "./model-census.js";
import { showEdit, type EditSpec } from "./model-edits.js";
import { check } from "./model-invariants.js";
import { conflictSideValue, engineGroup, sameVal, type Side } from "./model-readers.js";
import { checkUnmapped } from "./model-run-checks.js";
import { comparedKeys, dissolvePair, record, unpaired, type Model } from "./model-state.js";
import { countWrites, leftForFullSync } from "../../src/core/report.js";
import { armRun } from "./model-faults.js";
import { judgePairs } from "./model-judge.js";
import { applyRaw, noteDoubt, syncStep, showHazards, type SyncHazards } from "./model-sync.js";
import { queuedFromStore, remapGroup, restartContact } from "./model-contact.js";
import { createPersonCase, learnEdit, loseState, refreshUnmapped, restartProcess, type CaseSeed, type Real } from "./model-system.js";
import { OO_FIELD } from "./model-world.js";

export type ModelCommand = fc.AsyncCommand<Model, Real>;

const hasPairs = (m: Readonly<Model>) => m.pairs.length > 0;

async function afterStep(m: Model, real: Real): Promise<void> {
  census(m, real.eyes, { report: null, clean: false, runStart: real.clock.time });
  refreshUnmapped(m, real);
  checkUnmapped(m, real.eyes);
  await Promise.resolve();
}

function personEdit(m: Model, real: Real, side: Side, id: string, edit: EditSpec): void {
  const at = real.clock.tick();
  if (applyRaw(m, real, side, id, edit)) learnEdit(m, real, side, id, at);
}

export class EditCommand implements ModelCommand {
  constructor(
    readonly side: Side,
    readonly pair: number,
    readonly edit: EditSpec,
  ) {}
  check = hasPairs;
  async run(m: Model, real: Real): Promise<void> {
    const pair = m.pairs[this.pair % m.pairs.length];
    if (!pair) return;
    personEdit(m, real, this.side, this.side === "plannr" ? pair.plannrId : pair.onlyofficeId, this.edit);
    await afterStep(m, real);
  }
  toString = () => `${this.side} person edits pair#${this.pair}: ${showEdit(this.edit)}`;
}

/** Two people change the same field of one case, one in each system, before the next sync. */
export class ConflictingEditCommand implements ModelCommand {
  constructor(
    readonly pair: number,
    readonly plannr: EditSpec,
    readonly onlyoffice: EditSpec,
  ) {}
  check = hasPairs;
  async run(m: Model, real: Real): Promise<void> {
    const pair = m.pairs[this.pair % m.pairs.length];
    if (!pair) return;
    personEdit(m, real, "onlyoffice", pair.onlyofficeId, this.onlyoffice);
    personEdit(m, real, "plannr", pair.plannrId, this.plannr);
    await afterStep(m, real);
  }
  toString = () => `both edit pair#${this.pair}: onlyoffice ${showEdit(this.onlyoffice)}, then plannr ${showEdit(this.plannr)}`;
}

export class CreateCaseCommand implements ModelCommand {
  constructor(
    readonly side: Side,
    readonly seed: CaseSeed,
  ) {}
  check = () => true;
  async run(m: Model, real: Real): Promise<void> {
    real.clock.tick();
    createPersonCase(m, real, this.side, this.seed);
    await afterStep(m, real);
  }
  toString = () => `${this.side} person creates a case ${JSON.stringify(this.seed)}`;
}

export class DeleteCaseCommand implements ModelCommand {
  constructor(
    readonly side: Side,
    readonly pair: number,
  ) {}
  check = hasPairs;
  async run(m: Model, real: Real): Promise<void> {
    const pair = m.pairs[this.pair % m.pairs.length];
    if (!pair) return;
    real.clock.tick();
    const id = this.side === "plannr" ? pair.plannrId : pair.onlyofficeId;
    if (this.side === "plannr") real.sandbox.plannr.deleteCase(id);
    else real.sandbox.onlyoffice.deleteCase(Number(id));
    dissolvePair(m, pair);
    const gone = record(m, this.side, id);
    if (gone) gone.gone = true;
    const survivor = record(m, this.side === "plannr" ? "onlyoffice" : "plannr", this.side === "plannr" ? pair.onlyofficeId : pair.plannrId);
    if (survivor) survivor.blocked = true;
    m.deletesSinceRun += 1;
    await afterStep(m, real);
  }
  toString = () => `${this.side} person deletes the case of pair#${this.pair}`;
}

export class SyncCommand implements ModelCommand {
  constructor(readonly hazards: SyncHazards) {}
  check = () => true;
  async run(m: Model, real: Real): Promise<void> {
    await syncStep(m, real, this.hazards);
  }
  toString = () => `sync${showHazards(this.hazards)}`;
}

/**
 * The service's cheap paths (SPEC §9): a Plannr delivery or an ONLYOFFICE scan tick names a few
 * cases (any the model knows: paired, new, deleted), and a targeted sync runs over just their
 * pairs, with the run's hazards. Interleaved with full syncs, nothing may be duplicated,
 * resurrected, lost or made public; and a clean one's own writes, coming back as deliveries, are
 * synced again without a single write (no echo).
 */
export class WebhookCommand implements ModelCommand {
  constructor(
    readonly picks: number[],
    readonly hazards: SyncHazards,
  ) {}
  check = (m: Readonly<Model>) => m.records.size > 0;
  private targets(m: Model): { plannr: string[]; onlyoffice: string[] } {
    const known = [...m.records.values()];
    const named = this.picks.map((i) => known[i % known.length]).filter((r) => r !== undefined);
    return { plannr: named.filter((r) => r.side === "plannr").map((r) => r.id), onlyoffice: named.filter((r) => r.side === "onlyoffice").map((r) => r.id) };
  }
  async run(m: Model, real: Real): Promise<void> {
    // The service reconciles (a full sync) before its cheap paths run; a lost state is the full sync's.
    if (m.stateLost) return;
    const targets = this.targets(m);
    const runStart = real.clock.tick();
    noteDoubt(m, this.hazards);
    const armed = armRun(real.sandbox, { faults: this.hazards.faults, strip: this.hazards.strip, race: null });
    let outcome;
    try {
      outcome = await real.process.sync(this.hazards.kill, targets);
    } finally {
      armed.disarm();
    }
    if (outcome.crashed) await restartProcess(m, real);
    const report = outcome.report;
    if (report !== null) check(report.exitCode !== 1, "internal-error", () => JSON.stringify(report.abort ?? report.errors.slice(0, 3)));
    const hazardFree = this.hazards.faults.length === 0 && this.hazards.strip.length === 0 && !outcome.killed;
    const clean = hazardFree && report !== null && report.abort === null;
    census(m, real.eyes, { report, clean: false, runStart });
    refreshUnmapped(m, real);
    // The pairs in scope are judged like a full sync's (their values, conflicts and errors); the model learns their outcome.
    const only = new Set([...targets.plannr, ...targets.onlyoffice]);
    // A case the run says it left to the next full sync (a copy in doubt could be it) is out of
    // its scope, and only ever after faults: a clean history never leaves a case unsynced.
    const deferred = report === null ? [] : leftForFullSync(report);
    check(deferred.length === 0 || m.createsInDoubt, "spurious-deferral", () => `no create can be in doubt, yet the targeted sync left ${deferred.map((w) => `${w.side} ${w.record}`).join(", ")} to the next full sync`);
    const left = new Set(deferred.map((w) => w.record));
    for (const pair of m.pairs) {
      if (!left.has(pair.plannrId) && !left.has(pair.onlyofficeId)) continue;
      only.delete(pair.plannrId);
      only.delete(pair.onlyofficeId);
    }
    judgePairs(m, real.eyes, { report, clean, runStart, pending: await real.process.pendingConflicts(), racedPairs: new Map(), only });
    checkUnmapped(m, real.eyes);
    if (hazardFree && report !== null && report.exitCode === 0 && report.command === "sync (targeted)") {
      const echo = (await real.process.sync(null, targets)).report;
      if (echo !== null) check(countWrites(echo) === 0, "echo", () => `the deliveries of its own writes made ${countWrites(echo)} write(s): ${JSON.stringify({ plannr: echo.sides.plannr.operations, onlyoffice: echo.sides.onlyoffice.operations })}`);
      census(m, real.eyes, { report: echo, clean: false, runStart });
    }
  }
  toString = () => `webhook/scan tick names record#${this.picks.join(",#")}${showHazards(this.hazards)}`;
}

/** `case-sync conflicts resolve <id> --take ...` on a conflict nobody touched since it was queued. */
export class ResolveCommand implements ModelCommand {
  constructor(
    readonly index: number,
    readonly take: "plannr" | "onlyoffice" | "base",
  ) {}
  private static candidates(m: Readonly<Model>): { plannrId: string; group: string; keys: string[] }[] {
    const out: { plannrId: string; group: string; keys: string[] }[] = [];
    for (const pair of m.pairs) {
      const byGroup = new Map<string, string[]>();
      for (const key of comparedKeys(m)) byGroup.set(engineGroup(key), [...(byGroup.get(engineGroup(key)) ?? []), key]);
      for (const [group, keys] of byGroup) {
        const states = keys.map((k) => pair.groups.get(k));
        const queued = states.some((g) => g?.queued === true);
        const untouched = states.every((g) => g !== undefined && g.decision === null && (g.queuedOn === null || (sameVal(g.queuedOn.p, g.p.value) && sameVal(g.queuedOn.o, g.o.value))));
        if (queued && untouched) out.push({ plannrId: pair.plannrId, group, keys });
      }
    }
    return out;
  }
  check = (m: Readonly<Model>) => ResolveCommand.candidates(m).length > 0;
  async run(m: Model, real: Real): Promise<void> {
    const candidates = ResolveCommand.candidates(m);
    const chosen = candidates[this.index % candidates.length];
    const pair = m.pairs.find((p) => p.plannrId === chosen?.plannrId);
    if (!chosen || !pair) return;
    const conflict = (await real.process.pendingConflicts()).find((c) => c.plannrId === chosen.plannrId && c.group === chosen.group);
    check(conflict !== undefined, "queued-conflict", () => `the model saw a pending ${chosen.group} conflict on Plannr ${chosen.plannrId} after the last sync, and it is gone before any run`);
    if (!conflict) return;
    const groups = chosen.keys.map((k) => pair.groups.get(k));
    const take = this.take === "base" && groups.some((g) => g?.agreed === undefined) ? "plannr" : this.take;
    await real.process.resolve(conflict.id, take);
    // The person decides between the values the conflict shows them.
    chosen.keys.forEach((key, i) => {
      const g = groups[i];
      if (g) g.decision = { take, p: conflictSideValue(key, conflict.plannr, g.p.value), o: conflictSideValue(key, conflict.onlyoffice, g.o.value), base: g.agreed };
    });
    await afterStep(m, real);
  }
  toString = () => `conflicts resolve #${this.index} --take ${this.take}`;
}

export class UnlinkCommand implements ModelCommand {
  constructor(readonly pair: number) {}
  check = hasPairs;
  async run(m: Model, real: Real): Promise<void> {
    const pair = m.pairs[this.pair % m.pairs.length];
    if (!pair) return;
    real.clock.tick();
    // Right after a lost state the links are not rebuilt yet: `unlink` says "not linked", and a
    // person waits for the next sync.
    if (!(await real.process.links()).some((l) => l.plannrId === pair.plannrId)) return;
    await real.process.unlink(pair.plannrId);
    dissolvePair(m, pair);
    // Neither case gets a new partner automatically (src/library/admin.ts).
    for (const r of [record(m, "plannr", pair.plannrId), record(m, "onlyoffice", pair.onlyofficeId)]) if (r) r.blocked = true;
    await afterStep(m, real);
  }
  toString = () => `case-sync unlink pair#${this.pair}`;
}

/** A person makes a new ONLYOFFICE case for an unlinked Plannr case and links the two by hand. */
export class LinkNewCommand implements ModelCommand {
  constructor(
    readonly index: number,
    readonly seed: CaseSeed,
  ) {}
  check = (m: Readonly<Model>) => unpaired(m, "plannr").length > 0;
  async run(m: Model, real: Real): Promise<void> {
    const candidates = unpaired(m, "plannr");
    const p = candidates[this.index % candidates.length];
    if (!p) return;
    real.clock.tick();
    // Its old partner may be deleted and the link not yet dropped by a sync: the person follows
    // the hint and unlinks first (and waits for a sync if even that is refused).
    if ((await real.process.links()).some((l) => l.plannrId === p.id)) {
      const unlinked = await real.process.unlink(p.id).then(
        () => true,
        () => false,
      );
      if (!unlinked) return;
    }
    const o = createPersonCase(m, real, "onlyoffice", this.seed);
    await real.process.link(p.id, o.id);
    p.pairedWith = p.id;
    o.pairedWith = p.id;
    const pair = { plannrId: p.id, onlyofficeId: o.id, groups: new Map() };
    m.pairs.push(pair);
    restartContact(m, real, comparedKeys(m), [pair]);
    await afterStep(m, real);
  }
  toString = () => `person creates an ONLYOFFICE case ${JSON.stringify(this.seed)} and runs case-sync link for unlinked Plannr case #${this.index}`;
}

export class MapRiskCommand implements ModelCommand {
  check = () => true;
  async run(m: Model, real: Real): Promise<void> {
    real.clock.tick();
    m.mapping.riskMapped = !m.mapping.riskMapped;
    await restartProcess(m, real);
    remapGroup(m, real, "risk", !m.mapping.riskMapped, m.mapping.riskMapped, m.mapping.riskMapped);
    await queuedFromStore(m, real, ["risk"]);
    refreshUnmapped(m, real);
  }
  toString = () => "mapping: toggle the custom field risk (Plannr risk_score ↔ ONLYOFFICE field 2)";
}

export class RepointValueCommand implements ModelCommand {
  check = () => true;
  async run(m: Model, real: Real): Promise<void> {
    real.clock.tick();
    const before = m.mapping.valueField;
    m.mapping.valueField = before === OO_FIELD.value ? OO_FIELD.spareValue : OO_FIELD.value;
    await restartProcess(m, real);
    remapGroup(m, real, "value", before, m.mapping.valueField, true);
    await queuedFromStore(m, real, ["value"]);
    refreshUnmapped(m, real);
  }
  toString = () => "mapping: re-point fields.value.onlyofficeField to the other value field (9 ↔ 11)";
}

export class PolicyCommand implements ModelCommand {
  constructor(readonly policy: ConflictPolicy) {}
  check = (m: Readonly<Model>) => m.mapping.policy !== this.policy;
  async run(m: Model, real: Real): Promise<void> {
    m.mapping.policy = this.policy;
    await restartProcess(m, real);
  }
  toString = () => `mapping: conflicts.default = ${this.policy}`;
}

export class MirrorCommand implements ModelCommand {
  check = (m: Readonly<Model>) => m.mirrorSupported && !m.mapping.mirror;
  async run(m: Model, real: Real): Promise<void> {
    m.mapping.mirror = true;
    await restartProcess(m, real);
  }
  toString = () => "mapping: turn on the opt-in Plannr mirror stamp (plannr.mirrorField)";
}

/** The state file is lost right after a clean run (so every link is stamped and can be rebuilt). */
export class LoseStateCommand implements ModelCommand {
  check = (m: Readonly<Model>) => m.lastRunClean && m.pairs.length > 0;
  async run(m: Model, real: Real): Promise<void> {
    real.clock.tick();
    await loseState(m, real);
    m.unseenMapping.clear();
    m.leftBases.clear();
    restartContact(m, real, comparedKeys(m));
    m.lastRunStart = null;
    m.lastRunClean = false;
    m.stateLost = true;
  }
  toString = () => "the state file is deleted";
}

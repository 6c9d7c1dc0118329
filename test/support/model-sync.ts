// One sync as a step of the sequence: arm the hazards of this run, run the real engine, then check
// everything a person would notice (the report, the cases on both sides, every pair's fields, the
// links, the fields nobody mapped) and let the model learn the outcome. A clean, error-free run
// is followed at once by a second one, which must write nothing (invariant 2, fixpoint).
import { countWrites, type RunReport } from "../../src/core/report.js";
import type { StrippableKey } from "../../src/sandbox/plannr/answer-gaps.js";
import { census } from "./model-census.js";
import { editOnlyoffice, editPlannr, showEdit, type EditSpec } from "./model-edits.js";
import { armRun, showFault, type FaultSpec } from "./model-faults.js";
import { judgePairs, type RacedCase } from "./model-judge.js";
import { check } from "./model-invariants.js";
import type { KillPlan } from "./model-kill.js";
import type { Side } from "./model-readers.js";
import { checkLinks, checkMirror, checkReport, checkUnmapped, destructiveChanges } from "./model-run-checks.js";
import type { Model } from "./model-state.js";
import { learnEdit, learnSaved, readSaved, refreshUnmapped, restartProcess, type Real, type SavedCase } from "./model-system.js";
import { OO_FIELD } from "./model-world.js";

export interface RaceSpec {
  pair: number;
  side: Side;
  edit: EditSpec;
}

export interface SyncHazards {
  faults: FaultSpec[];
  strip: StrippableKey[];
  kill: KillPlan | null;
  race: RaceSpec | null;
}

export const NO_HAZARDS: SyncHazards = { faults: [], strip: [], kill: null, race: null };

export function showHazards(h: SyncHazards): string {
  const parts = [
    ...h.faults.map(showFault),
    ...(h.strip.length > 0 ? [`Plannr answers lack ${h.strip.join("+")}`] : []),
    ...(h.kill ? [`${h.kill.mode} at write #${h.kill.at}`] : []),
    ...(h.race ? [`meanwhile ${h.race.side} edit on pair #${h.race.pair}: ${showEdit(h.race.edit)}`] : []),
  ];
  return parts.length === 0 ? "" : ` [${parts.join("; ")}]`;
}

export function applyRaw(m: Model, real: Real, side: Side, id: string, edit: EditSpec): boolean {
  if (side === "plannr") {
    const c = real.sandbox.plannr.getCase(id);
    return c !== undefined && editPlannr(real.sandbox, c, edit);
  }
  const c = real.sandbox.onlyoffice.getCase(Number(id));
  return c !== undefined && editOnlyoffice(real.sandbox, c, edit, m.mapping.valueField);
}

/**
 * A lost state with no stamped ONLYOFFICE case left looks exactly like a first installation: the
 * tool cannot know which cases were unlinked or lost their partner, so copying them is forgiven
 * (a person relinks by hand). With any stamp left, it must know it is rebuilding (issue 8 item 11).
 */
function forgiveUnknowable(m: Model, real: Real): void {
  const stamped = real.eyes.ids("onlyoffice").some((id) => real.eyes.onlyofficeField(id, OO_FIELD.link) !== null);
  if (stamped) return;
  for (const r of m.records.values()) {
    if (r.pairedWith !== null) continue;
    r.blocked = false;
    r.copied = false;
  }
}

/** A run with faults or a kill may leave a create in doubt until a clean full sync settles it. */
export function noteDoubt(m: Model, hazards: SyncHazards): void {
  if (hazards.faults.length > 0 || hazards.kill !== null) m.createsInDoubt = true;
}

/** The model after a run: what it may now assume about the engine's own bookkeeping. */
function afterRun(m: Model, runStart: number, report: RunReport | null, killed: boolean, clean: boolean): void {
  if (m.unseenMapping.size > 0) {
    // The engine has now run with the changed mapping; a run that stopped part-way may have
    // based some pairs on it and not others.
    if (report === null || killed || report.abort !== null) {
      for (const key of m.unseenMapping.keys()) {
        for (const pair of m.pairs) {
          const g = pair.groups.get(key);
          if (g) g.loose = true;
        }
      }
    }
    m.unseenMapping.clear();
  }
  m.lastRunStart = runStart;
  if (report !== null && report.abort === null) {
    m.deletesSinceRun = 0;
    m.stateLost = false;
  }
  m.lastRunClean = clean && report !== null && report.errors.length === 0;
  if (m.lastRunClean) m.createsInDoubt = false;
}

export async function syncStep(m: Model, real: Real, hazards: SyncHazards, fixpointOf = false): Promise<void> {
  const runStart = real.clock.tick();
  if (m.stateLost) forgiveUnknowable(m, real);
  noteDoubt(m, hazards);
  const destructive = destructiveChanges(m, m.deletesSinceRun);
  const racePair = hazards.race !== null && m.pairs.length > 0 ? m.pairs[hazards.race.pair % m.pairs.length] : undefined;
  const race = hazards.race;
  const raceTarget = race && racePair ? { side: race.side, id: race.side === "plannr" ? racePair.plannrId : racePair.onlyofficeId, edit: race.edit } : null;
  // The case just before and just after the person saved it mid-run (the run may overwrite it).
  const seen: { before: SavedCase | null; saved: SavedCase | null } = { before: null, saved: null };
  const armed = armRun(real.sandbox, {
    faults: hazards.faults,
    strip: hazards.strip,
    race:
      raceTarget === null
        ? null
        : () => {
            const before = readSaved(m, real, raceTarget.side, raceTarget.id);
            if (!applyRaw(m, real, raceTarget.side, raceTarget.id, raceTarget.edit)) return;
            seen.before = before;
            seen.saved = readSaved(m, real, raceTarget.side, raceTarget.id);
          },
  });
  let outcome;
  try {
    outcome = await real.process.sync(hazards.kill);
  } finally {
    armed.disarm();
  }
  if (outcome.crashed) await restartProcess(m, real);
  const raced = armed.raceFired();
  // A person's edit made while the run applied: theirs, and it must survive.
  if (seen.saved !== null) learnSaved(m, seen.saved, runStart);
  const report = outcome.report;
  const hazardFree = hazards.faults.length === 0 && hazards.strip.length === 0 && !outcome.killed && !raced;
  const clean = hazardFree && report !== null && report.abort === null;

  if (report !== null) {
    const blips = hazards.faults.length > 0 && hazards.faults.every((f) => f.kind !== "refuse-close" && f.kind !== "page-down") && !outcome.killed;
    checkReport({ report, clean: hazardFree, blips, pageDownFired: armed.pageDownFired(), destructive });
  }
  census(m, real.eyes, { report, clean, runStart });
  refreshUnmapped(m, real);
  const pending = await real.process.pendingConflicts();
  const racedPairs = new Map<string, RacedCase>();
  if (racePair && raced && race) racedPairs.set(racePair.plannrId, { side: race.side, before: seen.before?.values ?? null });
  judgePairs(m, real.eyes, { report, clean, runStart, pending, racedPairs });
  checkUnmapped(m, real.eyes);
  if (clean) {
    checkLinks(m, await real.process.links());
    checkMirror(m, real.eyes);
  }
  // Last, so that a run that wrote what it should not is named by what it broke, if it broke more.
  if (fixpointOf && report !== null) {
    check(countWrites(report) === 0, "fixpoint", () => `${countWrites(report)} write(s): ${JSON.stringify({ plannr: report.sides.plannr.operations, onlyoffice: report.sides.onlyoffice.operations })}`);
  }
  afterRun(m, runStart, report, outcome.killed, clean);

  if (m.lastRunClean && !fixpointOf) await syncStep(m, real, NO_HAZARDS, true);
  if (raceTarget && !raced) {
    // Nothing was applied this run, so the person's edit simply comes after it.
    const at = real.clock.tick();
    if (applyRaw(m, real, raceTarget.side, raceTarget.id, raceTarget.edit)) learnEdit(m, real, raceTarget.side, raceTarget.id, at);
  }
}

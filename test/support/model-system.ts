// The system under test of one property run, and the small operations on it that are not a sync:
// starting everything, a person creating a case, the model learning a person's edit, restarting
// the case-sync process (a mapping change, a crash), losing the state file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock } from "./model-clock.js";
import { DATES, DRINKS, NOTES, RISKS, VALUES } from "./model-edits.js";
import { ModelEyes, type Side, type Val } from "./model-readers.js";
import { readUnmapped, unmappedKey } from "./model-run-checks.js";
import { comparedKeys, newModel, recordKey, tagTitle, type Model, type RecordModel } from "./model-state.js";
import { CaseSyncProcess } from "./model-process.js";
import { buildMapping, mirrorSupported, OO_FIELD, startModelSandbox, type ModelSandbox } from "./model-world.js";

export interface Real {
  sandbox: ModelSandbox;
  eyes: ModelEyes;
  clock: VirtualClock;
  dir: string;
  statePath: string;
  process: CaseSyncProcess;
}

/** A new case as a person fills it in (indices into the edit domains; masks pick people). */
export interface CaseSeed {
  closed: boolean;
  value: number;
  reviewAt: number;
  drink: number;
  notes: number;
  risk: number;
  /** Bit k: client k is on the case (at least one always is). */
  clients: number;
  /** Bit k: employee k is assigned (Plannr) / has access (ONLYOFFICE, which makes it private). */
  staff: number;
}

export async function startSystem(seed: number): Promise<{ model: Model; real: Real }> {
  const clock = new VirtualClock();
  const sandbox = await startModelSandbox(seed, clock);
  const dir = mkdtempSync(join(tmpdir(), "case-sync-model-"));
  const statePath = join(dir, "state.db");
  const model = newModel(sandbox.cast, mirrorSupported());
  const process = await CaseSyncProcess.start({ sandbox, statePath, clock, mapping: buildMapping(model.mapping) });
  return { model, real: { sandbox, eyes: new ModelEyes(sandbox), clock, dir, statePath, process } };
}

export async function stopSystem(real: Real): Promise<void> {
  await real.process.close().catch(() => undefined);
  await real.sandbox.close();
  rmSync(real.dir, { recursive: true, force: true });
}

/** A new process on the same state file, with the model's current mapping. */
export async function restartProcess(m: Model, real: Real): Promise<void> {
  await real.process.close().catch(() => undefined);
  real.process = await CaseSyncProcess.start({ sandbox: real.sandbox, statePath: real.statePath, clock: real.clock, mapping: buildMapping(m.mapping) });
}

/** The state file is deleted (a new disk, a wiped container): the next run starts from nothing. */
export async function loseState(m: Model, real: Real): Promise<void> {
  await real.process.close().catch(() => undefined);
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${real.statePath}${suffix}`, { force: true });
  await restartProcess(m, real);
}

function pick<T>(list: readonly T[], bits: number, fallback: number): T[] {
  const chosen = list.filter((_, k) => (bits >> k) & 1);
  return chosen.length > 0 ? chosen : [list[fallback % list.length] as T];
}

export function createPersonCase(m: Model, real: Real, side: Side, seed: CaseSeed): RecordModel {
  const { sandbox, clock } = real;
  const tag = `T${m.nextTag++}`;
  const title = tagTitle(tag, "new");
  const clients = pick(m.cast.clients, seed.clients, m.nextTag);
  const staff = m.cast.employees.filter((_, k) => (seed.staff >> k) & 1);
  const value = VALUES[seed.value] ?? null;
  const day = DATES[seed.reviewAt] ?? null;
  const drink = DRINKS[seed.drink] ?? null;
  const risk = RISKS[seed.risk] ?? null;
  let id: string;
  if (side === "plannr") {
    const notes = seed.notes === 3 ? null : (NOTES[seed.notes] ?? null);
    id = sandbox.plannr.createCaseDirect({
      name: title,
      participantUuids: clients.map((c) => c.plannrUuid ?? ""),
      statusUuid: seed.closed ? m.cast.statusUuid.closed : m.cast.statusUuid.open,
      assignedToUuids: staff.map((s) => s.plannrUuid),
      reviewAt: day === null ? null : `${day}T12:00:00+00:00`,
      value,
      customFields: { favourite_drink: drink, notes, risk_score: risk },
    }).uuid;
  } else {
    const fields: Record<number, string> = {
      [OO_FIELD.drink]: drink ?? "",
      [OO_FIELD.notes]: NOTES[seed.notes] ?? "",
      [m.mapping.valueField]: value === null ? "" : (value / 100).toFixed(2),
      [OO_FIELD.reviewAt]: day ?? "",
      [OO_FIELD.risk]: risk === null ? "" : String(risk),
    };
    id = String(
      sandbox.onlyoffice.createCaseDirect({
        title,
        isClosed: seed.closed,
        isPrivate: staff.length > 0,
        accessList: staff.map((s) => s.onlyofficeId),
        memberIds: clients.map((c) => c.onlyofficeId ?? 0),
        customFields: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== "")),
        created: clock.now(),
      }).id,
    );
  }
  const r: RecordModel = { side, id, origin: "person", gone: false, blocked: false, pairedWith: null, copied: false, private: side === "onlyoffice" ? real.eyes.isPrivate(id) : null, touchedAt: clock.time };
  m.records.set(recordKey(side, id), r);
  refreshUnmapped(m, real);
  return r;
}

/** The unmapped fields of every live case, as the model watches them (see checkUnmapped). */
export function unmappedFields(m: Model): { plannr: string[]; onlyoffice: number[] } {
  const spare = m.mapping.valueField === OO_FIELD.value ? OO_FIELD.spareValue : OO_FIELD.value;
  return { plannr: m.mapping.riskMapped ? [] : ["risk_score"], onlyoffice: [spare, ...(m.mapping.riskMapped ? [] : [OO_FIELD.risk])] };
}

/** Starts watching unmapped fields of new cases, and stops watching fields that became mapped. */
export function refreshUnmapped(m: Model, real: Real): void {
  const fields = unmappedFields(m);
  const wanted = new Set<string>();
  for (const r of m.records.values()) {
    if (r.gone) continue;
    for (const field of r.side === "plannr" ? fields.plannr : fields.onlyoffice) wanted.add(unmappedKey(r.side, r.id, field));
  }
  for (const key of [...m.unmapped.keys()]) if (!wanted.has(key)) m.unmapped.delete(key);
  for (const key of wanted) if (!m.unmapped.has(key)) m.unmapped.set(key, readUnmapped(real.eyes, key));
}

/** What a person sees of one case right after saving it (compared values and unmapped fields). */
export interface SavedCase {
  side: Side;
  id: string;
  values: Map<string, Val> | null;
  unmapped: Map<string, Val>;
}

export function readSaved(m: Model, real: Real, side: Side, id: string): SavedCase {
  const unmapped = new Map<string, Val>();
  for (const key of m.unmapped.keys()) if (key.startsWith(`${side}:${id}:`)) unmapped.set(key, readUnmapped(real.eyes, key));
  return { side, id, values: real.eyes.read(side, id, m.mapping.valueField), unmapped };
}

/**
 * The model learns what a person saved on one case: every compared value that moved is that
 * person's edit, made at `at`; unmapped fields they changed are watched at their new value.
 */
export function learnSaved(m: Model, saved: SavedCase, at: number): void {
  const { side, id, values } = saved;
  const touched = m.records.get(recordKey(side, id));
  if (touched) touched.touchedAt = at;
  const pair = m.pairs.find((p) => (side === "plannr" ? p.plannrId : p.onlyofficeId) === id);
  if (pair && values) {
    for (const key of comparedKeys(m)) {
      const value = values.get(key) ?? null;
      const g = pair.groups.get(key);
      if (!g) continue;
      const s = side === "plannr" ? g.p : g.o;
      if (s.value !== value) {
        s.value = value;
        s.at = at;
      }
    }
  }
  for (const [key, value] of saved.unmapped) m.unmapped.set(key, value);
}

export function learnEdit(m: Model, real: Real, side: Side, id: string, at: number): void {
  learnSaved(m, readSaved(m, real, side, id), at);
}

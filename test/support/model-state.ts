// The reference model: what a person expects of the two systems. It knows every case a person
// made, which copies the tool made of them, which pairs are linked, and per pair and field group
// the value a person last saw on each side and the last value both sides agreed on ("the base").
// Whether an edit must survive follows from that: a side that moved away from the agreed value
// holds a person's edit, and only a conflict settled by policy or by a person may replace it.
import { assigneeKey, participantKey, SCALAR_KEYS, type Side, type Val } from "./model-readers.js";
import { INITIAL_MAPPING, type Cast, type MappingState } from "./model-world.js";

export interface SideValue {
  value: Val;
  /** When this side's value last changed (a person's edit, or the start of the run that wrote it). */
  at: number;
}

export interface Decision {
  take: "plannr" | "onlyoffice" | "base";
  /** The values the person decided between; a later edit makes the decision stale. */
  p: Val;
  o: Val;
  base: Val | undefined;
}

export interface GroupState {
  /** The last value both sides agreed on; undefined: none yet (first contact, SPEC §2). */
  agreed: Val | undefined;
  p: SideValue;
  o: SideValue;
  /** A conflict on this group waits in the state store for a person. */
  queued: boolean;
  /** The values both sides held when the pending conflict was last seen (what a person decides on). */
  queuedOn: { p: Val; o: Val } | null;
  decision: Decision | null;
  /**
   * The engine's own base may differ from `agreed` (a run died between a write and its commit,
   * or the write failed half-way): any outcome that keeps each side at one of the two values is
   * acceptable until a clean run settles the group.
   */
  loose: boolean;
}

export interface RecordModel {
  side: Side;
  id: string;
  origin: "person" | "copy";
  gone: boolean;
  /** Never to be given a partner automatically (its partner was deleted, or it was unlinked). */
  blocked: boolean;
  /** The plannr id of its pair, while paired. */
  pairedWith: string | null;
  /** A copy of it exists (or existed): it is never copied twice. */
  copied: boolean;
  /** ONLYOFFICE only: privacy as last seen, to catch an automatic private → public. */
  private: boolean | null;
  /** When a person (or the create) last changed anything on it: no later than its `updated_at`. */
  touchedAt: number;
}

export interface PairModel {
  plannrId: string;
  onlyofficeId: string;
  groups: Map<string, GroupState>;
}

export interface Model {
  cast: Cast;
  records: Map<string, RecordModel>;
  pairs: PairModel[];
  mapping: MappingState;
  mirrorSupported: boolean;
  nextTag: number;
  /** Start of the previous sync run (`newest-wins` may favour ONLYOFFICE only for older Plannr edits). */
  lastRunStart: number | null;
  /** The last run was clean and error-free (so every link is stamped). */
  lastRunClean: boolean;
  /**
   * A run met faults or died since the last clean full sync: a create may be in doubt, so a
   * targeted sync may leave unlinked cases to the next full sync (CS_DEFERRED). Never otherwise.
   */
  createsInDoubt: boolean;
  /** The state file was lost and no run has rebuilt it yet. */
  stateLost: boolean;
  /** Linked cases a person deleted since the last run that got past its breakers. */
  deletesSinceRun: number;
  /**
   * Mapping changes no run has seen yet, per model key: the setting before and each pair's group
   * state then. Changed back before any run, the engine's bases for it still hold.
   */
  unseenMapping: Map<string, { setting: unknown; groups: Map<string, GroupState | undefined> }>;
  /**
   * Per `key=setting` left behind, the pairs that had a base under it: the engine may still hold
   * that base, so going back to the setting is not a clean first contact for them.
   */
  leftBases: Map<string, Set<string>>;
  /** Values a person set in fields that are not mapped right now: the tool must never touch them. */
  unmapped: Map<string, Val>;
}

export function recordKey(side: Side, id: string): string {
  return `${side}:${id}`;
}

export function newModel(cast: Cast, mirrorSupported: boolean): Model {
  return { cast, records: new Map(), pairs: [], mapping: { ...INITIAL_MAPPING }, mirrorSupported, nextTag: 1, lastRunStart: null, lastRunClean: false, createsInDoubt: false, stateLost: false, deletesSinceRun: 0, unseenMapping: new Map(), leftBases: new Map(), unmapped: new Map() };
}

/** The model keys compared under the current mapping. */
export function comparedKeys(m: Pick<Model, "cast" | "mapping">): string[] {
  const scalars = SCALAR_KEYS.filter((k) => k !== "risk" || m.mapping.riskMapped);
  return [...scalars, ...m.cast.clients.map((c) => participantKey(c.plannrEmail ?? "")), ...m.cast.employees.map((s) => assigneeKey(s.email))];
}

/** A group with no base yet: the engine learns one on its next run (equal values), else a conflict. */
export function firstContact(p: Val, o: Val, at: { p: number; o: number }): GroupState {
  return { agreed: undefined, p: { value: p, at: at.p }, o: { value: o, at: at.o }, queued: false, queuedOn: null, decision: null, loose: false };
}

export function agreedGroup(value: Val, at: number): GroupState {
  return { agreed: value, p: { value, at }, o: { value, at }, queued: false, queuedOn: null, decision: null, loose: false };
}

export function record(m: Model, side: Side, id: string): RecordModel | undefined {
  return m.records.get(recordKey(side, id));
}

/** Unpaired live cases of one side that a person made (or relinked), in a stable order. */
export function unpaired(m: Pick<Model, "records">, side: Side): RecordModel[] {
  return [...m.records.values()].filter((r) => r.side === side && !r.gone && r.pairedWith === null);
}

export function dissolvePair(m: Model, pair: PairModel): void {
  m.pairs = m.pairs.filter((p) => p !== pair);
  for (const [side, id] of [
    ["plannr", pair.plannrId],
    ["onlyoffice", pair.onlyofficeId],
  ] as const) {
    const r = record(m, side, id);
    if (r) r.pairedWith = null;
  }
}

export function tagTitle(tag: string, word: string): string {
  return `[${tag}] ${word}`;
}

export function tagOf(title: string | null): string | null {
  return /^\[([A-Za-z0-9]+)\]/.exec(title ?? "")?.[1] ?? null;
}

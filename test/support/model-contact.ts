// First contact (SPEC §2): a pair or a field group with no base yet — a hand link, a lost state,
// a newly mapped or re-pointed field — and what the model may assume about the engine's bases
// across mapping changes: a change undone before any run leaves them as they were, a target some
// pairs had a base for may still be judged by it, and pending conflicts outlive the change.
import { keepSetGroupsWhole } from "./model-judge.js";
import { engineGroup } from "./model-readers.js";
import { comparedKeys, firstContact, recordKey, type Model } from "./model-state.js";
import type { Real } from "./model-system.js";

/** First contact for some groups of every pair (a newly mapped or re-pointed field, a hand link, a lost state). */
export function restartContact(m: Model, real: Real, keys: readonly string[], pairs = m.pairs): void {
  for (const pair of pairs) {
    const pv = real.eyes.read("plannr", pair.plannrId, m.mapping.valueField);
    const ov = real.eyes.read("onlyoffice", pair.onlyofficeId, m.mapping.valueField);
    for (const key of keys) {
      // `newest-wins` judges by Plannr's updated_at: the case's last touch, not this field's.
      const touched = m.records.get(recordKey("plannr", pair.plannrId))?.touchedAt ?? real.clock.time;
      const g = firstContact(pv?.get(key) ?? null, ov?.get(key) ?? null, { p: touched, o: real.clock.time });
      pair.groups.set(key, g);
    }
    keepSetGroupsWhole(pair, comparedKeys(m));
  }
}

/**
 * A mapping change for one group: first contact for it (a re-pointed or newly mapped field has no
 * base yet), unless it undoes a change no run has seen, which leaves the engine's bases as they were.
 */
export function remapGroup(m: Model, real: Real, key: string, before: unknown, after: unknown, compared: boolean): void {
  const unseen = m.unseenMapping.get(key);
  if (unseen !== undefined && JSON.stringify(unseen.setting) === JSON.stringify(after)) {
    m.unseenMapping.delete(key);
    for (const pair of m.pairs) {
      const saved = unseen.groups.get(pair.plannrId);
      if (saved === undefined) continue;
      const pv = real.eyes.read("plannr", pair.plannrId, m.mapping.valueField)?.get(key) ?? null;
      const ov = real.eyes.read("onlyoffice", pair.onlyofficeId, m.mapping.valueField)?.get(key) ?? null;
      if (saved.p.value !== pv) saved.p = { value: pv, at: real.clock.time };
      if (saved.o.value !== ov) saved.o = { value: ov, at: real.clock.time };
      // A decision a person made in between lives in the store, whatever the mapping.
      const current = pair.groups.get(key);
      if (current?.decision) saved.decision = current.decision;
      pair.groups.set(key, saved);
    }
    return;
  }
  if (unseen === undefined) m.unseenMapping.set(key, { setting: before, groups: new Map(m.pairs.map((p) => [p.plannrId, p.groups.get(key)])) });
  const left = m.leftBases.get(`${key}=${JSON.stringify(before)}`) ?? new Set<string>();
  for (const pair of m.pairs) if (pair.groups.get(key)?.agreed !== undefined) left.add(pair.plannrId);
  m.leftBases.set(`${key}=${JSON.stringify(before)}`, left);
  if (!compared) {
    for (const pair of m.pairs) pair.groups.delete(key);
    return;
  }
  restartContact(m, real, [key]);
  // Back to a target some pairs had a base for: the engine may still judge them by that base.
  const held = m.leftBases.get(`${key}=${JSON.stringify(after)}`);
  for (const pair of m.pairs) {
    const g = pair.groups.get(key);
    if (g && held?.has(pair.plannrId)) g.loose = true;
  }
}

/**
 * Conflicts outlive a mapping change in the state store: whether a group of a pair waits for a
 * person is what the store says, not what the model assumed before the change.
 */
export async function queuedFromStore(m: Model, real: Real, keys: readonly string[]): Promise<void> {
  const pending = await real.process.pendingConflicts();
  for (const pair of m.pairs) {
    for (const key of keys) {
      const g = pair.groups.get(key);
      if (!g) continue;
      g.queued = pending.some((c) => c.plannrId === pair.plannrId && c.group === engineGroup(key));
      g.queuedOn = g.queued ? { p: g.p.value, o: g.o.value } : null;
    }
  }
}

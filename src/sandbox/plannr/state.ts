// The Plannr simulator's cases and the rules Plannr enforces on them (no HTTP here): a case needs a
// client participant and may never lose its last one; assignees are employees; custom fields are
// typed, keyed by reference and refused where their conditions do not hold (judged against the
// case's new status and type); `completed_at` follows the status unless set explicitly; money is
// integer pennies; every change bumps `updated_at`. Rule violations throw PlannrValidationError
// with Laravel's error keys (checks in case-rules.ts), so the HTTP layer and direct edits ("a user
// in the UI") agree. Every stored change is announced to the store's listeners (the webhooks), once,
// whichever door it came through.
import { createRng, type Rng, type World } from "../world.js";
import type { PlannrCatalog } from "./catalog.js";
import { sortCases, type CaseSortField, type SortKey } from "./ordering.js";
import { checkChanges, checkName, checkParticipants } from "./case-rules.js";
import { coerceFieldValue, type FieldValue } from "./custom-fields.js";
import { formatLondon, normalizeTimestamp } from "./london-time.js";
import { ErrorBag } from "./validation.js";
import type { CaseChange, CaseChanges, CaseEventName, NewCase, SimPlannrCase } from "./case-model.js";

export type { FieldValue } from "./custom-fields.js";
export type { CaseChange, CaseChanges, CaseEventName, NewCase, SimPlannrCase } from "./case-model.js";

function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

const unique = (items: readonly string[]): string[] => [...new Set(items)];

export class CaseStore {
  private readonly cases = new Map<string, SimPlannrCase>();
  private readonly lastPosition = new Map<string, number>();
  private readonly rng: Rng;
  private version = 0;
  private sortCache = new Map<string, SimPlannrCase[]>();
  private sortCacheVersion = -1;
  private listeners: ((change: CaseChange) => void)[] = [];

  constructor(
    private readonly catalog: PlannrCatalog,
    world: World,
    private readonly now: () => Date,
  ) {
    // Its own stream, so new uuids do not depend on how many values the world drew.
    this.rng = createRng((world.seed ^ 0x5eed_ca5e) >>> 0);
    for (const seed of world.plannrCases) {
      const status = this.catalog.status(seed.statusUuid);
      if (!status) throw new Error(`world case ${seed.uuid} has an unknown status`);
      const createdAt = normalizeTimestamp(seed.createdAt) ?? seed.createdAt;
      const customFields: Record<string, FieldValue> = {};
      for (const [reference, raw] of Object.entries(seed.customFields)) {
        const field = this.catalog.field(reference);
        const coerced = field ? coerceFieldValue(field, raw) : null;
        if (!coerced?.ok) throw new Error(`world case ${seed.uuid} has a bad custom field ${reference}`);
        if (coerced.value !== null) customFields[reference] = coerced.value;
      }
      this.cases.set(seed.uuid, {
        uuid: seed.uuid,
        name: seed.name,
        slug: slugify(seed.name),
        statusUuid: seed.statusUuid,
        statusPosition: this.nextPosition(seed.statusUuid),
        typeUuid: seed.typeUuid,
        participantUuids: unique(seed.participantUuids),
        assignedToUuids: unique(seed.assignedToUuids),
        groupUuids: unique(seed.groupUuids),
        planUuids: [],
        reviewAt: seed.reviewAt === null ? null : normalizeTimestamp(seed.reviewAt),
        value: seed.value,
        completedAt: status.is_type_completed ? createdAt : null,
        createdAt,
        updatedAt: createdAt,
        taskBoardUuid: this.rng.uuid(),
        customFields,
      });
    }
  }

  /** `listener` hears every stored change (not the seeded cases, not refused or no-op writes). Returns its remover. */
  onChange(listener: (change: CaseChange) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  get(uuid: string): SimPlannrCase | undefined {
    return this.cases.get(uuid);
  }

  /** In creation order. */
  list(): SimPlannrCase[] {
    return [...this.cases.values()];
  }

  get size(): number {
    return this.cases.size;
  }

  /** Sorted views are cached until the next change: a full scan pages through one ordering. */
  sorted(keys: readonly SortKey<CaseSortField>[]): SimPlannrCase[] {
    if (this.sortCacheVersion !== this.version) {
      this.sortCache = new Map();
      this.sortCacheVersion = this.version;
    }
    const cacheKey = keys.map((k) => `${k.descending ? "-" : ""}${k.field}`).join(",");
    let view = this.sortCache.get(cacheKey);
    if (!view) {
      view = sortCases(this.list(), keys);
      this.sortCache.set(cacheKey, view);
    }
    return view;
  }

  create(input: NewCase): SimPlannrCase {
    const bag = new ErrorBag();
    const statusUuid = input.statusUuid ?? this.catalog.defaultStatus().uuid;
    const typeUuid = input.typeUuid ?? null;
    checkName(bag, input.name);
    checkParticipants(this.catalog, bag, input.participantUuids, true);
    checkChanges(this.catalog, bag, input, statusUuid, typeUuid);
    bag.throwIfAny();

    const stamp = this.stamp();
    const done = this.catalog.status(statusUuid)?.is_type_completed ?? false;
    const created: SimPlannrCase = {
      uuid: this.rng.uuid(),
      name: input.name,
      slug: slugify(input.name),
      statusUuid,
      statusPosition: input.statusPosition ?? this.nextPosition(statusUuid),
      typeUuid,
      participantUuids: unique(input.participantUuids),
      assignedToUuids: unique(input.assignedToUuids ?? []),
      groupUuids: unique(input.groupUuids ?? []),
      planUuids: unique(input.planUuids ?? []),
      reviewAt: this.timestamp(input.reviewAt ?? null),
      value: input.value ?? null,
      completedAt: done ? stamp : null,
      createdAt: stamp,
      updatedAt: stamp,
      taskBoardUuid: this.rng.uuid(),
      customFields: {},
    };
    this.writeCustomFields(created, input.customFields ?? {});
    this.cases.set(created.uuid, created);
    this.version += 1;
    this.emit("case.created", created);
    return created;
  }

  /** Applies a partial update; returns whether anything changed (only then `updated_at` moves). */
  update(uuid: string, changes: CaseChanges, options: { touch?: boolean } = {}): boolean {
    const current = this.require(uuid);
    const bag = new ErrorBag();
    if (changes.name !== undefined) checkName(bag, changes.name);
    const statusUuid = changes.statusUuid ?? current.statusUuid;
    const typeUuid = changes.typeUuid !== undefined ? changes.typeUuid : current.typeUuid;
    checkChanges(this.catalog, bag, changes, statusUuid, typeUuid);
    bag.throwIfAny();

    const before = JSON.stringify(current);
    const next: SimPlannrCase = { ...current, customFields: { ...current.customFields } };
    if (changes.name !== undefined) {
      next.name = changes.name;
      next.slug = slugify(changes.name);
    }
    if (changes.typeUuid !== undefined) next.typeUuid = changes.typeUuid;
    if (changes.assignedToUuids !== undefined) next.assignedToUuids = unique(changes.assignedToUuids);
    if (changes.groupUuids !== undefined) next.groupUuids = unique(changes.groupUuids);
    if (changes.planUuids !== undefined) next.planUuids = unique(changes.planUuids);
    if (changes.reviewAt !== undefined) next.reviewAt = this.timestamp(changes.reviewAt);
    if (changes.value !== undefined) next.value = changes.value;
    if (statusUuid !== current.statusUuid) {
      next.statusUuid = statusUuid;
      next.statusPosition = this.nextPosition(statusUuid);
      // [D] completed_at follows the status: set on entering a completed status, cleared on leaving.
      const done = this.catalog.status(statusUuid)?.is_type_completed ?? false;
      if (!done) next.completedAt = null;
      else if (next.completedAt === null || !(this.catalog.status(current.statusUuid)?.is_type_completed ?? false)) {
        next.completedAt = this.stamp();
      }
    }
    if (changes.statusPosition !== undefined) next.statusPosition = changes.statusPosition;
    // An explicit completed_at in the same request wins over the status rule.
    if (changes.completedAt !== undefined) next.completedAt = this.timestamp(changes.completedAt);
    this.writeCustomFields(next, changes.customFields ?? {});

    const changed = JSON.stringify(next) !== before;
    if (!changed && !options.touch) return false;
    next.updatedAt = this.stamp();
    this.cases.set(uuid, next);
    this.version += 1;
    this.emit("case.updated", next);
    return true;
  }

  /** Adds participants (idempotent); returns whether any was new. */
  addParticipants(uuid: string, accountUuids: readonly string[], options: { touch?: boolean } = {}): boolean {
    const current = this.require(uuid);
    const bag = new ErrorBag();
    checkParticipants(this.catalog, bag, accountUuids, false);
    bag.throwIfAny();
    const next = unique([...current.participantUuids, ...accountUuids]);
    return this.setParticipants(current, next, options.touch ?? false);
  }

  /** Removes participants; refuses (and removes nothing) when no client would remain. */
  removeParticipants(uuid: string, accountUuids: readonly string[], options: { touch?: boolean } = {}): boolean {
    const current = this.require(uuid);
    const bag = new ErrorBag();
    checkParticipants(this.catalog, bag, accountUuids, false);
    bag.throwIfAny();
    const removing = new Set(accountUuids);
    const next = current.participantUuids.filter((p) => !removing.has(p));
    if (!next.some((p) => this.catalog.account(p)?.type === "client")) {
      bag.add("participants", "A case must keep at least one client participant.");
      bag.throwIfAny();
    }
    return this.setParticipants(current, next, options.touch ?? false);
  }

  delete(uuid: string): boolean {
    const existing = this.cases.get(uuid);
    if (!existing) return false;
    this.cases.delete(uuid);
    this.version += 1;
    this.emit("case.deleted", existing);
    return true;
  }

  private setParticipants(current: SimPlannrCase, next: string[], touch: boolean): boolean {
    const changed = next.join(",") !== current.participantUuids.join(",");
    if (!changed && !touch) return false;
    const updated = { ...current, participantUuids: next, updatedAt: this.stamp() };
    this.cases.set(current.uuid, updated);
    this.version += 1;
    this.emit("case.updated", updated);
    return true;
  }

  private emit(event: CaseEventName, item: SimPlannrCase): void {
    for (const listener of this.listeners) listener({ event, item });
  }

  private require(uuid: string): SimPlannrCase {
    const found = this.cases.get(uuid);
    if (!found) throw new RangeError(`no Plannr case ${uuid}`);
    return found;
  }

  private stamp(): string {
    return formatLondon(this.now().getTime());
  }

  private timestamp(text: string | null): string | null {
    return text === null ? null : normalizeTimestamp(text);
  }

  private nextPosition(statusUuid: string): number {
    const position = (this.lastPosition.get(statusUuid) ?? 0) + 1;
    this.lastPosition.set(statusUuid, position);
    return position;
  }

  /** Values were checked by checkChanges; null clears. */
  private writeCustomFields(target: SimPlannrCase, raw: Record<string, unknown>): void {
    for (const [reference, value] of Object.entries(raw)) {
      const field = this.catalog.field(reference);
      const coerced = field ? coerceFieldValue(field, value) : null;
      if (!coerced?.ok) continue;
      if (coerced.value === null) delete target.customFields[reference];
      else target.customFields[reference] = coerced.value;
    }
  }
}

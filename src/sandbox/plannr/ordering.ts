// List ordering (reference "Envelopes and paging"): `sort=field` / `sort=-field`, several
// comma-separated; ties break by id so that pages never overlap or skip a record. Nulls sort first
// ascending and last descending, as MySQL orders them. Case sorts: `created_at, name,
// status_position, value, completed_at, review_at` (default `name`).
import type { SimPlannrCase } from "./case-model.js";

export const CASE_SORTS = ["created_at", "name", "status_position", "value", "completed_at", "review_at"] as const;
export type CaseSortField = (typeof CASE_SORTS)[number];

export interface SortKey<F extends string = string> {
  field: F;
  descending: boolean;
}

export type SortValue = string | number | null;

function caseSortValue(item: SimPlannrCase, field: CaseSortField): SortValue {
  switch (field) {
    case "name":
      // A case-insensitive collation, like MySQL's default utf8mb4 one.
      return item.name.toLowerCase();
    case "status_position":
      return item.statusPosition;
    case "value":
      return item.value;
    case "created_at":
      return Date.parse(item.createdAt);
    case "completed_at":
      return item.completedAt === null ? null : Date.parse(item.completedAt);
    case "review_at":
      return item.reviewAt === null ? null : Date.parse(item.reviewAt);
  }
}

export function compareValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sorted copy by `keys`, ties broken by id; values are computed once per item, not per comparison. */
export function sortByKeys<T, F extends string>(
  items: readonly T[],
  keys: readonly SortKey<F>[],
  valueOf: (item: T, field: F) => SortValue,
  idOf: (item: T) => string,
): T[] {
  const rows = items.map((item) => ({ item, id: idOf(item), values: keys.map((key) => valueOf(item, key.field)) }));
  rows.sort((x, y) => {
    for (let i = 0; i < keys.length; i += 1) {
      const order = compareValues(x.values[i] ?? null, y.values[i] ?? null);
      if (order !== 0) return keys[i]?.descending ? -order : order;
    }
    return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
  });
  return rows.map((row) => row.item);
}

export function sortCases(cases: readonly SimPlannrCase[], keys: readonly SortKey<CaseSortField>[]): SimPlannrCase[] {
  return sortByKeys(cases, keys, caseSortValue, (item) => item.uuid);
}

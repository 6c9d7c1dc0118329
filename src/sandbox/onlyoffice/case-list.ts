// GET crm/case/filter: which cases a caller sees and in what order (CasesDao.GetCases).
// `sortBy` DateAndTime|Title|CreateBy put **open cases first** (is_closed is always the first
// ORDER BY column, ascending, whatever `sortOrder` says); `Id` is a plain id sort; no sortBy is
// Title ascending. An unknown sortBy leaves the rows in their natural (id) order [D].
import { canReadCase } from "./access.js";
import { compareText, matchesKeywords } from "./paging.js";
import type { PortalState, SimOnlyofficeCase, SimUser } from "./state.js";

export interface CaseFilter {
  filterValue: string;
  /** 0: any. */
  contactId: number;
  isClosed: boolean | undefined;
  /** The simulated portal has no case tags, so any tag filter matches nothing. */
  tags: string[];
}

export function filterCases(state: PortalState, actor: SimUser, filter: CaseFilter): SimOnlyofficeCase[] {
  if (filter.tags.length > 0) return [];
  return state.casesById().filter(
    (c) =>
      canReadCase(actor, c) &&
      (filter.contactId <= 0 || c.memberIds.includes(filter.contactId)) &&
      (filter.isClosed === undefined || c.isClosed === filter.isClosed) &&
      matchesKeywords(c.title, filter.filterValue),
  );
}

type Key = (c: SimOnlyofficeCase) => string;

const OPEN_FIRST_KEYS: Record<string, Key> = {
  title: (c) => c.title,
  createby: (c) => c.createdBy,
  dateandtime: (c) => c.created,
};

/** `cases` come in id order (filterCases keeps casesById's). */
export function sortCases(cases: SimOnlyofficeCase[], sortBy: string, descending: boolean): SimOnlyofficeCase[] {
  const name = sortBy.toLowerCase();
  const sorted = cases;
  if (name === "id") return descending ? sorted.reverse() : sorted;
  const ascending = name === "" ? true : !descending;
  const key = OPEN_FIRST_KEYS[name === "" ? "title" : name];
  if (!key) return sorted;
  const sign = ascending ? 1 : -1;
  const compareKey = name === "title" || name === "" ? compareText : (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return sorted.sort((a, b) => Number(a.isClosed) - Number(b.isClosed) || sign * compareKey(key(a), key(b)) || a.id - b.id);
}

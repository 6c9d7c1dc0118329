// List paging as ApiContext and the CRM filter endpoints do it (reference: "Paging and filters"):
// `startIndex`, `count` (default and maximum 1000 in the shipped config, whose default is what a
// portal answers, not the code default of 25; silently cut to the portal's cap), `sortBy`,
// `sortOrder=descending`, `filterValue`. `total` is the true count only when the page is full:
// a short page reports `startIndex + returned` (so past the end it is `startIndex`). `nextIndex`
// is one too far, as the real one.

export interface PageRequest {
  startIndex: number;
  /** Effective page size, after the portal's cap. */
  count: number;
  /** As sent (matched case-insensitively by the endpoint); "" when absent. */
  sortBy: string;
  descending: boolean;
  filterValue: string;
}

export interface PageMeta {
  startIndex: number;
  total: number;
  /** Present only on a full page [D]: the portal's "there may be more", off by one. */
  nextIndex?: number;
}

/** The shipped config's default `count` (the code's own default, 25, is overridden by it). */
export const DEFAULT_COUNT = 1000;

function queryValue(query: URLSearchParams, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const [key, value] of query) {
    if (key.toLowerCase() === wanted) return value;
  }
  return null;
}

function nonNegativeInt(text: string | null): number | null {
  if (text === null || !/^\s*\d+\s*$/.test(text)) return null;
  return Number(text);
}

export function readPageRequest(query: URLSearchParams, pageCap: number): PageRequest {
  const asked = nonNegativeInt(queryValue(query, "count"));
  const count = Math.min(asked === null || asked === 0 ? DEFAULT_COUNT : asked, pageCap);
  return {
    startIndex: nonNegativeInt(queryValue(query, "startIndex")) ?? 0,
    count,
    sortBy: queryValue(query, "sortBy") ?? "",
    descending: (queryValue(query, "sortOrder") ?? "").toLowerCase() === "descending",
    filterValue: queryValue(query, "filterValue") ?? "",
  };
}

export function takePage<T>(all: readonly T[], request: PageRequest): { items: T[]; meta: PageMeta } {
  const items = all.slice(request.startIndex, request.startIndex + request.count);
  const full = items.length >= request.count;
  const meta: PageMeta = {
    startIndex: request.startIndex,
    total: full ? all.length : request.startIndex + items.length,
  };
  if (full) meta.nextIndex = request.startIndex + items.length + 1;
  return { items, meta };
}

/** Title/name ordering as MySQL's case-insensitive collation gives it. */
export function compareText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `filterValue` keywords: every one must appear (LIKE %kw%, case-insensitive). */
export function matchesKeywords(text: string, filterValue: string): boolean {
  // No keywords (every list scan): nothing to lower-case, 100,000 times a page.
  if (filterValue.trim() === "") return true;
  const haystack = text.toLowerCase();
  return filterValue
    .toLowerCase()
    .split(/\s+/)
    .filter((k) => k !== "")
    .every((k) => haystack.includes(k));
}

// Query string rules of Plannr's lists (reference "Envelopes and paging" and "Validation and query
// behaviour"): page-number paging (`per_page` default 15, max 500; over 500 is a 422 [D], not
// clamped), spatie/laravel-query-builder `sort` and `include` (an unknown one is a 400; unknown
// filters are ignored), and Laravel's paginated envelope `{data, links, meta}`. A page past the
// end is a 200 with `data: []`.
import type { SortKey } from "./ordering.js";
import { PlannrValidationError } from "./validation.js";

export const DEFAULT_PER_PAGE = 15;
export const MAX_PER_PAGE = 500;

/** spatie/laravel-query-builder answers an unknown sort or include with 400 `{message}`. */
export class BadQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadQueryError";
  }
}

export interface Paging {
  page: number;
  perPage: number;
}

export function readPaging(query: URLSearchParams): Paging {
  // Laravel's paginator reads a page that is not a positive integer as page 1.
  const rawPage = query.get("page") ?? "";
  const page = /^\d+$/.test(rawPage) && Number(rawPage) >= 1 ? Number(rawPage) : 1;
  const rawPerPage = query.get("per_page");
  if (rawPerPage === null || rawPerPage.trim() === "") return { page, perPage: DEFAULT_PER_PAGE };
  const fail = (message: string): never => {
    throw new PlannrValidationError({ per_page: [message] });
  };
  if (!/^\d+$/.test(rawPerPage.trim())) fail("The per page field must be an integer.");
  const perPage = Number(rawPerPage.trim());
  if (perPage < 1) fail("The per page field must be at least 1.");
  if (perPage > MAX_PER_PAGE) fail(`The per page field must not be greater than ${MAX_PER_PAGE}.`);
  return { page, perPage };
}

/** `sort=name,-value` → keys; the default applies when the parameter is absent or empty. */
export function readSort<F extends string>(query: URLSearchParams, allowed: readonly F[], fallback: readonly SortKey<F>[]): SortKey<F>[] {
  const raw = (query.get("sort") ?? "").trim();
  if (raw === "") return [...fallback];
  const keys = raw.split(",").map((part) => part.trim()).filter((part) => part !== "");
  const unknown = keys.filter((key) => !allowed.includes(key.replace(/^-/, "") as F));
  if (unknown.length > 0) {
    throw new BadQueryError(`Requested sort(s) \`${unknown.join(", ")}\` is not allowed. Allowed sort(s) are \`${allowed.join(", ")}\`.`);
  }
  return keys.map((key) => ({ field: key.replace(/^-/, "") as F, descending: key.startsWith("-") }));
}

export function readIncludes<I extends string>(query: URLSearchParams, allowed: readonly I[]): Set<I> {
  const raw = (query.get("include") ?? "").trim();
  const wanted = raw === "" ? [] : raw.split(",").map((part) => part.trim()).filter((part) => part !== "");
  const unknown = wanted.filter((name) => !allowed.includes(name as I));
  if (unknown.length > 0) {
    const allowedText = allowed.length > 0 ? allowed.join(", ") : "none";
    throw new BadQueryError(`Requested include(s) \`${unknown.join(", ")}\` are not allowed. Allowed include(s) are \`${allowedText}\`.`);
  }
  return new Set(wanted as I[]);
}

/** `filter[type]=client,employee` → ["client", "employee"]; null when the filter is absent. */
export function readFilter(query: URLSearchParams, name: string): string[] | null {
  const raw = query.get(`filter[${name}]`);
  if (raw === null) return null;
  return raw
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

export interface PageEnvelope<T> {
  data: T[];
  links: { first: string; last: string; prev: string | null; next: string | null };
  meta: { current_page: number; from: number | null; last_page: number; per_page: number; to: number | null; total: number; path: string };
}

/**
 * Laravel's LengthAwarePaginator as a resource collection. Page links keep the rest of the query
 * string (filters, sort, include, per_page), so following `links.next` walks the same listing.
 */
export function paginate<S, T>(items: readonly S[], paging: Paging, path: string, query: URLSearchParams, render: (item: S) => T): PageEnvelope<T> {
  const total = items.length;
  const lastPage = Math.max(1, Math.ceil(total / paging.perPage));
  const start = (paging.page - 1) * paging.perPage;
  const slice = items.slice(start, start + paging.perPage);
  const url = (page: number): string => {
    const params = new URLSearchParams(query);
    params.set("page", String(page));
    return `${path}?${params.toString()}`;
  };
  return {
    data: slice.map(render),
    links: {
      first: url(1),
      last: url(lastPage),
      prev: paging.page > 1 ? url(paging.page - 1) : null,
      next: paging.page < lastPage ? url(paging.page + 1) : null,
    },
    meta: {
      current_page: paging.page,
      from: slice.length > 0 ? start + 1 : null,
      last_page: lastPage,
      per_page: paging.perPage,
      to: slice.length > 0 ? start + slice.length : null,
      total,
      path,
    },
  };
}

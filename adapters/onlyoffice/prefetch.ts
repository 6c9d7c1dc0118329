// Offset paging with pages fetched ahead (issue 11 item 5): ONLYOFFICE has no rate limit, and a
// 100,000-case portal is 101 requests, so fetching them strictly one after another costs 101 round
// trips a scan. Facts relied on (reference "Paging and filters"): pages are asked by `startIndex`
// and `count`; a portal may answer fewer than asked (its own cap), so the next page starts after
// the items actually returned; only an empty page ends the list; `total` on a full page is a count
// cached 30 s (stale after creates and deletes) and `nextIndex` is off by one.
//
// So the next page's `startIndex` is certain only once the current page has come back. A page is
// fetched ahead only where it must start if every page before it is full: after a page that came
// back full (as many items as asked), and no further than the `total` that page reported, which
// includes the terminating empty page when `total` is right. A short page means a capped portal or
// the list's end: what was fetched ahead no longer lines up, is discarded, and paging goes on one
// page at a time from where the short page ended. So completeness is decided exactly as without
// prefetch (by an empty page at the right `startIndex`), and `total` only bounds the guessing: a
// stale one costs at most a few discarded requests or a few sequential pages, never a wrong scan.
// A capped portal (every page short) is paged one page at a time, as before.
import type { ListItems } from "../../src/transport/json-list.js";

export interface ListPage {
  /** Read by index, then released (the transport may hold the page's bytes until then). */
  items: ListItems;
  /** `total` as the portal reported it on this page, when it is a number (a hint only). */
  total: number | undefined;
}

export interface PrefetchOptions {
  /** Items asked per page (`count`). */
  pageSize: number;
  /** Most requests of this list in flight at once, the page being waited for included (≥ 1). */
  depth: number;
}

export interface FetchedPage extends ListPage {
  startIndex: number;
  /** 1-based position in the list. */
  pageNumber: number;
}

type Settled = { ok: true; page: ListPage } | { ok: false; error: unknown };

/**
 * Yields the pages in order, the empty page that ends the list last. `fetchPage` is called with
 * the `startIndex` and the 1-based page number the page has if it is used; its error is thrown
 * when (and only when) that page is the next one due, so a failure of a page fetched past the end
 * or out of line is never seen. Pages not used are left to finish and dropped.
 */
export async function* prefetchPages(fetchPage: (startIndex: number, pageNumber: number) => Promise<ListPage>, options: PrefetchOptions): AsyncGenerator<FetchedPage> {
  const depth = Math.max(1, Math.floor(options.depth));
  const step = options.pageSize;
  /** Requests that line up with the pages still due, by `startIndex`. */
  const ahead = new Map<number, Promise<Settled>>();
  /** Every request not settled yet, discarded ones included: the bound counts them all. */
  const unsettled = new Set<Promise<Settled>>();
  const launch = (startIndex: number, pageNumber: number): Promise<Settled> => {
    const settled: Promise<Settled> = fetchPage(startIndex, pageNumber).then(
      (page) => ({ ok: true as const, page }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    unsettled.add(settled);
    void settled.then(() => unsettled.delete(settled));
    ahead.set(startIndex, settled);
    return settled;
  };
  /** Waits until fewer than `depth` requests are in flight. */
  const room = async () => {
    while (unsettled.size >= depth) await Promise.race(unsettled);
  };

  /** A page fetched but never yielded gives back the bytes the transport holds for it. */
  const discardAll = () => {
    for (const pending of ahead.values()) void pending.then((settled) => settled.ok && settled.page.items.release());
    ahead.clear();
  };

  let startIndex = 0;
  let pageNumber = 1;
  /** How far fetching ahead may reach: the `total` of the last page while pages come back full. */
  let horizon = -1;
  try {
    for (;;) {
      let due = ahead.get(startIndex);
      if (due === undefined) {
        await room();
        due = launch(startIndex, pageNumber);
      }
      // Fill the window ahead while there is room now (never waiting for room just to guess); the
      // page being waited for is already in flight, so the consumer's time overlaps the requests.
      for (let k = 1, next = startIndex + step; k < depth && next <= horizon && unsettled.size < depth; k += 1, next += step) {
        if (!ahead.has(next)) void launch(next, pageNumber + k);
      }
      const settled = await due;
      ahead.delete(startIndex);
      if (!settled.ok) throw settled.error;
      const { page } = settled;
      yield { ...page, startIndex, pageNumber };
      if (page.items.length === 0) return;
      const full = page.items.length === step;
      horizon = full ? (page.total ?? -1) : -1;
      // After a short (or over-long) page nothing fetched ahead starts where the next page does.
      if (!full) discardAll();
      startIndex += page.items.length;
      pageNumber += 1;
    }
  } finally {
    discardAll();
  }
}

// ONLYOFFICE case pages fetched ahead (issue 11 item 5) against scripted HTTP (nock): pages are
// yielded in order whatever order they arrive in; fetching ahead stays within the `total` a full
// page reports and within its bound; a short page ends the guessing, and what was fetched past it
// is discarded even when it failed; a page that fails leaves the scan without its end item and
// nothing after it is yielded; a portal that reports no total, or a stale one, is paged as before.
import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OnlyofficeConnectionSchema } from "../../src/core/config.js";
import { CaseSyncError } from "../../src/core/errors.js";
import { MappingSchema } from "../../src/core/mapping.js";
import type { ScanItem } from "../../src/core/records.js";
import { createOnlyofficeAdapter, type OnlyofficeAdapter } from "../../adapters/onlyoffice/adapter.js";

const BASE = "https://portal.example.com";
const TOKEN = "tok-SECRET-5f1c2d3e4b5a69788796";
const FAST = { retries: 2, minDelayMs: 1, maxDelayMs: 2 };
const CASES = "/api/2.0/crm/case/filter";
const PAGE = 2;

function raw(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/onlyoffice/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;
}

const query = (startIndex: number, count = 1000) => ({ sortBy: "Id", sortOrder: "ascending", startIndex: String(startIndex), count: String(count) });
const envelope = (response: unknown[], extra: Record<string, unknown> = {}) => ({ status: 0, statusCode: 200, count: response.length, response, ...extra });
const oneCase = (id: number) => ({ id, title: `Case ${id}`, created: "2024-01-01T12:00:00.0000000Z", members: [] });
const casesFrom = (first: number, n: number) => Array.from({ length: n }, (_, i) => oneCase(first + i));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Field definitions, @self, and people and contacts each as one page plus the empty one. */
function mockReference(scope: nock.Scope): void {
  scope.get("/api/2.0/crm/case/customfield/definitions").reply(200, raw("field-definitions.json")).get("/api/2.0/people/@self").reply(200, raw("self.json"));
  for (const [path, fixture] of [
    ["/api/2.0/people", "people.json"],
    ["/api/2.0/crm/contact/filter", "contacts.json"],
  ] as const) {
    const items = raw(fixture).response as unknown[];
    for (let start = 0; start < items.length; start += PAGE) scope.get(path).query(query(start, PAGE)).reply(200, envelope(items.slice(start, start + PAGE)));
    scope.get(path).query(query(items.length, PAGE)).reply(200, raw("empty-page.json"));
  }
}

async function ready(concurrency = 8): Promise<{ adapter: OnlyofficeAdapter; scope: nock.Scope }> {
  const adapter = createOnlyofficeAdapter({
    connection: OnlyofficeConnectionSchema.parse({ baseUrl: BASE, token: TOKEN }),
    mapping: MappingSchema.parse({ onlyoffice: { linkField: 13, pageSize: PAGE } }),
    http: { concurrency, timeoutMs: 5_000 },
    retry: FAST,
  });
  const scope = nock(BASE);
  mockReference(scope);
  await adapter.listReference();
  return { adapter, scope };
}

async function collect(items: AsyncIterable<ScanItem>): Promise<{ items: ScanItem[]; error: unknown }> {
  const out: ScanItem[] = [];
  try {
    for await (const item of items) out.push(item);
    return { items: out, error: null };
  } catch (error) {
    return { items: out, error };
  }
}

const recordIds = (items: ScanItem[]) => items.flatMap((i) => (i.kind === "record" ? [i.record.id] : []));

/** Case pages served with a delay each, counting how many requests are in the server at once. */
function servePages(scope: nock.Scope, pages: { startIndex: number; items: unknown[]; total?: number; delayMs: number; status?: number; times?: number }[]) {
  const load = { now: 0, peak: 0, served: [] as number[] };
  for (const page of pages) {
    scope
      .get(CASES)
      .query(query(page.startIndex, PAGE))
      .times(page.times ?? 1)
      .reply(async () => {
        load.now += 1;
        load.peak = Math.max(load.peak, load.now);
        await sleep(page.delayMs);
        load.now -= 1;
        load.served.push(page.startIndex);
        if (page.status !== undefined) return [page.status, "Service Unavailable"];
        return [200, envelope(page.items, page.total === undefined ? {} : { total: page.total })];
      });
  }
  return load;
}

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("case pages fetched ahead", () => {
  it("yields pages in order when later ones answer first, and asks for nothing past the reported total", async () => {
    const { adapter, scope } = await ready();
    const before = adapter.requestCount();
    // 7 cases, 2 a page: four full-or-short pages and the empty one; later pages answer faster.
    const load = servePages(scope, [
      { startIndex: 0, items: casesFrom(1, 2), total: 7, delayMs: 10 },
      { startIndex: 2, items: casesFrom(3, 2), total: 7, delayMs: 80 },
      { startIndex: 4, items: casesFrom(5, 2), total: 7, delayMs: 40 },
      { startIndex: 6, items: casesFrom(7, 1), total: 7, delayMs: 5 },
      { startIndex: 7, items: [], total: 7, delayMs: 5 },
    ]);
    const { items, error } = await collect(adapter.listCases());
    expect(error).toBeNull();
    expect(recordIds(items)).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: 5 });
    // Fetched ahead (pages 3 and 4 were in flight with page 2, and answered before it) ...
    expect(load.peak).toBeGreaterThan(1);
    expect(load.served.indexOf(6)).toBeLessThan(load.served.indexOf(2));
    // ... and not one request more than paging one page at a time would have made.
    expect(adapter.requestCount() - before).toBe(5);
    expect(scope.isDone()).toBe(true);
  });

  it("never has more than its bound of pages in flight (4, below the concurrency of 8)", async () => {
    const { adapter, scope } = await ready(8);
    const n = 24;
    const pages = Array.from({ length: n / PAGE }, (_, i) => ({ startIndex: i * PAGE, items: casesFrom(i * PAGE + 1, PAGE), total: n, delayMs: 25 }));
    const load = servePages(scope, [...pages, { startIndex: n, items: [], total: n, delayMs: 5 }]);
    const { items } = await collect(adapter.listCases());
    expect(recordIds(items)).toEqual(Array.from({ length: n }, (_, i) => String(i + 1)));
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: n / PAGE + 1 });
    expect(load.peak).toBeGreaterThan(1);
    expect(load.peak).toBeLessThanOrEqual(4);
  });

  it("keeps within a lower concurrency (2)", async () => {
    const { adapter, scope } = await ready(2);
    const n = 12;
    const pages = Array.from({ length: n / PAGE }, (_, i) => ({ startIndex: i * PAGE, items: casesFrom(i * PAGE + 1, PAGE), total: n, delayMs: 25 }));
    const load = servePages(scope, [...pages, { startIndex: n, items: [], total: n, delayMs: 5 }]);
    const { items } = await collect(adapter.listCases());
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: n / PAGE + 1 });
    expect(load.peak).toBe(2);
  });

  it("a failing page leaves the scan without its end item, and nothing after it is yielded though it was fetched", async () => {
    const { adapter, scope } = await ready();
    const load = servePages(scope, [
      { startIndex: 0, items: casesFrom(1, 2), total: 10, delayMs: 5 },
      { startIndex: 2, items: casesFrom(3, 2), total: 10, delayMs: 5 },
      // Page 3 fails after its retries; pages 4 and 5 were fetched ahead and answer fine.
      { startIndex: 4, items: [], status: 503, times: 3, delayMs: 20 },
      { startIndex: 6, items: casesFrom(7, 2), total: 10, delayMs: 1 },
      { startIndex: 8, items: casesFrom(9, 2), total: 10, delayMs: 1 },
    ]);
    const { items, error } = await collect(adapter.listCases());
    expect(error).toBeInstanceOf(CaseSyncError);
    expect(error).toMatchObject({ code: "CS_UPSTREAM" });
    expect((error as CaseSyncError).message).toMatch(/\(list page 3\)$/);
    expect(recordIds(items)).toEqual(["1", "2", "3", "4"]);
    expect(items.some((i) => i.kind === "end")).toBe(false);
    expect(load.served).toEqual(expect.arrayContaining([6, 8]));
    expect(scope.isDone()).toBe(true);
  });

  it("a short page ends the guessing: pages fetched past it are discarded, even failed ones, and paging goes on from where it ended", async () => {
    const { adapter, scope } = await ready();
    // `total` is stale (cases were deleted): the list really ends after case 5.
    const load = servePages(scope, [
      { startIndex: 0, items: casesFrom(1, 2), total: 10, delayMs: 5 },
      { startIndex: 2, items: casesFrom(3, 2), total: 10, delayMs: 20 },
      { startIndex: 4, items: casesFrom(5, 1), total: 5, delayMs: 20 },
      { startIndex: 6, items: [], status: 503, times: 3, delayMs: 1 },
      { startIndex: 8, items: [], total: 5, delayMs: 1 },
      { startIndex: 5, items: [], total: 5, delayMs: 1 },
    ]);
    const { items, error } = await collect(adapter.listCases());
    expect(error).toBeNull();
    expect(recordIds(items)).toEqual(["1", "2", "3", "4", "5"]);
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: 4 });
    expect(load.served).toEqual(expect.arrayContaining([6, 8, 5]));
  });

  it("a stale total that is too low only ends the guessing early: the scan still reads to the empty page", async () => {
    const { adapter, scope } = await ready();
    // Created since the portal cached its count of 4.
    servePages(scope, [
      { startIndex: 0, items: casesFrom(1, 2), total: 4, delayMs: 5 },
      { startIndex: 2, items: casesFrom(3, 2), total: 4, delayMs: 5 },
      { startIndex: 4, items: casesFrom(5, 2), total: 4, delayMs: 5 },
      { startIndex: 6, items: casesFrom(7, 2), total: 4, delayMs: 5 },
      { startIndex: 8, items: [], total: 8, delayMs: 5 },
    ]);
    const before = adapter.requestCount();
    const { items } = await collect(adapter.listCases());
    expect(recordIds(items)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: 5 });
    expect(adapter.requestCount() - before).toBe(5);
    expect(scope.isDone()).toBe(true);
  });

  it("without a reported total, pages go one at a time", async () => {
    const { adapter, scope } = await ready();
    const load = servePages(scope, [
      { startIndex: 0, items: casesFrom(1, 2), delayMs: 10 },
      { startIndex: 2, items: casesFrom(3, 2), delayMs: 10 },
      { startIndex: 4, items: [], delayMs: 10 },
    ]);
    const { items } = await collect(adapter.listCases());
    expect(items.at(-1)).toEqual({ kind: "end", complete: true, pages: 3 });
    expect(load.peak).toBe(1);
  });
});

// Uniform verbs over the shared HTTP client (after stripe-node's resources): each method names one
// endpoint of the profile, unwraps the envelope, validates the answer with its zod schema and
// returns native shapes. No mapping happens here. Facts relied on (reference "Transport",
// "Envelopes and paging"): every request carries `Authorization: Bearer <token>` and
// `X-PLANNR-ACCOUNT-UUID`; lists are page-number paginated with `meta.last_page`; a page past the
// end answers `data: []`; single resources may be wrapped in `{data}` or bare.
import type { z } from "zod";
import type { PlannrConnection } from "../../src/core/config.js";
import { CaseSyncError, onPage } from "../../src/core/errors.js";
import type { Clock, Logger } from "../../src/core/ports.js";
import type { CircuitPolicy } from "../../src/transport/circuit.js";
import { createHttpClient, type HttpClient, type HttpRequest, type HttpResponse } from "../../src/transport/http.js";
import { listItems, listOfValues, ReadOnce, type ListItems } from "../../src/transport/json-list.js";
import { redactText } from "../../src/transport/redact.js";
import type { RetryPolicy } from "../../src/transport/retry.js";
import { CASE_INCLUDE, CASE_SORT, ENDPOINTS, endpointLabel, endpointPath, matchEndpoint, type EndpointName, type PlannrProfile } from "./profile.js";
import { LoginSchema, NativeCaseSchema, PageSchema, unwrapResource, type NativeCase, type NativeLogin, type Page } from "./schemas.js";
import { PlannrToken } from "./token.js";

/** One list item: validated, or the reason it is not (with its uuid when the raw item has one). */
export type Validated<T> = { ok: true; value: T } | { ok: false; id: string | null; error: CaseSyncError };

export type PageEvent<T> =
  /** `items` are read (parsed and validated) one at a time as they are iterated: iterate them once, in full. */
  | { kind: "page"; page: number; items: Iterable<Validated<T>> }
  /** Last event of a list: whether every item was seen exactly once (see `walk`). */
  | { kind: "done"; complete: boolean; pages: number };

export interface PlannrClientOptions {
  connection: PlannrConnection;
  profile: PlannrProfile;
  /** Total deadline of one attempt, headers and body included. */
  timeoutMs: number;
  /** Largest answer accepted, in bytes (default in src/transport/http.ts: 64 MiB). */
  maxResponseBytes?: number | undefined;
  requestBudget: number;
  logger: Logger;
  clock: Clock;
  retry?: RetryPolicy | undefined;
  /** When to give up on this side for the rest of a run (default in src/transport/circuit.ts). */
  circuit?: Partial<CircuitPolicy> | undefined;
}

type Query = HttpRequest["query"];

/** A list page: its `meta`, and its items to be read once and released. */
interface ListedPage {
  meta: Page["meta"];
  items: ListItems;
}
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** zod issue path → `data[3].status.uuid`. */
export function issuePath(prefix: string, path: readonly PropertyKey[]): string {
  const out = path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`), prefix);
  return out.startsWith(".") ? out.slice(1) : out;
}

function rawUuid(item: unknown): string | null {
  if (item === null || typeof item !== "object") return null;
  const uuid = (item as Record<string, unknown>).uuid;
  return typeof uuid === "string" && uuid !== "" ? uuid : null;
}

/** Pages of the case scan fetched ahead of the one being decoded. */
const SCAN_READ_AHEAD = 2;

export class PlannrClient {
  private readonly http: HttpClient;
  private readonly profile: PlannrProfile;
  private readonly token: PlannrToken;
  private readonly logger: Logger;

  constructor(options: PlannrClientOptions) {
    const { connection } = options;
    this.profile = options.profile;
    this.logger = options.logger;
    this.token = new PlannrToken(connection.token);
    this.http = createHttpClient({
      side: "plannr",
      baseUrl: connection.baseUrl,
      // Authorization goes on each request (`request` below): the token may change during a run.
      headers: () => ({
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-PLANNR-ACCOUNT-UUID": connection.accountUuid,
      }),
      secrets: () => this.token.secrets(),
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      concurrency: options.profile.concurrency,
      rateLimit: options.profile.rateLimit,
      retry: options.retry,
      circuit: options.circuit,
      requestBudget: options.requestBudget,
      logger: options.logger,
      clock: options.clock,
    });
  }

  /**
   * A new run on a reused client: the side's circuit closes and its per-run counts restart. When
   * `signal` aborts, the run's reads are cancelled at once and nothing is retried (transport/http.ts).
   */
  beginRun(signal?: AbortSignal): void {
    this.http.beginRun(signal);
  }

  requestCount(): number {
    return this.http.requestCount();
  }

  /** Plannr's X-Ratelimit-Remaining as last read, less what was sent since (the service's gauge). */
  rateRemaining(): number | null {
    return this.http.rateRemaining();
  }

  close(): void {
    this.http.close();
  }

  // ---- lists -------------------------------------------------------------------------------

  /** Every case with participants and custom fields, oldest first, at the largest page size. */
  casePages(): AsyncGenerator<PageEvent<NativeCase>> {
    return this.walk("listCases", { include: CASE_INCLUDE, sort: CASE_SORT }, NativeCaseSchema);
  }

  /** A whole reference list (statuses, field definitions, accounts). Any bad item fails the list. */
  async listAll<T>(name: EndpointName, query: Query, schema: z.ZodType<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const event of this.walk(name, query, schema)) {
      if (event.kind !== "page") continue;
      for (const item of event.items) {
        if (!item.ok) throw item.error;
        out.push(item.value);
      }
    }
    return out;
  }

  /** `GET /logins`: a list (paginated envelope, `{data}` or bare array) of the token's logins. */
  async logins(): Promise<NativeLogin[]> {
    const response = await this.call("listLogins", {});
    const body = response.data;
    const items = Array.isArray(body) ? body : body !== null && typeof body === "object" ? (body as { data?: unknown }).data : undefined;
    if (!Array.isArray(items)) throw this.schemaError("listLogins", null, undefined, "data");
    return items.map((item, index) => this.parse("listLogins", LoginSchema, item, undefined, `data[${index}]`));
  }

  // ---- single cases ------------------------------------------------------------------------

  /** One case, or null when Plannr answers 404. */
  async getCase(uuid: string): Promise<NativeCase | null> {
    let response: HttpResponse;
    try {
      response = await this.call("getCase", { params: { uuid }, query: { include: CASE_INCLUDE }, record: uuid });
    } catch (error) {
      if (error instanceof CaseSyncError && error.code === "CS_NOT_FOUND") return null;
      throw error;
    }
    return this.parseCase("getCase", response.data, uuid);
  }

  /**
   * `POST /cases` (never retried; 200 per the docs, 201 tolerated). A body that fails the case
   * schema still yields the new uuid when it has one, so the caller can read the case back.
   */
  async createCase(body: unknown): Promise<{ case: NativeCase | null; uuid: string }> {
    // Asking for the includes here spares a GET per created case (SPEC §8: one POST per case).
    const response = await this.call("createCase", { body, query: { include: CASE_INCLUDE } });
    try {
      const created = this.parseCase("createCase", response.data, undefined);
      return { case: created, uuid: created.uuid };
    } catch (problem) {
      const uuid = rawUuid(unwrapResource(response.data).value);
      if (uuid === null) throw problem;
      return { case: null, uuid };
    }
  }

  /**
   * Sends a stored write op exactly as planned: the endpoint (and so its retry policy) is found
   * from method + path, never re-derived. Returns the answer's body.
   */
  async send(method: string, path: string, body: unknown, record: string | undefined): Promise<unknown> {
    const match = matchEndpoint(method, path);
    if (match === null) throw new CaseSyncError("CS_INTERNAL", `no Plannr endpoint matches ${method} ${path}`, { side: "plannr", record });
    const response = await this.request(match.name, { method: match.spec.method, path, body, record });
    return response.data;
  }

  /** A `PUT /cases/{uuid}` that answers the case with participants and custom fields included. */
  async updateCase(uuid: string, body: unknown): Promise<unknown> {
    const response = await this.call("updateCase", { params: { uuid }, body, query: { include: CASE_INCLUDE }, record: uuid });
    return response.data;
  }

  /** Validates a case answer (wrapped or bare); a mismatch is CS_SCHEMA naming the field path. */
  parseCase(name: EndpointName, body: unknown, record: string | undefined): NativeCase {
    const { value, prefix } = unwrapResource(body);
    return this.parse(name, NativeCaseSchema, value, record ?? rawUuid(value) ?? undefined, prefix);
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private call(name: EndpointName, options: { params?: Record<string, string>; query?: Query; body?: unknown; record?: string | undefined; listAt?: string }): Promise<HttpResponse> {
    const spec = ENDPOINTS[name];
    return this.request(name, {
      method: spec.method,
      path: endpointPath(spec, options.params),
      query: options.query,
      body: options.body,
      record: options.record,
      ...(options.listAt === undefined ? {} : { listAt: options.listAt }),
    });
  }

  private async request(
    name: EndpointName,
    call: { method: HttpRequest["method"]; path: string; query?: Query; body?: unknown; record?: string | undefined; listAt?: string },
  ): Promise<HttpResponse> {
    const spec = ENDPOINTS[name];
    const send = (token: string) =>
      this.http.request({
        method: call.method,
        path: call.path,
        endpoint: endpointLabel(spec),
        idempotent: spec.idempotent,
        headers: { Authorization: `Bearer ${token}` },
        ...(call.query === undefined ? {} : { query: call.query }),
        ...(call.body === undefined ? {} : { body: call.body }),
        ...(call.record === undefined ? {} : { record: call.record }),
        ...(call.listAt === undefined ? {} : { listAt: call.listAt }),
      });
    const token = await this.token.current();
    try {
      return await send(token);
    } catch (error) {
      // A 401 is answered before Plannr acts, so even a create may go again, once, with a newer token.
      if (!(error instanceof CaseSyncError) || error.status !== 401) throw error;
      const renewed = await this.token.renew(token);
      if (renewed === null) throw error;
      this.logger.info({ endpoint: endpointLabel(spec) }, "Plannr refused the access token; retrying with a renewed one");
      return send(renewed);
    }
  }

  private parse<T>(name: EndpointName, schema: z.ZodType<T>, value: unknown, record: string | undefined, prefix: string): T {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    throw this.schemaError(name, result.error, record, prefix);
  }

  private schemaError(name: EndpointName, error: z.ZodError | null, record: string | undefined, prefix: string, problem = "expected a list"): CaseSyncError {
    const issue = error?.issues[0];
    const field = (issue ? issuePath(prefix, issue.path) : prefix) || "body";
    const what = issue ? issue.message : problem;
    const label = endpointLabel(ENDPOINTS[name]);
    const about = record === undefined ? "" : ` for record ${record}`;
    const message = redactText(`${label} answered an unexpected shape${about}: ${field}: ${what}`, this.token.secrets());
    return new CaseSyncError("CS_SCHEMA", message, { side: "plannr", record, field, endpoint: label });
  }

  /**
   * One list page: its envelope validated, its `data` items read lazily (transport json-list.ts;
   * a bare list body too), or as parsed when the body did not split plainly. Release the items once read.
   */
  private async fetchPage(name: EndpointName, query: Query, page: number): Promise<ListedPage> {
    const response = await this.call(name, { query: { ...query, per_page: this.profile.pageSize, page }, listAt: "data" });
    try {
      const body: unknown = Array.isArray(response.data) ? { data: response.data } : response.data;
      const envelope = this.parse(name, PageSchema, body, undefined, "");
      return { meta: envelope.meta, items: response.list ?? listOfValues(envelope.data) };
    } catch (error) {
      response.list?.release();
      throw error;
    }
  }

  /** A page's items, each parsed and validated as it is reached, those whose uuid was listed before skipped. */
  private *pageItems<T>(name: EndpointName, schema: z.ZodType<T>, items: ListItems, seen: Set<string>, onMissingUuid: () => void): Generator<Validated<T>> {
    for (const { index, value: raw } of listItems(items, (at) => this.schemaError(name, null, undefined, `data[${at}]`, "not JSON"))) {
      const id = rawUuid(raw);
      if (id === null) onMissingUuid();
      else if (seen.has(id)) continue;
      else seen.add(id);
      const parsed = schema.safeParse(raw);
      if (parsed.success) yield { ok: true, value: parsed.data };
      else yield { ok: false, id, error: this.schemaError(name, parsed.error, id ?? undefined, `data[${index}]`) };
    }
  }

  /**
   * Page-number paging (reference "Envelopes and paging"): pages 1..`meta.last_page`, so a book of
   * N items costs ⌈N/per_page⌉ requests; without `meta`, a short or empty page ends the list.
   * Once `last_page` is known, up to `concurrency` pages are in flight; pages are still yielded in
   * order. A failed page throws its typed error (after the transport's retries).
   *
   * `complete` is false when the list may have shifted under the scan: offset paging over a list
   * that lost an item between two pages skips one unseen item, so every page must report the same
   * `meta.total`, the distinct uuids seen must number `total`, and every item must have a uuid.
   */
  private async *walk<T>(name: EndpointName, query: Query, schema: z.ZodType<T>): AsyncGenerator<PageEvent<T>> {
    const ahead = new Map<number, Promise<Settled<ListedPage>>>();
    const fetch = (page: number): Promise<Settled<ListedPage>> => {
      const pending = ahead.get(page) ?? settle(this.fetchPage(name, query, page));
      ahead.delete(page);
      return pending;
    };
    const seen = new Set<string>();
    const totals = new Set<number>();
    let complete = true;
    let pages = 0;
    try {
      for (let page = 1; ; page += 1) {
        const result = await fetch(page);
        if (!result.ok) throw onPage(result.error, page, { side: "plannr" });
        const body = result.value;
        pages += 1;
        const lastPage = body.meta?.last_page ?? null;
        if (body.meta?.total !== undefined) totals.add(body.meta.total);
        const count = body.items.length;
        const more = lastPage !== null ? page < lastPage && count > 0 : count >= this.profile.pageSize;
        if (more && lastPage !== null) {
          // The next pages load while this one is consumed.
          // Read ahead enough to hide latency, not `concurrency` pages of 500 cases each in memory.
          const until = Math.min(lastPage, page + Math.max(1, Math.min(this.profile.concurrency, SCAN_READ_AHEAD)));
          for (let next = page + 1; next <= until; next += 1) if (!ahead.has(next)) ahead.set(next, settle(this.fetchPage(name, query, next)));
        }
        const items = new ReadOnce(this.pageItems(name, schema, body.items, seen, () => (complete = false)));
        yield { kind: "page", page, items };
        // Every uuid of the page counted before the next page, or the end, is judged.
        items.finish();
        if (!more) break;
      }
    } finally {
      // Pages read ahead and never reached give back the bytes the transport holds for them.
      for (const pending of ahead.values()) void pending.then((settled) => settled.ok && settled.value.items.release());
    }
    if (totals.size > 1) complete = false;
    const [total] = [...totals];
    if (totals.size === 1 && total !== undefined && seen.size !== total) complete = false;
    yield { kind: "done", complete, pages };
  }
}

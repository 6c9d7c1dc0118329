// Uniform verbs over the shared HTTP client (after stripe-node's resources): each method names one
// endpoint of the profile, unwraps the envelope, validates the response with its zod schema and
// returns native shapes. No mapping happens here. Facts relied on (reference): every answer is an
// envelope `{status, statusCode, response}` with camelCase keys (PascalCase tolerated); `status` 1
// or an `error` object is a failure even under a 2xx; 401 has a plain-text body; a bad password and
// a few deterministic refusals answer 500 (classified by the profile); list paging is offset-based
// and only an empty page ends it.
import type { z } from "zod";
import type { OnlyofficeConnection } from "../../src/core/config.js";
import { CaseSyncError, onPage } from "../../src/core/errors.js";
import type { Clock, Logger } from "../../src/core/ports.js";
import type { CircuitPolicy } from "../../src/transport/circuit.js";
import { errorFromResponse, type CallContext } from "../../src/transport/errors.js";
import { createHttpClient, type HttpClient, type HttpRequest } from "../../src/transport/http.js";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../src/transport/json-depth.js";
import { listItems, listOfValues, ReadOnce, type LazyList, type ListItems } from "../../src/transport/json-list.js";
import { redactText } from "../../src/transport/redact.js";
import type { RetryPolicy } from "../../src/transport/retry.js";
import { OnlyofficeAuth } from "./auth.js";
import { prefetchPages, type ListPage } from "./prefetch.js";
import { classifyOnlyoffice, ENDPOINTS, endpointLabel, endpointPath, matchEndpoint, prefetchDepth, type EndpointName, type OnlyofficeProfile } from "./profile.js";
import {
  camelizeEnvelope,
  camelizeKeys,
  ContactSchema,
  EnvelopeSchema,
  FieldDefinitionSchema,
  LoginSchema,
  NativeCaseSchema,
  PortalUserSchema,
  WithIdSchema,
  type Contact,
  type Envelope,
  type FieldDefinition,
  type NativeCase,
  type PortalUser,
} from "./schemas.js";

/** One list item: validated, or the reason it is not (with its id when the raw item has one). */
export type Validated<T> = { ok: true; value: T } | { ok: false; id: string | null; error: CaseSyncError };

/** One list item as listed, not validated yet: the raw JSON, its id as listed, its place on its page. */
export interface ListedItem {
  raw: unknown;
  id: string | null;
  index: number;
}

/** List endpoints: their envelope is camelized without its items, which are camelized one by one. */
const LIST_ENDPOINTS: ReadonlySet<EndpointName> = new Set(["listCases", "listContacts", "listPeople"]);

export interface OnlyofficeClientOptions {
  connection: OnlyofficeConnection;
  profile: OnlyofficeProfile;
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

interface CallOptions {
  params?: Record<string, string | number>;
  query?: HttpRequest["query"];
  body?: unknown;
  record?: string | undefined;
}

/** One request as `exchange` sends it. */
interface RequestCall {
  method: HttpRequest["method"];
  path: string;
  body?: unknown;
  query?: HttpRequest["query"];
  record?: string | undefined;
  /** A list page read lazily (HttpRequest.listAt). */
  listAt?: string;
}

const LOGIN_LABEL = endpointLabel(ENDPOINTS.login);

/** zod issue path → `response[3].customFields[0].id`. */
export function issuePath(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === "number") return `${out}[${key}]`;
    return out === "" ? String(key) : `${out}.${String(key)}`;
  }, prefix);
}

/** The id of a raw list item, camelCase or PascalCase (items are camelized only when validated). */
function rawId(item: unknown): string | null {
  if (item === null || typeof item !== "object") return null;
  const record = item as Record<string, unknown>;
  const id = record.id ?? record.Id;
  return typeof id === "number" || (typeof id === "string" && id !== "") ? String(id) : null;
}

/** How a list's items are told apart when a page repeats one: by id, or by id ignoring case (user GUIDs). */
type IdMatch = "exact" | "ignore-case";

export class OnlyofficeClient {
  private readonly http: HttpClient;
  private readonly auth: OnlyofficeAuth;
  private readonly pageSize: number;
  private readonly prefetch: number;
  private readonly logger: Logger;

  constructor(options: OnlyofficeClientOptions) {
    this.pageSize = options.profile.pageSize;
    this.prefetch = prefetchDepth(options.profile);
    this.logger = options.logger;
    this.auth = new OnlyofficeAuth(options.connection, (userName, password) => this.logIn(userName, password));
    this.http = createHttpClient({
      side: "onlyoffice",
      baseUrl: options.connection.baseUrl,
      headers: () => this.auth.headers(),
      secrets: () => this.auth.secrets(),
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      concurrency: options.profile.concurrency,
      rateLimit: options.profile.rateLimit,
      retry: options.retry,
      circuit: options.circuit,
      requestBudget: options.requestBudget,
      classify: classifyOnlyoffice,
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

  close(): void {
    this.http.close();
  }

  // ---- reads -------------------------------------------------------------------------------

  /** Case list pages sorted by id; the last page yielded is the empty one that ends the scan. */
  casePages(): AsyncGenerator<Validated<NativeCase>[]> {
    return this.pages("listCases", NativeCaseSchema, "exact", "throw", this.prefetch);
  }

  /**
   * Case list pages as `casePages` reads them (pages fetched ahead, items deduplicated by id), but
   * not validated: the adapter validates with `validateCase` only the items it has to decode.
   */
  caseListing(): AsyncGenerator<Iterable<ListedItem>> {
    return this.listing("listCases", "exact", "throw", this.prefetch);
  }

  /** One item of `caseListing`, camelized and validated exactly as `casePages` would have. */
  validateCase(item: ListedItem): Validated<NativeCase> {
    return this.validate("listCases", NativeCaseSchema, item);
  }

  contactPages(): AsyncGenerator<Validated<Contact>[]> {
    return this.pages("listContacts", ContactSchema, "exact", "throw");
  }

  /** Portal users (GUIDs compared case-insensitively); a portal that ignores paging on `people` answers the full list every time. */
  peoplePages(): AsyncGenerator<Validated<PortalUser>[]> {
    return this.pages("listPeople", PortalUserSchema, "ignore-case", "stop");
  }

  async getCase(id: number): Promise<NativeCase | null> {
    try {
      const envelope = await this.call("getCase", { params: { id }, record: String(id) });
      return this.parse("getCase", NativeCaseSchema, envelope.response, String(id));
    } catch (error) {
      if (error instanceof CaseSyncError && error.code === "CS_NOT_FOUND") return null;
      throw error;
    }
  }

  async fieldDefinitions(): Promise<FieldDefinition[]> {
    const envelope = await this.call("fieldDefinitions", {});
    return this.parseList("fieldDefinitions", FieldDefinitionSchema, envelope.response);
  }

  async self(): Promise<PortalUser> {
    const envelope = await this.call("self", {});
    return this.parse("self", PortalUserSchema, envelope.response);
  }

  // ---- writes ------------------------------------------------------------------------------

  /** `POST crm/case` (never retried). A response that fails the case schema still yields its id. */
  async createCase(body: unknown): Promise<{ case: NativeCase | null; id: number; problem: CaseSyncError | null }> {
    const envelope = await this.call("createCase", { body });
    try {
      const created = this.parse("createCase", NativeCaseSchema, envelope.response);
      return { case: created, id: created.id, problem: null };
    } catch (problem) {
      const withId = this.parse("createCase", WithIdSchema, envelope.response);
      return { case: null, id: withId.id, problem: problem as CaseSyncError };
    }
  }

  /** `POST crm/contact/person` then its e-mail through `POST crm/contact/{id}/data`; returns the contact id. */
  async createPerson(person: { firstName: string; lastName: string; email: string }): Promise<number> {
    const envelope = await this.call("createPerson", {
      body: { firstName: person.firstName, lastName: person.lastName, shareType: 1 },
    });
    const { id } = this.parse("createPerson", WithIdSchema, envelope.response);
    await this.call("addContactData", {
      params: { id },
      body: { infoType: "Email", data: person.email, isPrimary: true, category: "Work" },
      record: String(id),
    });
    return id;
  }

  async createCaseField(label: string, fieldType: number, mask: string): Promise<FieldDefinition> {
    const envelope = await this.call("createField", { body: { label, fieldType, mask } });
    return this.parse("createField", FieldDefinitionSchema, envelope.response);
  }

  /**
   * Sends a stored write op exactly as planned: the endpoint (and so its retry policy) is found
   * from method + path, never re-derived. Returns the camelized `response` of the envelope.
   */
  async send(method: string, path: string, body: unknown, record: string | undefined): Promise<unknown> {
    const match = matchEndpoint(method, path);
    if (match === null) throw new CaseSyncError("CS_INTERNAL", `no ONLYOFFICE endpoint matches ${method} ${path}`, { side: "onlyoffice", record });
    const envelope = await this.request(match.name, { method: match.spec.method, path, body, record });
    return envelope.response;
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private async logIn(userName: string, password: string): Promise<string> {
    const envelope = await this.call("login", { body: { userName, password } }, false);
    const answer = this.parse("login", LoginSchema, envelope.response);
    if (typeof answer.token !== "string" || answer.token === "") {
      // 2FA portals answer `token: null` with `sms`/`tfa: true`: a password cannot log in here.
      throw new CaseSyncError("CS_AUTH", `${LOGIN_LABEL} gave no token (two-factor authentication is on; use ONLYOFFICE_TOKEN)`, {
        side: "onlyoffice",
        endpoint: LOGIN_LABEL,
      });
    }
    return answer.token;
  }

  private call(name: EndpointName, options: CallOptions, authenticate = true): Promise<Envelope> {
    const spec = ENDPOINTS[name];
    return this.request(
      name,
      { method: spec.method, path: endpointPath(spec, options.params), body: options.body, query: options.query, record: options.record },
      authenticate,
    );
  }

  private async request(name: EndpointName, call: RequestCall, authenticate = true): Promise<Envelope> {
    return (await this.exchange(name, call, authenticate)).envelope;
  }

  /**
   * One list page: the envelope, and its `response` items read lazily (transport json-list.ts), or
   * as parsed when the body did not split plainly (a `Response` key, say). Release the items once read.
   */
  private async listCall(name: EndpointName, query: HttpRequest["query"]): Promise<{ envelope: Envelope; items: ListItems }> {
    const spec = ENDPOINTS[name];
    const { envelope, list } = await this.exchange(name, { method: spec.method, path: endpointPath(spec, undefined), query, listAt: "response" });
    if (list !== undefined) return { envelope, items: list };
    const raw = envelope.response;
    if (!Array.isArray(raw)) throw this.schemaError(name, null, undefined, "response");
    return { envelope, items: listOfValues(raw as unknown[]) };
  }

  private async exchange(name: EndpointName, call: RequestCall, authenticate = true): Promise<{ envelope: Envelope; list: LazyList | undefined }> {
    const spec = ENDPOINTS[name];
    const request: HttpRequest = {
      method: call.method,
      path: call.path,
      endpoint: endpointLabel(spec),
      idempotent: spec.idempotent,
      ...(call.query === undefined ? {} : { query: call.query }),
      ...(call.body === undefined ? {} : { body: call.body }),
      ...(call.record === undefined ? {} : { record: call.record }),
      ...(call.listAt === undefined ? {} : { listAt: call.listAt }),
    };
    if (authenticate) await this.auth.ensure();
    const token = this.auth.current();
    let response;
    try {
      response = await this.http.request(request);
    } catch (error) {
      // A 401 is answered before the server acts, so even a create may be sent again after a login.
      if (!authenticate || !(error instanceof CaseSyncError) || error.status !== 401 || !this.auth.canLogIn()) throw error;
      this.logger.info({ endpoint: request.endpoint }, "ONLYOFFICE token refused; logging in again");
      await this.auth.renew(token);
      response = await this.http.request(request);
    }
    try {
      return { envelope: this.unwrap(name, response.data, call.record), list: response.list };
    } catch (error) {
      response.list?.release();
      throw error;
    }
  }

  private unwrap(name: EndpointName, data: unknown, record: string | undefined): Envelope {
    let body = data;
    let parsedHere = false;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body) as unknown;
        parsedHere = true;
      } catch {
        // left as text: the envelope check below names it
      }
    }
    const list = LIST_ENDPOINTS.has(name);
    let camel: unknown;
    try {
      // A list's items are walked later, one by one: a body parsed here is checked for depth now,
      // as the transport checks the bodies it parsed, so no walk of an item can overflow the stack.
      if (list && parsedHere && nestsDeeperThan(body, MAX_JSON_DEPTH)) {
        throw new CaseSyncError("CS_SCHEMA", `JSON nested deeper than ${MAX_JSON_DEPTH} levels, the depth cap`, { side: "onlyoffice", field: "body" });
      }
      camel = list ? camelizeEnvelope(body) : camelizeKeys(body);
    } catch (error) {
      // Past the depth cap: say which endpoint answered it (the transport refuses parsed bodies
      // this deep already; this catches one that arrived as text and was parsed here).
      if (!(error instanceof CaseSyncError)) throw error;
      const label = endpointLabel(ENDPOINTS[name]);
      throw new CaseSyncError(error.code, `${label} answered ${error.message}: refused unread`, { side: "onlyoffice", record, field: "body", endpoint: label });
    }
    const envelope = this.parse(name, EnvelopeSchema, camel, record, "");
    if (envelope.status !== 0 || envelope.error !== undefined) {
      const code = envelope.statusCode !== undefined && envelope.statusCode >= 400 ? envelope.statusCode : 500;
      const context: CallContext = { side: "onlyoffice", endpoint: endpointLabel(ENDPOINTS[name]), record, secrets: this.auth.secrets() };
      throw classifyOnlyoffice(code, envelope, context) ?? errorFromResponse(code, envelope, context);
    }
    return envelope;
  }

  private parse<T>(name: EndpointName, schema: z.ZodType<T>, value: unknown, record?: string, prefix = "response"): T {
    // The whole envelope was camelized once on arrival; members need no second pass.
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    throw this.schemaError(name, result.error, record, prefix);
  }

  private parseList<T>(name: EndpointName, schema: z.ZodType<T>, value: unknown): T[] {
    if (!Array.isArray(value)) throw this.schemaError(name, null, undefined, "response");
    return value.map((item, index) => this.parse(name, schema, item, rawId(item) ?? undefined, `response[${index}]`));
  }

  private schemaError(name: EndpointName, error: z.ZodError | null, record: string | undefined, prefix: string, problem = "expected a list"): CaseSyncError {
    const issue = error?.issues[0];
    const field = issue ? issuePath(prefix, issue.path) : prefix || "body";
    const what = issue ? issue.message : problem;
    const label = endpointLabel(ENDPOINTS[name]);
    const about = record === undefined ? "" : ` for record ${record}`;
    return new CaseSyncError("CS_SCHEMA", redactText(`${label} answered an unexpected shape${about}: ${field || "body"}: ${what}`, this.auth.secrets()), {
      side: "onlyoffice",
      record,
      field: field || "body",
      endpoint: label,
    });
  }

  /**
   * Offset paging sorted by id (reference "Paging and filters"; prefetch.ts fetches pages ahead):
   * `startIndex` advances by the items actually returned, since a portal may cap `count` below
   * what was asked; `nextIndex` is unreliable and ignored, `total` only bounds fetching ahead; only
   * an empty page ends the list. A page of nothing but ids already seen means the server ignores
   * `startIndex`: a list that must be complete (cases, contacts) fails, a list that may not be
   * (people) stops.
   */
  private async *listing(name: EndpointName, match: IdMatch, onNoProgress: "stop" | "throw", depth = 1): AsyncGenerator<Iterable<ListedItem>> {
    const seen = new Set<string>();
    const pages = prefetchPages((startIndex, pageNumber) => this.listPage(name, startIndex, pageNumber), { pageSize: this.pageSize, depth });
    for await (const { items, startIndex } of pages) {
      if (items.length === 0) {
        items.release();
        yield [];
        return;
      }
      const progress = { made: false };
      const page = new ReadOnce(this.pageItems(name, items, seen, match, progress));
      yield page;
      // Every id of the page counted before progress is judged.
      page.finish();
      if (!progress.made) {
        if (onNoProgress === "stop") return;
        throw new CaseSyncError("CS_UPSTREAM", `${endpointLabel(ENDPOINTS[name])} answered the same items again at startIndex ${startIndex}: paging is not honoured`, {
          side: "onlyoffice",
          endpoint: endpointLabel(ENDPOINTS[name]),
        });
      }
    }
  }

  /**
   * A page's items, each parsed as it is reached (so only one item's objects live at a time), those
   * whose id was listed before skipped. `progress.made` says, once the page is read, whether any was new.
   */
  private *pageItems(name: EndpointName, items: ListItems, seen: Set<string>, match: IdMatch, progress: { made: boolean }): Generator<ListedItem> {
    for (const { index, value: raw } of listItems(items, (at) => this.schemaError(name, null, undefined, `response[${at}]`, "not JSON"))) {
      const id = rawId(raw);
      const key = id !== null && match === "ignore-case" ? id.toLowerCase() : id;
      if (key !== null) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      progress.made = true;
      yield { raw, id, index };
    }
  }

  private async *pages<T>(
    name: EndpointName,
    schema: z.ZodType<T>,
    match: IdMatch,
    onNoProgress: "stop" | "throw",
    depth = 1,
  ): AsyncGenerator<Validated<T>[]> {
    for await (const page of this.listing(name, match, onNoProgress, depth)) yield Array.from(page, (item) => this.validate(name, schema, item));
  }

  /** One page of a list, its items as they came (the envelope was camelized without them). */
  private async listPage(name: EndpointName, startIndex: number, pageNumber: number): Promise<ListPage> {
    const query = { sortBy: "Id", sortOrder: "ascending", startIndex, count: this.pageSize };
    let page;
    try {
      page = await this.listCall(name, query);
    } catch (error) {
      throw onPage(error, pageNumber, { side: "onlyoffice" });
    }
    const total: unknown = page.envelope.total;
    return { items: page.items, total: typeof total === "number" ? total : undefined };
  }

  /** A list item camelized (it came as listed) and validated; its path names its place on the page. */
  private validate<T>(name: EndpointName, schema: z.ZodType<T>, item: ListedItem): Validated<T> {
    // Depth 3: below the envelope and its `response` list, as a whole-envelope walk would count it.
    const result = schema.safeParse(camelizeKeys(item.raw, 3));
    if (result.success) return { ok: true, value: result.data };
    return { ok: false, id: item.id, error: this.schemaError(name, result.error, item.id ?? undefined, `response[${item.index}]`) };
  }
}

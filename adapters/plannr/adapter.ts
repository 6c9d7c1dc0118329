// The Plannr side of the CrmAdapter port (SPEC §1): the client for HTTP, the catalog for the
// firm's reference lists (cached by `listReference`), the codec and the write encoder for
// translation. Facts relied on (reference "Cases"): the create is answered 200 or 201 with the
// case, takes no custom fields, and is never retried (invariant 6); the create and its PUT ask
// for `include=participants,custom_fields` so that their answers are the whole case and a create
// costs one POST, plus one PUT only when there are custom values (SPEC §8) — an answer without
// them [D] is read back with one GET; `DELETE /cases/{uuid}` answers 204, and a 404 there means
// the case is already gone; `GET /logins` lists the token's logins, each with `account.uuid`; a
// 422 to `PUT /cases/{uuid}` names the refused fields, and the PUT is partial, so it is sent once
// more without them and the refused groups are reported (refusals.ts).
import type { Case } from "../../src/core/case.js";
import { ABORTING_CODES, CaseSyncError, toCaseSyncError } from "../../src/core/errors.js";
import type { HttpOptions, PlannrConnection } from "../../src/core/config.js";
import type { Mapping } from "../../src/core/mapping.js";
import { silentLogger, systemClock, type Clock, type CrmAdapter, type Logger } from "../../src/core/ports.js";
import type { CaseRecord, CreateOptions, CreatePreview, EncodeInput, EncodeResult, RecordIssue, ScanItem, WriteOp, WriteOutcome } from "../../src/core/records.js";
import type { Reference, SideIdentity } from "../../src/core/reference.js";
import type { RetryPolicy } from "../../src/transport/retry.js";
import { PlannrCatalog } from "./catalog.js";
import { PlannrClient } from "./client.js";
import { decodeCase, missingIncludes, type CodecContext } from "./codec.js";
import { matchEndpoint, plannrProfile } from "./profile.js";
import { DELETE_KIND, encodeDelete, encodeStamp } from "./record-ops.js";
import { groupOfNativeField, refusalsOf, withoutRefused } from "./refusals.js";
import { AccountSchema, FieldDefinitionSchema, StatusSchema, type NativeCase } from "./schemas.js";
import { CREATED_CASE_PATH, encodeCreate, encodeUpdate } from "./writes.js";
import { PlannrWebhooks } from "./webhooks.js";

export interface PlannrAdapterOptions {
  connection: PlannrConnection;
  mapping: Mapping;
  http?: Partial<HttpOptions>;
  logger?: Logger;
  clock?: Clock;
  retry?: RetryPolicy;
  /** Overrides Plannr's 500 requests a minute (tests and benchmarks). */
  rateLimit?: { limit: number; windowMs: number };
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * PLANNR_BASE_URL set to another server (most often the ONLYOFFICE portal's address). Plannr
 * always has its reference lists, so a 404 to one, or a page where JSON belongs (an HTML login
 * page or an envelope without `data`), means the URL serves no Plannr API: a configuration error
 * naming the URL, instead of "not found" or a schema failure that sends people looking elsewhere.
 */
export function notPlannrError(error: unknown, baseUrl: string): CaseSyncError | null {
  if (!(error instanceof CaseSyncError)) return null;
  const page = error.code === "CS_SCHEMA" && (error.field === "body" || error.field === "data");
  if (error.status !== 404 && !page) return null;
  const answer = error.status === 404 ? "answered 404" : "answered something that is not a Plannr list";
  const onlyoffice = /onlyoffice/i.test(error.message) ? " (the answer mentions ONLYOFFICE)" : "";
  return new CaseSyncError(
    "CS_CONFIG",
    `plannr.baseUrl ${baseUrl} does not serve Plannr's API: ${error.endpoint ?? "a reference list"} ${answer}${onlyoffice}. Is it the ONLYOFFICE portal's address? Plannr's API is at https://api.plannrcrm.com`,
    { side: "plannr", field: "plannr.baseUrl", endpoint: error.endpoint, status: error.status },
  );
}

function invalidItem(id: string, error: CaseSyncError): ScanItem {
  const issue: RecordIssue = { severity: "error", side: "plannr", record: id, field: error.field ?? null, code: error.code, message: error.message };
  return { kind: "invalid", side: "plannr", id, issue };
}

export class PlannrAdapter implements CrmAdapter {
  readonly side = "plannr" as const;
  private readonly client: PlannrClient;
  private readonly mapping: Mapping;
  private readonly logger: Logger;
  private readonly accountUuid: string;
  private readonly baseUrl: string;
  private catalog: PlannrCatalog | null = null;
  private loading: Promise<PlannrCatalog> | null = null;

  constructor(options: PlannrAdapterOptions) {
    this.mapping = options.mapping;
    this.accountUuid = options.connection.accountUuid;
    this.baseUrl = options.connection.baseUrl;
    this.logger = (options.logger ?? silentLogger).child({ adapter: "plannr" });
    this.client = new PlannrClient({
      connection: options.connection,
      profile: plannrProfile(options.mapping, { concurrency: options.http?.concurrency, rateLimit: options.rateLimit }),
      timeoutMs: options.http?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxResponseBytes: options.http?.maxResponseBytes,
      requestBudget: options.http?.requestBudget ?? 0,
      logger: this.logger,
      clock: options.clock ?? systemClock,
      retry: options.retry,
    });
  }

  describe(): Promise<SideIdentity> {
    return Promise.resolve({ side: "plannr", identity: this.accountUuid, label: `Plannr account ${this.accountUuid}` });
  }

  /**
   * Whether the token has a login for the configured account (`check`). Plannr answers 403 to an
   * account header the token has no login for [D], which is the same answer: no.
   */
  async verifyAccount(): Promise<boolean> {
    // Exact: every other call sends the header as configured, and Plannr matches it exactly.
    const wanted = this.accountUuid;
    try {
      const logins = await this.client.logins();
      return logins.some((login) => login.account.uuid === wanted);
    } catch (error) {
      if (error instanceof CaseSyncError && error.code === "CS_FORBIDDEN") return false;
      throw error;
    }
  }

  /** Requests Plannr says are left in this minute (null until it said): `casesync_plannr_rate_remaining`. */
  rateRemaining(): number | null {
    return this.client.rateRemaining();
  }

  /** Plannr's webhook subscriptions (`case-sync serve`), over this adapter's client, token and limiter. */
  webhooks(): PlannrWebhooks {
    return new PlannrWebhooks(this.client);
  }

  /** Reads the four reference lists afresh and caches them for decoding and encoding. */
  async listReference(): Promise<Reference> {
    return (await this.loadCatalog()).toReference();
  }

  async *listCases(): AsyncGenerator<ScanItem> {
    const ctx = await this.context();
    for await (const event of this.client.casePages()) {
      if (event.kind === "done") {
        yield { kind: "end", complete: event.complete, pages: event.pages };
        return;
      }
      for (const item of event.items) {
        if (!item.ok) {
          // An item without a uuid cannot be named; the client has marked the scan incomplete.
          if (item.id === null) this.logger.warn({ field: item.error.field }, "a Plannr case without a uuid was skipped");
          else yield invalidItem(item.id, item.error);
          continue;
        }
        let decoded: ScanItem;
        try {
          decoded = { kind: "record", record: decodeCase(item.value, ctx) };
        } catch (error) {
          decoded = invalidItem(item.value.uuid, toCaseSyncError(error, { side: "plannr", record: item.value.uuid }));
        }
        yield decoded;
      }
    }
  }

  async getCase(id: string): Promise<CaseRecord | null> {
    const ctx = await this.context();
    const native = await this.client.getCase(id);
    return native === null ? null : decodeCase(native, ctx);
  }

  encodeWrites(input: EncodeInput): EncodeResult {
    const ctx = this.requireContext("encodeWrites");
    if (input.record === null) {
      try {
        return encodeCreate(input.target, { stamp: null }, ctx);
      } catch (error) {
        const e = toCaseSyncError(error, { side: "plannr" });
        return { ops: [], issues: [{ severity: "error", side: "plannr", record: null, field: e.field ?? null, code: e.code, message: e.message }] };
      }
    }
    return encodeUpdate({ ...input, record: input.record }, ctx);
  }

  previewCreate(target: Case, options: CreateOptions): CreatePreview {
    return encodeCreate(target, options, this.requireContext("previewCreate"));
  }

  /**
   * Sends the create (once), then the custom-field PUT if the preview has one, and decodes the
   * last answer. A failure after the case exists is reported as an unknown-outcome error naming
   * the new uuid, so the journal entry stays pending and the next run adopts the case instead of
   * creating it again (invariant 6).
   */
  async createCase(target: Case, options: CreateOptions): Promise<CaseRecord> {
    const ctx = await this.context();
    const [create, ...rest] = encodeCreate(target, options, ctx).ops;
    if (create === undefined) throw new CaseSyncError("CS_INTERNAL", "the create preview holds no request", { side: "plannr" });
    let created: { case: NativeCase | null; uuid: string };
    try {
      created = await this.client.createCase(create.body);
    } catch (error) {
      throw this.writeError(error, null, create);
    }
    const uuid = created.uuid;
    let last: NativeCase | null = created.case;
    const refused: RecordIssue[] = [];
    try {
      for (const planned of rest) {
        let follow: WriteOp | null = planned;
        let answer: unknown;
        try {
          answer = await this.sendFollowUp(uuid, follow);
        } catch (error) {
          // One refused custom value must not keep the others off the new case (issue 8).
          const partial = this.refusedPut(error, uuid, follow);
          if (partial === null) throw error;
          refused.push(...partial.refused);
          follow = partial.op;
          answer = follow === null ? undefined : await this.sendFollowUp(uuid, follow);
        }
        if (follow === null) continue;
        try {
          last = this.client.parseCase("updateCase", answer, uuid);
        } catch {
          last = null;
        }
      }
      if (last === null || !this.decodable(last)) last = await this.client.getCase(uuid);
    } catch (error) {
      const e = toCaseSyncError(error, { side: "plannr", record: uuid });
      if (ABORTING_CODES.has(e.code)) throw e;
      throw new CaseSyncError("CS_UPSTREAM", `Plannr case ${uuid} was created, but completing it failed: ${e.message}`, {
        side: "plannr",
        record: uuid,
        field: groupOfNativeField(e.field, this.mapping),
        endpoint: e.endpoint,
        status: e.status,
        cause: e,
      });
    }
    if (last === null) throw new CaseSyncError("CS_UPSTREAM", `Plannr case ${uuid} was created but cannot be read back`, { side: "plannr", record: uuid });
    const record = decodeCase(last, ctx);
    return refused.length === 0 ? record : { ...record, issues: [...record.issues, ...refused] };
  }

  /**
   * Sends exactly the planned ops, in order; the first failure stops the record and is thrown. A
   * 422 to the case PUT that names fields is the exception (issue 8): the PUT goes once more
   * without them, so the other groups land, and the refused groups come back in `refused`. If
   * that second PUT fails too, it is thrown.
   */
  async applyWrites(id: string, ops: WriteOp[]): Promise<WriteOutcome> {
    const refused: RecordIssue[] = [];
    for (const op of ops) {
      if (op.side !== "plannr") throw new CaseSyncError("CS_INTERNAL", `a ${op.side} write op was handed to the Plannr adapter`, { side: "plannr", record: id });
      try {
        await this.client.send(op.method, op.path, op.body, id);
      } catch (error) {
        // Deleting a case that is already gone leaves the state the op asked for.
        if (op.kind === DELETE_KIND && error instanceof CaseSyncError && error.code === "CS_NOT_FOUND") continue;
        const partial = this.refusedPut(error, id, op);
        if (partial === null) throw this.writeError(error, id, op);
        refused.push(...partial.refused);
        if (partial.op === null) continue;
        try {
          await this.client.send(partial.op.method, partial.op.path, partial.op.body, id);
        } catch (again) {
          throw this.writeError(again, id, partial.op);
        }
      }
    }
    return { refused };
  }

  /** Plannr cases carry no link stamp (invariant 6: the link lives in the ONLYOFFICE link field). */
  encodeStamp(id: string, _value: string | null): WriteOp {
    return encodeStamp(id);
  }

  encodeDelete(id: string): WriteOp {
    return encodeDelete(id);
  }

  /** CS_CONFIG before any request: Plannr cases carry no link stamp. */
  async setStamp(id: string, value: string | null): Promise<void> {
    await this.applyWrites(id, [this.encodeStamp(id, value)]);
  }

  async deleteCase(id: string): Promise<void> {
    await this.applyWrites(id, [this.encodeDelete(id)]);
  }

  requestCount(): number {
    return this.client.requestCount();
  }

  /**
   * A new run: the circuit breaker and the request budget start afresh (SPEC §5). When `signal`
   * aborts, the run's reads are cancelled at once and nothing is retried (issue 9 item 2).
   */
  beginRun(signal?: AbortSignal): void {
    this.client.beginRun(signal);
  }

  /** Releases the keep-alive sockets. */
  close(): void {
    this.client.close();
  }

  // ---- internals ---------------------------------------------------------------------------

  private loadCatalog(): Promise<PlannrCatalog> {
    this.loading ??= (async () => {
      const [statuses, fields, clients, employees] = await Promise.all([
        this.client.listAll("listStatuses", {}, StatusSchema),
        this.client.listAll("listFields", { "filter[model_type]": "case" }, FieldDefinitionSchema),
        this.client.listAll("listAccounts", { "filter[type]": "client" }, AccountSchema),
        this.client.listAll("listAccounts", { "filter[type]": "employee" }, AccountSchema),
      ]).catch((error: unknown) => {
        throw notPlannrError(error, this.baseUrl) ?? error;
      });
      const catalog = new PlannrCatalog({ statuses, fields, clients, employees }, this.mapping);
      this.catalog = catalog;
      return catalog;
    })().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async context(): Promise<CodecContext> {
    return { mapping: this.mapping, catalog: this.catalog ?? (await this.loadCatalog()) };
  }

  /** Pure methods cannot fetch: the engine reads the reference before it plans. */
  private requireContext(what: string): CodecContext {
    if (this.catalog === null) {
      throw new CaseSyncError("CS_INTERNAL", `Plannr adapter: listReference() must complete before ${what}()`, { side: "plannr" });
    }
    return { mapping: this.mapping, catalog: this.catalog };
  }

  /** A case answer the codec can read fully: it lacks no key a mapped group needs. */
  private decodable(native: NativeCase): boolean {
    return missingIncludes(native, this.mapping).length === 0;
  }

  /** A follow-up of a create: the custom-field PUT asks for the whole case in its answer. */
  private sendFollowUp(uuid: string, op: WriteOp): Promise<unknown> {
    return op.path === CREATED_CASE_PATH ? this.client.updateCase(uuid, op.body) : this.client.send(op.method, op.path, op.body, uuid);
  }

  /** For a case PUT that Plannr answered 422 naming fields: the PUT without them, and the refused groups. */
  private refusedPut(error: unknown, id: string, op: WriteOp): ReturnType<typeof withoutRefused> {
    if (!(error instanceof CaseSyncError) || error.code !== "CS_VALIDATION" || error.status !== 422) return null;
    const isCasePut = op.path === CREATED_CASE_PATH || matchEndpoint(op.method, op.path)?.name === "updateCase";
    return isCasePut ? withoutRefused(op, refusalsOf(error), this.mapping, id) : null;
  }

  /** The error of one write, naming the record and the canonical group (`custom:drink`, not `custom_fields.favourite_drink`). */
  private writeError(error: unknown, id: string | null, op: WriteOp): CaseSyncError {
    const record = id ?? undefined;
    const e = toCaseSyncError(error, { side: "plannr", record });
    const field = groupOfNativeField(e.field, this.mapping) ?? (op.groups.length === 1 ? op.groups[0] : undefined);
    if (e.record === record && e.field === field) return e;
    return new CaseSyncError(e.code, e.message, {
      side: "plannr",
      record,
      field,
      endpoint: e.endpoint,
      status: e.status,
      retryable: e.retryable,
      cause: e,
    });
  }
}

export function createPlannrAdapter(options: PlannrAdapterOptions): PlannrAdapter {
  return new PlannrAdapter(options);
}

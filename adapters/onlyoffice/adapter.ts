// The ONLYOFFICE side of the CrmAdapter port: reference lists cached in a catalog, a full scan of
// cases by id, pure encoding of writes, and sending stored write ops exactly as planned. Facts
// relied on (reference): only an empty page ends a scan; a case missing or unreadable is a 404;
// creates are never retried (invariant 6); contacts are created with `shareType: 1`; deleting an
// already deleted case answers 404. A create is several steps (contacts, the case, its close):
// once the case exists it is returned as it really is, every failed step an error on its group.
import type { Case } from "../../src/core/case.js";
import { HttpOptionsSchema, type HttpOptions, type OnlyofficeConnection } from "../../src/core/config.js";
import { ABORTING_CODES, CaseSyncError, toCaseSyncError } from "../../src/core/errors.js";
import type { Mapping } from "../../src/core/mapping.js";
import { normalizeEmail } from "../../src/core/normalize.js";
import { silentLogger, systemClock, type Clock, type CrmAdapter, type Logger } from "../../src/core/ports.js";
import type { CaseRecord, CreateOptions, CreatePreview, EncodeInput, EncodeResult, RecordIssue, ScanItem, ScanOptions, WriteOp, WriteOutcome } from "../../src/core/records.js";
import type { FieldRef, Reference, SideIdentity, StaffRef } from "../../src/core/reference.js";
import type { RetryPolicy } from "../../src/transport/retry.js";
import { fieldRefOf, OnlyofficeCatalog, staffRefOf, type ContactCreate, type NativeLists } from "./catalog.js";
import { OnlyofficeClient, type Validated } from "./client.js";
import { decodeCase } from "./codec.js";
import { createShortfalls, type CreateRequest } from "./created.js";
import { ENDPOINTS, endpointPath, onlyofficeProfile } from "./profile.js";
import { rawCaseHasher, scanSeed } from "./raw-hash.js";
import { NativeCaseSchema, type NativeCase } from "./schemas.js";
import { encodeCreate, encodeDelete, encodeStamp, encodeUpdate, NEW_CASE_ID } from "./writes.js";

export interface OnlyofficeAdapterOptions {
  connection: OnlyofficeConnection;
  mapping: Mapping;
  http?: Partial<HttpOptions>;
  logger?: Logger;
  clock?: Clock;
  retry?: RetryPolicy;
}

function issueOf(error: CaseSyncError, record: string | null): RecordIssue {
  return { severity: "error", side: "onlyoffice", record, field: error.field ?? null, code: error.code, message: error.message };
}

/** The op's failure, with the record and (when the op carries one group) the field it was about. */
function failureOf(error: unknown, record: string, op: WriteOp): CaseSyncError {
  const failure = toCaseSyncError(error, { side: "onlyoffice", record });
  const field = failure.field ?? (op.groups.length === 1 ? op.groups[0] : undefined);
  if (failure.record === record && failure.field === field) return failure;
  return new CaseSyncError(failure.code, failure.message, {
    side: "onlyoffice",
    record,
    field,
    endpoint: failure.endpoint,
    status: failure.status,
    retryable: failure.retryable,
    cause: failure,
  });
}

/**
 * ONLYOFFICE_BASE_URL set to another server (most often Plannr's). An ONLYOFFICE CRM portal always
 * has the lists read first (case fields, people, contacts, the current user) and its login, so a
 * 404 to one means the URL serves no ONLYOFFICE CRM; and `401 {"message":"Unauthenticated."}` is
 * how Laravel, and so Plannr's API, refuses a request (ONLYOFFICE answers its 401s otherwise).
 */
export function notOnlyofficeError(error: unknown, baseUrl: string): CaseSyncError | null {
  if (!(error instanceof CaseSyncError)) return null;
  const laravel = error.status === 401 && /answered 401: Unauthenticated\.$/.test(error.message);
  if (error.status !== 404 && !laravel) return null;
  const answer = laravel ? "answered 401 \"Unauthenticated.\" the way Plannr's API does" : "answered 404";
  return new CaseSyncError(
    "CS_CONFIG",
    `onlyoffice.baseUrl ${baseUrl} does not serve an ONLYOFFICE CRM portal: ${error.endpoint ?? "a reference list"} ${answer}. Is it Plannr's address? It should be the portal's own, e.g. https://portal.example.com`,
    { side: "onlyoffice", field: "onlyoffice.baseUrl", endpoint: error.endpoint, status: error.status },
  );
}

export class OnlyofficeAdapter implements CrmAdapter {
  readonly side = "onlyoffice" as const;
  private readonly client: OnlyofficeClient;
  private readonly mapping: Mapping;
  private readonly logger: Logger;
  private readonly baseUrl: string;
  private catalog: OnlyofficeCatalog | null = null;
  private loading: Promise<OnlyofficeCatalog> | null = null;
  /** Person contacts being created, by normalized e-mail (see `createContact`). */
  private readonly creatingContacts = new Map<string, Promise<number>>();

  constructor(options: OnlyofficeAdapterOptions) {
    const http = HttpOptionsSchema.parse(options.http ?? {});
    this.mapping = options.mapping;
    this.baseUrl = options.connection.baseUrl;
    this.logger = (options.logger ?? silentLogger).child({ adapter: "onlyoffice" });
    this.client = new OnlyofficeClient({
      connection: options.connection,
      profile: onlyofficeProfile(options.mapping, http.concurrency),
      timeoutMs: http.timeoutMs,
      maxResponseBytes: http.maxResponseBytes,
      requestBudget: http.requestBudget,
      logger: this.logger,
      clock: options.clock ?? systemClock,
      retry: options.retry,
    });
  }

  describe(): Promise<SideIdentity> {
    return Promise.resolve({ side: "onlyoffice", identity: this.baseUrl, label: `ONLYOFFICE portal ${new URL(this.baseUrl).host}` });
  }

  async listReference(): Promise<Reference> {
    return (await this.loadCatalog(true)).reference();
  }

  /**
   * Every case, each record with its raw hash (raw-hash.ts). A case listed with the raw hash
   * `options.known` holds for it comes back `unchanged`, neither validated nor decoded: the hash
   * covers everything its decoding reads, the catalog and mapping included, so its record would be
   * the one decoded last time.
   */
  async *listCases(options: ScanOptions = {}): AsyncGenerator<ScanItem> {
    const catalog = await this.loadCatalog(false);
    const known = options.known;
    // Hashed only for a caller that keeps raw hashes (the service's scan tick): a full sync's
    // snapshot never reads them, and they cost about a quarter of a JSON.parse per case.
    const rawHashOf = known === undefined ? null : rawCaseHasher(scanSeed(this.mapping, catalog.fingerprint()));
    let pages = 0;
    let complete = true;
    for await (const page of this.client.caseListing()) {
      pages += 1;
      for (const listed of page) {
        const rawHash = rawHashOf === null ? undefined : rawHashOf(listed.raw);
        if (rawHash !== undefined && listed.id !== null && known?.get(listed.id) === rawHash) {
          yield { kind: "unchanged", side: "onlyoffice", id: listed.id, rawHash };
          continue;
        }
        const item = this.client.validateCase(listed);
        const scanned = this.scanItem(item, catalog, pages, rawHash);
        // An invalid case without a readable id cannot be told apart from a deleted one.
        if (scanned.kind === "invalid" && item.ok === false && item.id === null) complete = false;
        yield scanned;
      }
    }
    yield { kind: "end", complete, pages };
  }

  async getCase(id: string): Promise<CaseRecord | null> {
    if (!/^\d+$/.test(id)) return null;
    const catalog = await this.loadCatalog(false);
    const native = await this.client.getCase(Number(id));
    return native === null ? null : decodeCase(native, { mapping: this.mapping, catalog });
  }

  encodeWrites(input: EncodeInput): EncodeResult {
    return encodeUpdate(input, { mapping: this.mapping, catalog: this.requireCatalog() });
  }

  previewCreate(target: Case, options: CreateOptions): CreatePreview {
    return encodeCreate(target, options, { mapping: this.mapping, catalog: this.requireCatalog() });
  }

  async createCase(target: Case, options: CreateOptions): Promise<CaseRecord> {
    const catalog = await this.loadCatalog(false);
    const preview = this.previewCreate(target, options);
    const createOp = preview.ops.find((op) => op.kind === "case.create");
    if (createOp === undefined) {
      const problem = preview.issues.find((issue) => issue.severity === "error");
      throw new CaseSyncError("CS_VALIDATION", problem?.message ?? "the case cannot be created in ONLYOFFICE", { side: "onlyoffice", field: problem?.field ?? undefined });
    }
    const body = createOp.body as Omit<CreateRequest, "closed">;
    const members = [...body.members];
    /** Failed steps, reported on the created record (the record id is filled in once it exists). */
    const steps: RecordIssue[] = [];
    for (const op of preview.ops.filter((o) => o.kind === "contact.create")) {
      const contact = op.body as ContactCreate;
      try {
        const contactId = await this.createContact(contact);
        if (!members.includes(contactId)) members.push(contactId);
      } catch (error) {
        const failure = toCaseSyncError(error, { side: "onlyoffice" });
        if (ABORTING_CODES.has(failure.code)) throw failure;
        // The case is still created, without this member: its base lacks the participant, so the
        // next sync adds it as a one-sided change instead of losing it.
        steps.push({ ...issueOf(failure, null), field: "participants", message: `person contact ${contact.email} could not be created, so the case was created without it: ${failure.message}` });
      }
    }
    const created = await this.client.createCase({ ...body, members });
    const id = String(created.id);
    let native: NativeCase | null = created.case;
    const closeOp = preview.ops.find((op) => op.kind === "case.close");
    if (closeOp !== undefined) {
      try {
        const closed = NativeCaseSchema.safeParse(await this.client.send(closeOp.method, closeOp.path.replace(NEW_CASE_ID, id), undefined, id));
        native = closed.success ? closed.data : null;
      } catch (error) {
        // The case exists now: report the failed close on the record (which reads open) instead of losing the create.
        const failure = toCaseSyncError(error, { side: "onlyoffice", record: id });
        this.logger.warn({ record: id, code: failure.code }, "created case could not be closed");
        steps.push({ ...issueOf(failure, id), field: "status", message: `the case was created open: closing it failed: ${failure.message}` });
      }
    }
    if (native === null) native = await this.client.getCase(created.id);
    if (native === null) throw new CaseSyncError("CS_NOT_FOUND", `case ${id} was created but cannot be read back`, { side: "onlyoffice", record: id });
    const record = decodeCase(native, { mapping: this.mapping, catalog });
    const failed = steps.map((issue) => ({ ...issue, record: id }));
    const request: CreateRequest = { ...body, members, closed: closeOp !== undefined };
    record.issues.push(...failed, ...createShortfalls(request, record, { mapping: this.mapping, catalog }, failed));
    return record;
  }

  async applyWrites(id: string, ops: WriteOp[]): Promise<WriteOutcome> {
    for (const op of ops) {
      try {
        if (op.side !== "onlyoffice" || (op.record !== null && op.record !== id)) {
          throw new CaseSyncError("CS_INTERNAL", `op ${op.kind} for ${op.side} record ${op.record ?? "(new)"} sent to ONLYOFFICE case ${id}`, { side: "onlyoffice", record: id });
        }
        if (op.kind === "contact.create") {
          const contactid = await this.createContact(op.body as ContactCreate);
          await this.client.send("POST", endpointPath(ENDPOINTS.addMember, { id }), { contactid }, id);
        } else {
          await this.client.send(op.method, op.path, op.body, id);
        }
      } catch (error) {
        // Deleting a case that is already gone answers 404 (reference "Cases"): the goal is met.
        if (op.kind === "case.delete" && error instanceof CaseSyncError && error.code === "CS_NOT_FOUND") continue;
        throw failureOf(error, id, op);
      }
    }
    return { refused: [] };
  }

  encodeStamp(id: string, value: string | null): WriteOp {
    return encodeStamp(id, value, this.mapping);
  }

  encodeDelete(id: string): WriteOp {
    return encodeDelete(id);
  }

  /** One code path with plans: the op `encodeStamp` describes, sent by `applyWrites`. */
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

  /** The integration user, with the admin flag `check` verifies (SPEC §4.8). */
  async whoAmI(): Promise<StaffRef> {
    return staffRefOf(this.mapping, await this.client.self());
  }

  /** Case custom fields (Headings excluded), for `init`. */
  async listCaseFields(): Promise<FieldRef[]> {
    const definitions = await this.client.fieldDefinitions();
    return definitions.filter((d) => d.fieldType !== 4).map(fieldRefOf);
  }

  /** Creates a case custom field (`init --create-link-fields`); returns its id. */
  async createCaseField(label: string, fieldType: number, mask: string): Promise<number> {
    const definition = await this.client.createCaseField(label, fieldType, mask);
    this.catalog?.addDefinition(definition);
    return definition.id;
  }

  close(): void {
    this.client.close();
  }

  // ---- internals ---------------------------------------------------------------------------

  private scanItem(item: Validated<NativeCase>, catalog: OnlyofficeCatalog, page: number, rawHash: string | undefined): ScanItem {
    if (!item.ok) {
      const id = item.id ?? `unknown:page${page}`;
      return { kind: "invalid", side: "onlyoffice", id, issue: issueOf(item.error, item.id) };
    }
    try {
      const record = decodeCase(item.value, { mapping: this.mapping, catalog });
      return rawHash === undefined ? { kind: "record", record } : { kind: "record", record, rawHash };
    } catch (error) {
      const id = String(item.value.id);
      const failure = toCaseSyncError(error, { side: "onlyoffice", record: id });
      return { kind: "invalid", side: "onlyoffice", id, issue: issueOf(failure, id) };
    }
  }

  /**
   * Creates a person contact with its e-mail, unless one with that key appeared meanwhile. The
   * engine applies records concurrently, and a new client often has several cases: callers that
   * ask for the same e-mail while its creation is in flight share it, since a second contact with
   * that e-mail would make the key ambiguous from then on (never matched again).
   */
  private async createContact(contact: ContactCreate): Promise<number> {
    const catalog = await this.loadCatalog(false);
    const key = normalizeEmail(contact.email);
    const existing = key === null ? null : catalog.personKeys.resolve(key);
    if (existing !== null) return Number(existing);
    if (key === null) return this.createPerson(catalog, contact);
    const pending = this.creatingContacts.get(key);
    if (pending !== undefined) return pending;
    const creation = this.createPerson(catalog, contact).finally(() => this.creatingContacts.delete(key));
    this.creatingContacts.set(key, creation);
    return creation;
  }

  private async createPerson(catalog: OnlyofficeCatalog, contact: ContactCreate): Promise<number> {
    const id = await this.client.createPerson(contact);
    catalog.addContact({
      id,
      displayName: `${contact.firstName} ${contact.lastName}`.trim(),
      isCompany: false,
      firstName: contact.firstName,
      lastName: contact.lastName,
      commonData: [{ infoType: 1, data: contact.email, isPrimary: true }],
    });
    return id;
  }

  private requireCatalog(): OnlyofficeCatalog {
    if (this.catalog === null) {
      throw new CaseSyncError("CS_INTERNAL", "ONLYOFFICE reference lists are not loaded: call listReference() first", { side: "onlyoffice" });
    }
    return this.catalog;
  }

  private loadCatalog(fresh: boolean): Promise<OnlyofficeCatalog> {
    if (this.catalog !== null && !fresh) return Promise.resolve(this.catalog);
    this.loading ??= this.fetchLists()
      .then((lists) => {
        this.catalog = new OnlyofficeCatalog(this.mapping, lists);
        return this.catalog;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  private async fetchLists(): Promise<NativeLists> {
    const collect = async <T>(pages: AsyncIterable<Validated<T>[]>, what: string): Promise<T[]> => {
      const out: T[] = [];
      for await (const page of pages) {
        for (const item of page) {
          if (item.ok) out.push(item.value);
          else this.logger.warn({ id: item.id, field: item.error.field }, `skipping an unreadable ${what}`);
        }
      }
      return out;
    };
    const [definitions, people, self, contacts] = await Promise.all([
      this.client.fieldDefinitions(),
      collect(this.client.peoplePages(), "portal user"),
      this.client.self(),
      collect(this.client.contactPages(), "contact"),
    ]).catch((error: unknown) => {
      throw notOnlyofficeError(error, this.baseUrl) ?? error;
    });
    return { definitions, people, self, contacts };
  }
}

export function createOnlyofficeAdapter(options: OnlyofficeAdapterOptions): OnlyofficeAdapter {
  return new OnlyofficeAdapter(options);
}

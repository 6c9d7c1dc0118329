// The ONLYOFFICE side of the CrmAdapter port: reference lists cached in a catalog, a full scan of
// cases by id, pure encoding of writes, and sending stored write ops exactly as planned. Facts
// relied on (reference): only an empty page ends a scan; a case missing or unreadable is a 404;
// creates are never retried (invariant 6); contacts are created with `shareType: 1`; deleting an
// already deleted case answers 404.
import type { Case } from "../../src/core/case.js";
import { HttpOptionsSchema, type HttpOptions, type OnlyofficeConnection } from "../../src/core/config.js";
import { CaseSyncError, toCaseSyncError } from "../../src/core/errors.js";
import type { Mapping } from "../../src/core/mapping.js";
import { normalizeEmail } from "../../src/core/normalize.js";
import { silentLogger, systemClock, type Clock, type CrmAdapter, type Logger } from "../../src/core/ports.js";
import type { CaseRecord, CreateOptions, CreatePreview, EncodeInput, EncodeResult, RecordIssue, ScanItem, WriteOp } from "../../src/core/records.js";
import type { FieldRef, Reference, SideIdentity, StaffRef } from "../../src/core/reference.js";
import type { RetryPolicy } from "../../src/transport/retry.js";
import { fieldRefOf, OnlyofficeCatalog, staffRefOf, type ContactCreate, type NativeLists } from "./catalog.js";
import { OnlyofficeClient, type Validated } from "./client.js";
import { decodeCase } from "./codec.js";
import { ENDPOINTS, endpointPath, onlyofficeProfile } from "./profile.js";
import { NativeCaseSchema, type NativeCase } from "./schemas.js";
import { encodeCreate, encodeUpdate, NEW_CASE_ID } from "./writes.js";

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

export class OnlyofficeAdapter implements CrmAdapter {
  readonly side = "onlyoffice" as const;
  private readonly client: OnlyofficeClient;
  private readonly mapping: Mapping;
  private readonly logger: Logger;
  private readonly baseUrl: string;
  private catalog: OnlyofficeCatalog | null = null;
  private loading: Promise<OnlyofficeCatalog> | null = null;

  constructor(options: OnlyofficeAdapterOptions) {
    const http = HttpOptionsSchema.parse(options.http ?? {});
    this.mapping = options.mapping;
    this.baseUrl = options.connection.baseUrl;
    this.logger = (options.logger ?? silentLogger).child({ adapter: "onlyoffice" });
    this.client = new OnlyofficeClient({
      connection: options.connection,
      profile: onlyofficeProfile(options.mapping, http.concurrency),
      timeoutMs: http.timeoutMs,
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

  async *listCases(): AsyncGenerator<ScanItem> {
    const catalog = await this.loadCatalog(false);
    let pages = 0;
    let complete = true;
    for await (const page of this.client.casePages()) {
      pages += 1;
      for (const item of page) {
        const scanned = this.scanItem(item, catalog, pages);
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
    const body = createOp.body as { members: number[] };
    const members = [...body.members];
    for (const op of preview.ops.filter((o) => o.kind === "contact.create")) {
      const contactId = await this.createContact(op.body as ContactCreate);
      if (!members.includes(contactId)) members.push(contactId);
    }
    const created = await this.client.createCase({ ...body, members });
    const id = String(created.id);
    let native: NativeCase | null = created.case;
    const issues: RecordIssue[] = [];
    const closeOp = preview.ops.find((op) => op.kind === "case.close");
    if (closeOp !== undefined) {
      try {
        const closed = NativeCaseSchema.safeParse(await this.client.send(closeOp.method, closeOp.path.replace(NEW_CASE_ID, id), undefined, id));
        native = closed.success ? closed.data : null;
      } catch (error) {
        // The case exists now: report the failed close on the record instead of losing the create.
        const failure = toCaseSyncError(error, { side: "onlyoffice", record: id });
        this.logger.warn({ record: id, code: failure.code }, "created case could not be closed");
        issues.push({ ...issueOf(failure, id), field: "status" });
      }
    }
    if (native === null) native = await this.client.getCase(created.id);
    if (native === null) throw new CaseSyncError("CS_NOT_FOUND", `case ${id} was created but cannot be read back`, { side: "onlyoffice", record: id });
    const record = decodeCase(native, { mapping: this.mapping, catalog });
    record.issues.push(...issues);
    return record;
  }

  async applyWrites(id: string, ops: WriteOp[]): Promise<void> {
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
        throw failureOf(error, id, op);
      }
    }
  }

  async setStamp(id: string, value: string | null): Promise<void> {
    const linkField = this.mapping.onlyoffice.linkField;
    if (linkField === null) throw new CaseSyncError("CS_CONFIG", "no onlyoffice.linkField is mapped", { side: "onlyoffice", record: id });
    // The per-field POST is the only way to clear a value; `""` clears (reference "Custom fields").
    await this.client.send("POST", endpointPath(ENDPOINTS.setField, { id, fieldid: linkField }), { fieldValue: value ?? "" }, id);
  }

  async deleteCase(id: string): Promise<void> {
    try {
      await this.client.send("DELETE", endpointPath(ENDPOINTS.deleteCase, { id }), undefined, id);
    } catch (error) {
      if (error instanceof CaseSyncError && error.code === "CS_NOT_FOUND") return;
      throw error;
    }
  }

  requestCount(): number {
    return this.client.requestCount();
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

  private scanItem(item: Validated<NativeCase>, catalog: OnlyofficeCatalog, page: number): ScanItem {
    if (!item.ok) {
      const id = item.id ?? `unknown:page${page}`;
      return { kind: "invalid", side: "onlyoffice", id, issue: issueOf(item.error, item.id) };
    }
    try {
      return { kind: "record", record: decodeCase(item.value, { mapping: this.mapping, catalog }) };
    } catch (error) {
      const id = String(item.value.id);
      const failure = toCaseSyncError(error, { side: "onlyoffice", record: id });
      return { kind: "invalid", side: "onlyoffice", id, issue: issueOf(failure, id) };
    }
  }

  /** Creates a person contact with its e-mail, unless one with that key appeared meanwhile. */
  private async createContact(contact: ContactCreate): Promise<number> {
    const catalog = await this.loadCatalog(false);
    const key = normalizeEmail(contact.email);
    const existing = key === null ? null : catalog.personKeys.resolve(key);
    if (existing !== null) return Number(existing);
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
    ]);
    return { definitions, people, self, contacts };
  }
}

export function createOnlyofficeAdapter(options: OnlyofficeAdapterOptions): OnlyofficeAdapter {
  return new OnlyofficeAdapter(options);
}

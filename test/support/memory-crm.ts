// An in-memory CRM at the canonical level: the engine's test double of a CrmAdapter. It stores
// canonical cases, encodes one write op per field group (plus set adds/removes), and can inject
// the faults the engine must survive: a write that fails, a write that commits and then times out,
// a create whose answer is lost, a scan that breaks off, and a "crash" (the call never returns).
import { emptyCase, groupValue, normalizeCase, withGroupValue, type Case, type FieldGroup } from "../../src/core/case.js";
import { CaseSyncError, type Side } from "../../src/core/errors.js";
import { contentHash } from "../../src/core/hash.js";
import type { CrmAdapter } from "../../src/core/ports.js";
import type { CaseRecord, CreateOptions, CreatePreview, EncodeInput, EncodeResult, ScanItem, ScanOptions, WriteOp, WriteOutcome } from "../../src/core/records.js";
import type { Reference, SideIdentity } from "../../src/core/reference.js";

export interface StoredCase {
  case: Case;
  stamp: string | null;
  updatedAt: string;
}

export type Fault =
  /** The next matching write throws before changing anything. */
  | { kind: "fail"; op?: string | undefined }
  /** The next matching write is applied, then throws a timeout (the caller cannot know). */
  | { kind: "commit-then-timeout"; op?: string | undefined }
  /** The next matching call never settles: the run is abandoned there (a crash). */
  | { kind: "hang"; op?: string | undefined }
  /** The scan throws after this many records. */
  | { kind: "scan-break"; after: number }
  /** The next matching write lands without this group: the system refused it (e.g. a Plannr 422 naming it). */
  | { kind: "refuse"; op?: string | undefined; group: FieldGroup }
  /** The next create makes the case but one of its steps fails: the group stays empty, an issue says so. */
  | { kind: "create-step-fails"; op?: string | undefined; group: FieldGroup };

/**
 * A process crash: once tripped, every call on every component that shares the switch hangs
 * forever, so the abandoned run can take no further step; `reset()` is the restart.
 */
export class CrashSwitch {
  crashed = false;
  async gate(): Promise<void> {
    if (this.crashed) await new Promise(() => undefined);
  }
  reset(): void {
    this.crashed = false;
  }
}

export class MemoryCrm implements CrmAdapter {
  readonly cases = new Map<string, StoredCase>();
  readonly faults: Fault[] = [];
  readonly log: WriteOp[] = [];
  /** Decode problems to report on a record whenever it is read (as an adapter would). */
  readonly recordIssues = new Map<string, CaseRecord["issues"]>();
  /** A person's edit that lands right before the engine's next write (the write window, invariant 4). */
  beforeWrite: ((cases: Map<string, StoredCase>) => void) | null = null;
  /** Ids of the cases the engine created (what a person would recognise as the tool's copies). */
  readonly createdByEngine: string[] = [];
  private nextId = 1;
  private requests = 0;
  private clock = 0;

  constructor(
    readonly side: Side,
    private reference: Reference,
    readonly crash = new CrashSwitch(),
    private readonly identity = side === "plannr" ? "account-1" : "https://portal.example.com",
  ) {}

  /** A user edits a case in this system's UI. */
  edit(id: string, change: (c: Case) => Case): void {
    const stored = this.cases.get(id);
    if (!stored) throw new Error(`no case ${id}`);
    stored.case = normalizeCase(change(stored.case));
    stored.updatedAt = this.tick();
  }

  seed(c: Case, stamp: string | null = null, id?: string): string {
    const key = id ?? this.newId();
    // An id given (a copy of another world's case) is never handed out again.
    const n = /(\d+)$/.exec(key);
    if (n) this.nextId = Math.max(this.nextId, (this.side === "plannr" ? Number(n[1]) : Number(n[1]) - 1000) + 1);
    this.cases.set(key, { case: normalizeCase({ ...c, createdAt: c.createdAt ?? this.tick() }), stamp, updatedAt: this.tick() });
    return key;
  }

  remove(id: string): void {
    this.cases.delete(id);
  }

  setReference(reference: Reference): void {
    this.reference = reference;
  }

  private newId(): string {
    const id = this.side === "plannr" ? `p-${String(this.nextId).padStart(5, "0")}` : String(1000 + this.nextId);
    this.nextId += 1;
    return id;
  }

  /** Server time: real, and strictly increasing so every change has its own updatedAt. */
  private tick(): string {
    this.clock = Math.max(this.clock + 1, Date.now());
    return new Date(this.clock).toISOString();
  }

  private takeFault(op: string): Fault | undefined {
    const index = this.faults.findIndex((f) => f.kind !== "scan-break" && (f.op === undefined || f.op === op) && (f.kind !== "create-step-fails" || op === "case.create"));
    if (index < 0) return undefined;
    return this.faults.splice(index, 1)[0];
  }

  private record(id: string, stored: StoredCase): CaseRecord {
    return {
      side: this.side,
      id,
      case: structuredClone(stored.case),
      stamp: stored.stamp,
      updatedAt: this.side === "plannr" ? stored.updatedAt : null,
      version: contentHash([stored.case, stored.stamp]),
      carry: null,
      issues: [...(this.recordIssues.get(id) ?? [])],
    };
  }

  describe(): Promise<SideIdentity> {
    return Promise.resolve({ side: this.side, identity: this.identity, label: this.identity });
  }

  async listReference(): Promise<Reference> {
    await this.crash.gate();
    this.requests += 1;
    return this.reference;
  }

  /** How many times the whole book was listed (a targeted sync must not list). */
  listings = 0;

  async *listCases(options: ScanOptions = {}): AsyncIterable<ScanItem> {
    await this.crash.gate();
    this.requests += 1;
    this.listings += 1;
    const breakAt = this.faults.find((f): f is Extract<Fault, { kind: "scan-break" }> => f.kind === "scan-break");
    let count = 0;
    for (const [id, stored] of [...this.cases.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (breakAt && count >= breakAt.after) {
        this.faults.splice(this.faults.indexOf(breakAt), 1);
        throw new CaseSyncError("CS_UPSTREAM", "scan broke off", { side: this.side });
      }
      count += 1;
      // The raw hash of a memory case is its version (content and stamp), as an adapter's would be.
      const rawHash = contentHash([stored.case, stored.stamp]);
      if (options.known?.get(id) === rawHash) yield { kind: "unchanged", side: this.side, id, rawHash };
      else yield { kind: "record", record: this.record(id, stored), rawHash };
    }
    yield { kind: "end", complete: true, pages: 1 };
  }

  async getCase(id: string): Promise<CaseRecord | null> {
    await this.crash.gate();
    this.requests += 1;
    const stored = this.cases.get(id);
    return stored ? this.record(id, stored) : null;
  }

  encodeWrites(input: EncodeInput): EncodeResult {
    const id = input.record?.id ?? null;
    const ops: WriteOp[] = [];
    const op = (kind: string, groups: FieldGroup[], body: unknown): WriteOp => ({
      side: this.side,
      record: id,
      kind,
      method: "PUT",
      path: `/${this.side}/${id ?? "new"}`,
      groups,
      body,
      summary: `${kind} ${groups.join(",")}`,
      ...(kind === "case.update" ? { rereadFirst: true } : {}),
    });
    if (input.changes.set.length > 0) {
      const values: Record<string, unknown> = {};
      for (const g of input.changes.set) values[g] = g.startsWith("custom:") ? (input.target.customFields[g.slice(7)] ?? null) : input.target[g as keyof Case];
      ops.push(op("case.update", input.changes.set, values));
    }
    for (const g of ["participants", "assignees"] as const) {
      const delta = input.changes[g];
      if (delta && delta.add.length > 0) ops.push(op(`${g}.add`, [g], { add: delta.add }));
      if (delta && delta.remove.length > 0) ops.push(op(`${g}.remove`, [g], { remove: delta.remove }));
    }
    return { ops, issues: [] };
  }

  previewCreate(target: Case, options: CreateOptions): CreatePreview {
    return { ops: [{ side: this.side, record: null, kind: "case.create", method: "POST", path: `/${this.side}`, groups: [], body: { target, stamp: options.stamp }, summary: `create ${target.title}` }], issues: [] };
  }

  private async faultGate(name: string): Promise<Fault | undefined> {
    await this.crash.gate();
    const fault = this.takeFault(name);
    if (fault?.kind === "hang") {
      this.crash.crashed = true;
      await this.crash.gate();
    }
    if (fault?.kind === "fail") throw new CaseSyncError("CS_VALIDATION", `injected failure of ${name}`, { side: this.side });
    return fault;
  }

  async createCase(target: Case, options: CreateOptions): Promise<CaseRecord> {
    this.requests += 1;
    const fault = await this.faultGate("case.create");
    const id = this.newId();
    let made = target;
    if (fault?.kind === "create-step-fails") made = withGroupValue(target, fault.group, groupValue(emptyCase(), fault.group));
    const stored: StoredCase = { case: normalizeCase({ ...made, createdAt: this.tick() }), stamp: options.stamp, updatedAt: this.tick() };
    this.cases.set(id, stored);
    this.createdByEngine.push(id);
    if (fault?.kind === "commit-then-timeout") throw new CaseSyncError("CS_TIMEOUT", "injected timeout after commit", { side: this.side });
    const record = this.record(id, stored);
    if (fault?.kind === "create-step-fails") {
      record.issues.push({ severity: "error", side: this.side, record: id, field: fault.group, code: "CS_VALIDATION", message: `injected failure of the ${fault.group} step after the create` });
    }
    return record;
  }

  async applyWrites(id: string, ops: WriteOp[]): Promise<WriteOutcome> {
    const refused: WriteOutcome["refused"] = [];
    for (const op of ops) {
      this.requests += 1;
      if (this.beforeWrite) {
        const edit = this.beforeWrite;
        this.beforeWrite = null;
        edit(this.cases);
      }
      const fault = await this.faultGate(op.kind);
      if (op.kind === "case.delete") {
        this.cases.delete(id);
        continue;
      }
      const stored = this.cases.get(id);
      if (!stored) throw new CaseSyncError("CS_NOT_FOUND", `no case ${id}`, { side: this.side, record: id });
      const body = op.body as Record<string, unknown>;
      if (op.kind === "stamp") {
        stored.stamp = (body.value as string | null) ?? null;
        continue;
      }
      let next = { ...stored.case };
      if (op.kind === "case.update") {
        for (const [g, value] of Object.entries(body)) {
          if (fault?.kind === "refuse" && fault.group === g) {
            refused.push({ severity: "error", side: this.side, record: id, field: g, code: "CS_VALIDATION", message: `injected refusal of ${g}` });
            continue;
          }
          if (g.startsWith("custom:")) next.customFields = { ...next.customFields, [g.slice(7)]: value as never };
          else next = { ...next, [g]: value };
        }
      } else if (op.kind.endsWith(".add")) {
        const g = op.kind.split(".")[0] as "participants" | "assignees";
        next[g] = [...next[g], ...(body.add as string[])];
      } else if (op.kind.endsWith(".remove")) {
        const g = op.kind.split(".")[0] as "participants" | "assignees";
        next[g] = next[g].filter((k) => !(body.remove as string[]).includes(k));
      }
      stored.case = normalizeCase(next);
      stored.updatedAt = this.tick();
      this.log.push(op);
      if (fault?.kind === "commit-then-timeout") throw new CaseSyncError("CS_TIMEOUT", "injected timeout after commit", { side: this.side, record: id });
    }
    return { refused };
  }

  async setStamp(id: string, value: string | null): Promise<void> {
    this.requests += 1;
    await this.faultGate("stamp");
    const stored = this.cases.get(id);
    if (!stored) throw new CaseSyncError("CS_NOT_FOUND", `no case ${id}`, { side: this.side, record: id });
    stored.stamp = value;
  }

  async deleteCase(id: string): Promise<void> {
    this.requests += 1;
    await this.faultGate("case.delete");
    this.cases.delete(id);
  }

  encodeStamp(id: string, value: string | null): WriteOp {
    return { side: this.side, record: id, kind: "stamp", method: "POST", path: `/${this.side}/${id}/stamp`, groups: [], body: { value }, summary: `stamp ${String(value)}` };
  }

  encodeDelete(id: string): WriteOp {
    return { side: this.side, record: id, kind: "case.delete", method: "DELETE", path: `/${this.side}/${id}`, groups: [], body: undefined, summary: `delete ${id}` };
  }

  requestCount(): number {
    return this.requests;
  }
}

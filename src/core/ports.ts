// The ports of SPEC §1. The engine sees the world only through these; the CLI and `createSync`
// are the only places that plug concrete implementations in.
import type { Case } from "./case.js";
import type { Side } from "./errors.js";
import type { CaseRecord, CreateOptions, CreatePreview, EncodeInput, EncodeResult, ScanItem, ScanOptions, WriteOp, WriteOutcome } from "./records.js";
import type { Reference, SideIdentity } from "./reference.js";

export type { StateStore } from "./state.js";

export interface CrmAdapter {
  readonly side: Side;
  /** Who this is: Plannr account uuid / ONLYOFFICE portal URL (checked against the state store). */
  describe(): Promise<SideIdentity>;
  /** Statuses, custom field definitions, staff, contacts: what a mapping resolves against. Cached by the adapter for encoding. */
  listReference(): Promise<Reference>;
  /**
   * Every case, page by page at the largest page size; always ends with one `end` item. With
   * `options.known`, records listed with an unchanged raw hash come back as `unchanged` items.
   */
  listCases(options?: ScanOptions): AsyncIterable<ScanItem>;
  /** One case as it is now, or null when it does not exist (or cannot be seen). */
  getCase(id: string): Promise<CaseRecord | null>;
  /** Pure: the native write operations that take `record` to `target` for the changed groups. */
  encodeWrites(input: EncodeInput): EncodeResult;
  /** Pure: what `createCase` would send (for plans and dry runs). */
  previewCreate(target: Case, options: CreateOptions): CreatePreview;
  /**
   * Creates a case and returns it as read back. Never retried blindly: the caller journals the
   * create first and reconciles a lost answer on the next run (invariant 6).
   */
  createCase(target: Case, options: CreateOptions): Promise<CaseRecord>;
  /**
   * Sends the operations for one record, in order; stops at the first failure (it throws). Groups
   * the system refused while the rest was written come back in `refused` (invariant 11).
   */
  applyWrites(id: string, ops: WriteOp[]): Promise<WriteOutcome>;
  /** Writes (or clears, with null) the link stamp on one record. */
  setStamp(id: string, value: string | null): Promise<void>;
  /** Deletes one case (delete policy `propagate` only). */
  deleteCase(id: string): Promise<void>;
  /** Pure: the request `setStamp` sends (kind `stamp`), so plans show it; `applyWrites` accepts it. */
  encodeStamp(id: string, value: string | null): WriteOp;
  /** Pure: the request `deleteCase` sends (kind `case.delete`); `applyWrites` accepts it (404 = done). */
  encodeDelete(id: string): WriteOp;
  /** Requests issued so far (for reports and the request budget). */
  requestCount(): number;
  /**
   * A run starts on this adapter (adapters live across `--watch` runs and in the service): per-run
   * transport state, such as the circuit breaker and the request budget, starts afresh, and every
   * request of the run is cancelled at once when `signal` aborts (Ctrl-C, SIGTERM, the run's
   * maximum duration).
   */
  beginRun?(signal?: AbortSignal): void;
}

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

type LogFn = {
  (message: string): void;
  (fields: object, message?: string): void;
};

/** The subset of pino's logger the project uses; a pino logger satisfies it as it is. */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

export type ProgressPhase = "reference" | "scan" | "plan" | "apply" | "done";

export interface ProgressEvent {
  phase: ProgressPhase;
  side?: Side;
  /** Items done in this phase so far. */
  done: number;
  /** Items in this phase, when known. */
  total?: number;
  message?: string;
}

/** Long runs report progress through this; the CLI draws a bar, a library user gets callbacks. */
export type Progress = (event: ProgressEvent) => void;

export const noProgress: Progress = () => undefined;

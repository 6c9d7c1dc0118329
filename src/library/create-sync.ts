// `createSync` (SPEC §7): the library face, and the one place besides the CLI that wires concrete
// adapters and stores together. An embedding platform brings its own store, logger and HTTP
// settings, or its own adapters; the CLI is a thin layer over this.
import { createOnlyofficeAdapter } from "../../adapters/onlyoffice/adapter.js";
import { createPlannrAdapter } from "../../adapters/plannr/adapter.js";
import { CaseSyncError } from "../core/errors.js";
import type { Mapping } from "../core/mapping.js";
import { silentLogger, type CrmAdapter, type Logger, type StateStore } from "../core/ports.js";
import type { RunReport } from "../core/report.js";
import type { AuditEntry, Conflict, Link, Skip } from "../core/state.js";
import { deriveSettings } from "../engine/context.js";
import { findOnlyofficeChanges, type OnlyofficeChanges } from "../engine/changes.js";
import { Directory, refineOnlyoffice } from "../engine/directory.js";
import { runEngine, type ReferenceCache } from "../engine/run.js";
import { savePlan, type SavedPlan } from "../engine/saved-plan.js";
import { loadMappingFile, validateMapping } from "../mapping/load.js";
import { verifyMapping } from "../mapping/verify.js";
import type { Reference } from "../core/reference.js";
import { openStateStore } from "../state/open.js";
import { linkByHand, listLinkRows, readHistory, readStatus, resolveConflict, skipCase, unlinkByHand, unskipCase, type LinkRow, type Status } from "./admin.js";
import { runCheck, type CheckReport } from "./check.js";
import {
  HttpSchema,
  isAdapter,
  isStore,
  MigrateOptionsSchema,
  parseOnlyofficeConnection,
  parseOption,
  parsePlannrConnection,
  parseCreatedSince,
  PlanOptionsSchema,
  SyncOptionsSchema,
  TargetedSyncOptionsSchema,
  TargetsSchema,
  type TargetedSyncOptions,
  UndoOptionsSchema,
  type CreateSyncOptions,
  type MigrateOptions,
  type PlanOptions,
  type SyncOptions,
  type UndoOptions,
} from "./options.js";

export const DEFAULT_STATE = "./.case-sync/state.db";

export interface CaseSync {
  readonly mapping: Mapping;
  readonly plannr: CrmAdapter;
  readonly onlyoffice: CrmAdapter;
  readonly store: StateStore;
  check(): Promise<CheckReport>;
  /** What a sync would do, as a report whose `plan` lists every write. */
  plan(options?: PlanOptions): Promise<RunReport>;
  /** A plan report as a file's content, for `sync({ plan })` later (`case-sync plan --out`). */
  savePlan(report: RunReport): Promise<SavedPlan>;
  sync(options?: SyncOptions): Promise<RunReport>;
  /**
   * A targeted sync (SPEC §9): just the pairs of these cases, read by id, through the same diff,
   * plan, breakers, apply, journal and audit as `sync`. A linked case that answers 404 gets the
   * delete policy; an unlinked one is copied (unless a copy is still unconfirmed, or matchExisting
   * is on: then the next full sync does it). Takes the run lock: `abort.code` CS_LOCKED (exit 5)
   * when another run holds it. The reference lists of the last run are reused.
   */
  syncCases(targets: { plannr?: string[]; onlyoffice?: string[] }, options?: TargetedSyncOptions): Promise<RunReport>;
  /**
   * Lists ONLYOFFICE and returns the cases whose pair moved since its base, or that no link knows
   * (the service's scan tick). `known` (id → raw hash) is updated in place: a case listed with the
   * raw hash it had last time is not decoded, and a changed case is returned once per change
   * (delete its id from `known` to have it returned again, e.g. after its sync failed).
   * Reads no Plannr case; Plannr's reference lists only when no run of this instance read them yet.
   * `signal` stops it (reads in flight are cancelled): the answer is then `complete: false` with
   * nothing changed and `known` untouched.
   */
  scanOnlyoffice(known: Map<string, string>, options?: { signal?: AbortSignal }): Promise<OnlyofficeChanges>;
  migrate(options: MigrateOptions): Promise<RunReport>;
  /** Takes a run's writes back where nothing moved since (SPEC §11); `dryRun` plans only. */
  undo(runId: string, options?: UndoOptions): Promise<RunReport>;
  /** Takes one case out of the sync (quarantine), or brings it back. */
  skip(id: string, reason?: string): Promise<Skip>;
  unskip(id: string): Promise<void>;
  status(): Promise<Status>;
  conflicts: {
    list(): Promise<Conflict[]>;
    resolve(id: string, take: "plannr" | "onlyoffice" | "base"): Promise<void>;
  };
  link(plannrUuid: string, onlyofficeId: number | string): Promise<Link>;
  /** The link table: Plannr uuid, ONLYOFFICE id, the agreed title, when and how each pair was linked. */
  links(): Promise<LinkRow[]>;
  unlink(plannrUuid: string): Promise<Link>;
  history(id: string): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

export function createSync(options: CreateSyncOptions): CaseSync {
  if (typeof options !== "object" || options === null) throw new CaseSyncError("CS_CONFIG", "createSync needs an options object");
  const mapping = typeof options.mapping === "string" ? loadMappingFile(options.mapping) : validateMapping(options.mapping);
  const http = parseOption(HttpSchema, options.http ?? {}, "http");
  const logger: Logger = options.logger ?? silentLogger;
  const httpOptions = {
    ...(http.timeoutMs === undefined ? {} : { timeoutMs: http.timeoutMs }),
    ...(http.concurrency === undefined ? {} : { concurrency: http.concurrency }),
    ...(http.requestBudget === undefined ? {} : { requestBudget: http.requestBudget }),
    ...(http.maxResponseBytes === undefined ? {} : { maxResponseBytes: http.maxResponseBytes }),
  };
  if (options.allowInsecureHttp !== undefined && typeof options.allowInsecureHttp !== "boolean") {
    throw new CaseSyncError("CS_CONFIG", "invalid allowInsecureHttp: must be true or false", { field: "allowInsecureHttp" });
  }
  const policy = { allowInsecureHttp: options.allowInsecureHttp === true };
  const plannr: CrmAdapter = isAdapter(options.plannr)
    ? options.plannr
    : createPlannrAdapter({
        connection: parsePlannrConnection(options.plannr, policy),
        mapping,
        http: httpOptions,
        logger,
        ...(options.plannrRateLimit ? { rateLimit: options.plannrRateLimit } : {}),
      });
  const onlyoffice: CrmAdapter = isAdapter(options.onlyoffice)
    ? options.onlyoffice
    : createOnlyofficeAdapter({ connection: parseOnlyofficeConnection(options.onlyoffice, policy), mapping, http: httpOptions, logger });
  if (options.store !== undefined && typeof options.store !== "string" && !isStore(options.store)) {
    throw new CaseSyncError("CS_CONFIG", "store must be a StateStore, a SQLite file path or a postgres:// URL", { field: "store" });
  }
  const store: StateStore = isStore(options.store) ? options.store : openStateStore(options.store ?? DEFAULT_STATE);
  let ready: Promise<void> | null = null;
  const init = () => (ready ??= store.init());
  const progress = options.onProgress ?? (() => undefined);
  const verify = (plannrRef: Reference, onlyofficeRef: Reference) =>
    verifyMapping(mapping, plannrRef, onlyofficeRef)
      .filter((item) => !item.ok && item.severity === "error")
      .map((item) => `${item.name}: ${item.detail}`);
  const references: ReferenceCache = { plannr: null, onlyoffice: null };
  const deps = { plannr, onlyoffice, store, mapping, logger, progress, verifyMapping: verify, references, ...(http.concurrency === undefined ? {} : { concurrency: http.concurrency }) };
  const withLimit = (maxRunTimeMs: number | undefined) => (maxRunTimeMs === undefined ? deps : { ...deps, maxRunTimeMs });

  return {
    mapping,
    plannr,
    onlyoffice,
    store,
    async check() {
      return runCheck(plannr, onlyoffice, mapping, store);
    },
    async plan(input = {}) {
      const o = parseOption(PlanOptionsSchema, input, "plan options");
      await init();
      return runEngine(withLimit(o.maxRunTimeMs), { kind: "plan" });
    },
    async savePlan(report) {
      if (report.plan === undefined) throw new CaseSyncError("CS_USAGE", "savePlan needs the report of plan() (or of a dry run)");
      const [p, o] = await Promise.all([plannr.describe(), onlyoffice.describe()]);
      return savePlan(report.plan, { plannrAccount: p.identity, onlyofficePortal: o.identity }, deriveSettings(mapping).fingerprint, new Date(report.finishedAt));
    },
    async sync(input = {}) {
      const o = parseOption(SyncOptionsSchema, input, "sync options");
      await init();
      const mode = { kind: "sync" as const, dryRun: o.dryRun ?? false, allowMassDelete: o.allowMassDelete ?? false, allowMassCreate: o.allowMassCreate ?? false, allowCreateAfterRebuild: o.allowCreateAfterRebuild ?? false };
      return runEngine(withLimit(o.maxRunTimeMs), o.plan === undefined ? mode : { ...mode, expectedPlan: o.plan }, o.signal);
    },
    async syncCases(targets, input = {}) {
      const t = parseOption(TargetsSchema, targets, "targets");
      const o = parseOption(TargetedSyncOptionsSchema, input, "syncCases options");
      await init();
      const mode = { kind: "sync" as const, dryRun: false, allowMassDelete: false, allowMassCreate: false, targets: { plannr: t.plannr ?? [], onlyoffice: t.onlyoffice ?? [] } };
      return runEngine(withLimit(o.maxRunTimeMs), mode, o.signal);
    },
    async scanOnlyoffice(known, options = {}) {
      if (!(known instanceof Map)) throw new CaseSyncError("CS_USAGE", "scanOnlyoffice needs a Map of ONLYOFFICE id → raw hash (start with new Map())", { field: "known" });
      const signal = options.signal;
      if (signal !== undefined && !(signal instanceof AbortSignal)) throw new CaseSyncError("CS_USAGE", "scanOnlyoffice's signal must be an AbortSignal", { field: "signal" });
      await init();
      onlyoffice.beginRun?.(signal);
      if (references.plannr === null || references.onlyoffice === null) {
        const [p, o] = await Promise.all([plannr.listReference(), onlyoffice.listReference()]);
        Object.assign(references, { plannr: p, onlyoffice: o });
      }
      const directory = new Directory(references.plannr as Reference, references.onlyoffice as Reference, mapping);
      const scope = { settings: deriveSettings(mapping), directory };
      return findOnlyofficeChanges({ onlyoffice, scope, refine: refineOnlyoffice(directory), known, links: () => store.listLinks({ bases: false }), signal });
    },
    async undo(runId, input = {}) {
      const o = parseOption(UndoOptionsSchema, input, "undo options");
      if (typeof runId !== "string" || runId.trim() === "") throw new CaseSyncError("CS_USAGE", "undo needs the id of a run (case-sync status lists them)");
      await init();
      return runEngine(withLimit(o.maxRunTimeMs), { kind: "undo", runId: runId.trim(), dryRun: o.dryRun ?? false });
    },
    async skip(id, reason = "") {
      await init();
      return skipCase(store, id, reason);
    },
    async unskip(id) {
      await init();
      return unskipCase(store, id);
    },
    async migrate(input) {
      const o = parseOption(MigrateOptionsSchema, input, "migrate options");
      await init();
      return runEngine(
        withLimit(o.maxRunTimeMs),
        { kind: "migrate", from: o.from, dryRun: o.dryRun ?? false, limit: o.limit ?? null, onlyOpen: o.onlyOpen ?? false, createdSince: o.createdSince === undefined ? null : parseCreatedSince(o.createdSince, mapping.timeZone), allowCreateAfterRebuild: o.allowCreateAfterRebuild ?? false },
        o.signal,
      );
    },
    async status() {
      await init();
      return readStatus(store);
    },
    conflicts: {
      async list() {
        await init();
        return store.listConflicts({ status: "pending" });
      },
      async resolve(id, take) {
        await init();
        await resolveConflict(store, id, take);
      },
    },
    async link(plannrUuid, onlyofficeId) {
      await init();
      return linkByHand(store, plannr, onlyoffice, plannrUuid, String(onlyofficeId));
    },
    async links() {
      await init();
      return listLinkRows(store);
    },
    async unlink(plannrUuid) {
      await init();
      return unlinkByHand(store, onlyoffice, plannrUuid);
    },
    async history(id) {
      await init();
      return readHistory(store, id);
    },
    async close() {
      await store.close();
      for (const adapter of [plannr, onlyoffice]) (adapter as Partial<{ close(): void }>).close?.();
    },
  };
}

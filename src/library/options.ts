// The inputs of `createSync` (SPEC §7), validated with zod so that a wrong option names its field.
import { z } from "zod";
import { OnlyofficeConnectionSchema, PlannrConnectionSchema, type OnlyofficeConnection, type PlannrConnection } from "../core/config.js";
import { CaseSyncError } from "../core/errors.js";
import type { Mapping } from "../core/mapping.js";
import type { CrmAdapter, Logger, ProgressEvent, StateStore } from "../core/ports.js";
import { SavedPlanSchema, type SavedPlan } from "../engine/saved-plan.js";

export { SavedPlanSchema, type SavedPlan };

export interface CreateSyncOptions {
  plannr: { baseUrl: string; token: string; accountUuid: string } | CrmAdapter;
  onlyoffice: { baseUrl: string; token?: string | undefined; username?: string | undefined; password?: string | undefined } | CrmAdapter;
  /** A mapping object (validated) or the path of a YAML mapping file. */
  mapping: Mapping | Record<string, unknown> | string;
  /** A StateStore, a SQLite file path, or a postgres:// URL; default `./.case-sync/state.db`. */
  store?: StateStore | string;
  logger?: Logger;
  /**
   * `timeoutMs`: the total deadline of one request attempt, headers and body included (default
   * 30 s); `maxResponseBytes`: the largest answer accepted (default 64 MiB), a larger one is an
   * error and is not retried.
   */
  http?: { timeoutMs?: number; concurrency?: number; requestBudget?: number; maxResponseBytes?: number };
  /**
   * Accept `http://` base URLs for hosts other than loopback (127.0.0.0/8, ::1, localhost). Off by
   * default: the token (or password) would travel in clear. The CLI's `--allow-insecure-http`.
   */
  allowInsecureHttp?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** Plannr's rate limit override (tests and benchmarks against the sandbox). */
  plannrRateLimit?: { limit: number; windowMs: number };
}

export interface SyncOptions {
  dryRun?: boolean;
  allowMassDelete?: boolean;
  allowMassCreate?: boolean;
  /** After a state rebuilt from the stamps: copy the unlinked cases that existed at the rebuild. */
  allowCreateAfterRebuild?: boolean;
  /** Apply exactly this saved plan (`CaseSync.savePlan`), or refuse (exit 4) if the systems moved since. */
  plan?: SavedPlan;
  /** The longest the run may take (default 2 h; a migration 24 h); past it the run stops (exit 4). */
  maxRunTimeMs?: number;
  signal?: AbortSignal;
}

export interface MigrateOptions {
  from: "plannr" | "onlyoffice";
  dryRun?: boolean;
  limit?: number;
  onlyOpen?: boolean;
  /** ISO date or timestamp: only cases created on or after it. */
  createdSince?: string;
  /** After a state rebuilt from the stamps: copy the unlinked cases that existed at the rebuild. */
  allowCreateAfterRebuild?: boolean;
  maxRunTimeMs?: number;
  signal?: AbortSignal;
}

export const SyncOptionsSchema = z
  .object({
    dryRun: z.boolean().optional(),
    allowMassDelete: z.boolean().optional(),
    allowMassCreate: z.boolean().optional(),
    allowCreateAfterRebuild: z.boolean().optional(),
    /** Apply exactly this saved plan (`CaseSync.savePlan`), or refuse if the systems moved since. */
    plan: SavedPlanSchema.optional(),
    maxRunTimeMs: z.number().int().positive().optional(),
    signal: z.instanceof(AbortSignal).optional(),
  })
  .strict();

export const MigrateOptionsSchema = z
  .object({
    from: z.enum(["plannr", "onlyoffice"]),
    dryRun: z.boolean().optional(),
    limit: z.number().int().positive().optional(),
    onlyOpen: z.boolean().optional(),
    createdSince: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), { message: "must be an ISO date such as 2025-01-31" })
      .optional(),
    allowCreateAfterRebuild: z.boolean().optional(),
    maxRunTimeMs: z.number().int().positive().optional(),
    signal: z.instanceof(AbortSignal).optional(),
  })
  .strict();

export const PlanOptionsSchema = z.object({ maxRunTimeMs: z.number().int().positive().optional() }).strict();
export type PlanOptions = z.infer<typeof PlanOptionsSchema>;

export const UndoOptionsSchema = z.object({ dryRun: z.boolean().optional(), maxRunTimeMs: z.number().int().positive().optional() }).strict();
export type UndoOptions = z.infer<typeof UndoOptionsSchema>;

export const HttpSchema = z
  .object({
    timeoutMs: z.number().int().positive().optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    requestBudget: z.number().int().min(0).optional(),
    maxResponseBytes: z.number().int().positive().optional(),
  })
  .strict();

export function isAdapter(value: unknown): value is CrmAdapter {
  return typeof value === "object" && value !== null && typeof (value as CrmAdapter).listCases === "function";
}

export function isStore(value: unknown): value is StateStore {
  return typeof value === "object" && value !== null && typeof (value as StateStore).commit === "function";
}

/** Parses with a schema; failures become CS_CONFIG naming `what.field`. */
export function parseOption<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${[what, ...i.path.map(String)].join(".")}: ${i.message}`);
  throw new CaseSyncError("CS_CONFIG", `invalid ${what}: ${issues.join("; ")}`, { field: [what, ...(result.error.issues[0]?.path.map(String) ?? [])].join(".") });
}

export interface ConnectionPolicy {
  /** Accept `http://` for a host that is not loopback (the credentials then travel in clear). */
  allowInsecureHttp?: boolean | undefined;
}

/** 127.0.0.0/8, ::1 and `localhost`: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  // WHATWG URL has already normalised the host: `127.1` → `127.0.0.1`, `[0:0::1]` → `[::1]`, lower case.
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Refuses a plain-`http://` base URL for a host that is not loopback (issue 9 item 6): every
 * request carries the token (Plannr's Bearer token, ONLYOFFICE's token or login password), so a
 * typo in the scheme would send it in clear. The sandbox and local tests use http://127.0.0.1.
 */
export function assertSecureBaseUrl(baseUrl: string, what: "plannr" | "onlyoffice", policy: ConnectionPolicy = {}): void {
  const url = new URL(baseUrl);
  if (url.protocol !== "http:" || policy.allowInsecureHttp === true || isLoopbackHost(url.hostname)) return;
  const secret = what === "plannr" ? "the Plannr token" : "the ONLYOFFICE token or password";
  throw new CaseSyncError(
    "CS_CONFIG",
    `invalid ${what}: ${what}.baseUrl: http:// is refused for ${url.host}: ${secret} would travel in clear; use https://, or allow it knowingly with --allow-insecure-http (library option allowInsecureHttp: true)`,
    { field: `${what}.baseUrl` },
  );
}

export function parsePlannrConnection(value: unknown, policy: ConnectionPolicy = {}): PlannrConnection {
  const connection = parseOption(PlannrConnectionSchema, value, "plannr");
  assertSecureBaseUrl(connection.baseUrl, "plannr", policy);
  return connection;
}

export function parseOnlyofficeConnection(value: unknown, policy: ConnectionPolicy = {}): OnlyofficeConnection {
  const connection = parseOption(OnlyofficeConnectionSchema, value, "onlyoffice");
  assertSecureBaseUrl(connection.baseUrl, "onlyoffice", policy);
  return connection;
}

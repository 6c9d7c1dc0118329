// The inputs of `createSync` (SPEC §7), validated with zod so that a wrong option names its field.
import { z } from "zod";
import { OnlyofficeConnectionSchema, PlannrConnectionSchema, type OnlyofficeConnection, type PlannrConnection } from "../core/config.js";
import { CaseSyncError } from "../core/errors.js";
import type { Mapping } from "../core/mapping.js";
import type { CrmAdapter, Logger, ProgressEvent, StateStore } from "../core/ports.js";

export interface CreateSyncOptions {
  plannr: { baseUrl: string; token: string; accountUuid: string } | CrmAdapter;
  onlyoffice: { baseUrl: string; token?: string | undefined; username?: string | undefined; password?: string | undefined } | CrmAdapter;
  /** A mapping object (validated) or the path of a YAML mapping file. */
  mapping: Mapping | Record<string, unknown> | string;
  /** A StateStore, a SQLite file path, or a postgres:// URL; default `./.case-sync/state.db`. */
  store?: StateStore | string;
  logger?: Logger;
  http?: { timeoutMs?: number; concurrency?: number; requestBudget?: number };
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
  signal?: AbortSignal;
}

export const SyncOptionsSchema = z
  .object({
    dryRun: z.boolean().optional(),
    allowMassDelete: z.boolean().optional(),
    allowMassCreate: z.boolean().optional(),
    allowCreateAfterRebuild: z.boolean().optional(),
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
    signal: z.instanceof(AbortSignal).optional(),
  })
  .strict();

export const HttpSchema = z
  .object({
    timeoutMs: z.number().int().positive().optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    requestBudget: z.number().int().min(0).optional(),
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

export function parsePlannrConnection(value: unknown): PlannrConnection {
  return parseOption(PlannrConnectionSchema, value, "plannr");
}

export function parseOnlyofficeConnection(value: unknown): OnlyofficeConnection {
  return parseOption(OnlyofficeConnectionSchema, value, "onlyoffice");
}

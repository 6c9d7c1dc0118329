// The inputs of `createSync` (SPEC §7), validated with zod so that a wrong option names its field.
import { z } from "zod";
import { OnlyofficeConnectionSchema, PlannrConnectionSchema, type OnlyofficeConnection, type PlannrConnection, type TokenProvider } from "../core/config.js";
import { CaseSyncError } from "../core/errors.js";
import type { Mapping, MappingInput } from "../core/mapping.js";
import type { CrmAdapter, Logger, ProgressEvent, StateStore } from "../core/ports.js";
import { SavedPlanSchema, type SavedPlan } from "../engine/saved-plan.js";

export { SavedPlanSchema, type SavedPlan };

export interface CreateSyncOptions {
  /**
   * `token`: a personal access token, or a function answering the current OAuth2 access token
   * (asked before each request, so it should cache; after a 401 it is asked again with
   * `{ rejected }` and the request is retried once with the token it answers, if that differs).
   */
  plannr: { baseUrl: string; token: string | TokenProvider; accountUuid: string } | CrmAdapter;
  onlyoffice: { baseUrl: string; token?: string | undefined; username?: string | undefined; password?: string | undefined } | CrmAdapter;
  /** A mapping object (validated; defaults filled in, as in the YAML file) or the path of a YAML mapping file. */
  mapping: MappingInput | Mapping | string;
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

export interface TargetedSyncOptions {
  maxRunTimeMs?: number;
  signal?: AbortSignal;
}

export interface MigrateOptions {
  from: "plannr" | "onlyoffice";
  dryRun?: boolean;
  limit?: number;
  onlyOpen?: boolean;
  /**
   * Only cases created on or after it: an ISO date (`2024-01-31`, its midnight in the mapping's
   * time zone) or an ISO timestamp (`2024-01-31T09:00:00Z`; without an offset, wall time in that zone).
   */
  createdSince?: string;
  /** After a state rebuilt from the stamps: copy the unlinked cases that existed at the rebuild. */
  allowCreateAfterRebuild?: boolean;
  maxRunTimeMs?: number;
  signal?: AbortSignal;
}

/** What `--created-since` / `createdSince` accept, said the same way everywhere. */
export const CREATED_SINCE_FORMAT = "must be an ISO date such as 2025-01-31, or an ISO timestamp such as 2025-01-31T09:00:00Z";

/** `YYYY-MM-DD`, optionally `THH:MM[:SS[.fff]]` and then optionally `Z` or `±HH:MM`. */
const ISO_DATE_OR_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

interface IsoParts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
  /** `Z`, `+01:00`, or null: wall time in the mapping's zone. */
  offset: string | null;
}

/** The parts of an ISO date or timestamp that names a real day and time, or null. */
function isoParts(text: string): IsoParts | null {
  const m = ISO_DATE_OR_TIMESTAMP.exec(text.trim());
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? "0", m[5] ?? "0", m[6] ?? "0"].map(Number) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3));
  const offset = m[8] ?? null;
  const day = new Date(Date.UTC(y, mo - 1, d));
  // Date.UTC rolls 2025-02-30 over to March: a real date reads back the same.
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return null;
  if (h > 23 || mi > 59 || s > 59) return null;
  if (offset !== null && offset !== "Z" && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4, 6)) > 59)) return null;
  return { y, mo, d, h, mi, s, ms, offset };
}

/**
 * Whether `text` is an ISO date (`2024-01-31`) or ISO timestamp (`2024-01-31T09:00`,
 * `2024-01-31T09:00:00.000Z`, `...+01:00`) naming a real day. Nothing else: `Date.parse` reads
 * `01/02/2024` US style and `5` as the year 2001, so a person's intent is never guessed.
 */
export function isIsoDateOrTimestamp(text: string): boolean {
  return isoParts(text) !== null;
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant` (ms). */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant `createdSince` names, as an ISO timestamp in UTC: a date is its midnight in
 * `timeZone` (the mapping's: dates are calendar dates there, SPEC §2), a timestamp without an
 * offset is wall time in that zone, one with `Z` or an offset is that instant. Anything else is a
 * usage error naming `name` (`--created-since` on the command line).
 */
export function parseCreatedSince(text: string, timeZone: string, name = "createdSince"): string {
  const p = isoParts(text);
  if (p === null) throw new CaseSyncError("CS_USAGE", `${name} "${text}" ${CREATED_SINCE_FORMAT}`, { field: name });
  const wall = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s, p.ms);
  if (p.offset === "Z") return new Date(wall).toISOString();
  if (p.offset !== null) {
    const sign = p.offset.startsWith("-") ? -1 : 1;
    return new Date(wall - sign * (Number(p.offset.slice(1, 3)) * 60 + Number(p.offset.slice(4, 6))) * 60_000).toISOString();
  }
  // Wall time → instant: guess with the offset at the wall time read as UTC, then once more with the
  // offset at the guess (the two differ only across a DST change).
  const guess = wall - zoneOffsetMs(wall, timeZone);
  return new Date(wall - zoneOffsetMs(guess, timeZone)).toISOString();
}

const caseIds = z.array(z.string().trim().min(1, "a case id may not be empty").max(100)).max(10_000);

/** The cases of a targeted sync: Plannr uuids and/or ONLYOFFICE ids. */
export const TargetsSchema = z.object({ plannr: caseIds.optional(), onlyoffice: caseIds.optional() }).strict();

export const TargetedSyncOptionsSchema = z
  .object({
    maxRunTimeMs: z.number().int().positive().optional(),
    signal: z.instanceof(AbortSignal).optional(),
  })
  .strict();

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
      .superRefine((text, ctx) => {
        if (!isIsoDateOrTimestamp(text)) ctx.addIssue({ code: "custom", message: `"${text}" ${CREATED_SINCE_FORMAT}` });
      })
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

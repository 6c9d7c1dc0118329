// Configuration from the environment (SPEC §6, `.env.example`). Validated once at start; errors
// name the variable and never echo a secret's value.
import { z } from "zod";

/**
 * A base URL as the user gives it, reduced to host (Plannr) or portal root (ONLYOFFICE): a
 * trailing slash and an included API path (`/api/v1`, `/api/2.0`) are tolerated (SPEC §5).
 */
export function normalizeBaseUrl(raw: string, apiPath: RegExp): string {
  const url = new URL(raw.trim());
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError("must be an http(s) URL");
  if (url.username || url.password) throw new TypeError("must not carry credentials; use the token variables");
  // Slashes are stripped again after the API path: `/office//api/2.0` must not leave `/office/`
  // (the portal URL is the pair's identity in the state store, so it must have one spelling).
  const path = url.pathname.replace(/\/+$/, "").replace(apiPath, "").replace(/\/+$/, "");
  return `${url.protocol}//${url.host}${path}`;
}

export const PLANNR_API_PATH = /\/api\/v\d+$/;
export const ONLYOFFICE_API_PATH = /\/api\/2\.0$/;

const baseUrl = (apiPath: RegExp) =>
  z.string().transform((raw, ctx) => {
    try {
      return normalizeBaseUrl(raw, apiPath);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: `is not a usable base URL (${(error as Error).message})` });
      return z.NEVER;
    }
  });

const secret = z.string().trim().min(1, { message: "is empty" });

export const PlannrConnectionSchema = z.object({
  baseUrl: baseUrl(PLANNR_API_PATH),
  token: secret,
  accountUuid: z.string().trim().min(1, { message: "is empty" }),
});
export type PlannrConnection = z.infer<typeof PlannrConnectionSchema>;

export const OnlyofficeConnectionSchema = z
  .object({
    baseUrl: baseUrl(ONLYOFFICE_API_PATH),
    token: secret.optional(),
    username: secret.optional(),
    password: secret.optional(),
  })
  .refine((c) => c.token !== undefined || (c.username !== undefined && c.password !== undefined), {
    message: "needs ONLYOFFICE_TOKEN, or ONLYOFFICE_USERNAME and ONLYOFFICE_PASSWORD",
  });
export type OnlyofficeConnection = z.infer<typeof OnlyofficeConnectionSchema>;

export const HttpOptionsSchema = z
  .object({
    timeoutMs: z.number().int().positive().default(30_000),
    concurrency: z.number().int().min(1).max(64).default(8),
    /** Stop a run (exit 4) after this many requests to one side; 0 = no budget. */
    requestBudget: z.number().int().min(0).default(0),
    /** Largest answer accepted, in bytes; absent: the transport's default (64 MiB). */
    maxResponseBytes: z.number().int().positive().optional(),
  })
  .strict();
export type HttpOptions = z.infer<typeof HttpOptionsSchema>;

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** The environment variables of SPEC §6, raw. */
export const EnvSchema = z.object({
  PLANNR_BASE_URL: z.string().optional(),
  PLANNR_TOKEN: z.string().optional(),
  PLANNR_ACCOUNT_UUID: z.string().optional(),
  ONLYOFFICE_BASE_URL: z.string().optional(),
  ONLYOFFICE_TOKEN: z.string().optional(),
  ONLYOFFICE_USERNAME: z.string().optional(),
  ONLYOFFICE_PASSWORD: z.string().optional(),
  CASE_SYNC_STATE: z.string().default("./.case-sync/state.db"),
  CASE_SYNC_CONFIG: z.string().default("./case-sync.yaml"),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
});
export type Env = z.infer<typeof EnvSchema>;

/** Names of variables whose values must never be printed. */
export const SECRET_ENV_NAMES = ["PLANNR_TOKEN", "ONLYOFFICE_TOKEN", "ONLYOFFICE_PASSWORD"] as const;

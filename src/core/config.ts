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

/**
 * Asks for Plannr's current access token (SPEC §10: OAuth2 tokens that expire and rotate). Called
 * before each request, so it must be cheap (cache); called with `rejected` after a 401, it answers
 * a newer token, or the same one when it has none (then the 401 stands).
 */
export type TokenProvider = (context?: { rejected?: string }) => Promise<string>;

export const PlannrConnectionSchema = z.object({
  baseUrl: baseUrl(PLANNR_API_PATH),
  // A personal access token, or a provider of OAuth2 access tokens (the fleet's, or an embedder's).
  token: z.union([secret, z.custom<TokenProvider>((value) => typeof value === "function", { message: "must be a token, or a function that returns one" })]),
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
  /** The fleet's key for pair credentials (SPEC §10): 32 bytes, base64. */
  CASE_SYNC_SECRET_KEY: z.string().optional(),
  /** `serve --no-subscribe`: the signing secret of a Plannr webhook subscription made by hand (SPEC §9). */
  PLANNR_WEBHOOK_SECRET: z.string().optional(),
});
export type Env = z.infer<typeof EnvSchema>;

/** Names of variables whose values must never be printed. */
export const SECRET_ENV_NAMES = ["PLANNR_TOKEN", "ONLYOFFICE_TOKEN", "ONLYOFFICE_PASSWORD", "CASE_SYNC_SECRET_KEY", "PLANNR_WEBHOOK_SECRET"] as const;

// A pair's connection settings, given as environment variables (SPEC §6, §10): the single-pair
// variables, or an OAuth2 token set in place of PLANNR_TOKEN. Validated here once, when the pair
// is registered; errors name the variable and never repeat a value. The result is split into what
// may be stored in clear (base URLs, the account uuid: needed to show a pair without the key) and
// what is sealed (every token, password and client secret).
import { z } from "zod";
import { normalizeBaseUrl, ONLYOFFICE_API_PATH, PLANNR_API_PATH } from "../core/config.js";
import { CaseSyncError } from "../core/errors.js";
import { registerSecret } from "../transport/redact.js";

/** The variables a pair's env may set; anything else is refused (it is not a pair setting). */
export const PAIR_ENV_VARIABLES = [
  "PLANNR_BASE_URL",
  "PLANNR_ACCOUNT_UUID",
  "PLANNR_TOKEN",
  "PLANNR_OAUTH_CLIENT_ID",
  "PLANNR_OAUTH_CLIENT_SECRET",
  "PLANNR_OAUTH_ACCESS_TOKEN",
  "PLANNR_OAUTH_REFRESH_TOKEN",
  "PLANNR_OAUTH_EXPIRES_AT",
  "ONLYOFFICE_BASE_URL",
  "ONLYOFFICE_TOKEN",
  "ONLYOFFICE_USERNAME",
  "ONLYOFFICE_PASSWORD",
  "PLANNR_WEBHOOK_SECRET",
] as const;

/** The variables whose values are secrets: redacted from every message from the moment they are read. */
export const SECRET_PAIR_VARIABLES = ["PLANNR_TOKEN", "PLANNR_OAUTH_CLIENT_SECRET", "PLANNR_OAUTH_ACCESS_TOKEN", "PLANNR_OAUTH_REFRESH_TOKEN", "ONLYOFFICE_TOKEN", "ONLYOFFICE_PASSWORD", "PLANNR_WEBHOOK_SECRET"] as const;

const OAUTH_VARIABLES = ["PLANNR_OAUTH_CLIENT_ID", "PLANNR_OAUTH_CLIENT_SECRET", "PLANNR_OAUTH_ACCESS_TOKEN", "PLANNR_OAUTH_REFRESH_TOKEN"] as const;

/** Stored in clear: nothing here opens anything. */
export const PairConnectionSchema = z
  .object({
    plannrBaseUrl: z.string(),
    plannrAccountUuid: z.string(),
    onlyofficeBaseUrl: z.string(),
  })
  .strict();
export type PairConnection = z.infer<typeof PairConnectionSchema>;

/** Sealed: the credentials that do not change by themselves. */
export const PairCredentialsSchema = z
  .object({
    plannrToken: z.string().optional(),
    oauthClientId: z.string().optional(),
    oauthClientSecret: z.string().optional(),
    onlyofficeToken: z.string().optional(),
    onlyofficeUsername: z.string().optional(),
    onlyofficePassword: z.string().optional(),
  })
  .strict();
export type PairCredentials = z.infer<typeof PairCredentialsSchema>;

/** Sealed, in a row of its own: the OAuth2 pair of tokens, replaced at every refresh. */
export const TokenSetSchema = z.object({ accessToken: z.string().min(1), refreshToken: z.string().min(1) }).strict();
export type TokenSet = z.infer<typeof TokenSetSchema>;

export interface PairEnv {
  auth: "token" | "oauth";
  connection: PairConnection;
  credentials: PairCredentials;
  /** With `auth: "oauth"`: the token set and when its access token expires (null: unknown). */
  tokens: { set: TokenSet; expiresAt: string | null } | null;
  webhookSecret: string | null;
}

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== "";

function baseUrl(value: string | undefined, variable: string, apiPath: RegExp, problems: string[]): string {
  if (!present(value)) {
    problems.push(`${variable} is missing`);
    return "";
  }
  try {
    return normalizeBaseUrl(value, apiPath);
  } catch (error) {
    problems.push(`${variable} is not a usable base URL (${(error as Error).message})`);
    return "";
  }
}

/** An ISO 8601 timestamp with its offset, or seconds since 1970 (what `expires_in` added to now gives). */
export function parseExpiresAt(text: string): string | null {
  const trimmed = text.trim();
  if (/^\d{9,11}$/.test(trimmed)) return new Date(Number(trimmed) * 1000).toISOString();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed)) return null;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Validates a pair's env (`source` names it in the error, e.g. the env file). */
export function parsePairEnv(env: unknown, source = "pair env"): PairEnv {
  if (env === null || typeof env !== "object" || Array.isArray(env)) {
    throw new CaseSyncError("CS_CONFIG", `${source} must be an object of variable names to values`, { field: "env" });
  }
  const problems: string[] = [];
  const raw: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env as Record<string, unknown>)) {
    if (!(PAIR_ENV_VARIABLES as readonly string[]).includes(key)) {
      problems.push(`${key} is not a pair setting`);
      continue;
    }
    if (typeof value !== "string") problems.push(`${key} must be text`);
    else raw[key] = value;
    if (typeof value === "string" && (SECRET_PAIR_VARIABLES as readonly string[]).includes(key)) registerSecret(value.trim());
  }
  const connection: PairConnection = {
    plannrBaseUrl: baseUrl(raw.PLANNR_BASE_URL, "PLANNR_BASE_URL", PLANNR_API_PATH, problems),
    plannrAccountUuid: raw.PLANNR_ACCOUNT_UUID?.trim() ?? "",
    onlyofficeBaseUrl: baseUrl(raw.ONLYOFFICE_BASE_URL, "ONLYOFFICE_BASE_URL", ONLYOFFICE_API_PATH, problems),
  };
  if (connection.plannrAccountUuid === "") problems.push("PLANNR_ACCOUNT_UUID is missing");

  const oauthGiven = OAUTH_VARIABLES.filter((name) => present(raw[name]));
  const oauth = oauthGiven.length > 0 || present(raw.PLANNR_OAUTH_EXPIRES_AT);
  if (oauth && present(raw.PLANNR_TOKEN)) problems.push("PLANNR_TOKEN and PLANNR_OAUTH_* are both set: give a personal token or an OAuth token set, not both");
  else if (oauth) {
    const missing = OAUTH_VARIABLES.filter((name) => !present(raw[name]));
    if (missing.length > 0) problems.push(`an OAuth token set needs ${missing.join(", ")} too`);
  } else if (!present(raw.PLANNR_TOKEN)) problems.push("PLANNR_TOKEN is missing (or give an OAuth token set: PLANNR_OAUTH_CLIENT_ID, PLANNR_OAUTH_CLIENT_SECRET, PLANNR_OAUTH_ACCESS_TOKEN, PLANNR_OAUTH_REFRESH_TOKEN)");
  let expiresAt: string | null = null;
  if (present(raw.PLANNR_OAUTH_EXPIRES_AT)) {
    expiresAt = parseExpiresAt(raw.PLANNR_OAUTH_EXPIRES_AT);
    if (expiresAt === null) problems.push("PLANNR_OAUTH_EXPIRES_AT must be an ISO timestamp with its offset (2025-01-31T09:00:00Z) or seconds since 1970");
  }
  const onlyofficeLogin = present(raw.ONLYOFFICE_USERNAME) && present(raw.ONLYOFFICE_PASSWORD);
  if (!present(raw.ONLYOFFICE_TOKEN) && !onlyofficeLogin) problems.push("ONLYOFFICE_TOKEN is missing (or give ONLYOFFICE_USERNAME and ONLYOFFICE_PASSWORD)");

  if (problems.length > 0) {
    throw new CaseSyncError("CS_CONFIG", `${source}: ${problems.join("; ")} (a pair's env may set: ${PAIR_ENV_VARIABLES.join(", ")})`, { field: "env" });
  }
  const credentials: PairCredentials = {};
  const put = (key: keyof PairCredentials, value: string | undefined) => {
    if (present(value)) credentials[key] = value.trim();
  };
  put("plannrToken", raw.PLANNR_TOKEN);
  put("oauthClientId", raw.PLANNR_OAUTH_CLIENT_ID);
  put("oauthClientSecret", raw.PLANNR_OAUTH_CLIENT_SECRET);
  put("onlyofficeToken", raw.ONLYOFFICE_TOKEN);
  if (onlyofficeLogin) {
    put("onlyofficeUsername", raw.ONLYOFFICE_USERNAME);
    put("onlyofficePassword", raw.ONLYOFFICE_PASSWORD);
  }
  return {
    auth: oauth ? "oauth" : "token",
    connection,
    credentials,
    tokens: oauth ? { set: { accessToken: raw.PLANNR_OAUTH_ACCESS_TOKEN!.trim(), refreshToken: raw.PLANNR_OAUTH_REFRESH_TOKEN!.trim() }, expiresAt } : null,
    webhookSecret: present(raw.PLANNR_WEBHOOK_SECRET) ? raw.PLANNR_WEBHOOK_SECRET.trim() : null,
  };
}

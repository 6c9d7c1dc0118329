// Plannr's token endpoint (reference "Transport": Laravel Passport, `POST /oauth/token`,
// form-encoded, `grant_type=refresh_token`; the refresh token ROTATES: the one presented is revoked
// and a new one comes back). One call, never retried by itself: presenting a refresh token twice
// fails the second time, so a lost answer is an error the operator sees, not a retry loop.
import { z } from "zod";
import { CaseSyncError } from "../core/errors.js";
import { inertText } from "../core/inert-text.js";
import { silentLogger, type Logger } from "../core/ports.js";
import { createHttpClient } from "../transport/http.js";
import { redactText, registerSecret } from "../transport/redact.js";

export const TOKEN_PATH = "/oauth/token";
const TOKEN_ENDPOINT = `POST ${TOKEN_PATH}`;

export interface RefreshRequest {
  /** Plannr's host (a pair's PLANNR_BASE_URL, normalised). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  timeoutMs?: number;
  logger?: Logger;
}

export interface RefreshedTokens {
  accessToken: string;
  refreshToken: string;
  /** From `expires_in`; null when the answer has none. */
  expiresAt: string | null;
}

// Passport answers {token_type, expires_in, access_token, refresh_token}.
const TokenAnswerSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
  token_type: z.string().optional(),
});

/** Passport's error body: `{error, error_description, message}` (or Laravel's `{message}`). */
function refusal(status: number, body: unknown, secrets: readonly string[]): CaseSyncError {
  const b = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const words = [b.error, b.error_description ?? b.message].filter((w): w is string => typeof w === "string" && w.trim() !== "");
  const detail = inertText(redactText(words.join(": ") || `HTTP ${status}`, secrets), 300);
  if (status >= 500) {
    return new CaseSyncError("CS_UPSTREAM", `Plannr's ${TOKEN_ENDPOINT} answered ${status} (${detail}); the refresh is tried again on the next request`, { side: "plannr", endpoint: TOKEN_ENDPOINT, status });
  }
  return new CaseSyncError(
    "CS_AUTH",
    `Plannr refused to refresh the OAuth access token (${TOKEN_ENDPOINT} answered ${status}: ${detail}): the refresh token or the client is no longer valid; authorise again and register the new token set`,
    { side: "plannr", endpoint: TOKEN_ENDPOINT, status },
  );
}

/** Presents the refresh token once and returns the rotated set. */
export async function refreshPlannrToken(request: RefreshRequest, now: () => Date = () => new Date()): Promise<RefreshedTokens> {
  const secrets = [request.clientSecret, request.refreshToken];
  for (const secret of secrets) registerSecret(secret);
  const http = createHttpClient({
    side: "plannr",
    baseUrl: request.baseUrl,
    headers: () => ({}),
    secrets: () => secrets,
    timeoutMs: request.timeoutMs ?? 30_000,
    concurrency: 1,
    // Not even a 429 is retried here: the caller holds a row lock while this runs.
    retry: { retries: 0, minDelayMs: 0, maxDelayMs: 0 },
    classify: (status, body) => refusal(status, body, secrets),
    logger: request.logger ?? silentLogger,
  });
  try {
    const response = await http.request({
      method: "POST",
      path: TOKEN_PATH,
      endpoint: TOKEN_ENDPOINT,
      idempotent: false,
      form: { grant_type: "refresh_token", refresh_token: request.refreshToken, client_id: request.clientId, client_secret: request.clientSecret, scope: "" },
    });
    const parsed = TokenAnswerSchema.safeParse(response.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CaseSyncError("CS_SCHEMA", `Plannr's ${TOKEN_ENDPOINT} answered an unexpected shape: ${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`, { side: "plannr", endpoint: TOKEN_ENDPOINT });
    }
    const answer = parsed.data;
    registerSecret(answer.access_token);
    registerSecret(answer.refresh_token);
    return {
      accessToken: answer.access_token,
      // A server that does not rotate keeps the one presented valid (RFC 6749 §6).
      refreshToken: answer.refresh_token ?? request.refreshToken,
      expiresAt: answer.expires_in === undefined ? null : new Date(now().getTime() + answer.expires_in * 1000).toISOString(),
    };
  } finally {
    http.close();
  }
}

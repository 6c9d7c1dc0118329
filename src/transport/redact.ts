// Secrets never leak (invariant 12). Two nets: pino's path redaction for structured fields, and
// value redaction for free text (error messages, URLs, bodies echoed by a server), which replaces
// every known secret wherever it appears.

export const REDACTED = "[REDACTED]";

/** Field paths pino masks in every log line. */
export const REDACT_PATHS = [
  "token",
  "password",
  "authorization",
  "Authorization",
  "headers.authorization",
  "headers.Authorization",
  "*.token",
  "*.password",
  "*.authorization",
  "*.Authorization",
  "*.headers.authorization",
  "*.headers.Authorization",
  "config.headers",
  "request.headers",
  "signing_secret",
  "*.signing_secret",
  // Plannr's OAuth2 tokens (Laravel Passport) and cookies, should one ever be logged.
  "access_token",
  "refresh_token",
  "client_secret",
  "*.access_token",
  "*.refresh_token",
  "*.client_secret",
  "headers.cookie",
  "*.headers.cookie",
];

/** Keys whose values are credentials, in the spellings HTTP, OAuth2 (Plannr) and SDKs use. */
const SECRET_KEY =
  /^(authorization|proxy[_-]?authorization|password|passwd|token|access[_-]?token|refresh[_-]?token|id[_-]?token|client[_-]?secret|signing[_-]?secret|secret|(x[_-]?)?api[_-]?key|cookie|set[_-]?cookie)$/i;

/**
 * The ways a secret appears in text: as it is, URL-encoded (a query string), form-encoded (the
 * ONLYOFFICE login form writes a space as "+") and JSON-escaped (a serialised body or log line).
 */
function secretForms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)];
}

/** Replaces every occurrence of each secret (and its encoded forms) in a text. */
export function redactText(text: string, secrets: readonly string[]): string {
  // Longest first: a secret that contains a shorter one must go whole, not leave its tail behind.
  const forms = [...new Set(secrets.filter((s) => s.length >= 4).flatMap(secretForms))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of forms) out = out.split(form).join(REDACTED);
  return out;
}

/** Deep copy with secret-named keys masked and secret values replaced inside strings. */
export function redactValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (depth > 12) return "[…]";
  if (typeof value === "string") return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? REDACTED : redactValue(member, secrets, depth + 1);
    }
    return out;
  }
  return value;
}

/** Process-wide list of secret values in use, so any text can be scrubbed before it is shown. */
const knownSecrets = new Set<string>();

export function registerSecret(secret: string | undefined | null): void {
  if (secret && secret.length >= 4) knownSecrets.add(secret);
}

export function registeredSecrets(): string[] {
  return [...knownSecrets];
}

export function scrub(text: string): string {
  return redactText(text, registeredSecrets());
}

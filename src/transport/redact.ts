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
];

const SECRET_KEY = /^(authorization|password|token|access_token|refresh_token|signing_secret|secret|api[_-]?key)$/i;

/** Replaces every occurrence of each secret (and its URL-encoded form) in a text. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(REDACTED);
  }
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

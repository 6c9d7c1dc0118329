// The one door for the fleet's secrets (STYLE.md "Secrets have one door", SPEC §10): pair
// credentials, OAuth token sets and webhook secrets are sealed here with AES-256-GCM under
// CASE_SYNC_SECRET_KEY, with the key's id beside the ciphertext, and opened here. Nothing else
// touches the key. GCM's tag makes a wrong key or a changed byte an error, never garbage; the key
// id tells the two apart, so an operator is told which one happened.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { CaseSyncError } from "../core/errors.js";
import { registerSecret } from "../transport/redact.js";

/** A sealed value as it is stored: every part base64 except the key id (hex). */
export const SealedSchema = z
  .object({
    keyId: z.string().regex(/^[0-9a-f]{8}$/, { message: "is not a key id" }),
    iv: z.string().min(1),
    tag: z.string().min(1),
    data: z.string(),
  })
  .strict();
export type Sealed = z.infer<typeof SealedSchema>;

export interface SecretBox {
  /** First 8 hex digits of the key's SHA-256: names the key, reveals nothing of it. */
  readonly keyId: string;
  /**
   * Seals `plaintext`. `context` (e.g. `pair acme credentials`) is bound to the ciphertext as GCM
   * associated data, so a value copied onto another pair's row does not open there.
   */
  seal(plaintext: string, context?: string): Sealed;
  /** Opens what `seal` made with the same key and context; anything else is a CS_CONFIG or CS_STATE error. */
  open(sealed: Sealed, context?: string): string;
}

export const SECRET_KEY_VARIABLE = "CASE_SYNC_SECRET_KEY";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const STANDARD_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The key's id: shown in errors and stored beside each ciphertext. */
export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

/** 32 bytes from base64 text, or a CS_CONFIG error naming `variable` (never the value). */
export function decodeKey(keyBase64: string, variable = SECRET_KEY_VARIABLE): Buffer {
  const text = typeof keyBase64 === "string" ? keyBase64.trim() : "";
  const key = STANDARD_BASE64.test(text) ? Buffer.from(text, "base64") : Buffer.alloc(0);
  // Buffer.from(…, "base64") skips what it cannot read: a key must also read back as written.
  if (key.length !== KEY_BYTES || key.toString("base64").replace(/=+$/, "") !== text.replace(/=+$/, "")) {
    throw new CaseSyncError("CS_CONFIG", `${variable} must be ${KEY_BYTES} random bytes in base64 (44 characters); make one with: openssl rand -base64 32`, { field: variable });
  }
  return key;
}

export function createSecretBox(keyBase64: string, variable = SECRET_KEY_VARIABLE): SecretBox {
  const key = decodeKey(keyBase64, variable);
  registerSecret(keyBase64.trim());
  const keyId = keyIdOf(key);
  return {
    keyId,
    seal(plaintext, context = "") {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return { keyId, iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), data: data.toString("base64") };
    },
    open(input, context = "") {
      const parsed = SealedSchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new CaseSyncError("CS_STATE", `sealed credentials are malformed (${issue?.path.join(".") || "value"}: ${issue?.message ?? "invalid"})`, { field: issue?.path.join(".") });
      }
      const sealed = parsed.data;
      if (sealed.keyId !== keyId) {
        throw new CaseSyncError("CS_CONFIG", `${variable} does not match the key these credentials were sealed with (key id ${sealed.keyId}; this key's id is ${keyId})`, { field: variable });
      }
      try {
        // A full 16-byte tag only: GCM would accept a truncated one, which is easier to forge.
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"), { authTagLength: 16 });
        decipher.setAAD(Buffer.from(context, "utf8"));
        decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
        return Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]).toString("utf8");
      } catch {
        // Same key id, failed tag: the stored bytes were changed (or moved from another row).
        throw new CaseSyncError("CS_STATE", `sealed credentials${context === "" ? "" : ` (${context})`} failed their integrity check under key id ${keyId}: they were altered or damaged; register them again`);
      }
    },
  };
}

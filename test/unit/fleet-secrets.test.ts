// The fleet's one door for secrets (src/fleet/secrets.ts): AES-256-GCM round trips, a changed byte
// or a wrong key is an error that says which, never garbage and never the plaintext or the key.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { createSecretBox } from "../../src/fleet/secrets.js";

const key = () => randomBytes(32).toString("base64");

function caught(fn: () => unknown): CaseSyncError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CaseSyncError) return error;
    throw error;
  }
  throw new Error("expected a CaseSyncError");
}

/** Flips one bit of a base64 field. */
function flip(text: string): string {
  const bytes = Buffer.from(text, "base64");
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return bytes.toString("base64");
}

describe("secret box", () => {
  it("seals and opens a value, with a fresh IV each time, and never stores the plaintext", () => {
    const box = createSecretBox(key());
    const plaintext = "pat-ÅßÇ-🔑-" + "x".repeat(300);
    const a = box.seal(plaintext);
    const b = box.seal(plaintext);
    expect(box.open(a)).toBe(plaintext);
    expect(box.open(b)).toBe(plaintext);
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
    expect(Buffer.from(a.iv, "base64")).toHaveLength(12);
    expect(Buffer.from(a.tag, "base64")).toHaveLength(16);
    expect(JSON.stringify(a)).not.toContain("pat-");
  });

  it("names its key by the first 8 hex digits of the key's SHA-256", () => {
    const text = key();
    const box = createSecretBox(text);
    expect(box.keyId).toBe(createHash("sha256").update(Buffer.from(text, "base64")).digest("hex").slice(0, 8));
    expect(box.seal("x").keyId).toBe(box.keyId);
  });

  it("refuses a value whose ciphertext, tag or IV was changed (CS_STATE, no plaintext)", () => {
    const box = createSecretBox(key());
    const sealed = box.seal("the-refresh-token");
    for (const field of ["data", "tag", "iv"] as const) {
      const error = caught(() => box.open({ ...sealed, [field]: flip(sealed[field]) }));
      expect(error.code).toBe("CS_STATE");
      expect(error.message).toMatch(/integrity check/);
      expect(error.message).not.toContain("the-refresh-token");
    }
  });

  it("refuses a truncated tag (GCM would otherwise accept a shorter, easier to forge, one)", () => {
    const box = createSecretBox(key());
    const sealed = box.seal("secret");
    const short = Buffer.from(sealed.tag, "base64").subarray(0, 4).toString("base64");
    expect(caught(() => box.open({ ...sealed, tag: short })).code).toBe("CS_STATE");
  });

  it("binds the context: a value sealed for one pair does not open as another's", () => {
    const box = createSecretBox(key());
    const sealed = box.seal("acme-token", "pair acme credentials");
    expect(box.open(sealed, "pair acme credentials")).toBe("acme-token");
    expect(caught(() => box.open(sealed, "pair other credentials")).code).toBe("CS_STATE");
  });

  it("says clearly that the key is the wrong one, naming the sealing key's id, never the key or the plaintext", () => {
    const right = key();
    const wrong = key();
    const sealed = createSecretBox(right).seal("pat-secret-value");
    const box = createSecretBox(wrong);
    const error = caught(() => box.open(sealed));
    expect(error.code).toBe("CS_CONFIG");
    expect(error.message).toContain(`CASE_SYNC_SECRET_KEY does not match the key these credentials were sealed with (key id ${sealed.keyId}`);
    expect(error.message).not.toContain("pat-secret-value");
    expect(error.message).not.toContain(right);
    expect(error.message).not.toContain(wrong);
  });

  it("refuses a key that is not 32 bytes of base64, naming the variable and not the value", () => {
    const attempts = [randomBytes(16).toString("base64"), randomBytes(33).toString("base64"), "not base64 at all!!", "", randomBytes(32).toString("hex")];
    for (const bad of attempts) {
      const error = caught(() => createSecretBox(bad));
      expect(error.code).toBe("CS_CONFIG");
      expect(error.message).toContain("CASE_SYNC_SECRET_KEY must be 32 random bytes in base64");
      if (bad !== "") expect(error.message).not.toContain(bad);
    }
  });

  it("accepts the key with surrounding whitespace (as an env file may leave it)", () => {
    const text = key();
    expect(createSecretBox(`  ${text}\n`).keyId).toBe(createSecretBox(text).keyId);
  });

  it("refuses a malformed sealed value with the field named", () => {
    const box = createSecretBox(key());
    const error = caught(() => box.open({ keyId: box.keyId, iv: "", tag: "x", data: "y" }));
    expect(error.code).toBe("CS_STATE");
    expect(error.message).toContain("iv");
  });
});

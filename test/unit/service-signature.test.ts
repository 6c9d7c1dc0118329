// The delivery check and the hint reader of the service (SPEC §9 "A delivery"; reference
// plannr-api.md "Webhooks (v2)").
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isCaseEvent, readHint, verifySignature } from "../../src/service/signature.js";

const SECRET = "s".repeat(60);
const sign = (body: Buffer | string, secret = SECRET) => createHmac("sha256", secret).update(body).digest("hex");
const buf = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));
const UUID = "3f1c2a9e-4b7d-4e21-9a0b-6c5d4e3f2a10";

describe("verifySignature", () => {
  const body = buf({ event: "case.updated", uuid: UUID });

  it("accepts the hex HMAC-SHA256 of the raw body, in either case of hex and with stray whitespace", () => {
    expect(verifySignature(body, sign(body), SECRET)).toBe(true);
    expect(verifySignature(body, sign(body).toUpperCase(), SECRET)).toBe(true);
    expect(verifySignature(body, ` ${sign(body)}\t`, SECRET)).toBe(true);
  });

  it("refuses a signature made with another secret, or over other bytes (the same JSON re-serialised)", () => {
    expect(verifySignature(body, sign(body, "another secret"), SECRET)).toBe(false);
    const spaced = Buffer.from(`{ "event": "case.updated", "uuid": "${UUID}" }`);
    expect(verifySignature(spaced, sign(body), SECRET)).toBe(false);
    // One flipped digit.
    const good = sign(body);
    const flipped = `${good.slice(0, -1)}${good.endsWith("0") ? "1" : "0"}`;
    expect(verifySignature(body, flipped, SECRET)).toBe(false);
  });

  it("refuses a missing, empty, wrong-length or non-hex header without throwing", () => {
    expect(verifySignature(body, undefined, SECRET)).toBe(false);
    expect(verifySignature(body, "", SECRET)).toBe(false);
    expect(verifySignature(body, sign(body).slice(0, 62), SECRET)).toBe(false);
    expect(verifySignature(body, `${sign(body)}00`, SECRET)).toBe(false);
    expect(verifySignature(body, "z".repeat(64), SECRET)).toBe(false);
    expect(verifySignature(body, `sha256=${sign(body)}`, SECRET)).toBe(false);
  });

  it("never verifies with an empty secret", () => {
    expect(verifySignature(body, sign(body, ""), "")).toBe(false);
  });
});

describe("readHint", () => {
  it("reads every documented shape: {event, uuid}, {event, data: {uuid}}, {event, payload: {uuid}}, the event under type", () => {
    expect(readHint(buf({ event: "case.updated", uuid: UUID }))).toEqual({ event: "case.updated", caseId: UUID });
    expect(readHint(buf({ event: "case.created", data: { uuid: UUID, name: "Pension review", participants: [{ uuid: "x" }] } }))).toEqual({ event: "case.created", caseId: UUID });
    expect(readHint(buf({ event: "case.deleted", payload: { uuid: UUID } }))).toEqual({ event: "case.deleted", caseId: UUID });
    expect(readHint(buf({ type: "case.updated", data: { uuid: UUID } }))).toEqual({ event: "case.updated", caseId: UUID });
    expect(readHint(buf({ type: "case.updated", uuid: UUID }))).toEqual({ event: "case.updated", caseId: UUID });
  });

  it("prefers event over type and a top-level uuid over the resource's, and skips a resource without one", () => {
    expect(readHint(buf({ event: "case.updated", type: "ignored", uuid: UUID, data: { uuid: "other" } }))).toEqual({ event: "case.updated", caseId: UUID });
    expect(readHint(buf({ event: "case.updated", data: { name: "no uuid" }, payload: { uuid: UUID } }))).toEqual({ event: "case.updated", caseId: UUID });
  });

  it("answers null for garbage: not JSON, not an object, no event, no uuid, a uuid that is not one", () => {
    expect(readHint(Buffer.from("not json"))).toBeNull();
    expect(readHint(Buffer.from(""))).toBeNull();
    expect(readHint(buf([{ event: "case.updated", uuid: UUID }]))).toBeNull();
    expect(readHint(buf("case.updated"))).toBeNull();
    expect(readHint(buf(null))).toBeNull();
    expect(readHint(buf({ uuid: UUID }))).toBeNull();
    expect(readHint(buf({ event: "case.updated" }))).toBeNull();
    expect(readHint(buf({ event: "", uuid: UUID }))).toBeNull();
    expect(readHint(buf({ event: 7, uuid: UUID }))).toBeNull();
    expect(readHint(buf({ event: "case.updated", uuid: 42 }))).toBeNull();
    expect(readHint(buf({ event: "case.updated", uuid: "../../api/v1/logins" }))).toBeNull();
    expect(readHint(buf({ event: "case.updated", data: { uuid: "a b\nc" } }))).toBeNull();
    expect(readHint(Buffer.from([0xff, 0xfe, 0x00]))).toBeNull();
  });

  it("tells case events from others", () => {
    expect(isCaseEvent("case.updated")).toBe(true);
    expect(isCaseEvent("account.updated")).toBe(false);
  });
});

// A Plannr delivery, checked and read (reference plannr-api.md, "Webhooks (v2)"): `X-Signature` is
// the hex HMAC-SHA256 of the raw body keyed by the subscription's signing secret, so it is checked
// on the bytes as received, in constant time, before anything parses them. The body is a hint,
// never the case's state: only the event name and the case uuid are taken, from whichever of the
// documented shapes carries them (`{event, uuid}`, `{event, data: {uuid}}`,
// `{event, payload: {uuid}}`, the event possibly under `type`). The fleet imports both functions.
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/** A SHA-256 digest as hex: 64 characters. */
const HEX_DIGEST = /^[0-9a-f]{64}$/i;

/**
 * Whether `header` is the hex HMAC-SHA256 of `rawBody` under `secret`. A missing, malformed or
 * wrong-length header is false before any comparison (timingSafeEqual throws on unequal lengths);
 * equal lengths are compared in constant time.
 */
export function verifySignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (typeof header !== "string" || secret === "") return false;
  const given = header.trim();
  if (!HEX_DIGEST.test(given)) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  const provided = Buffer.from(given, "hex");
  return provided.length === expected.length && timingSafeEqual(provided, expected);
}

/** What a delivery tells: which case, and what happened to it (a hint; the case is read from the API). */
export interface WebhookHint {
  event: string;
  caseId: string;
}

const EventName = z.string().trim().min(1).max(100);
/** A Plannr uuid; anything with characters a path segment or a log line should not carry is refused. */
const CaseUuid = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z-]{1,64}$/, "not a uuid");
const Resource = z.object({ uuid: CaseUuid });
/** Any JSON object: the fields are picked from it one by one, each with its own schema. */
const Envelope = z.record(z.string(), z.unknown());

/** The first candidate that `schema` accepts. */
function first<T>(schema: z.ZodType<T>, candidates: unknown[]): T | null {
  for (const candidate of candidates) {
    const parsed = schema.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return null;
}

/** The event and case uuid of a delivery body, or null when it is not JSON or carries neither. */
export function readHint(rawBody: Buffer): WebhookHint | null {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return null;
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success || Array.isArray(json)) return null;
  const body = envelope.data;
  const event = first(EventName, [body["event"], body["type"]]);
  const resource = first(Resource, [body["data"], body["payload"]]);
  const caseId = first(CaseUuid, [body["uuid"]]) ?? resource?.uuid ?? null;
  return event === null || caseId === null ? null : { event, caseId };
}

/** The deliveries the service acts on: `case.created`, `case.updated`, `case.deleted` (and any other case event). */
export function isCaseEvent(event: string): boolean {
  return event.startsWith("case.");
}

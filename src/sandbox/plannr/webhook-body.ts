// What a Plannr webhook delivery looks like on the wire. The reference ("Webhooks (v2)") has no
// public source for the body, so the simulator can send each shape it says a receiver must accept:
// `data` → `{event, data: {uuid, ...}}` (the default), `flat` → `{event, uuid, ...}`, `payload` →
// `{event, payload: {uuid, ...}}`, `type` → `{type, data: {uuid, ...}}`. The signature is
// confirmed: `X-Signature` = hex HMAC-SHA256 of the raw body bytes under the signing secret.
import { createHmac } from "node:crypto";
import type { Json } from "./serialize.js";

export const WEBHOOK_BODY_SHAPES = ["data", "flat", "payload", "type"] as const;
export type WebhookBodyShape = (typeof WEBHOOK_BODY_SHAPES)[number];

export const SIGNATURE_HEADER = "X-Signature";

export function deliveryBody(shape: WebhookBodyShape, event: string, resource: { [key: string]: Json }, sentAt: string): { [key: string]: Json } {
  switch (shape) {
    case "data":
      return { event, data: resource, sent_at: sentAt };
    case "flat":
      return { event, ...resource, sent_at: sentAt };
    case "payload":
      return { event, payload: resource, sent_at: sentAt };
    case "type":
      return { type: event, data: resource, sent_at: sentAt };
  }
}

/** Hex HMAC-SHA256 of the exact bytes sent (a string is taken as its UTF-8 bytes). */
export function signBody(raw: string | Buffer, secret: string): string {
  return createHmac("sha256", secret).update(raw).digest("hex");
}

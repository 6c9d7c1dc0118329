// Plannr's webhook subscription API (reference "Webhooks (v2)"), over the adapter's own client, so
// these calls share its token, rate limiter and retries. Facts relied on: `POST {url, events[]}`
// answers 201 with `uuid, url, events[], signing_secret (60 characters), created_at,
// last_outgoing_webhook_call_at`; `GET` lists them as `{data: [...]}`, secrets included; one
// subscription comes back wrapped in `{data}` or bare [D]; `PUT {events[]}` corrects the events;
// `DELETE` answers 204. Every signing secret read is registered for redaction at once
// (invariant 12). It implements the port `WebhookSubscriptionApi` (src/core/webhooks.ts).
import { z } from "zod";
import { CaseSyncError } from "../../src/core/errors.js";
import type { RemoteSubscription, WebhookSubscriptionApi } from "../../src/core/webhooks.js";
import { registerSecret } from "../../src/transport/redact.js";
import { issuePath, type PlannrClient } from "./client.js";
import { ENDPOINTS, endpointLabel, endpointPath } from "./profile.js";
import { unwrapResource } from "./schemas.js";


const NativeSubscriptionSchema = z.object({
  uuid: z.string().min(1),
  url: z.string().min(1),
  events: z.array(z.string()),
  signing_secret: z.string().min(1).nullish(),
  created_at: z.string().nullish(),
  last_outgoing_webhook_call_at: z.string().nullish(),
});

function toSubscription(native: z.infer<typeof NativeSubscriptionSchema>): RemoteSubscription {
  registerSecret(native.signing_secret);
  return {
    uuid: native.uuid,
    url: native.url,
    events: native.events,
    signingSecret: native.signing_secret ?? null,
    createdAt: native.created_at ?? null,
    lastDeliveryAt: native.last_outgoing_webhook_call_at ?? null,
  };
}

export class PlannrWebhooks implements WebhookSubscriptionApi {
  constructor(private readonly client: Pick<PlannrClient, "send">) {}

  async list(): Promise<RemoteSubscription[]> {
    const body = await this.client.send("GET", endpointPath(ENDPOINTS.listWebhooks), undefined, undefined);
    const items = Array.isArray(body) ? body : body !== null && typeof body === "object" ? (body as { data?: unknown }).data : undefined;
    if (!Array.isArray(items)) throw this.schemaError("listWebhooks", "data", "expected a list");
    return items.map((item, index) => this.parse("listWebhooks", item, `data[${index}]`));
  }

  /** One subscription, or null when Plannr no longer has it. */
  async get(uuid: string): Promise<RemoteSubscription | null> {
    try {
      return this.one("getWebhook", await this.client.send("GET", endpointPath(ENDPOINTS.getWebhook, { uuid }), undefined, undefined));
    } catch (error) {
      if (error instanceof CaseSyncError && error.code === "CS_NOT_FOUND") return null;
      throw error;
    }
  }

  async create(url: string, events: readonly string[]): Promise<RemoteSubscription> {
    return this.one("createWebhook", await this.client.send("POST", endpointPath(ENDPOINTS.createWebhook), { url, events: [...events] }, undefined));
  }

  async update(uuid: string, events: readonly string[]): Promise<RemoteSubscription> {
    return this.one("updateWebhook", await this.client.send("PUT", endpointPath(ENDPOINTS.updateWebhook, { uuid }), { events: [...events] }, undefined));
  }

  /** Deletes one subscription; one already gone counts as deleted. */
  async remove(uuid: string): Promise<void> {
    try {
      await this.client.send("DELETE", endpointPath(ENDPOINTS.deleteWebhook, { uuid }), undefined, undefined);
    } catch (error) {
      if (!(error instanceof CaseSyncError && error.code === "CS_NOT_FOUND")) throw error;
    }
  }

  private one(name: keyof typeof ENDPOINTS, body: unknown): RemoteSubscription {
    const { value, prefix } = unwrapResource(body);
    return this.parse(name, value, prefix);
  }

  private parse(name: keyof typeof ENDPOINTS, value: unknown, prefix: string): RemoteSubscription {
    // The secret is registered before any message could quote the item it came in.
    const secret = value !== null && typeof value === "object" ? (value as { signing_secret?: unknown }).signing_secret : undefined;
    if (typeof secret === "string") registerSecret(secret);
    const parsed = NativeSubscriptionSchema.safeParse(value);
    if (parsed.success) return toSubscription(parsed.data);
    const issue = parsed.error.issues[0];
    throw this.schemaError(name, issue ? issuePath(prefix, issue.path) || "body" : prefix || "body", issue?.message ?? "invalid");
  }

  private schemaError(name: keyof typeof ENDPOINTS, field: string, what: string): CaseSyncError {
    const endpoint = endpointLabel(ENDPOINTS[name]);
    return new CaseSyncError("CS_SCHEMA", `${endpoint} answered an unexpected shape: ${field}: ${what}`, { side: "plannr", field, endpoint });
  }
}

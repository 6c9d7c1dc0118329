// The port for Plannr's webhook subscription API (SPEC §9): the Plannr adapter implements it
// (`webhooks()`), the service keeps its one subscription through it and `check` reads it. Here so
// the three share one shape instead of each declaring its own.

/** One subscription as Plannr holds it (camelCase; the secret may be absent from an answer). */
export interface RemoteSubscription {
  uuid: string;
  url: string;
  events: string[];
  signingSecret: string | null;
  createdAt: string | null;
  lastDeliveryAt: string | null;
}

export interface WebhookSubscriptionApi {
  list(): Promise<RemoteSubscription[]>;
  /** One subscription, or null when Plannr no longer has it. */
  get(uuid: string): Promise<RemoteSubscription | null>;
  create(url: string, events: readonly string[]): Promise<RemoteSubscription>;
  update(uuid: string, events: readonly string[]): Promise<RemoteSubscription>;
  /** Deletes one subscription; one already gone counts as deleted. */
  remove(uuid: string): Promise<void>;
}

/** The subscription API of an adapter that has one (the Plannr adapter), else null. */
export function subscriptionApiOf(adapter: unknown): WebhookSubscriptionApi | null {
  const webhooks = (adapter as { webhooks?: unknown } | null)?.webhooks;
  return typeof webhooks === "function" ? (webhooks.call(adapter) as WebhookSubscriptionApi) : null;
}

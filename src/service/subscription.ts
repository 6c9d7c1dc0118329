// `serve --public-url` (SPEC §9 "Subscription"): exactly one Plannr subscription points at
// `<public-url>/webhooks/plannr` with exactly the three case events, however many restarts, lost
// state files or hand-made duplicates came before. Plannr is the truth: subscriptions are found by
// URL (also when the uuid we stored is gone), an existing one is reused and its events corrected
// with PUT, extra ones for the same URL are deleted, and one is created only when none is left.
// The signing secret is kept in the state store (invariant 12: never logged or printed).
import { CaseSyncError } from "../core/errors.js";
import type { Logger, StateStore } from "../core/ports.js";
import type { WebhookSubscription } from "../core/state.js";
import type { WebhookSubscriptionApi } from "../core/webhooks.js";

/** The events the service acts on, and the only ones it asks for (an unknown name is a 422). */
export const SUBSCRIBED_EVENTS = ["case.created", "case.deleted", "case.updated"] as const;

/** Where Plannr's deliveries go, below the public URL. */
export const WEBHOOK_PATH = "/webhooks/plannr";

/** `https://Example.com/hooks/` → `https://example.com/hooks`: one URL, however it is written. */
export function normalizeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}${parsed.search}`;
  } catch {
    return url.trim().replace(/\/+$/, "");
  }
}

/** The delivery URL for a public URL: `https://sync.example.com/` → `https://sync.example.com/webhooks/plannr`. */
export function deliveryUrl(publicUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(publicUrl);
  } catch {
    throw new CaseSyncError("CS_USAGE", `--public-url "${publicUrl}" is not a URL such as https://sync.example.com`, { field: "publicUrl" });
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new CaseSyncError("CS_USAGE", `--public-url must be an http(s) URL, not ${parsed.protocol}`, { field: "publicUrl" });
  if (parsed.username || parsed.password) throw new CaseSyncError("CS_USAGE", "--public-url may not carry a user name or password", { field: "publicUrl" });
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}${WEBHOOK_PATH}`;
}

const sameEvents = (a: readonly string[], b: readonly string[]) => [...new Set(a)].sort().join(",") === [...new Set(b)].sort().join(",");

export interface SubscriptionOutcome {
  subscription: WebhookSubscription;
  /** What was done at Plannr: nothing (reused as it was), events corrected, or created. */
  action: "reused" | "corrected" | "created";
  /** Duplicates (same URL) and our own stale subscription (another URL) deleted. */
  removed: number;
}

export async function ensureSubscription(input: {
  api: WebhookSubscriptionApi;
  store: Pick<StateStore, "getWebhookSubscription" | "setWebhookSubscription">;
  publicUrl: string;
  logger: Logger;
  now?: () => Date;
}): Promise<SubscriptionOutcome> {
  const { api, store, logger } = input;
  const url = deliveryUrl(input.publicUrl);
  const wanted = normalizeUrl(url);
  const stored = await store.getWebhookSubscription();
  const all = await api.list();
  const mine = all.filter((s) => normalizeUrl(s.url) === wanted);
  // Ours first (the uuid we stored), else the oldest: the one Plannr has delivered from longest.
  const ordered = [...mine].sort((a, b) => Number(b.uuid === stored?.uuid) - Number(a.uuid === stored?.uuid) || (a.createdAt ?? "").localeCompare(b.createdAt ?? ""));
  let keep = ordered[0] ?? null;
  let removed = 0;
  for (const extra of ordered.slice(1)) {
    await api.remove(extra.uuid);
    removed += 1;
  }
  // A subscription we made for an earlier public URL would deliver to nobody: ours, so ours to remove.
  if (stored && normalizeUrl(stored.url) !== wanted && all.some((s) => s.uuid === stored.uuid)) {
    await api.remove(stored.uuid);
    removed += 1;
  }
  let action: SubscriptionOutcome["action"] = "reused";
  let secret = keep === null ? null : (keep.signingSecret ?? (keep.uuid === stored?.uuid ? stored.secret : null));
  if (keep !== null && secret === null) {
    // Without its secret no delivery can be verified: replace it rather than refuse them all.
    await api.remove(keep.uuid);
    removed += 1;
    keep = null;
  }
  if (keep !== null && !sameEvents(keep.events, SUBSCRIBED_EVENTS)) {
    const updated = await api.update(keep.uuid, SUBSCRIBED_EVENTS);
    keep = { ...updated, signingSecret: updated.signingSecret ?? secret };
    action = "corrected";
  }
  if (keep === null) {
    keep = await api.create(url, SUBSCRIBED_EVENTS);
    secret = keep.signingSecret;
    action = "created";
    if (secret === null) throw new CaseSyncError("CS_SCHEMA", "Plannr created the webhook subscription but did not answer its signing_secret", { side: "plannr", field: "signing_secret" });
  }
  const subscription: WebhookSubscription = {
    uuid: keep.uuid,
    url: keep.url,
    events: [...SUBSCRIBED_EVENTS],
    secret: secret ?? "",
    createdAt: keep.createdAt ?? (input.now ?? (() => new Date()))().toISOString(),
  };
  await store.setWebhookSubscription(subscription);
  logger.info({ subscription: subscription.uuid, url: subscription.url, action, removed }, "Plannr webhook subscription in place");
  return { subscription, action, removed };
}

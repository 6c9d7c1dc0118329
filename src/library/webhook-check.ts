// `case-sync check` on the service's Plannr subscription (SPEC §9), when `serve --public-url` made
// one: where it points, which events, when Plannr last delivered (its own
// `last_outgoing_webhook_call_at`), and how many cases wait in the inbox. A warning, never an
// error: sync runs without webhooks; the service is then only slower. The secret is never shown.
import { toCaseSyncError } from "../core/errors.js";
import type { CrmAdapter, StateStore } from "../core/ports.js";
import { subscriptionApiOf } from "../core/webhooks.js";
import type { CheckItem } from "../mapping/verify.js";

const NAME = "Plannr webhook subscription";

/** The finding, or null when no subscription is stored (the service never subscribed). */
export async function checkSubscription(plannr: CrmAdapter, store: StateStore, plannrReachable: boolean): Promise<CheckItem | null> {
  const stored = await store.getWebhookSubscription();
  if (stored === null) return null;
  const waiting = await store.countInbox();
  const inbox = `${waiting} case${waiting === 1 ? "" : "s"} waiting in the inbox`;
  const described = `${stored.url} (${stored.events.join(", ")})`;
  const reader = plannrReachable ? subscriptionApiOf(plannr) : null;
  if (reader === null) return { name: NAME, ok: true, severity: "warning", detail: `${described}; not checked at Plannr; ${inbox}` };
  try {
    const remote = await reader.get(stored.uuid);
    if (remote === null) return { name: NAME, ok: false, severity: "warning", detail: `${described}: Plannr no longer has it, so no deliveries come; case-sync serve --public-url makes a new one; ${inbox}` };
    const events = [...remote.events].sort().join(", ");
    const expected = [...stored.events].sort().join(", ");
    const drift = events === expected ? "" : `; Plannr now sends ${events || "no events"} (serve corrects it at its next start)`;
    return { name: NAME, ok: drift === "", severity: "warning", detail: `${remote.url} (${events}); last delivery ${remote.lastDeliveryAt ?? "never"}${drift}; ${inbox}` };
  } catch (error) {
    const e = toCaseSyncError(error, { side: "plannr" });
    return { name: NAME, ok: false, severity: "warning", detail: `${described}: could not read it at Plannr (${e.code}: ${e.message}); ${inbox}` };
  }
}

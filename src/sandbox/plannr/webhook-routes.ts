// The webhook subscription endpoints (reference "Webhooks (v2)"): create (201), list
// (`{data: [...]}`, secrets included), show, update (`{events[]}`, `url` too), delete (204 [D]).
// Single subscriptions are wrapped `{data: {...}}`. Plus control routes (`/__sandbox/webhooks...`)
// so a test or demo in another process can read deliveries, arm faults and wait for quiet.
import type { Route } from "../http-server.js";
import { NOT_FOUND, guarded, ok } from "./answers.js";
import { DeliveryFaultPlan } from "./webhook-faults.js";
import { serializeSubscription, type SubscriptionStore } from "./webhook-subscriptions.js";
import type { PlannrWebhooks } from "./webhooks.js";

const SUBSCRIPTIONS = "/api/v2/webhook-subscriptions";

export function webhookRoutes(store: SubscriptionStore): Route[] {
  return [
    {
      method: "POST",
      pattern: SUBSCRIPTIONS,
      handler: guarded((request) => ok({ data: serializeSubscription(store.create(request.body)) }, 201)),
    },
    {
      method: "GET",
      pattern: SUBSCRIPTIONS,
      handler: guarded(() => ok({ data: store.list().map(serializeSubscription) })),
    },
    {
      method: "GET",
      pattern: `${SUBSCRIPTIONS}/:uuid`,
      handler: guarded((request) => {
        const found = store.get(request.params.uuid ?? "");
        return found ? ok({ data: serializeSubscription(found) }) : NOT_FOUND;
      }),
    },
    ...["PUT", "PATCH"].map((method) => ({
      method,
      pattern: `${SUBSCRIPTIONS}/:uuid`,
      handler: guarded((request) => {
        const updated = store.update(request.params.uuid ?? "", request.body);
        return updated ? ok({ data: serializeSubscription(updated) }) : NOT_FOUND;
      }),
    })),
    {
      method: "DELETE",
      pattern: `${SUBSCRIPTIONS}/:uuid`,
      handler: guarded((request) => (store.delete(request.params.uuid ?? "") ? { status: 204 } : NOT_FOUND)),
    },
  ];
}

export function webhookControlRoutes(webhooks: PlannrWebhooks): Route[] {
  return [
    {
      method: "GET",
      pattern: "/__sandbox/webhooks",
      handler: () => ok({ subscriptions: webhooks.subscriptions(), deliveries: webhooks.deliveries(), counters: webhooks.counters(), firedCounts: webhooks.firedCounts() }),
    },
    {
      method: "PUT",
      pattern: "/__sandbox/webhooks/faults",
      handler: (request) => {
        try {
          webhooks.setFaults(DeliveryFaultPlan.parse(request.body));
          return { status: 204 };
        } catch (error) {
          if (error instanceof TypeError || error instanceof RangeError) return { status: 400, body: { message: error.message } };
          throw error;
        }
      },
    },
    {
      method: "DELETE",
      pattern: "/__sandbox/webhooks/faults",
      handler: () => {
        webhooks.clearFaults();
        return { status: 204 };
      },
    },
    {
      method: "POST",
      pattern: "/__sandbox/webhooks/idle",
      handler: async () => {
        await webhooks.idle();
        return { status: 204 };
      },
    },
  ];
}

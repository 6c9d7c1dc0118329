// `sim.webhooks`: what tests, the demo and the benchmark hold of the simulator's webhooks — the
// subscriptions (as the API made them, secrets included), the delivery log and counters, a way to
// wait until every delivery so far has settled, and the delivery faults and settings, changeable
// while the simulator runs.
import type { CaseChange } from "./case-model.js";
import { WEBHOOK_BODY_SHAPES, type WebhookBodyShape } from "./webhook-body.js";
import { WebhookDispatcher, type DeliveryCounters, type DeliveryRecord, type WebhookDispatchOptions } from "./webhook-dispatch.js";
import type { DeliveryFaultRule } from "./webhook-faults.js";
import type { SimSubscription, SubscriptionStore } from "./webhook-subscriptions.js";
import type { Json } from "./serialize.js";

export type { DeliveryCounters, DeliveryRecord, DeliveryStatus, WebhookDispatchOptions } from "./webhook-dispatch.js";
export type { DeliveryFaultKind, DeliveryFaultRule } from "./webhook-faults.js";
export type { SimSubscription } from "./webhook-subscriptions.js";
export type { WebhookBodyShape } from "./webhook-body.js";

export class PlannrWebhooks {
  private readonly dispatcher: WebhookDispatcher;

  constructor(
    private readonly store: SubscriptionStore,
    render: (change: CaseChange) => { [key: string]: Json },
    stamp: () => string,
    options: WebhookDispatchOptions = {},
  ) {
    if (options.bodyShape !== undefined) checkShape(options.bodyShape);
    this.dispatcher = new WebhookDispatcher(store, render, stamp, options);
  }

  /** Every subscription, in creation order, with its signing secret. */
  subscriptions(): SimSubscription[] {
    return this.store.list();
  }

  /** Subscribes as `POST /api/v2/webhook-subscriptions` would (PlannrValidationError where it answers 422). */
  subscribe(input: { url: string; events: readonly string[] }): SimSubscription {
    return this.store.create({ url: input.url, events: [...input.events] });
  }

  unsubscribe(uuid: string): boolean {
    return this.store.delete(uuid);
  }

  /** The delivery log (one entry per copy sent or dropped), oldest first. */
  deliveries(filter: { event?: string; uuid?: string; subscriptionUuid?: string } = {}): DeliveryRecord[] {
    return this.dispatcher
      .deliveries()
      .filter((d) => (filter.event === undefined || d.event === filter.event) && (filter.uuid === undefined || d.uuid === filter.uuid) && (filter.subscriptionUuid === undefined || d.subscriptionUuid === filter.subscriptionUuid));
  }

  counters(): DeliveryCounters {
    return this.dispatcher.counters();
  }

  /** Resolves once every delivery queued so far is delivered, failed (after its retries) or dropped. */
  idle(): Promise<void> {
    return this.dispatcher.idle();
  }

  /** Replaces the delivery faults (their PRNG streams start afresh). */
  setFaults(rules: readonly DeliveryFaultRule[]): void {
    this.dispatcher.faults.set(rules);
  }

  addFault(rule: DeliveryFaultRule): void {
    this.dispatcher.faults.add(rule);
  }

  clearFaults(): void {
    this.dispatcher.faults.clear();
  }

  /** How often each fault rule has acted, in the order the rules were added. */
  firedCounts(): number[] {
    return this.dispatcher.faults.firedCounts();
  }

  get bodyShape(): WebhookBodyShape {
    return this.dispatcher.bodyShape;
  }

  /** Changes how deliveries from now on are shaped, retried and timed out. */
  configure(options: { bodyShape?: WebhookBodyShape; retryDelaysMs?: readonly number[]; timeoutMs?: number }): void {
    if (options.bodyShape !== undefined) {
      checkShape(options.bodyShape);
      this.dispatcher.bodyShape = options.bodyShape;
    }
    if (options.retryDelaysMs !== undefined) {
      if (!options.retryDelaysMs.every((ms) => Number.isFinite(ms) && ms >= 0)) throw new RangeError("retryDelaysMs must be non-negative numbers");
      this.dispatcher.retryDelaysMs = [...options.retryDelaysMs];
    }
    if (options.timeoutMs !== undefined) {
      if (!(options.timeoutMs > 0)) throw new RangeError("timeoutMs must be positive");
      this.dispatcher.timeoutMs = options.timeoutMs;
    }
  }

  /** Forgets the delivery log and counters (subscriptions and pending deliveries stay). */
  reset(): void {
    this.dispatcher.reset();
  }

  /** @internal The simulator's store listener. */
  notify(change: CaseChange): void {
    this.dispatcher.notify(change);
  }

  /** @internal Called by the simulator's close(). */
  close(): void {
    this.dispatcher.close();
  }
}

function checkShape(shape: string): void {
  if (!(WEBHOOK_BODY_SHAPES as readonly string[]).includes(shape)) {
    throw new RangeError(`webhook body shape must be one of ${WEBHOOK_BODY_SHAPES.join(", ")}, got ${shape}`);
  }
}

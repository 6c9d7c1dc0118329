// Sends Plannr's webhook deliveries the way a queue of jobs would: every stored case change becomes
// one delivery per subscription that asked for its event, built and signed at once (so the body is
// the case as it was at that moment) and sent later, never inside the API answer.
//
// Each subscription has one lane: its deliveries go out one at a time, in order, so a receiver sees
// the order of events unless a fault changes it. A failed attempt (no answer, or not 2xx) leaves the
// lane, waits its backoff and joins the back of the lane again; after the last retry it is dropped
// (reference: "a failed delivery is retried a few times, then dropped"). Faults (webhook-faults.ts)
// act before the lane: a dropped delivery never enters it, a delayed one enters late, a reordered
// batch enters newest first, a duplicated one enters twice. A delivery already queued still goes out
// if its subscription is deleted meanwhile, as a queued job would.
import http from "node:http";
import https from "node:https";
import type { CaseChange } from "./case-model.js";
import { SIGNATURE_HEADER, deliveryBody, signBody, type WebhookBodyShape } from "./webhook-body.js";
import { DEFAULT_DELAY_MS, DEFAULT_REORDER_BATCH, DEFAULT_REORDER_WINDOW_MS, DeliveryFaultPlan, type DeliveryFaultRule } from "./webhook-faults.js";
import { postDelivery } from "./webhook-post.js";
import { emptyCounters, type DeliveryCounters, type DeliveryRecord, type WebhookDispatchOptions } from "./webhook-records.js";
import type { SubscriptionStore } from "./webhook-subscriptions.js";
import type { Json } from "./serialize.js";

export type { DeliveryCounters, DeliveryRecord, DeliveryStatus, WebhookDispatchOptions } from "./webhook-records.js";

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [200, 1000, 3000];
const DEFAULT_TIMEOUT_MS = 5000;
/** The log keeps the newest deliveries only, so a long-running sandbox does not grow without end. */
const LOG_LIMIT = 10_000;

interface Shipment {
  record: DeliveryRecord;
}

interface Lane {
  queue: Shipment[];
  busy: boolean;
}

interface Hold {
  items: Shipment[];
  timer: NodeJS.Timeout | null;
}

export class WebhookDispatcher {
  readonly faults: DeliveryFaultPlan;
  bodyShape: WebhookBodyShape;
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  private counts = emptyCounters();
  private log: DeliveryRecord[] = [];
  private nextId = 1;
  private nextDelivery = 1;
  private pending = 0;
  private waiters: (() => void)[] = [];
  private readonly lanes = new Map<string, Lane>();
  private readonly holds = new Map<string, Hold>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private closed = false;

  constructor(
    private readonly subscriptions: SubscriptionStore,
    /** The case as a delivery carries it (the resource without relations). */
    private readonly render: (change: CaseChange) => { [key: string]: Json },
    private readonly stamp: () => string,
    options: WebhookDispatchOptions = {},
  ) {
    this.bodyShape = options.bodyShape ?? "data";
    this.retryDelaysMs = [...(options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)];
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.faults = new DeliveryFaultPlan(options.faultSeed ?? 1);
    for (const rule of options.faults ?? []) this.faults.add(rule);
  }

  /** Called synchronously on every stored change: builds, signs and queues; sends nothing yet. */
  notify(change: CaseChange): void {
    if (this.closed) return;
    const subscriptions = this.subscriptions.forEvent(change.event);
    if (subscriptions.length === 0) return;
    const resource = this.render(change);
    const sentAt = this.stamp();
    for (const subscription of subscriptions) {
      this.counts.queued += 1;
      const delivery = this.nextDelivery++;
      const body = JSON.stringify(deliveryBody(this.bodyShape, change.event, resource, sentAt));
      const acting = this.faults.take(change.event, subscription.url);
      const base = {
        delivery,
        event: change.event,
        uuid: change.item.uuid,
        subscriptionUuid: subscription.uuid,
        url: subscription.url,
        body,
        signature: signBody(body, subscription.signingSecret),
        attempts: 0,
        httpStatus: null,
        error: null,
        delayedMs: 0,
        reordered: false,
      };
      if (acting.some((rule) => rule.kind === "drop")) {
        this.counts.dropped += 1;
        this.record({ ...base, id: this.nextId++, copy: 1, status: "dropped" });
        continue;
      }
      const duplicate = acting.some((rule) => rule.kind === "duplicate");
      if (duplicate) this.counts.duplicated += 1;
      const delayMs = acting.filter((rule) => rule.kind === "delay").reduce((sum, rule) => sum + (rule.delayMs ?? DEFAULT_DELAY_MS), 0);
      const reorder = acting.find((rule) => rule.kind === "reorder");
      const shipments = (duplicate ? ([1, 2] as const) : ([1] as const)).map((copy) => {
        this.pending += 1;
        return { record: this.record({ ...base, id: this.nextId++, copy, status: "pending", delayedMs: delayMs, reordered: reorder !== undefined }) };
      });
      const release = () => {
        if (reorder) this.hold(subscription.uuid, shipments, reorder);
        else for (const shipment of shipments) this.enqueue(shipment);
      };
      if (delayMs > 0) {
        this.counts.delayed += 1;
        this.later(delayMs, release);
      } else release();
    }
  }

  /** Resolves once every delivery made so far is delivered, failed or dropped (or the dispatcher closed). */
  idle(): Promise<void> {
    if (this.pending === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  deliveries(): DeliveryRecord[] {
    return this.log.map((record) => ({ ...record }));
  }

  counters(): DeliveryCounters {
    return { ...this.counts };
  }

  /** Forgets the log and zeroes the counters (pending deliveries still go out). */
  reset(): void {
    this.log = [];
    this.counts = emptyCounters();
  }

  /** Stops sending: timers cleared, attempts in flight aborted, waiters released. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.abort.abort();
    this.agents.http.destroy();
    this.agents.https.destroy();
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private record(record: DeliveryRecord): DeliveryRecord {
    this.log.push(record);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    return record;
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  /** Holds reordered copies per subscription; a full batch (or the window's end) goes out newest first. */
  private hold(subscriptionUuid: string, shipments: readonly Shipment[], rule: DeliveryFaultRule): void {
    this.counts.reordered += 1;
    let held = this.holds.get(subscriptionUuid);
    if (!held) {
      held = { items: [], timer: null };
      this.holds.set(subscriptionUuid, held);
    }
    held.items.push(...shipments);
    if (held.items.length >= (rule.batch ?? DEFAULT_REORDER_BATCH)) this.flush(subscriptionUuid);
    else held.timer ??= this.later(rule.windowMs ?? DEFAULT_REORDER_WINDOW_MS, () => this.flush(subscriptionUuid));
  }

  private flush(subscriptionUuid: string): void {
    const held = this.holds.get(subscriptionUuid);
    if (!held) return;
    this.holds.delete(subscriptionUuid);
    if (held.timer) {
      clearTimeout(held.timer);
      this.timers.delete(held.timer);
    }
    for (const shipment of held.items.reverse()) this.enqueue(shipment);
  }

  private enqueue(shipment: Shipment): void {
    const key = shipment.record.subscriptionUuid;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { queue: [], busy: false };
      this.lanes.set(key, lane);
    }
    lane.queue.push(shipment);
    if (lane.busy) return;
    lane.busy = true;
    // Off the current call stack: the change that queued this is still being answered.
    setImmediate(() => void this.pump(key));
  }

  private async pump(key: string): Promise<void> {
    const lane = this.lanes.get(key);
    if (!lane) return;
    while (!this.closed && lane.queue.length > 0) {
      const shipment = lane.queue.shift();
      if (shipment) await this.attempt(shipment);
    }
    lane.busy = false;
  }

  private async attempt(shipment: Shipment): Promise<void> {
    const record = shipment.record;
    this.subscriptions.touch(record.subscriptionUuid);
    const outcome = await postDelivery(
      record.url,
      record.body,
      { "Content-Type": "application/json", Accept: "application/json", [SIGNATURE_HEADER]: record.signature, "User-Agent": "Plannr-Webhooks (case-sync sandbox)" },
      { agents: this.agents, timeoutMs: this.timeoutMs, signal: this.abort.signal },
    );
    if (this.closed) return;
    this.counts.sent += 1;
    record.attempts += 1;
    record.httpStatus = outcome.status;
    record.error = outcome.error;
    if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
      record.status = "delivered";
      this.counts.delivered += 1;
      this.settle();
      return;
    }
    const wait = this.retryDelaysMs[record.attempts - 1];
    if (wait === undefined) {
      record.status = "failed";
      this.counts.failed += 1;
      this.settle();
      return;
    }
    this.counts.retried += 1;
    this.later(wait, () => this.enqueue(shipment));
  }

  private settle(): void {
    this.pending -= 1;
    if (this.pending === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }
}

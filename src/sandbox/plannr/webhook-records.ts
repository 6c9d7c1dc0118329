// What the simulator's webhook log and counters say about deliveries, and the settings they are
// sent with (webhook-dispatch.ts sends them).
import type { WebhookBodyShape } from "./webhook-body.js";
import type { DeliveryFaultRule } from "./webhook-faults.js";

export type DeliveryStatus = "pending" | "delivered" | "failed" | "dropped";

/** One message a receiver should get: a duplicated delivery has two (copy 1 and 2). */
export interface DeliveryRecord {
  /** This copy's number, from 1, in the order copies were created. */
  id: number;
  /** The delivery (event × subscription) the copy belongs to, from 1. */
  delivery: number;
  copy: 1 | 2;
  event: string;
  /** The case's uuid. */
  uuid: string;
  subscriptionUuid: string;
  url: string;
  status: DeliveryStatus;
  /** POSTs made for this copy (first try and retries). */
  attempts: number;
  /** The last answer's status; null before the first or when no answer came. */
  httpStatus: number | null;
  /** Why the last attempt had no answer (`ECONNREFUSED`, `timeout`, ...). */
  error: string | null;
  delayedMs: number;
  reordered: boolean;
  /** The exact body sent (UTF-8) and its `X-Signature`. */
  body: string;
  signature: string;
}

export interface DeliveryCounters {
  /** Deliveries created (event × subscription), before faults. */
  queued: number;
  /** POST requests made (every attempt of every copy). */
  sent: number;
  /** Copies answered 2xx. */
  delivered: number;
  /** Copies given up after the last retry. */
  failed: number;
  /** Attempts scheduled again after a failure. */
  retried: number;
  /** Deliveries the faults dropped, duplicated, delayed, held for reordering. */
  dropped: number;
  duplicated: number;
  delayed: number;
  reordered: number;
}

export interface WebhookDispatchOptions {
  /** Body shape (default `data`: `{event, data: {...}, sent_at}`). */
  bodyShape?: WebhookBodyShape;
  /** Waits before each retry; its length is the number of retries (default 200 ms, 1 s, 3 s). */
  retryDelaysMs?: readonly number[];
  /** How long one attempt may take before it counts as failed (default 5 s). */
  timeoutMs?: number;
  /** Delivery faults armed from the start. */
  faults?: readonly DeliveryFaultRule[];
  /** Seed of the faults' PRNG streams (default 1). */
  faultSeed?: number;
}

export const emptyCounters = (): DeliveryCounters => ({ queued: 0, sent: 0, delivered: 0, failed: 0, retried: 0, dropped: 0, duplicated: 0, delayed: 0, reordered: 0 });

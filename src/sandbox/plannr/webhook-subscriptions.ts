// Plannr's webhook subscriptions (reference "Webhooks (v2)"): `{url, events[]}` in; out with a uuid,
// timestamps, a 60-character `signing_secret` and `last_outgoing_webhook_call_at`. Validation is
// Laravel's (`url` required and a URL; `events` a non-empty array of known event names, an unknown
// one is a 422 keyed `events.0`). Subscriptions live as long as the simulator.
import { randomInt } from "node:crypto";
import type { Rng } from "../world.js";
import { readInput } from "./body.js";
import type { Json } from "./serialize.js";
import { ErrorBag } from "./validation.js";

/**
 * Event names a subscription may ask for. The reference confirms the case events and says there
 * are account, plan, task and other events; only the case events are ever delivered here.
 */
export const WEBHOOK_EVENTS: readonly string[] = [
  "account.created",
  "account.updated",
  "account.deleted",
  "case.created",
  "case.updated",
  "case.deleted",
  "plan.created",
  "plan.updated",
  "plan.deleted",
  "task.created",
  "task.updated",
  "task.deleted",
  "task.completed",
];

export interface SimSubscription {
  uuid: string;
  url: string;
  events: string[];
  /** The HMAC key of every delivery; shown through the API only. */
  signingSecret: string;
  createdAt: string;
  updatedAt: string;
  lastOutgoingWebhookCallAt: string | null;
}

const SECRET_LENGTH = 60;
const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * Laravel's `Str::random(60)`. Drawn from node:crypto, not the world's seeded PRNG: two sandboxes
 * started with one seed (a fleet test runs many) must not share a signing secret, or a delivery
 * signed for one pair would verify for another.
 */
function newSecret(): string {
  let out = "";
  for (let i = 0; i < SECRET_LENGTH; i += 1) out += SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)] ?? "A";
  return out;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function readUrl(bag: ErrorBag, input: Record<string, unknown>, required: boolean): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(input, "url") || input.url === null) {
    if (required) bag.add("url", "The url field is required.");
    return undefined;
  }
  const url = input.url;
  if (typeof url !== "string") bag.add("url", "The url field must be a string.");
  else if (url.length > 2048) bag.add("url", "The url field must not be greater than 2048 characters.");
  else if (!isHttpUrl(url)) bag.add("url", "The url field must be a valid URL.");
  else return url;
  return undefined;
}

function readEvents(bag: ErrorBag, input: Record<string, unknown>, required: boolean): string[] | undefined {
  if (!Object.prototype.hasOwnProperty.call(input, "events") || input.events === null) {
    if (required) bag.add("events", "The events field is required.");
    return undefined;
  }
  const events = input.events;
  if (!Array.isArray(events)) {
    bag.add("events", "The events field must be an array.");
    return undefined;
  }
  if (events.length === 0) {
    bag.add("events", "The events field is required.");
    return undefined;
  }
  events.forEach((event, i) => {
    if (typeof event !== "string" || !WEBHOOK_EVENTS.includes(event)) bag.add(`events.${i}`, `The selected events.${i} is invalid.`);
  });
  return [...new Set(events.filter((e): e is string => typeof e === "string"))];
}

export class SubscriptionStore {
  private readonly items = new Map<string, SimSubscription>();

  constructor(
    private readonly rng: Rng,
    private readonly stamp: () => string,
  ) {}

  /** `POST /api/v2/webhook-subscriptions`. Throws PlannrValidationError (422). */
  create(body: unknown): SimSubscription {
    const input = readInput(body);
    const bag = new ErrorBag();
    const url = readUrl(bag, input, true);
    const events = readEvents(bag, input, true);
    bag.throwIfAny();
    const now = this.stamp();
    const created: SimSubscription = {
      uuid: this.rng.uuid(),
      url: url ?? "",
      events: events ?? [],
      signingSecret: newSecret(),
      createdAt: now,
      updatedAt: now,
      lastOutgoingWebhookCallAt: null,
    };
    this.items.set(created.uuid, created);
    return { ...created, events: [...created.events] };
  }

  /** `PUT /api/v2/webhook-subscriptions/{uuid}` with `{events[]}` (and optionally `url`); undefined: unknown uuid. */
  update(uuid: string, body: unknown): SimSubscription | undefined {
    const current = this.items.get(uuid);
    if (!current) return undefined;
    const input = readInput(body);
    const bag = new ErrorBag();
    const url = readUrl(bag, input, false);
    const events = readEvents(bag, input, false);
    bag.throwIfAny();
    const next: SimSubscription = { ...current, url: url ?? current.url, events: events ?? current.events, updatedAt: this.stamp() };
    this.items.set(uuid, next);
    return { ...next, events: [...next.events] };
  }

  get(uuid: string): SimSubscription | undefined {
    const found = this.items.get(uuid);
    return found ? { ...found, events: [...found.events] } : undefined;
  }

  /** In creation order. */
  list(): SimSubscription[] {
    return [...this.items.values()].map((s) => ({ ...s, events: [...s.events] }));
  }

  delete(uuid: string): boolean {
    return this.items.delete(uuid);
  }

  /** The subscriptions that asked for `event`, as they are now. */
  forEvent(event: string): SimSubscription[] {
    return this.list().filter((s) => s.events.includes(event));
  }

  /** Records an outgoing call (a subscription deleted since is left alone). */
  touch(uuid: string): void {
    const found = this.items.get(uuid);
    if (found) found.lastOutgoingWebhookCallAt = this.stamp();
  }
}

export function serializeSubscription(item: SimSubscription): Json {
  return {
    uuid: item.uuid,
    created_at: item.createdAt,
    updated_at: item.updatedAt,
    signing_secret: item.signingSecret,
    url: item.url,
    events: [...item.events],
    last_outgoing_webhook_call_at: item.lastOutgoingWebhookCallAt,
  };
}

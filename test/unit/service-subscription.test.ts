// `serve --public-url` keeps exactly one Plannr subscription at <public-url>/webhooks/plannr with
// the three case events (SPEC §9 "Subscription"), whatever it finds at Plannr and in the store.
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/ports.js";
import type { WebhookSubscription } from "../../src/core/state.js";
import type { RemoteSubscription, WebhookSubscriptionApi } from "../../src/core/webhooks.js";
import { deliveryUrl, ensureSubscription } from "../../src/service/subscription.js";

const URL_ = "https://sync.example.com/webhooks/plannr";
const EVENTS = ["case.created", "case.deleted", "case.updated"];

class FakePlannr implements WebhookSubscriptionApi {
  subs: RemoteSubscription[] = [];
  calls: string[] = [];
  private next = 1;
  add(url: string, events: string[], secret: string | null = `secret-${this.next}`, createdAt = `2025-01-0${this.next}T00:00:00Z`): RemoteSubscription {
    const sub = { uuid: `sub-${this.next++}`, url, events, signingSecret: secret, createdAt, lastDeliveryAt: null };
    this.subs.push(sub);
    return sub;
  }
  async list() {
    this.calls.push("list");
    return this.subs.map((s) => ({ ...s }));
  }
  async get(uuid: string) {
    return this.subs.find((s) => s.uuid === uuid) ?? null;
  }
  async create(url: string, events: readonly string[]) {
    this.calls.push("create");
    return { ...this.add(url, [...events]) };
  }
  async update(uuid: string, events: readonly string[]) {
    this.calls.push(`update ${uuid}`);
    const sub = this.subs.find((s) => s.uuid === uuid)!;
    sub.events = [...events];
    // Plannr may leave the secret out of an update's answer.
    return { ...sub, signingSecret: null };
  }
  async remove(uuid: string) {
    this.calls.push(`remove ${uuid}`);
    this.subs = this.subs.filter((s) => s.uuid !== uuid);
  }
}

function memoryStore(initial: WebhookSubscription | null = null) {
  let value = initial;
  return {
    getWebhookSubscription: async () => value,
    setWebhookSubscription: async (s: WebhookSubscription | null) => {
      value = s;
    },
    get value() {
      return value;
    },
  };
}

const run = (api: FakePlannr, store: ReturnType<typeof memoryStore>, publicUrl = "https://sync.example.com") => ensureSubscription({ api, store, publicUrl, logger: silentLogger });

describe("ensureSubscription", () => {
  it("creates one subscription with the three case events when none exists, and stores its secret", async () => {
    const api = new FakePlannr();
    api.add("https://elsewhere.example.com/hook", ["case.updated"]);
    const store = memoryStore();
    const outcome = await run(api, store);
    expect(outcome.action).toBe("created");
    expect(api.subs.filter((s) => s.url === URL_)).toHaveLength(1);
    expect(api.subs.find((s) => s.url === URL_)?.events.sort()).toEqual(EVENTS);
    expect(store.value).toMatchObject({ url: URL_, events: EVENTS, secret: "secret-2" });
    // Someone else's subscription is left alone.
    expect(api.subs.some((s) => s.url === "https://elsewhere.example.com/hook")).toBe(true);
  });

  it("reuses the one it finds by URL, even when the stored one is gone or the store is new, and sends nothing else", async () => {
    const api = new FakePlannr();
    const existing = api.add(`${URL_}/`, [...EVENTS].reverse());
    const store = memoryStore({ uuid: "sub-gone", url: URL_, events: EVENTS, secret: "old", createdAt: "2024-01-01T00:00:00Z" });
    const outcome = await run(api, store, "https://SYNC.example.com/");
    expect(outcome.action).toBe("reused");
    expect(api.calls).toEqual(["list"]);
    expect(store.value?.uuid).toBe(existing.uuid);
    expect(store.value?.secret).toBe(existing.signingSecret);
  });

  it("is idempotent: a second start changes nothing at Plannr", async () => {
    const api = new FakePlannr();
    const store = memoryStore();
    await run(api, store);
    api.calls = [];
    const again = await run(api, store);
    expect(again.action).toBe("reused");
    expect(api.calls).toEqual(["list"]);
    expect(api.subs).toHaveLength(1);
  });

  it("corrects the events with PUT and keeps the secret it had", async () => {
    const api = new FakePlannr();
    const existing = api.add(URL_, ["case.updated", "account.updated"]);
    const store = memoryStore();
    const outcome = await run(api, store);
    expect(outcome.action).toBe("corrected");
    expect(api.calls).toContain(`update ${existing.uuid}`);
    expect(api.subs[0]?.events.sort()).toEqual(EVENTS);
    expect(store.value?.secret).toBe(existing.signingSecret);
  });

  it("deletes duplicates for the same URL, keeping the stored one (else the oldest)", async () => {
    const api = new FakePlannr();
    api.add(URL_, EVENTS);
    const ours = api.add(URL_, EVENTS);
    api.add(URL_, ["case.updated"]);
    const store = memoryStore({ uuid: ours.uuid, url: URL_, events: EVENTS, secret: ours.signingSecret!, createdAt: ours.createdAt! });
    const outcome = await run(api, store);
    expect(api.subs.map((s) => s.uuid)).toEqual([ours.uuid]);
    expect(outcome.removed).toBe(2);

    const fresh = new FakePlannr();
    const oldest = fresh.add(URL_, EVENTS);
    fresh.add(URL_, EVENTS);
    await run(fresh, memoryStore());
    expect(fresh.subs.map((s) => s.uuid)).toEqual([oldest.uuid]);
  });

  it("deletes its own subscription for an earlier public URL, and replaces one whose secret it cannot know", async () => {
    const api = new FakePlannr();
    const old = api.add("https://old.example.com/webhooks/plannr", EVENTS);
    const store = memoryStore({ uuid: old.uuid, url: old.url, events: EVENTS, secret: old.signingSecret!, createdAt: old.createdAt! });
    await run(api, store);
    expect(api.subs.map((s) => s.url)).toEqual([URL_]);

    const blind = new FakePlannr();
    const noSecret = blind.add(URL_, EVENTS, null);
    const outcome = await run(blind, memoryStore());
    expect(outcome.action).toBe("created");
    expect(blind.subs.map((s) => s.uuid)).not.toContain(noSecret.uuid);
    expect(blind.subs).toHaveLength(1);
  });

  it("builds the delivery URL from the public URL and refuses what is not one", () => {
    expect(deliveryUrl("https://sync.example.com")).toBe(URL_);
    expect(deliveryUrl("https://sync.example.com/base/")).toBe("https://sync.example.com/base/webhooks/plannr");
    expect(() => deliveryUrl("ftp://sync.example.com")).toThrow(/http/);
    expect(() => deliveryUrl("sync.example.com")).toThrow(/not a URL/);
    expect(() => deliveryUrl("https://user:pw@sync.example.com")).toThrow(/password/);
  });
});

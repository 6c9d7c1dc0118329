// The pure pieces of the Plannr simulator's webhooks: delivery fault rules (same counting and
// seeding as the HTTP FaultPlan), their JSON form, the body shapes and the signature.
import { describe, expect, it } from "vitest";
import { deliveryBody, signBody, WEBHOOK_BODY_SHAPES } from "../../src/sandbox/plannr/webhook-body.js";
import { DeliveryFaultPlan, type DeliveryFaultRule } from "../../src/sandbox/plannr/webhook-faults.js";
import { SubscriptionStore } from "../../src/sandbox/plannr/webhook-subscriptions.js";
import { PlannrValidationError } from "../../src/sandbox/plannr/validation.js";
import { createRng } from "../../src/sandbox/world.js";

/** Which of `count` deliveries of `event` to `url` each kind acts on (1-based). */
function acted(plan: DeliveryFaultPlan, count: number, event = "case.updated", url = "http://h/webhooks/plannr"): string[] {
  const out: string[] = [];
  for (let i = 1; i <= count; i++) for (const rule of plan.take(event, url)) out.push(`${i}:${rule.kind}`);
  return out;
}

function planWith(rules: DeliveryFaultRule[], seed?: number): DeliveryFaultPlan {
  const plan = new DeliveryFaultPlan(seed);
  plan.set(rules);
  return plan;
}

describe("DeliveryFaultPlan", () => {
  it("acts on the next delivery by default, after `after`, up to `times`", () => {
    expect(acted(planWith([{ kind: "drop" }]), 4)).toEqual(["1:drop"]);
    expect(acted(planWith([{ kind: "duplicate", after: 1, times: 2 }]), 5)).toEqual(["2:duplicate", "3:duplicate"]);
  });

  it("every Nth, unbounded by default", () => {
    expect(acted(planWith([{ kind: "drop", every: 3 }]), 10)).toEqual(["3:drop", "6:drop", "9:drop"]);
  });

  it("matches by event and by url (substring or regex)", () => {
    const plan = planWith([
      { kind: "drop", event: "case.deleted", times: Infinity },
      { kind: "delay", url: "/other", times: Infinity },
      { kind: "reorder", url: /plannr$/, times: Infinity },
    ]);
    expect(plan.take("case.updated", "http://h/webhooks/plannr").map((r) => r.kind)).toEqual(["reorder"]);
    expect(plan.take("case.deleted", "http://h/other/x").map((r) => r.kind)).toEqual(["drop", "delay"]);
    expect(plan.firedCounts()).toEqual([1, 1, 1]);
  });

  it("probability: same seed same faults, another seed others; a rule's own seed wins", () => {
    const rule: DeliveryFaultRule = { kind: "drop", probability: 0.3 };
    const a = acted(planWith([rule], 7), 200);
    expect(a.length).toBeGreaterThan(30);
    expect(a.length).toBeLessThan(90);
    expect(acted(planWith([rule], 7), 200)).toEqual(a);
    expect(acted(planWith([rule], 8), 200)).not.toEqual(a);
    const own: DeliveryFaultRule = { ...rule, seed: 99 };
    expect(acted(planWith([own], 1), 100)).toEqual(acted(planWith([own], 2), 100));
  });

  it("set() starts the streams afresh", () => {
    const plan = planWith([{ kind: "duplicate", probability: 0.5 }], 3);
    const first = acted(plan, 50);
    plan.set([{ kind: "duplicate", probability: 0.5 }]);
    expect(acted(plan, 50)).toEqual(first);
  });

  it("refuses rules that could never act as written", () => {
    expect(() => planWith([{ kind: "drop", every: 0 }])).toThrow(RangeError);
    expect(() => planWith([{ kind: "drop", probability: 2 }])).toThrow(RangeError);
    expect(() => planWith([{ kind: "reorder", batch: 0 }])).toThrow(/batch/);
    expect(() => planWith([{ kind: "delay", delayMs: -5 }])).toThrow(/delayMs/);
  });

  it("parses the JSON form: url as /regex/, times 'all', and names the bad field", () => {
    const [rule] = DeliveryFaultPlan.parse({ kind: "reorder", url: "/plannr$/", times: "all", batch: 2, windowMs: 50 });
    expect(rule).toEqual({ kind: "reorder", url: /plannr$/, times: Infinity, batch: 2, windowMs: 50 });
    expect(DeliveryFaultPlan.parse([{ kind: "drop", url: "/hooks" }])).toEqual([{ kind: "drop", url: "/hooks" }]);
    expect(() => DeliveryFaultPlan.parse([{ kind: "drop" }, { kind: "explode" }])).toThrow(/^webhook fault rule 1\.kind: /);
    expect(() => DeliveryFaultPlan.parse({ kind: "drop", probabilty: 0.5 })).toThrow(/^webhook fault rule 0: .*probabilty/);
    expect(() => DeliveryFaultPlan.parse({ kind: "delay", delayMs: "soon" })).toThrow(/^webhook fault rule 0\.delayMs: /);
  });
});

describe("webhook bodies and signatures", () => {
  const resource = { uuid: "c-1", name: "Case" };

  it("builds each shape the reference allows", () => {
    expect(WEBHOOK_BODY_SHAPES).toEqual(["data", "flat", "payload", "type"]);
    expect(deliveryBody("data", "case.updated", resource, "T")).toEqual({ event: "case.updated", data: resource, sent_at: "T" });
    expect(deliveryBody("flat", "case.updated", resource, "T")).toEqual({ event: "case.updated", uuid: "c-1", name: "Case", sent_at: "T" });
    expect(deliveryBody("payload", "case.deleted", resource, "T")).toEqual({ event: "case.deleted", payload: resource, sent_at: "T" });
    expect(deliveryBody("type", "case.created", resource, "T")).toEqual({ type: "case.created", data: resource, sent_at: "T" });
  });

  it("signs as hex HMAC-SHA256 (RFC 4231 test case 2) over the UTF-8 bytes", () => {
    expect(signBody("what do ya want for nothing?", "Jefe")).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    const text = '{"name":"Café ✓"}';
    expect(signBody(text, "k")).toBe(signBody(Buffer.from(text, "utf8"), "k"));
    expect(signBody(text, "k")).not.toBe(signBody(Buffer.from(text, "latin1"), "k"));
  });
});

describe("SubscriptionStore", () => {
  const store = () => new SubscriptionStore(createRng(5), () => "2025-01-01T00:00:00+00:00");

  it("gives each subscription its own 60-character secret and keeps a trimmed url", () => {
    const s = store();
    const a = s.create({ url: "  http://127.0.0.1:1/a  ", events: ["case.updated", "case.updated"] });
    const b = s.create({ url: "https://example.test/b", events: ["case.created"] });
    expect(a.signingSecret).toMatch(/^[A-Za-z0-9]{60}$/);
    expect(a.signingSecret).not.toBe(b.signingSecret);
    expect(a.url).toBe("http://127.0.0.1:1/a");
    expect(a.events).toEqual(["case.updated"]);
    expect(s.forEvent("case.created").map((x) => x.uuid)).toEqual([b.uuid]);
  });

  it("refuses with Laravel's keys, and a url that is not http(s)", () => {
    const s = store();
    const refusal = (body: unknown) => {
      try {
        s.create(body);
      } catch (error) {
        if (error instanceof PlannrValidationError) return error.errors;
        throw error;
      }
      return null;
    };
    expect(refusal({ url: "ftp://x/y", events: ["case.created"] })).toEqual({ url: ["The url field must be a valid URL."] });
    expect(refusal({ url: "http://x/y", events: "case.created" })).toEqual({ events: ["The events field must be an array."] });
    expect(refusal({ url: "http://x/y", events: ["case.created", "case.renamed"] })).toEqual({ "events.1": ["The selected events.1 is invalid."] });
    expect(s.list()).toEqual([]);
  });
});

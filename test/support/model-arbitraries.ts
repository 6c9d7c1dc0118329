// Random steps for the model-based suite, grouped in families so that one bug does not hide the
// others: each family weights the steps around one concern (edits and conflicts, mapping changes,
// links and deletes, a hostile upstream) and `everything` mixes them all. Values are drawn from
// tiny domains so that sequences collide.
import fc from "fast-check";
import type { StrippableKey } from "../../src/sandbox/plannr/answer-gaps.js";
import {
  ConflictingEditCommand,
  CreateCaseCommand,
  DeleteCaseCommand,
  EditCommand,
  LinkNewCommand,
  LoseStateCommand,
  MapRiskCommand,
  MirrorCommand,
  PolicyCommand,
  RepointValueCommand,
  ResolveCommand,
  SyncCommand,
  WebhookCommand,
  UnlinkCommand,
  type ModelCommand,
} from "./model-commands.js";
import type { EditSpec } from "./model-edits.js";
import type { FaultSpec } from "./model-faults.js";
import type { KillPlan } from "./model-kill.js";
import type { SyncHazards } from "./model-sync.js";
import type { CaseSeed } from "./model-system.js";

const side = fc.constantFrom("plannr" as const, "onlyoffice" as const);
const index = fc.nat({ max: 7 });

export const editArb: fc.Arbitrary<EditSpec> = fc.oneof(
  fc.record({ key: fc.constant("title" as const), n: fc.nat({ max: 3 }) }),
  fc.record({ key: fc.constant("closed" as const), closed: fc.boolean() }),
  fc.record({ key: fc.constantFrom("value" as const, "reviewAt" as const, "drink" as const, "notes" as const, "risk" as const), i: fc.nat({ max: 3 }) }),
  fc.record({ key: fc.constantFrom("participant" as const, "assignee" as const), k: fc.nat({ max: 3 }) }),
  fc.record({ key: fc.constant("spare" as const), i: fc.nat({ max: 3 }) }),
);

/** The same field on both sides, to different values (mostly). */
const conflictingArb = fc
  .tuple(index, editArb, fc.nat({ max: 3 }))
  .map(([pair, p, shift]): ModelCommand => {
    const o: EditSpec =
      "i" in p ? { ...p, i: (p.i + 1 + (shift % 3)) % 4 } : "n" in p ? { ...p, n: (p.n + 1 + (shift % 3)) % 4 } : "closed" in p ? { ...p, closed: !p.closed } : p;
    return new ConflictingEditCommand(pair, p, o);
  });

export const seedArb: fc.Arbitrary<CaseSeed> = fc.record({
  closed: fc.boolean(),
  value: fc.nat({ max: 3 }),
  reviewAt: fc.nat({ max: 3 }),
  drink: fc.nat({ max: 3 }),
  notes: fc.nat({ max: 3 }),
  risk: fc.nat({ max: 3 }),
  clients: fc.nat({ max: 15 }),
  staff: fc.nat({ max: 15 }),
});

export const faultArb: fc.Arbitrary<FaultSpec> = fc.oneof(
  fc.record({ kind: fc.constant("500" as const), side, method: fc.constantFrom("GET" as const, "PUT" as const, "POST" as const, "DELETE" as const), after: fc.nat({ max: 12 }), times: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant("429" as const), after: fc.nat({ max: 12 }), times: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant("lost-create" as const), side }),
  fc.record({ kind: fc.constant("lost-write" as const), side, after: fc.nat({ max: 4 }) }),
  fc.record({ kind: fc.constant("refuse-close" as const) }),
  fc.record({ kind: fc.constant("page-down" as const), side }),
  fc.record({ kind: fc.constant("flaky" as const), seed: fc.nat({ max: 1000 }) }),
);

const stripArb: fc.Arbitrary<StrippableKey[]> = fc.subarray(["participants", "custom_fields", "value", "review_at"] as StrippableKey[], { minLength: 1 });
const killArb: fc.Arbitrary<KillPlan> = fc.record({ at: fc.integer({ min: 1, max: 10 }), mode: fc.constantFrom("abort" as const, "crash-before" as const, "crash-after" as const) });

const plainSync = fc.constant(new SyncCommand({ faults: [], strip: [], kill: null, race: null }));
const hazardArb: fc.Arbitrary<SyncHazards> = fc.oneof(
  fc.array(faultArb, { minLength: 1, maxLength: 3 }).map((faults): SyncHazards => ({ faults, strip: [], kill: null, race: null })),
  stripArb.map((strip): SyncHazards => ({ faults: [], strip, kill: null, race: null })),
  killArb.map((kill): SyncHazards => ({ faults: [], strip: [], kill, race: null })),
  fc.record({ pair: index, side, edit: editArb }).map((race): SyncHazards => ({ faults: [], strip: [], kill: null, race })),
);
const hazardousSync = hazardArb.map((h) => new SyncCommand(h));
const NONE: SyncHazards = { faults: [], strip: [], kill: null, race: null };
const picks = fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 3 });
const webhook = fc.tuple(picks, fc.oneof(fc.constant(NONE), hazardArb.filter((h) => h.race === null))).map(([p, h]) => new WebhookCommand(p, h));

const edit = fc.tuple(side, index, editArb).map(([s, p, e]) => new EditCommand(s, p, e));
const create = fc.tuple(side, seedArb).map(([s, seed]) => new CreateCaseCommand(s, seed));
const remove = fc.tuple(side, index).map(([s, p]) => new DeleteCaseCommand(s, p));
const resolve = fc.tuple(index, fc.constantFrom("plannr" as const, "onlyoffice" as const, "base" as const)).map(([i, take]) => new ResolveCommand(i, take));
const unlink = index.map((p) => new UnlinkCommand(p));
const linkNew = fc.tuple(index, seedArb).map(([i, seed]) => new LinkNewCommand(i, seed));
const policy = fc.constantFrom("manual" as const, "plannr-wins" as const, "onlyoffice-wins" as const, "newest-wins" as const).map((p) => new PolicyCommand(p));
const mapRisk = fc.constant(new MapRiskCommand());
const repoint = fc.constant(new RepointValueCommand());
const mirror = fc.constant(new MirrorCommand());
const loseState = fc.constant(new LoseStateCommand());

type Weighted = { arbitrary: fc.Arbitrary<ModelCommand>; weight: number };
const w = (arbitrary: fc.Arbitrary<ModelCommand>, weight: number): Weighted => ({ arbitrary, weight });

export const FAMILIES = {
  "edits and conflicts": [w(edit, 6), w(conflictingArb, 3), w(plainSync, 6), w(resolve, 3), w(policy, 1), w(create, 1)],
  "mapping changes": [w(edit, 5), w(conflictingArb, 1), w(plainSync, 5), w(mapRisk, 2), w(repoint, 2), w(policy, 1), w(resolve, 1), w(mirror, 1)],
  "links, deletes and state loss": [w(edit, 3), w(plainSync, 5), w(unlink, 2), w(linkNew, 2), w(remove, 2), w(create, 2), w(loseState, 2)],
  "a hostile upstream": [w(edit, 4), w(conflictingArb, 1), w(create, 2), w(hazardousSync, 5), w(plainSync, 3)],
  "webhooks between syncs": [w(edit, 5), w(conflictingArb, 1), w(create, 3), w(remove, 1), w(webhook, 6), w(plainSync, 2), w(hazardousSync, 2), w(resolve, 1), w(unlink, 1)],
  everything: [
    w(edit, 6),
    w(conflictingArb, 2),
    w(create, 2),
    w(plainSync, 5),
    w(hazardousSync, 3),
    w(resolve, 2),
    w(unlink, 1),
    w(linkNew, 1),
    w(remove, 1),
    w(policy, 1),
    w(mapRisk, 1),
    w(repoint, 1),
    w(mirror, 1),
    w(loseState, 1),
    w(webhook, 2),
  ],
} satisfies Record<string, Weighted[]>;

export type FamilyName = keyof typeof FAMILIES;

export function commandsOf(family: FamilyName, maxCommands: number): fc.Arbitrary<Iterable<ModelCommand>> {
  // fc.commands picks uniformly among its arbitraries: a weight is a repetition.
  const weighted = FAMILIES[family].flatMap((x) => Array.from({ length: x.weight }, () => x.arbitrary));
  // "max": lengths spread up to maxCommands (the default size keeps most sequences under 10 steps).
  return fc.commands(weighted, { maxCommands, size: "max" });
}

/** The book people start with: a few Plannr cases and maybe some ONLYOFFICE ones. */
export const bookArb = fc.record({
  plannr: fc.array(seedArb, { minLength: 1, maxLength: 3 }),
  onlyoffice: fc.array(seedArb, { maxLength: 2 }),
});
export type Book = { plannr: CaseSeed[]; onlyoffice: CaseSeed[] };

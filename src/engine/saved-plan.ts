// A plan saved to a file and applied later (`case-sync plan --out plan.json`, then
// `case-sync sync --plan plan.json`), after Terraform's saved plans: the later run takes fresh
// snapshots, plans again and applies only if that plan is exactly the saved one; any record whose
// planned writes differ has moved since the plan was made, and the run refuses, naming it. Pure.
import { z } from "zod";
import { stableStringify } from "../core/hash.js";
import { PlanItemSchema, type PlanItem } from "../core/report.js";
import type { PairIdentity } from "../core/state.js";

export const SavedPlanSchema = z
  .object({
    kind: z.literal("case-sync-plan"),
    version: z.literal(1),
    createdAt: z.string(),
    /** The pair of systems the plan was made against. */
    identity: z.object({ plannrAccount: z.string(), onlyofficePortal: z.string() }),
    /** The mapping's compared groups and targets: a plan made under another mapping is not this one. */
    mappingFingerprint: z.string(),
    items: z.array(PlanItemSchema),
  })
  .strict();
export type SavedPlan = z.infer<typeof SavedPlanSchema>;

export function savePlan(items: readonly PlanItem[], identity: PairIdentity, mappingFingerprint: string, createdAt: Date): SavedPlan {
  return { kind: "case-sync-plan", version: 1, createdAt: createdAt.toISOString(), identity, mappingFingerprint, items: [...items] };
}

/** How a plan item is named to a person: its action, side and both ids. */
function itemKey(item: PlanItem): string {
  return `${item.action} ${item.side} ${item.plannrId ?? "-"} ${item.onlyofficeId ?? "-"}`;
}

function describe(item: PlanItem): string {
  const ids = [item.plannrId === null ? null : `Plannr ${item.plannrId}`, item.onlyofficeId === null ? null : `ONLYOFFICE ${item.onlyofficeId}`].filter((x) => x !== null).join(" / ");
  return `${item.action} on ${item.side}${ids === "" ? "" : ` (${ids})`}${item.title === "" ? "" : ` "${item.title}"`}`;
}

/**
 * What differs between the saved plan and the plan made now: the records whose planned writes
 * changed, appeared or disappeared. Empty: the saved plan is exactly what would be applied.
 */
export function planDrift(saved: readonly PlanItem[], fresh: readonly PlanItem[]): string[] {
  const before = new Map(saved.map((item) => [itemKey(item), item]));
  const after = new Map(fresh.map((item) => [itemKey(item), item]));
  const drift: string[] = [];
  for (const [key, item] of before) {
    const now = after.get(key);
    if (now === undefined) drift.push(`${describe(item)}: no longer planned`);
    else if (stableStringify(now) !== stableStringify(item)) drift.push(`${describe(item)}: the writes differ now`);
  }
  for (const [key, item] of after) if (!before.has(key)) drift.push(`${describe(item)}: newly planned`);
  return drift;
}

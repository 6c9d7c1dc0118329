// Mass-change breakers (invariant 7): a sync that would delete, close or unlink more than
// `maxDeletes` cases, or more than `maxDeletePercent` of a side when that is at least 3 cases, stops before writing anything;
// one that would create more than `maxCreates` cases *and* more than `maxCreatePercent` of the
// destination stops too. Migrations are exempt from the create breaker. Pure.
import type { Side } from "../core/errors.js";
import type { Mapping } from "../core/mapping.js";
import { groupValue } from "../core/case.js";
import type { Plan } from "./work.js";

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
}

const SIDE_NAME: Record<Side, string> = { plannr: "Plannr", onlyoffice: "ONLYOFFICE" };
const other = (side: Side): Side => (side === "plannr" ? "onlyoffice" : "plannr");

/** A share of a side trips the delete breaker only when it is at least this many cases. */
export const MIN_SHARE_DELETES = 3;

export interface BreakerVerdict {
  tripped: boolean;
  reasons: string[];
  deletes: Record<Side, number>;
  creates: Record<Side, number>;
}

export interface BreakerInput {
  plan: Plan;
  limits: Mapping["deletes"];
  sizes: Record<Side, number>;
  allowMassDelete: boolean;
  allowMassCreate: boolean;
  migrating: boolean;
}

export function checkBreakers(input: BreakerInput): BreakerVerdict {
  const deletes: Record<Side, number> = { plannr: 0, onlyoffice: 0 };
  const creates: Record<Side, number> = { plannr: 0, onlyoffice: 0 };
  for (const work of input.plan.deletes) {
    if (work.action === "drop-link") continue;
    // Deletes and closes land on the survivor's side; an unlink counts where the case vanished.
    const side: Side = work.action === "unlink" ? work.vanished : work.vanished === "plannr" ? "onlyoffice" : "plannr";
    deletes[side] += 1;
  }
  for (const work of input.plan.creates) creates[work.to] += 1;
  // Emptying a field that holds a value is a delete of that value: many at once look exactly like
  // a side read wrongly (a field gone from the portal, a broken answer), so they count here too.
  const clears: Record<Side, number> = { plannr: 0, onlyoffice: 0 };
  for (const work of input.plan.updates) {
    for (const side of ["plannr", "onlyoffice"] as const) {
      const current = side === "plannr" ? work.input.plannr : work.input.onlyoffice;
      const cleared = work.decision.groups.some((g) => (side === "plannr" ? g.writePlannr : g.writeOnlyoffice) && isEmpty(g.target) && !isEmpty(groupValue(current, g.group)));
      if (cleared) clears[side] += 1;
    }
  }
  for (const side of ["plannr", "onlyoffice"] as const) deletes[side] += clears[side];
  const reasons: string[] = [];
  const { limits } = input;
  for (const side of ["plannr", "onlyoffice"] as const) {
    const size = Math.max(input.sizes[side], 1);
    const d = deletes[side];
    // The share only counts from a few cases on (SPEC §4.7): in a book of 16, one legitimate clear
    // is 6 % and would otherwise block every later run until someone passed the flag.
    if (!input.allowMassDelete && (d > limits.maxDeletes || (d >= MIN_SHARE_DELETES && (d / size) * 100 > limits.maxDeletePercent))) {
      reasons.push(
        `would delete, close, unlink or empty a field of ${d} ${side} cases (limits: more than ${limits.maxDeletes} cases, or more than ${limits.maxDeletePercent}% of ${input.sizes[side]} when that is at least ${MIN_SHARE_DELETES}); if this is intended, allow it for one sync (CLI: case-sync sync --allow-mass-delete; library: allowMassDelete)`,
      );
    }
    const c = creates[side];
    if (!input.migrating && !input.allowMassCreate && c > limits.maxCreates && (c / size) * 100 > limits.maxCreatePercent) {
      reasons.push(
        `would create ${c} ${side} cases (limits: more than ${limits.maxCreates} and more than ${limits.maxCreatePercent}% of ${input.sizes[side]}): a first copy of ${SIDE_NAME[other(side)]}'s cases is a migration (CLI: case-sync migrate --from ${other(side)}; library: migrate({ from: "${other(side)}" })), or allow it for one sync (CLI: case-sync sync --allow-mass-create; library: allowMassCreate)`,
      );
    }
  }
  return { tripped: reasons.length > 0, reasons, deletes, creates };
}

// The promises the model-based suite checks after every step, each with a stable id so a failure
// says which one broke (and which issue-8 item it usually means), and so a person chasing one bug
// can set CASE_SYNC_MODEL_IGNORE=privacy,breaker to see what else fails behind it. Ignored checks
// still run and are counted; they just do not fail the property.

export const INVARIANTS = {
  "lost-edit": "a value a person set (and did not lose to a conflict) was overwritten",
  "unexpected-write": "a field nobody edited was changed by the tool",
  convergence: "after a clean sync a pair differs on a field with no pending conflict and no error for it",
  "queued-conflict": "a conflict that waits for a person was settled without one (or never queued)",
  "spurious-conflict": "a one-sided change was queued as a conflict",
  duplicate: "a second copy of one case appeared on a side",
  resurrection: "a case whose partner was deleted or unlinked was copied again",
  vanished: "a case disappeared without a person deleting it",
  privacy: "a private ONLYOFFICE case became public (or a copy was created public)",
  fixpoint: "a sync right after a clean sync wrote something",
  links: "after a clean sync the state store's links differ from the pairs a person expects",
  "create-unreported": "a copy differs from its source and the run reported no error",
  "unreported-refusal": "a value the other side cannot hold produced no record error",
  breaker: "a small change (fewer than 3 cases) tripped the delete breaker",
  "abort-on-blip": "a transient fault (500, 429, a lost answer) aborted the run",
  "partial-scan-exit": "a scan that failed part-way ended with exit code 0",
  "duplicate-errors": "the same error is listed more than once in a report",
  mirror: "the opt-in Plannr mirror stamp does not hold the ONLYOFFICE id",
  "unmapped-touched": "a field that is not mapped was changed by the tool",
  "clean-abort": "a sync with no faults aborted",
  "internal-error": "a run ended with an internal error (exit 1)",
  "spurious-deferral": "a targeted sync left a case to the next full sync with no create in doubt",
  echo: "a targeted sync of the pairs a clean targeted sync just wrote wrote again (the service's own deliveries echoed)",
} as const;

export type InvariantId = keyof typeof INVARIANTS;

export class InvariantViolation extends Error {
  constructor(
    readonly invariant: InvariantId,
    detail: string,
  ) {
    super(`[${invariant}] ${INVARIANTS[invariant]}: ${detail}`);
    this.name = "InvariantViolation";
  }
}

function ignoredFromEnv(): Set<string> {
  return new Set(
    (process.env.CASE_SYNC_MODEL_IGNORE ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  );
}

const ignored = ignoredFromEnv();
/** How often each ignored invariant would have failed (printed by the suite). */
export const ignoredHits = new Map<string, number>();

/** Fails the step unless this invariant is ignored by CASE_SYNC_MODEL_IGNORE. */
export function violate(invariant: InvariantId, detail: string): void {
  if (ignored.has(invariant)) {
    ignoredHits.set(invariant, (ignoredHits.get(invariant) ?? 0) + 1);
    return;
  }
  throw new InvariantViolation(invariant, detail);
}

export function check(condition: boolean, invariant: InvariantId, detail: () => string): void {
  if (!condition) violate(invariant, detail());
}

// A targeted sync never guesses about a copy whose answer was lost: while a create is in doubt, the
// unlinked cases it could concern are left to a full sync (`CS_DEFERRED`, engine/targeted.ts). The
// service must not let them wait for the hourly reconcile, nor run a full sync for every delivery
// while the doubt lasts (a fingerprint only `case-sync link` can settle keeps it open): it asks for
// one reconcile now, and no more often than once a minute.
import type { Logger } from "../core/ports.js";
import { leftForFullSync, type RunReport } from "../core/report.js";

/** The shortest time between two reconciles asked for by deferred cases. */
export const EARLY_RECONCILE_GAP_MS = 60_000;

/** The targeted sync left cases to a full sync: say which, and ask for one. */
export function askForFullSync(report: RunReport, options: { logger: Logger; reconcileSoon?: () => void }): void {
  const left = leftForFullSync(report);
  if (left.length === 0) return;
  options.logger.info({ cases: left.map((w) => `${w.side ?? "?"} ${w.record ?? "?"}`) }, "a copy is still in doubt: these cases wait for a full sync, asked for now");
  options.reconcileSoon?.();
}

/**
 * When the next early reconcile may run: at once if none ran for a minute, else when the minute is
 * up. Asks made while one is already waiting are the same ask.
 */
export class EarlyReconcile {
  private lastStartedAt = Number.NEGATIVE_INFINITY;
  private waiting = false;

  constructor(
    private readonly schedule: (inMs: number) => void,
    private readonly now: () => number = Date.now,
    private readonly gapMs = EARLY_RECONCILE_GAP_MS,
  ) {}

  /** A reconcile (any: scheduled, early, at start) is starting. */
  started(): void {
    this.lastStartedAt = this.now();
    this.waiting = false;
  }

  ask(): void {
    if (this.waiting) return;
    this.waiting = true;
    this.schedule(Math.max(0, this.lastStartedAt + this.gapMs - this.now()));
  }
}

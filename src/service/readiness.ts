// What `/readyz` answers (SPEC §9): the state store answers, and both CRMs took our credentials at
// the last attempt. The service learns the latter from the outcome of its own engine calls, so a
// probe never costs a Plannr request: a run that got through its reference reads proves both
// sides; one aborted with CS_AUTH names the side that refused; any other outcome (a lock held
// elsewhere, an outage) says nothing new about credentials and leaves the last answer standing.
import { isCaseSyncError, type Side } from "../core/errors.js";
import type { RunReport } from "../core/report.js";
import type { Readiness } from "./health-plugin.js";

type SideState = { state: "unknown" } | { state: "ok" } | { state: "refused"; reason: string };

const LABEL: Record<Side, string> = { plannr: "Plannr", onlyoffice: "ONLYOFFICE" };

export class AuthReadiness {
  private readonly sides: Record<Side, SideState> = { plannr: { state: "unknown" }, onlyoffice: { state: "unknown" } };
  /** Why the last run stopped, when that was not about credentials (shown while a side is unknown). */
  private lastAbort: string | null = null;

  authenticated(side: Side): void {
    this.sides[side] = { state: "ok" };
  }

  refused(side: Side, reason: string): void {
    this.sides[side] = { state: "refused", reason };
  }

  /** Learns from a finished run of the engine (reconcile or targeted sync). */
  noteReport(report: RunReport): void {
    const abort = report.abort;
    this.lastAbort = abort === null || abort.code === "CS_LOCKED" ? this.lastAbort : `${abort.code}: ${abort.message}`;
    if (abort === null) {
      this.authenticated("plannr");
      this.authenticated("onlyoffice");
    } else if (abort.code === "CS_AUTH" || abort.code === "CS_NOT_ADMIN") {
      this.refused(abort.side ?? "plannr", `${abort.code}: ${abort.message}`);
    }
  }

  /** Learns from a call that reached one side only (the ONLYOFFICE scan, the subscription calls). */
  noteCall(side: Side, error: unknown): void {
    if (error === null) this.authenticated(side);
    else if (isCaseSyncError(error) && (error.code === "CS_AUTH" || error.code === "CS_NOT_ADMIN") && (error.side ?? side) === side) this.refused(side, `${error.code}: ${error.message}`);
  }

  answer(): Readiness {
    for (const side of ["plannr", "onlyoffice"] as const) {
      const s = this.sides[side];
      if (s.state === "refused") return { ok: false, reason: `${LABEL[side]} refused the credentials at the last attempt (${s.reason})` };
      if (s.state === "unknown") return { ok: false, reason: `${LABEL[side]} not reached yet (${this.lastAbort === null ? "the first reconcile is still running" : `the last run stopped: ${this.lastAbort}`})` };
    }
    return { ok: true };
  }
}

// Who may take the run lock: a pure decision both stores make inside their locking transaction.
// A lock expires so a crashed run on another machine cannot block the pair forever; on the same
// host a holder whose process is gone (killed with SIGKILL, power cut) is released at once, so the
// next run does not wait out the expiry.
import type { LockHolder } from "../core/state.js";

/** Whether a process with this pid exists on this machine. */
export type ProcessProbe = (pid: number) => boolean;

/**
 * `kill(pid, 0)` sends no signal but still checks the target: ESRCH means no such process, EPERM
 * means it exists under another user (so it is alive). Non-positive pids address process groups,
 * never one process, so they are treated as alive (never taken over on that ground).
 */
export const probeProcess: ProcessProbe = (pid) => {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
};

export function mayTakeLock(
  current: LockHolder | null,
  candidate: LockHolder,
  now: Date,
  isAlive: ProcessProbe = probeProcess,
): boolean {
  if (current === null) return true;
  if (current.owner === candidate.owner) return true;
  const expires = Date.parse(current.expiresAt);
  // An unreadable expiry is not taken as "expired": only a positive reason frees a lock.
  if (!Number.isNaN(expires) && expires <= now.getTime()) return true;
  return current.host === candidate.host && !isAlive(current.pid);
}

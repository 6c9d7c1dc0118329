// Exit codes (SPEC §6), the same for every command, so a scheduler can alert on them:
// 0 success · 1 internal error · 2 usage or configuration · 3 finished with record-level errors or
// pending conflicts · 4 aborted (auth, unreachable, not admin, identity, breaker, budget) · 5 locked.
import { isCaseSyncError, type ErrorCode } from "../core/errors.js";

export const EXIT = { ok: 0, internal: 1, usage: 2, records: 3, aborted: 4, locked: 5 } as const;

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  CS_CONFIG: EXIT.usage,
  CS_USAGE: EXIT.usage,
  CS_LOCKED: EXIT.locked,
  CS_INTERNAL: EXIT.internal,
  CS_STATE: EXIT.internal,
  CS_VALIDATION: EXIT.records,
  CS_CONFLICT: EXIT.records,
};

export function exitCodeForError(error: unknown): number {
  if (!isCaseSyncError(error)) return EXIT.internal;
  return BY_CODE[error.code] ?? EXIT.aborted;
}

// What one WriteCommit does to the store, as a list of steps both stores run inside one
// transaction. Keeping the order here (a pure function) means SQLite and PostgreSQL cannot come
// to disagree about it: a relink deletes the old link before the new one claims its partner, and
// the link is checked before any audit row is written, so a refused link leaves nothing behind.
import type { WriteCommit } from "../core/state.js";
import type { Row, SqlValue } from "./rows.js";
import * as rows from "./rows.js";
import type { StatementName } from "./statements.js";
import { onlyofficeTakenError } from "./store-errors.js";

export type CommitStep =
  | { kind: "exec"; statement: StatementName; values: SqlValue[] }
  /** Read the link holding `onlyofficeId` (statement `linkByOnlyoffice`) and pass it to `checkClaim`. */
  | { kind: "claim"; onlyofficeId: string; plannrId: string };

export function planCommit(commit: WriteCommit): CommitStep[] {
  const steps: CommitStep[] = [];
  const exec = (statement: StatementName, values: SqlValue[]) => steps.push({ kind: "exec", statement, values });
  if (commit.deleteLink !== undefined) exec("deleteLink", [commit.deleteLink]);
  if (commit.upsertLink !== undefined) {
    const link = commit.upsertLink;
    steps.push({ kind: "claim", onlyofficeId: link.onlyofficeId, plannrId: link.plannrId });
    exec("upsertLink", rows.linkParams(link));
  }
  for (const entry of commit.audit ?? []) exec("addAudit", rows.auditParams(entry));
  if (commit.settleJournal !== undefined) {
    const s = commit.settleJournal;
    exec("settleJournal", [s.status, s.createdId, s.at, s.id]);
  }
  if (commit.addTombstone !== undefined) exec("addTombstone", rows.tombstoneParams(commit.addTombstone));
  if (commit.resolveConflicts !== undefined && commit.resolveConflicts.ids.length > 0) {
    exec("resolveConflicts", [commit.resolveConflicts.at, commit.resolveConflicts.ids]);
  }
  return steps;
}

/**
 * Invariant 6: an ONLYOFFICE case is linked to one Plannr case at most. Relinking it is the
 * engine's explicit choice (delete the old link in the same commit), never a silent overwrite.
 * The UNIQUE constraint backs this up against concurrent writers; this check names both cases.
 */
export function checkClaim(step: { onlyofficeId: string; plannrId: string }, holder: Row | undefined): void {
  if (holder !== undefined && holder.plannr_id !== step.plannrId) {
    throw onlyofficeTakenError(step.onlyofficeId, String(holder.plannr_id), step.plannrId);
  }
}

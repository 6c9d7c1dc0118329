// Conflicts as the store keeps them and the report shows them (invariant 4): a manual conflict
// waits with base, Plannr and ONLYOFFICE values; an interrupted copy that cannot be adopted
// safely waits as a "copy" conflict named after its journal entry.
import { randomUUID } from "node:crypto";
import type { ConflictReport } from "../core/report.js";
import type { Conflict, StateStore } from "../core/state.js";
import type { Pairing } from "./links.js";
import type { ConflictFinding } from "./work.js";

/** The conflict that asks a person about an uncertain copy is named after its journal entry. */
export function copyConflictId(journalId: string): string {
  return `copy-${journalId.slice(0, 8)}`;
}

/** What a conflict is about: the pair, the group, and the three values. */
function conflictValues(f: ConflictFinding): Pick<Conflict, "plannrId" | "onlyofficeId" | "group" | "base" | "plannr" | "onlyoffice" | "reason"> {
  return { plannrId: f.plannrId, onlyofficeId: f.onlyofficeId, group: f.group, base: f.base, plannr: f.plannr, onlyoffice: f.onlyoffice, reason: f.reason };
}

/** Interrupted creates that may have made one of several cases: a person decides. */
export function uncertainCopies(uncertain: Pairing["uncertain"], pending: readonly Conflict[]): ConflictFinding[] {
  return uncertain.map(({ entry, candidates }) => {
    const id = copyConflictId(entry.id);
    const candidateText = candidates.join(" or ");
    return {
      id,
      plannrId: entry.side === "plannr" ? candidateText : entry.sourceId,
      onlyofficeId: entry.side === "onlyoffice" ? candidateText : entry.sourceId,
      group: "copy",
      base: null,
      plannr: entry.side === "plannr" ? candidates : entry.sourceId,
      onlyoffice: entry.side === "onlyoffice" ? candidates : entry.sourceId,
      reason: `an interrupted copy of ${entry.sourceId} may be ${candidateText}: link the right one (case-sync link), or --take base if none is the copy`,
      settled: null,
      existing: pending.find((c) => c.id === id) ?? null,
    };
  });
}

export function conflictReports(findings: readonly ConflictFinding[]): ConflictReport[] {
  return findings.map((f) => ({
    id: f.id ?? f.existing?.id ?? "",
    ...conflictValues(f),
    state: f.settled !== null ? "settled" : f.existing ? "pending" : "new",
    resolution: f.settled,
  }));
}

/** Stores the conflicts that wait for a person (new, or changed since they were stored). */
export async function storeConflicts(store: StateStore, findings: readonly ConflictFinding[], now: Date): Promise<void> {
  for (const f of findings) {
    if (f.settled !== null) continue;
    const unchanged = f.existing && JSON.stringify([f.existing.plannr, f.existing.onlyoffice]) === JSON.stringify([f.plannr, f.onlyoffice]);
    if (unchanged) continue;
    const id = f.id ?? f.existing?.id ?? randomUUID().slice(0, 8);
    await store.putConflict({ id, ...conflictValues(f), status: "pending", resolution: null, createdAt: f.existing?.createdAt ?? now.toISOString(), resolvedAt: null });
    f.existing = { ...(f.existing ?? ({} as Conflict)), id };
  }
}

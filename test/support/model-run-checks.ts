// Checks on a run as a whole: its report (exit code, each error once), the state store's links
// against the pairs a person expects, the opt-in Plannr mirror stamp, and the fields nobody mapped.
import type { RunReport } from "../../src/core/report.js";
import type { Link } from "../../src/core/state.js";
import { check, violate } from "./model-invariants.js";
import { sameVal, showVal, type ModelEyes, type Val } from "./model-readers.js";
import type { Model } from "./model-state.js";
import { MIRROR_REFERENCE } from "./model-world.js";

export interface RunFacts {
  report: RunReport;
  /** No fault of any kind was armed, nothing stripped, no kill, no concurrent edit. */
  clean: boolean;
  /** Only transient faults were armed (500s, 429s, lost answers): never an abort (issue 8 item 12). */
  blips: boolean;
  /** A list page failed for good during the run (issue 8 item 13). */
  pageDownFired: boolean;
  /** Cases a sync may legitimately empty, unlink or delete this run (the breaker's concern). */
  destructive: number;
}

function isEmpty(v: Val): boolean {
  return v === null || v === false;
}

/**
 * How many pairs this run might empty a field of, or unlink: generous on purpose, so the breaker
 * check blames only a trip that no reading of SPEC §4.7 allows (fewer than 3 cases).
 */
export function destructiveChanges(m: Model, deletedSinceRun: number): number {
  let count = deletedSinceRun;
  for (const pair of m.pairs) {
    const emptying = [...pair.groups.values()].some((g) => !sameVal(g.p.value, g.o.value) && isEmpty(g.p.value) !== isEmpty(g.o.value));
    if (emptying) count += 1;
  }
  return count;
}

export function checkReport(f: RunFacts): void {
  const { report } = f;
  const seen = new Set<string>();
  // The same issue pushed twice (snapshot, plan and apply each reporting it, issue 8 item 14);
  // two different messages about one thing are two pieces of information, not a duplicate.
  for (const e of report.errors) {
    const key = JSON.stringify([e.side, e.record, e.field, e.code, e.message]);
    check(!seen.has(key), "duplicate-errors", () => `${e.code} on ${e.side ?? "-"} ${e.record ?? "-"} ${e.field ?? "-"} is listed more than once: ${e.message}`);
    seen.add(key);
  }
  if (report.abort !== null) {
    const detail = `exit ${report.exitCode}, ${report.abort.code}: ${report.abort.message}`;
    if (report.abort.code === "CS_BREAKER") check(f.destructive >= 3, "breaker", () => `${f.destructive} case(s) at most were to be emptied or unlinked; ${detail}`);
    else if (f.clean) violate("clean-abort", detail);
    else if (f.blips) violate("abort-on-blip", detail);
  }
  if (f.pageDownFired) check(report.exitCode !== 0, "partial-scan-exit", () => `a list page kept failing and the run exited 0 (warnings: ${report.warnings.map((w) => w.message).join("; ")})`);
}

export function checkLinks(m: Model, links: readonly Link[]): void {
  const stored = new Map(links.map((l) => [l.plannrId, l.onlyofficeId]));
  for (const pair of m.pairs) {
    const linked = stored.get(pair.plannrId);
    check(linked === pair.onlyofficeId, "links", () => `Plannr ${pair.plannrId} should be linked to ONLYOFFICE ${pair.onlyofficeId}, the store links it to ${linked ?? "nothing"}`);
  }
  const expected = new Set(m.pairs.map((p) => p.plannrId));
  for (const [plannrId, onlyofficeId] of stored) {
    check(expected.has(plannrId), "links", () => `the store links Plannr ${plannrId} to ONLYOFFICE ${onlyofficeId}, which a person does not consider a pair`);
  }
}

export function checkMirror(m: Model, eyes: ModelEyes): void {
  if (!m.mapping.mirror) return;
  for (const pair of m.pairs) {
    const stamp = eyes.plannrField(pair.plannrId, MIRROR_REFERENCE);
    check(String(stamp) === pair.onlyofficeId, "mirror", () => `Plannr ${pair.plannrId} mirrors ${showVal(stamp)}, its partner is ONLYOFFICE ${pair.onlyofficeId}`);
  }
}

/** Key of a value a person set in an unmapped field: `side:id:field`. */
export function unmappedKey(side: "plannr" | "onlyoffice", id: string, field: string | number): string {
  return `${side}:${id}:${field}`;
}

export function readUnmapped(eyes: ModelEyes, key: string): Val {
  const [side, id, field] = key.split(":") as ["plannr" | "onlyoffice", string, string];
  return side === "plannr" ? eyes.plannrField(id, field) : eyes.onlyofficeField(id, Number(field));
}

export function checkUnmapped(m: Model, eyes: ModelEyes): void {
  for (const [key, value] of m.unmapped) {
    const [side, id] = key.split(":") as ["plannr" | "onlyoffice", string];
    if (m.records.get(`${side}:${id}`)?.gone !== false) continue;
    const now = readUnmapped(eyes, key);
    check(sameVal(now, value), "unmapped-touched", () => `${key} was ${showVal(value)} and is now ${showVal(now)}`);
  }
}

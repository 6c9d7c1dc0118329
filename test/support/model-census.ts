// Counting cases after every step: every case on either side is one a person made, or the tool's
// one copy of a case that had no partner and was free to get one. A new case is matched to its
// source by the tag in its title (`[T3] ...`); if no free source carries that tag it is a
// duplicate (the source already has its partner) or a resurrection (the source's partner was
// deleted, or it was unlinked by hand). Nothing disappears unless a person deleted it, and no
// private ONLYOFFICE case becomes public.
import type { RunReport } from "../../src/core/report.js";
import { check, violate } from "./model-invariants.js";
import { sameVal, showVal, type ModelEyes, type Side } from "./model-readers.js";
import { comparedKeys, recordKey, tagOf, type GroupState, type Model, type PairModel, type RecordModel } from "./model-state.js";

export interface CensusContext {
  report: RunReport | null;
  clean: boolean;
  runStart: number;
}

const other = (side: Side): Side => (side === "plannr" ? "onlyoffice" : "plannr");

function classify(m: Model, eyes: ModelEyes, side: Side, id: string, tag: string | null): void {
  const title = eyes.title(side, id);
  const sources = [...m.records.values()].filter((r) => r.side === other(side) && !r.gone && tagOf(eyes.title(r.side, r.id)) === tag);
  const blocked = sources.filter((r) => r.blocked);
  const where = `${side} case ${id} "${showVal(title)}"`;
  if (blocked.length > 0) {
    violate("resurrection", `${where} copies ${other(side)} case ${blocked.map((r) => r.id).join(", ")}, whose partner was deleted or unlinked by hand`);
    return;
  }
  violate("duplicate", `${where} appeared, but every ${other(side)} case tagged ${tag ?? "(none)"} already has its partner (${sources.map((r) => r.id).join(", ") || "no such case"})`);
}

/** Pairs a new copy with its source and takes the copy's values as what the create wrote. */
function adoptCopy(m: Model, eyes: ModelEyes, source: RecordModel, copy: RecordModel, ctx: CensusContext): void {
  const plannrId = source.side === "plannr" ? source.id : copy.id;
  const onlyofficeId = source.side === "plannr" ? copy.id : source.id;
  source.copied = true;
  source.pairedWith = plannrId;
  copy.pairedWith = plannrId;
  const pair: PairModel = { plannrId, onlyofficeId, groups: new Map() };
  const pv = eyes.read("plannr", plannrId, m.mapping.valueField);
  const ov = eyes.read("onlyoffice", onlyofficeId, m.mapping.valueField);
  const differing: string[] = [];
  for (const key of comparedKeys(m)) {
    const p = pv?.get(key) ?? null;
    const o = ov?.get(key) ?? null;
    const copyValue = copy.side === "plannr" ? p : o;
    // The base after a create is what the created case really holds (issue 8 item 4): a value the
    // create did not carry is a one-sided change of the source, still to be carried.
    const g: GroupState = { agreed: copyValue, p: { value: p, at: ctx.runStart }, o: { value: o, at: ctx.runStart }, queued: false, queuedOn: null, decision: null, loose: !ctx.clean };
    if (!sameVal(p, o)) differing.push(`${key}: source ${showVal(source.side === "plannr" ? p : o)}, copy ${showVal(copyValue)}`);
    pair.groups.set(key, g);
  }
  m.pairs.push(pair);
  if (differing.length > 0 && ctx.report !== null) {
    check(ctx.report.errors.length > 0, "create-unreported", () => `copy ${copy.side} ${copy.id} of ${source.side} ${source.id} lacks ${differing.join("; ")}`);
  }
  if (copy.side === "onlyoffice") {
    // Privacy fails closed (issue 8 item 16): a copy without assignees is private to the integration user.
    check(eyes.isPrivate(copy.id) === true, "privacy", () => `the tool created ONLYOFFICE case ${copy.id} as a public case (copy of Plannr ${source.id})`);
  }
}

export function census(m: Model, eyes: ModelEyes, ctx: CensusContext): void {
  for (const side of ["plannr", "onlyoffice"] as const) {
    const present = new Set(eyes.ids(side));
    for (const r of m.records.values()) {
      if (r.side === side && !r.gone && !present.has(r.id)) violate("vanished", `${side} case ${r.id} is gone, and no person deleted it`);
    }
    for (const id of present) {
      if (m.records.has(recordKey(side, id))) continue;
      const tag = tagOf(eyes.title(side, id));
      const source = [...m.records.values()].find(
        (r) => r.side === other(side) && !r.gone && r.pairedWith === null && !r.copied && !r.blocked && tagOf(eyes.title(r.side, r.id)) === tag,
      );
      if (!source) classify(m, eyes, side, id, tag);
      const copy: RecordModel = { side, id, origin: "copy", gone: false, blocked: false, pairedWith: null, copied: true, private: side === "onlyoffice" ? eyes.isPrivate(id) : null, touchedAt: ctx.runStart };
      m.records.set(recordKey(side, id), copy);
      if (source) adoptCopy(m, eyes, source, copy, ctx);
    }
  }
  for (const r of m.records.values()) {
    if (r.side !== "onlyoffice" || r.gone) continue;
    const now = eyes.isPrivate(r.id);
    check(!(r.private === true && now === false), "privacy", () => `ONLYOFFICE case ${r.id} was private and is now public`);
    r.private = now;
  }
}

// The run's links by either id, and which of their records the scans found unchanged since the
// base (settled), in the fewest bytes a 100,000-link sync can hold (SPEC §8: memory grows with the
// book only by a compact index of ids and hashes): one map entry per id, pointing at the link's
// position, and one byte per link for both sides' settled flags. The id strings are the links'
// own, never a second copy from a scan.
import type { Side } from "../core/errors.js";
import type { Link } from "../core/state.js";

const SETTLED: Record<Side, number> = { plannr: 1, onlyoffice: 2 };

export class LinkIndex {
  private readonly byId: Record<Side, Map<string, number>> = { plannr: new Map(), onlyoffice: new Map() };
  private readonly flags: Uint8Array;
  private readonly settledCount: Record<Side, number> = { plannr: 0, onlyoffice: 0 };

  /** `links` is read at lookup time: a link replaced in it (its base loaded) is the one found. */
  constructor(private readonly links: readonly Link[]) {
    this.flags = new Uint8Array(links.length);
    links.forEach((link, i) => {
      this.byId.plannr.set(link.plannrId, i);
      this.byId.onlyoffice.set(link.onlyofficeId, i);
    });
  }

  /** The link of record `id` on `side`. */
  of(side: Side, id: string): Link | undefined {
    const i = this.byId[side].get(id);
    return i === undefined ? undefined : this.links[i];
  }

  byPlannr(id: string): Link | undefined {
    return this.of("plannr", id);
  }

  byOnlyoffice(id: string): Link | undefined {
    return this.of("onlyoffice", id);
  }

  /** Marks record `id` on `side` as scanned unchanged since its link's base. */
  settle(side: Side, id: string): void {
    const i = this.byId[side].get(id);
    if (i === undefined || ((this.flags[i] ?? 0) & SETTLED[side]) !== 0) return;
    this.flags[i] = (this.flags[i] ?? 0) | SETTLED[side];
    this.settledCount[side] += 1;
  }

  /** Takes the mark back (the record is held whole after all). */
  unsettle(side: Side, id: string): void {
    const i = this.byId[side].get(id);
    if (i === undefined || ((this.flags[i] ?? 0) & SETTLED[side]) === 0) return;
    this.flags[i] = (this.flags[i] ?? 0) & ~SETTLED[side];
    this.settledCount[side] -= 1;
  }

  isSettled(side: Side, id: string): boolean {
    const i = this.byId[side].get(id);
    return i !== undefined && ((this.flags[i] ?? 0) & SETTLED[side]) !== 0;
  }

  settled(side: Side): number {
    return this.settledCount[side];
  }

  /** The links whose record on `side` is settled. */
  *settledLinks(side: Side): IterableIterator<Link> {
    for (let i = 0; i < this.flags.length; i += 1) {
      const link = this.links[i];
      if (((this.flags[i] ?? 0) & SETTLED[side]) !== 0 && link !== undefined) yield link;
    }
  }
}

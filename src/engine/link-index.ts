// The run's links, by either id, and which of their records the scans found unchanged since the
// base (settled), in the fewest bytes a 100,000-link sync can hold (SPEC §8: memory grows with the
// book only by a compact index of ids and hashes). Columns instead of one object per link: the
// ids and hashes (the strings the store gave, never a second copy from a scan), each side's ids in
// sorted order for a binary search, and one byte per link for how it was made and what settled. A
// link is built as an object only when asked for; a link whose base was loaded is kept whole.
import type { Side } from "../core/errors.js";
import type { Link } from "../core/state.js";

const HOW = [null, "create", "stamp", "journal", "match", "hand"] as const;
const SETTLED: Record<Side, number> = { plannr: 1, onlyoffice: 2 };
/** Link times of a link held by its ids and hashes (never stored: such a link is not written). */
export const NOT_LOADED = "-";

export class LinkIndex implements Iterable<Link> {
  private readonly ids: Record<Side, string[]> = { plannr: [], onlyoffice: [] };
  private readonly hashes: Record<Side, (string | null)[]> = { plannr: [], onlyoffice: [] };
  private readonly how: Uint8Array;
  private readonly flags: Uint8Array;
  /** Positions in each side's id order, for a binary search. */
  private readonly order: Record<Side, Uint32Array>;
  /** Links held whole: their bases are loaded (or they came whole, as a targeted run's do). */
  private readonly whole = new Map<number, Link>();
  private readonly settledCount: Record<Side, number> = { plannr: 0, onlyoffice: 0 };

  constructor(links: readonly Link[], options: { whole?: boolean } = {}) {
    this.how = new Uint8Array(links.length);
    this.flags = new Uint8Array(links.length);
    links.forEach((link, i) => {
      this.ids.plannr.push(link.plannrId);
      this.ids.onlyoffice.push(link.onlyofficeId);
      this.hashes.plannr.push(link.baseHashPlannr);
      // Both sides share one view, so the two hashes are usually one string.
      this.hashes.onlyoffice.push(link.baseHashOnlyoffice === link.baseHashPlannr ? link.baseHashPlannr : link.baseHashOnlyoffice);
      this.how[i] = HOW.indexOf(link.how);
      if (options.whole === true) this.whole.set(i, link);
    });
    const sorted = (ids: readonly string[]) => new Uint32Array(ids.length).map((_, i) => i).sort((a, b) => compare(ids[a] ?? "", ids[b] ?? ""));
    this.order = { plannr: sorted(this.ids.plannr), onlyoffice: sorted(this.ids.onlyoffice) };
  }

  get size(): number {
    return this.how.length;
  }

  /** The position of record `id`'s link, or -1. */
  private find(side: Side, id: string): number {
    const ids = this.ids[side];
    const order = this.order[side];
    let low = 0;
    let high = order.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = order[mid] ?? 0;
      const c = compare(ids[at] ?? "", id);
      if (c === 0) return at;
      if (c < 0) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }

  /** Link `i`: whole when its base is loaded, else its ids and hashes (base not loaded: null). */
  private link(i: number): Link {
    const whole = this.whole.get(i);
    if (whole !== undefined) return whole;
    return {
      plannrId: this.ids.plannr[i] ?? "",
      onlyofficeId: this.ids.onlyoffice[i] ?? "",
      base: null,
      baseGroups: null,
      baseHashPlannr: this.hashes.plannr[i] ?? null,
      baseHashOnlyoffice: this.hashes.onlyoffice[i] ?? null,
      linkedAt: NOT_LOADED,
      updatedAt: NOT_LOADED,
      how: HOW[this.how[i] ?? 0] ?? null,
    };
  }

  /** The link of record `id` on `side`. */
  of(side: Side, id: string): Link | undefined {
    const i = this.find(side, id);
    return i < 0 ? undefined : this.link(i);
  }

  byPlannr(id: string): Link | undefined {
    return this.of("plannr", id);
  }

  byOnlyoffice(id: string): Link | undefined {
    return this.of("onlyoffice", id);
  }

  has(side: Side, id: string): boolean {
    return this.find(side, id) >= 0;
  }

  /** Holds `link` whole from now on (its base loaded): the one handed out for its ids. */
  load(link: Link): void {
    const i = this.find("plannr", link.plannrId);
    if (i >= 0) this.whole.set(i, link);
  }

  *[Symbol.iterator](): Iterator<Link> {
    for (let i = 0; i < this.how.length; i += 1) yield this.link(i);
  }

  /** Marks record `id` on `side` as scanned unchanged since its link's base. */
  settle(side: Side, id: string): void {
    this.mark(side, id, true);
  }

  /** Takes the mark back (the record is held whole after all). */
  unsettle(side: Side, id: string): void {
    this.mark(side, id, false);
  }

  private mark(side: Side, id: string, on: boolean): void {
    const i = this.find(side, id);
    if (i < 0) return;
    const flags = this.flags[i] ?? 0;
    if (((flags & SETTLED[side]) !== 0) === on) return;
    this.flags[i] = on ? flags | SETTLED[side] : flags & ~SETTLED[side];
    this.settledCount[side] += on ? 1 : -1;
  }

  isSettled(side: Side, id: string): boolean {
    const i = this.find(side, id);
    return i >= 0 && ((this.flags[i] ?? 0) & SETTLED[side]) !== 0;
  }

  settled(side: Side): number {
    return this.settledCount[side];
  }

  /** The links whose record on `side` is settled. */
  *settledLinks(side: Side): IterableIterator<Link> {
    for (let i = 0; i < this.flags.length; i += 1) if (((this.flags[i] ?? 0) & SETTLED[side]) !== 0) yield this.link(i);
  }
}

/** Code-unit order (a store's own order may differ: the index sorts for itself). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

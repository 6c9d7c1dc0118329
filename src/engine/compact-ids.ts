// Record ids kept by the hundred thousand for the length of a run (a migration's write log and the
// copies it has still to make), in 17 bytes each instead of a string and a slot of a JS array
// (issue 12 item 5). Whatever a run keeps alive in the JS heap, V8 lets the heap grow to about four
// times that before it collects, so a per-case string here costs several times its size in peak
// RSS; these columns live in ArrayBuffers, outside the collected heap.
//
// A Plannr uuid (canonical: lowercase 8-4-4-4-12 hex) is packed as four 32-bit words, an
// ONLYOFFICE id (a decimal integer without leading zeros) as two; any other id stays a string in a
// side table. An id always reads back as the very string given. (The link index keeps its strings:
// packing them too made every lookup of a 100,000-link no-op sync build its link's strings again,
// 18 s → 74 s, for 5 MB less peak RSS.)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INTEGER = /^(?:0|[1-9]\d{0,14})$/;
const KIND = { none: 0, uuid: 1, integer: 2, other: 3 } as const;
const WORDS = 4;
const TWO_32 = 2 ** 32;

/** A kind and four words: the packed form of one id (also the key a search compares). */
interface Packed {
  kind: number;
  words: Uint32Array;
}

/**
 * Packs `id` into `out` without allocating: it runs for every write a migration logs and every
 * record its second read looks up, so it must make no garbage (the regexes only test; the hex
 * digits are read by char code).
 */
function pack(id: string | null, out: Packed): Packed {
  out.words.fill(0);
  if (id === null) {
    out.kind = KIND.none;
  } else if (UUID.test(id)) {
    readHex(id, out);
    out.kind = KIND.uuid;
  } else if (INTEGER.test(id)) {
    const value = Number(id);
    out.words[0] = Math.floor(value / TWO_32);
    out.words[1] = value % TWO_32;
    out.kind = KIND.integer;
  } else {
    out.kind = KIND.other;
  }
  return out;
}

/** The 32 hex digits of a uuid (its dashes skipped) into four words, eight digits each. */
function readHex(text: string, out: Packed): void {
  let digit = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 45) continue; // "-"
    const value = c <= 57 ? c - 48 : c - 87; // "0"-"9", "a"-"f" (the caller's regex allows nothing else)
    const w = digit >>> 3;
    out.words[w] = (out.words[w] ?? 0) * 16 + value;
    digit += 1;
  }
}

/** A column twice as long, its entries copied: how every append-only column here grows. */
export function doubled<A extends Uint8Array | Uint32Array>(column: A): A {
  const bigger = new (column.constructor as new (length: number) => A)(column.length * 2);
  bigger.set(column);
  return bigger;
}

function hex8(word: number): string {
  return word.toString(16).padStart(8, "0");
}

/** An append-only column of ids (null allowed). */
export class IdColumn {
  private kinds = new Uint8Array(16);
  private words = new Uint32Array(16 * WORDS);
  /** Ids that pack into neither form, by position (rare: an id from another kind of system). */
  private readonly others = new Map<number, string>();
  private count = 0;
  private readonly scratch: Packed = { kind: 0, words: new Uint32Array(WORDS) };
  private readonly entryKey: Packed = { kind: 0, words: new Uint32Array(WORDS) };

  get length(): number {
    return this.count;
  }

  push(id: string | null): number {
    if (this.count === this.kinds.length) this.grow();
    const at = this.count;
    const p = pack(id, this.scratch);
    this.kinds[at] = p.kind;
    this.words.set(p.words, at * WORDS);
    if (p.kind === KIND.other && id !== null) this.others.set(at, id);
    this.count += 1;
    return at;
  }

  get(i: number): string | null {
    if (i < 0 || i >= this.count) throw new RangeError(`no id at ${i} of ${this.count}`);
    const w = i * WORDS;
    switch (this.kinds[i]) {
      case KIND.uuid: {
        const b = hex8(this.words[w + 1] ?? 0);
        const c = hex8(this.words[w + 2] ?? 0);
        return `${hex8(this.words[w] ?? 0)}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex8(this.words[w + 3] ?? 0)}`;
      }
      case KIND.integer:
        return String((this.words[w] ?? 0) * TWO_32 + (this.words[w + 1] ?? 0));
      case KIND.other:
        return this.others.get(i) ?? null;
      default:
        return null;
    }
  }

  /** -1, 0 or 1: entry `i` against the packed `key` (kinds first, then words; others by text). */
  compareAt(i: number, key: Packed, keyText: string | null): number {
    const kind = this.kinds[i] ?? 0;
    if (kind !== key.kind) return kind < key.kind ? -1 : 1;
    if (kind === KIND.other) {
      const text = this.others.get(i) ?? "";
      const other = keyText ?? "";
      return text < other ? -1 : text > other ? 1 : 0;
    }
    const w = i * WORDS;
    for (let k = 0; k < WORDS; k += 1) {
      const a = this.words[w + k] ?? 0;
      const b = key.words[k] ?? 0;
      if (a !== b) return a < b ? -1 : 1;
    }
    return 0;
  }

  /** -1, 0 or 1: entry `i` against entry `j`. */
  compareEntries(i: number, j: number): number {
    const key = this.entryKey;
    key.kind = this.kinds[j] ?? 0;
    for (let k = 0; k < WORDS; k += 1) key.words[k] = this.words[j * WORDS + k] ?? 0;
    return this.compareAt(i, key, this.others.get(j) ?? null);
  }

  private grow(): void {
    this.kinds = doubled(this.kinds);
    this.words = doubled(this.words);
  }
}

/**
 * A set of ids, filled and then taken from (`delete` as each is handled), iterated for what is
 * left. Lookups are a binary search over the column, sorted (and an id added twice dropped) on the
 * first lookup after an add.
 */
export class IdSet implements Iterable<string> {
  private readonly column = new IdColumn();
  private order = new Uint32Array(0);
  private gone = new Uint8Array(0);
  private sorted = true;
  private live = 0;
  private readonly scratch: Packed = { kind: 0, words: new Uint32Array(WORDS) };

  constructor(ids: Iterable<string> = []) {
    for (const id of ids) this.add(id);
  }

  get size(): number {
    this.sort();
    return this.live;
  }

  add(id: string): this {
    this.column.push(id);
    this.sorted = false;
    return this;
  }

  has(id: string): boolean {
    return this.find(id) >= 0;
  }

  /** Takes `id` out; false when it was not in the set. */
  delete(id: string): boolean {
    const at = this.find(id);
    if (at < 0) return false;
    this.gone[at] = 1;
    this.live -= 1;
    return true;
  }

  *[Symbol.iterator](): Iterator<string> {
    this.sort();
    for (let i = 0; i < this.column.length; i += 1) {
      if (this.gone[i] === 1) continue;
      const id = this.column.get(i);
      if (id !== null) yield id;
    }
  }

  /** The position of a present `id`, or -1. */
  private find(id: string): number {
    this.sort();
    const key = pack(id, this.scratch);
    let low = 0;
    let high = this.order.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = this.order[mid] ?? 0;
      const c = this.column.compareAt(at, key, id);
      if (c < 0) low = mid + 1;
      else if (c > 0) high = mid - 1;
      else return this.gone[at] === 1 ? -1 : at;
    }
    return -1;
  }

  private sort(): void {
    if (this.sorted) return;
    const n = this.column.length;
    const gone = new Uint8Array(n);
    gone.set(this.gone.subarray(0, Math.min(this.gone.length, n)));
    // Equal ids sort by position, so the first one added is the one kept.
    const all = new Uint32Array(n).map((_, i) => i).sort((a, b) => this.column.compareEntries(a, b) || a - b);
    // One entry per id stays in the search order: a present one over one taken out before. The
    // others are gone for good.
    let kept = 0;
    for (let k = 0; k < n; k += 1) {
      const at = all[k] ?? 0;
      const previous = all[kept - 1] ?? 0;
      if (kept > 0 && this.column.compareEntries(at, previous) === 0) {
        if (gone[previous] === 1 && gone[at] === 0) all[kept - 1] = at;
        else gone[at] = 1;
        continue;
      }
      all[kept] = at;
      kept += 1;
    }
    this.order = all.slice(0, kept);
    this.gone = gone;
    this.live = gone.reduce((left, g) => left - g, n);
    this.sorted = true;
  }
}

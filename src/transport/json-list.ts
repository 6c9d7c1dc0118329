// A list page whose items are parsed one at a time, as they are consumed (issue 12, item 5).
// Parsing a whole page at once makes every item's objects at the same moment, and the page is then
// decoded item by item for tens of milliseconds: long enough for V8's young-generation collections
// to find them all alive twice and move them to the old generation, where they wait for a full
// collection. At 100,000 cases a no-op sync promoted about 500 MB of such page objects, and V8,
// which lets the old generation grow to about four times what is live, peaked near 240 MB of heap.
// Parsed one at a time, an item is garbage before the next collection comes.
//
// `splitJsonList` finds, in the body's bytes, the list at one member of the top-level object (or
// the top-level list itself) and the byte range of each item, without building anything. It walks
// the structure only: brackets, commas, and strings, which it skips with `indexOf`. It does not
// validate: each item is then parsed alone by JSON.parse, and the envelope around the list is
// parsed with `[]` in the list's place. JSON's grammar makes the whole body valid exactly when the
// envelope and every item are, given the `[item, item]` frame the split checks. A body it cannot
// split plainly (no such member, the member named twice or spelled with escapes, a frame that is
// not `[a, b]`, nesting past the depth cap) gets `null`, and the caller parses it whole, as before.
import type { Body } from "./body.js";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json-depth.js";
import { answerBody, jsonText } from "./json-text.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export interface ListSplit {
  /** Byte range of the list, brackets included. */
  listStart: number;
  listEnd: number;
  /** Item `i` is bytes `bounds[2i]` to `bounds[2i + 1]` (its value, without the commas). */
  bounds: Uint32Array;
  count: number;
}

const isSpace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

function skipSpace(bytes: Uint8Array, at: number): number {
  let i = at;
  while (isSpace(bytes[i])) i += 1;
  return i;
}

/** The index just past the string that opens at `at` (a quote), or -1 when it never closes. */
function stringEnd(bytes: Buffer, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * The index just past the value that starts at `at`, inside a container at level `depth` (the
 * top-level value is level 1, as MAX_JSON_DEPTH counts), or -1 when it ends unclosed or has a
 * container past level `cap`. Brackets are only counted: a `{` closed by `]` makes an
 * item JSON.parse refuses, which is where such a body fails.
 */
function valueEnd(bytes: Buffer, at: number, depth: number, cap: number): number {
  const first = bytes[at];
  if (first === QUOTE) return stringEnd(bytes, at);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // A number or a literal: up to the next delimiter.
    let i = at;
    for (;;) {
      const byte = bytes[i];
      if (byte === undefined || byte === COMMA || byte === CLOSE_BRACKET || byte === CLOSE_BRACE || isSpace(byte)) return i === at ? -1 : i;
      i += 1;
    }
  }
  let open = 0;
  let i = at;
  const length = bytes.length;
  while (i < length) {
    const byte = bytes[i]!;
    if (byte === QUOTE) {
      i = stringEnd(bytes, i);
      if (i < 0) return -1;
      continue;
    }
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      open += 1;
      if (depth + open > cap) return -1;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      open -= 1;
      if (open === 0) return i + 1;
    }
    i += 1;
  }
  return -1;
}

/** The items of the list that opens at `at` (level `depth`), or null when its frame is not `[a, b, …]`. */
function splitItems(bytes: Buffer, at: number, depth: number, cap: number): ListSplit | null {
  let bounds = new Uint32Array(2048);
  let count = 0;
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_BRACKET) return { listStart: at, listEnd: i + 1, bounds, count };
  for (;;) {
    const end = valueEnd(bytes, i, depth, cap);
    if (end < 0) return null;
    if (2 * count + 2 > bounds.length) {
      const grown = new Uint32Array(bounds.length * 2);
      grown.set(bounds);
      bounds = grown;
    }
    bounds[2 * count] = i;
    bounds[2 * count + 1] = end;
    count += 1;
    i = skipSpace(bytes, end);
    if (bytes[i] === CLOSE_BRACKET) return { listStart: at, listEnd: i + 1, bounds, count };
    if (bytes[i] !== COMMA) return null;
    i = skipSpace(bytes, i + 1);
  }
}

/**
 * Where the list at member `key` of the top-level object is (`key` null: the body is the list),
 * and its items. Null when the body is not shaped so plainly (see the top of this file).
 */
export function splitJsonList(bytes: Buffer, key: string | null, cap: number): ListSplit | null {
  let i = skipSpace(bytes, bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
  if (bytes[i] === OPEN_BRACKET) return splitItems(bytes, i, 1, cap);
  if (key === null || bytes[i] !== OPEN_BRACE) return null;
  const wanted = Buffer.from(`"${key}"`);
  let found: ListSplit | null = null;
  i = skipSpace(bytes, i + 1);
  if (bytes[i] === CLOSE_BRACE) return null;
  for (;;) {
    if (bytes[i] !== QUOTE) return null;
    const nameEnd = stringEnd(bytes, i);
    if (nameEnd < 0) return null;
    const name = bytes.subarray(i, nameEnd);
    // A name spelled with escapes might be the key: only a plain spelling is trusted.
    if (name.includes(BACKSLASH)) return null;
    i = skipSpace(bytes, nameEnd);
    if (bytes[i] !== COLON) return null;
    i = skipSpace(bytes, i + 1);
    if (name.equals(wanted)) {
      // Named twice: JSON.parse keeps the last; the whole parse decides.
      if (found !== null || bytes[i] !== OPEN_BRACKET) return null;
      found = splitItems(bytes, i, 2, cap);
      if (found === null) return null;
      i = found.listEnd;
    } else {
      const end = valueEnd(bytes, i, 1, cap);
      if (end < 0) return null;
      i = end;
    }
    i = skipSpace(bytes, i);
    if (bytes[i] === CLOSE_BRACE) return found;
    if (bytes[i] !== COMMA) return null;
    i = skipSpace(bytes, i + 1);
  }
}

/** The envelope without its list: the body with `[]` in the list's place. */
export function envelopeBytes(bytes: Buffer, split: ListSplit): Buffer {
  return Buffer.concat([bytes.subarray(0, split.listStart), Buffer.from("[]"), bytes.subarray(split.listEnd)]);
}

/** The items of a list page, read by index; `release` once they are consumed. */
export interface ListItems {
  readonly length: number;
  /** Item `index`; throws ListItemNotJson when it is not JSON (so neither was the page). */
  item(index: number): unknown;
  release(): void;
}

/** An item of a lazily read page that JSON.parse refuses: the page was not JSON. */
export class ListItemNotJson extends Error {
  constructor(readonly index: number) {
    super(`list item ${index} is not JSON`);
  }
}

/** A page parsed whole (the fallback, or a body that came parsed): its items as they are. */
export function listOfValues(values: readonly unknown[]): ListItems {
  return { length: values.length, item: (index) => values[index], release: () => undefined };
}

/**
 * Every item of `list` in order, then the list released (also when the reader stops early or
 * throws). An item that is not JSON throws what `notJson` makes of its index (the adapter's
 * schema error naming `response[i]` or `data[i]`).
 */
export function* listItems(list: ListItems, notJson: (index: number) => Error): Generator<{ index: number; value: unknown }> {
  try {
    for (let index = 0; index < list.length; index += 1) {
      let value: unknown;
      try {
        value = list.item(index);
      } catch (error) {
        throw error instanceof ListItemNotJson ? notJson(error.index) : error;
      }
      yield { index, value };
    }
  } finally {
    list.release();
  }
}

/**
 * A page's items handed to a reader, each produced once, in order, as the reader reaches it. The
 * lister calls `finish` before it goes on to the next page: items not reached yet are produced
 * then and kept for a later iteration, so what the lister learns from reading every item (ids
 * seen, whether a page brought anything new) holds even for a reader that collects the pages first.
 */
export class ReadOnce<T> implements Iterable<T> {
  private readonly kept: T[] = [];
  private taken = 0;

  constructor(private readonly source: Iterator<T>) {}

  *[Symbol.iterator](): Iterator<T> {
    while (this.taken < this.kept.length) yield this.kept[this.taken++]!;
    for (let next = this.source.next(); next.done !== true; next = this.source.next()) yield next.value;
  }

  finish(): void {
    for (let next = this.source.next(); next.done !== true; next = this.source.next()) this.kept.push(next.value);
  }
}

/**
 * The items of a list page, each parsed when it is asked for. The page's bytes are held until
 * `release` (they are a kept buffer of body.ts): consume the page, then release it.
 */
export class LazyList implements ListItems {
  private bytes: Buffer | null;

  constructor(
    bytes: Buffer,
    private readonly split: ListSplit,
    private readonly onRelease: () => void,
  ) {
    this.bytes = bytes;
  }

  get length(): number {
    return this.split.count;
  }

  /** Item `index`, parsed now. */
  item(index: number): unknown {
    if (this.bytes === null) throw new Error("list page read after its release");
    if (index < 0 || index >= this.split.count) throw new RangeError(`item ${index} of a list of ${this.split.count}`);
    const start = this.split.bounds[2 * index]!;
    const end = this.split.bounds[2 * index + 1]!;
    try {
      return JSON.parse(jsonText(this.bytes.subarray(start, end))) as unknown;
    } catch {
      throw new ListItemNotJson(index);
    }
  }

  /** Gives the page's bytes back; items can no longer be read. */
  release(): void {
    if (this.bytes === null) return;
    this.bytes = null;
    this.onRelease();
  }
}

/**
 * A list page read lazily: the envelope parsed with `[]` in its list's place, and the list. Null
 * when the body does not split plainly or its envelope is not JSON within the depth cap: the caller
 * parses it whole, and that parse gives the answer (or the failure) it always gave. On success the
 * list owns `body` and releases it; otherwise `body` is untouched.
 */
export function lazyListPage(body: Body, key: string | null): { envelope: unknown; list: LazyList } | null {
  const split = splitJsonList(body.bytes, key, MAX_JSON_DEPTH);
  if (split === null) return null;
  const envelope = answerBody(envelopeBytes(body.bytes, split));
  if (envelope === null || typeof envelope !== "object" || nestsDeeperThan(envelope, MAX_JSON_DEPTH)) return null;
  return { envelope, list: new LazyList(body.bytes, split, () => body.release()) };
}

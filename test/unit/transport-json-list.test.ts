// Issue 12 item 5: list pages are split in their bytes and their items parsed one at a time
// (json-list.ts). The promise pinned here: reading a page lazily gives exactly what parsing it
// whole gives (the same envelope and items, or a failure where the whole parse fails), and a body
// that does not split plainly is left to the whole parse.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { envelopeBytes, LazyList, ListItemNotJson, listItems, ReadOnce, splitJsonList } from "../../src/transport/json-list.js";

/** The page read lazily: envelope and items, "fails" when an item or the envelope is not JSON, "whole" when it does not split. */
function readLazily(body: Buffer, key: string | null, cap = 64): { envelope: unknown; items: unknown[] } | "fails" | "whole" {
  const split = splitJsonList(body, key, cap);
  if (split === null) return "whole";
  try {
    const envelope = JSON.parse(envelopeBytes(body, split).toString("utf8")) as unknown;
    const list = new LazyList(body, split, () => undefined);
    return { envelope, items: Array.from({ length: list.length }, (_, i) => list.item(i)) };
  } catch {
    return "fails";
  }
}

/** The same page parsed whole, as the lazy read must see it: the envelope with `[]` for the list. */
function readWhole(body: Buffer, key: string | null): { envelope: unknown; items: unknown } | "fails" {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return "fails";
  }
  if (Array.isArray(value)) return { envelope: [], items: value };
  if (key === null || value === null || typeof value !== "object") return { envelope: value, items: undefined };
  const { [key]: items, ...rest } = value as Record<string, unknown>;
  return { envelope: { ...rest, [key]: [] }, items };
}

const page = (items: unknown[], extra: Record<string, unknown> = {}) => Buffer.from(JSON.stringify({ status: 0, ...extra, response: items, count: items.length }));

describe("splitJsonList", () => {
  it("finds each item of the list at the key, and the envelope around it", () => {
    const body = page([{ id: 1, title: 'a "quoted" title, with [brackets] and {braces}' }, { id: 2, tags: [[], {}] }, 3, "x", null]);
    const read = readLazily(body, "response");
    expect(read).toStrictEqual({ envelope: { status: 0, response: [], count: 5 }, items: JSON.parse(body.toString()).response });
  });

  it("splits a body that is the list itself, and an empty list, and keeps whitespace out of items", () => {
    expect(readLazily(Buffer.from(' [ {"a":1} ,\n\t{"b":"]"} ] '), "data")).toStrictEqual({ envelope: [], items: [{ a: 1 }, { b: "]" }] });
    expect(readLazily(Buffer.from('{"data":[],"meta":{"total":0}}'), "data")).toStrictEqual({ envelope: { data: [], meta: { total: 0 } }, items: [] });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"data":[1]}')]);
    expect(splitJsonList(bom, "data", 64)?.count).toBe(1);
  });

  it("leaves to the whole parse what it cannot split plainly", () => {
    const whole = (text: string, key: string | null = "data") => splitJsonList(Buffer.from(text), key, 64);
    expect(whole('{"data":[1],"data":[2]}')).toBeNull(); // named twice: JSON.parse keeps the last
    expect(whole('{"data":[2],"d\\u0061ta":[1]}')).toBeNull(); // the key again, spelled with an escape: JSON.parse keeps [1]
    expect(whole('{"data":{"a":1}}')).toBeNull(); // not a list
    expect(whole('{"meta":{}}')).toBeNull(); // no list at all
    expect(whole('{"data":[1,]}')).toBeNull();
    expect(whole('{"data":[1 2]}')).toBeNull();
    expect(whole('{"data":[1,2')).toBeNull();
    expect(whole('{"data":["a]}')).toBeNull();
    expect(whole('"text"')).toBeNull();
    expect(whole("")).toBeNull();
    expect(whole('{"data":[1]}', null)).toBeNull();
  });

  it("refuses to split past the depth cap, counting levels as MAX_JSON_DEPTH does", () => {
    const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
    // Envelope level 1, list level 2, each item's own container level 3.
    expect(splitJsonList(Buffer.from(`{"data":[${nested(2)}]}`), "data", 4)?.count).toBe(1);
    expect(splitJsonList(Buffer.from(`{"data":[${nested(3)}]}`), "data", 4)).toBeNull();
    expect(splitJsonList(Buffer.from(`{"meta":${nested(3)},"data":[]}`), "data", 4)?.count).toBe(0);
    expect(splitJsonList(Buffer.from(`{"meta":${nested(4)},"data":[]}`), "data", 4)).toBeNull();
    // A body that is the list: the list is level 1, its items' containers level 2.
    expect(splitJsonList(Buffer.from(`[${nested(3)}]`), "data", 4)?.count).toBe(1);
    expect(splitJsonList(Buffer.from(`[${nested(4)}]`), "data", 4)).toBeNull();
  });

  it("reads any page exactly as the whole parse does, strings of any Unicode and escapes included", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ stringUnit: "binary", maxDepth: 4 }), { maxLength: 8 }), fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.jsonValue({ stringUnit: "binary", maxDepth: 2 }), { maxKeys: 3 }), (items, extra) => {
        const body = page(items, Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "response")));
        const read = readLazily(body, "response");
        expect(read).toStrictEqual(readWhole(body, "response"));
      }),
      { numRuns: 300 },
    );
  });

  it("gives a failure exactly where the whole parse fails, for pages with bytes changed at random", () => {
    const structural = [0x22, 0x5c, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x20, 0x31, 0x61, 0xc3];
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...structural), fc.constantFrom("set", "insert", "delete")), { minLength: 1, maxLength: 3 }),
        (items, edits) => {
          const bytes = [...page(items)];
          for (const [at, byte, how] of edits) {
            const i = at % (bytes.length + 1);
            if (how === "set" && i < bytes.length) bytes[i] = byte;
            else if (how === "insert") bytes.splice(i, 0, byte);
            else if (how === "delete") bytes.splice(i, 1);
          }
          const body = Buffer.from(bytes);
          const lazy = readLazily(body, "response");
          const whole = readWhole(body, "response");
          // A body that does not split is parsed whole by the transport: nothing to compare.
          if (lazy === "whole") return;
          if (lazy === "fails") expect(whole).toBe("fails");
          else expect(lazy).toStrictEqual(whole);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("LazyList", () => {
  it("parses an item when asked, names the item that is not JSON, and refuses reads after release", () => {
    const body = Buffer.from('{"data":[{"a":1},{"b":tru},{"c":"é"}]}');
    const split = splitJsonList(body, "data", 64)!;
    let released = 0;
    const list = new LazyList(body, split, () => (released += 1));
    expect(list.length).toBe(3);
    expect(list.item(2)).toStrictEqual({ c: "é" });
    expect(() => list.item(1)).toThrow(new ListItemNotJson(1));
    list.release();
    list.release();
    expect(released).toBe(1);
    expect(() => list.item(0)).toThrow(/after its release/);
  });

  it("listItems releases the page when the reader stops early", () => {
    const body = Buffer.from("[1,2,3]");
    let released = 0;
    const list = new LazyList(body, splitJsonList(body, null, 64)!, () => (released += 1));
    for (const { value } of listItems(list, (index) => new Error(`item ${index}`))) if (value === 1) break;
    expect(released).toBe(1);
  });

  it("listItems throws the reader's own error for an item that is not JSON, and releases the page", () => {
    const body = Buffer.from("[1,tru,3]");
    let released = 0;
    const list = new LazyList(body, splitJsonList(body, null, 64)!, () => (released += 1));
    const read: unknown[] = [];
    expect(() => {
      for (const { value } of listItems(list, (index) => new RangeError(`data[${index}] is not JSON`))) read.push(value);
    }).toThrow(new RangeError("data[1] is not JSON"));
    expect(read).toStrictEqual([1]);
    expect(released).toBe(1);
  });
});

describe("ReadOnce", () => {
  function* counted(n: number, log: number[]): Generator<number> {
    for (let i = 0; i < n; i += 1) {
      log.push(i);
      yield i;
    }
  }

  it("produces each item once: a reader that collected pages first still gets every item", () => {
    const log: number[] = [];
    const items = new ReadOnce(counted(3, log));
    items.finish();
    expect(log).toStrictEqual([0, 1, 2]);
    expect([...items]).toStrictEqual([0, 1, 2]);
  });

  it("a reader that stopped part way gets the rest kept by finish, and a full reader leaves nothing", () => {
    const log: number[] = [];
    const items = new ReadOnce(counted(4, log));
    for (const item of items) if (item === 1) break;
    items.finish();
    expect(log).toStrictEqual([0, 1, 2, 3]);
    expect([...items]).toStrictEqual([2, 3]);
    const full = new ReadOnce(counted(2, []));
    expect([...full]).toStrictEqual([0, 1]);
    full.finish();
    expect([...full]).toStrictEqual([]);
  });
});

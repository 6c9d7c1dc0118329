// Issue 11: answer bodies are JSON.parse'd from a one-byte (ASCII) string. Each test here pins one
// promise of json-text.ts: the same value as `JSON.parse(body.toString("utf8"))`, or a failure where
// that fails; U+FFFD exactly where Node's decoder puts it; and the body as axios gave it before.
import http from "node:http";
import type { AddressInfo } from "node:net";
import axios from "axios";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Readable } from "node:stream";
import { readBody } from "../../src/transport/body.js";
import { answerBody, escapedJsonText, jsonText } from "../../src/transport/json-text.js";

const bytes = (...values: (number | string)[]): Buffer =>
  Buffer.concat(values.map((value) => (typeof value === "string" ? Buffer.from(value, "latin1") : Buffer.from([value]))));

/** JSON.parse's verdict on a text: the value, or the fact that it threw. */
function verdict(text: string): { value: unknown } | "throws" {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return "throws";
  }
}

/** Undo `\uXXXX` escapes (for bodies without a backslash of their own). */
const unescape = (text: string): string => text.replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

describe("jsonText", () => {
  it("an ASCII body is its text, unchanged", () => {
    const body = Buffer.from('{"id":1,"title":"Protection review","tags":["a\\u00e9"]}');
    expect(jsonText(body)).toBe(body.toString("utf8"));
    expect(escapedJsonText(body)).toBe(body.toString("utf8"));
    expect(jsonText(Buffer.alloc(0))).toBe("");
  });

  it("writes 2-, 3- and 4-byte sequences as \\u escapes, surrogate pairs above U+FFFF", () => {
    expect(escapedJsonText(Buffer.from('"é"'))).toBe('"\\u00e9"');
    expect(escapedJsonText(Buffer.from('"\u0080\u07ff"'))).toBe('"\\u0080\\u07ff"');
    expect(escapedJsonText(Buffer.from('"–日\uffff"'))).toBe('"\\u2013\\u65e5\\uffff"');
    expect(escapedJsonText(Buffer.from('"😀"'))).toBe('"\\ud83d\\ude00"');
    expect(escapedJsonText(Buffer.from('"\u{10000}\u{10ffff}"'))).toBe('"\\ud800\\udc00\\udbff\\udfff"');
    const body = Buffer.from('{"title":"Protection review – Zoë Brontë 😀","note":"日本語\u2028ok"}');
    expect(JSON.parse(jsonText(body))).toStrictEqual(JSON.parse(body.toString("utf8")));
    // ASCII only, so V8 can keep it one byte per character.
    expect(Buffer.from(jsonText(body), "latin1").every((byte) => byte < 0x80)).toBe(true);
  });

  it("puts U+FFFD for every ill-formed subpart exactly where toString('utf8') does", () => {
    const cases: [Buffer, string][] = [
      [bytes(0x80), "\ufffd"], // lone continuation byte
      [bytes(0xbf, 0x80), "\ufffd\ufffd"],
      [bytes(0xc0, 0x80), "\ufffd\ufffd"], // overlong lead bytes are never valid
      [bytes(0xc1, 0xbf), "\ufffd\ufffd"],
      [bytes(0xe0, 0x80, 0x80), "\ufffd\ufffd\ufffd"], // overlong 3-byte form
      [bytes(0xe0, 0x9f, 0xbf), "\ufffd\ufffd\ufffd"],
      [bytes(0xed, 0xa0, 0x80), "\ufffd\ufffd\ufffd"], // encoded surrogate
      [bytes(0xed, 0xbf, 0xbf), "\ufffd\ufffd\ufffd"],
      [bytes(0xf0, 0x80, 0x80, 0x80), "\ufffd\ufffd\ufffd\ufffd"], // overlong 4-byte form
      [bytes(0xf0, 0x8f, 0xbf, 0xbf), "\ufffd\ufffd\ufffd\ufffd"],
      [bytes(0xf4, 0x90, 0x80, 0x80), "\ufffd\ufffd\ufffd\ufffd"], // above U+10FFFF
      [bytes(0xf5, 0x80), "\ufffd\ufffd"],
      [bytes(0xff, 0xfe), "\ufffd\ufffd"],
      [bytes(0xc3), "\ufffd"], // truncated at the end: one U+FFFD for the maximal subpart
      [bytes(0xe2, 0x82), "\ufffd"],
      [bytes(0xf0, 0x9f, 0x98), "\ufffd"],
      [bytes(0xc3, "a"), "\ufffda"], // cut short by ASCII, which is read afresh
      [bytes(0xe2, 0x82, "a"), "\ufffda"],
      [bytes(0xf0, 0x9f, 0x98, "a"), "\ufffda"],
      [bytes(0xc3, 0xc3, 0xa9), "\ufffdé"], // cut short by a lead byte, which starts a sequence
      [bytes(0xe2, 0xf0, 0x9f, 0x98, 0x80), "\ufffd😀"],
      [bytes(0xe0, 0xa0, 0x80, 0xed, 0x9f, 0xbf, 0xf4, 0x8f, 0xbf, 0xbf), "\u0800\ud7ff\u{10ffff}"], // the range edges, valid
    ];
    for (const [inner, expected] of cases) {
      expect(inner.toString("utf8")).toBe(expected);
      const body = Buffer.concat([bytes('"'), inner, bytes('"')]);
      expect(JSON.parse(jsonText(body))).toBe(expected);
    }
  });

  it("falls back to the UTF-8 text after an odd run of backslashes, so JSON.parse still fails", () => {
    for (const body of [bytes('"\\', 0xc3, 0xa9, '"'), bytes('"\\\\\\', 0xc3, 0xa9, '"'), bytes('"\\', 0x80, '"'), bytes("[\\", 0xe2, 0x82, 0xac, "]")]) {
      expect(escapedJsonText(body)).toBeUndefined();
      expect(jsonText(body)).toBe(body.toString("utf8"));
      expect(() => JSON.parse(body.toString("utf8"))).toThrow(SyntaxError);
      expect(() => JSON.parse(jsonText(body))).toThrow(SyntaxError);
    }
    // An even run is an escaped backslash followed by the character itself.
    const even = bytes('"\\\\', 0xc3, 0xa9, '"');
    expect(escapedJsonText(even)).toBe('"\\\\\\u00e9"');
    expect(JSON.parse(jsonText(even))).toBe("\\é");
  });

  it("a non-ASCII byte outside a string, or inside a half-written escape, is refused as before", () => {
    for (const text of ["é", "[1]é", '{é:1}', "1é", "tru\u00e9", "[1,\u00a0 2]", "\ufeff{}", '"\\ué"', '"\\u00é"', '"\\u12\u00e9"']) {
      expect(verdict(text)).toBe("throws");
      expect(verdict(jsonText(Buffer.from(text)))).toBe("throws");
    }
  });

  it("parses to exactly what the UTF-8 text parses to, for any JSON value with any Unicode strings", () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: "binary", maxDepth: 4 }), fc.boolean(), (value, indent) => {
        const body = Buffer.from(JSON.stringify(value, null, indent ? 2 : undefined));
        expect(JSON.parse(jsonText(body))).toStrictEqual(JSON.parse(body.toString("utf8")));
      }),
      { numRuns: 500 },
    );
  });

  // Bytes weighted toward UTF-8's edges: ASCII, continuation bytes, every kind of lead byte.
  const utf8ish = fc.oneof(
    fc.integer({ min: 0x20, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0xbf }),
    fc.integer({ min: 0xc0, max: 0xdf }),
    fc.integer({ min: 0xe0, max: 0xef }),
    fc.integer({ min: 0xf0, max: 0xff }),
    fc.constantFrom(0x9f, 0xa0, 0x8f, 0x90, 0xe0, 0xed, 0xf0, 0xf4),
  );

  it("decodes random bytes to the very string toString('utf8') gives", () => {
    fc.assert(
      fc.property(fc.array(utf8ish, { maxLength: 40 }), fc.nat(3), (values, offset) => {
        // No backslash of its own, so every one in the output starts an escape of ours; and a
        // start at 0-3 bytes into a larger buffer exercises every alignment of the word scan.
        const inner = Buffer.from(values.map((value) => (value === 0x5c ? 0x41 : value)));
        const body = Buffer.concat([Buffer.alloc(offset), inner]).subarray(offset);
        expect(unescape(escapedJsonText(body)!)).toBe(body.toString("utf8"));
        // Inside a JSON string (no quote, no control byte), JSON.parse reads the same string.
        const quoted = Buffer.concat([bytes('"'), Buffer.from(inner.map((value) => (value === 0x22 || value < 0x20 ? 0x41 : value))), bytes('"')]);
        expect(JSON.parse(jsonText(quoted))).toBe(quoted.subarray(1, -1).toString("utf8"));
      }),
      { numRuns: 2000 },
    );
  });

  it("JSON.parse gives the same verdict on random JSON-ish bytes, backslashes and quotes included", () => {
    const token = fc.oneof(
      utf8ish,
      fc.constantFrom(...Buffer.from('"\\\\\\"\\u00e9[]{}:,0123456789abcdefnrtu -.eE')),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (values) => {
        const body = Buffer.from(values);
        for (const wrapped of [body, Buffer.concat([bytes('"'), body, bytes('"')]), Buffer.concat([bytes('["'), body, bytes('"]')])]) {
          expect(verdict(jsonText(wrapped))).toStrictEqual(verdict(wrapped.toString("utf8")));
        }
      }),
      { numRuns: 3000 },
    );
  });

  // Issue 12 item 5: Node makes a latin1 string above about 1 MB external (its bytes malloc'd until
  // a full collection), so a scan left one 2 MB copy per page outside the JS heap.
  it("the text of a 3 MB page lives in the JS heap, not in external memory, escaped or not", () => {
    const ascii = Buffer.from(JSON.stringify({ response: Array.from({ length: 3000 }, (_, id) => ({ id, title: "x".repeat(1000) })) }));
    const accented = Buffer.from(JSON.stringify({ response: Array.from({ length: 3000 }, (_, id) => ({ id, title: `é${"x".repeat(999)}` })) }));
    for (const body of [ascii, accented]) {
      jsonText(body); // the escaping's output buffer is made once and kept: it is not what is measured
      const before = process.memoryUsage().external;
      const text = jsonText(body);
      const grown = process.memoryUsage().external - before;
      expect(text.length).toBeGreaterThan(3_000_000);
      expect(grown).toBeLessThan(1_000_000);
    }
  });

  it("finds non-ASCII bytes anywhere in a long body, whatever its alignment", () => {
    const ascii = Buffer.from('"'.concat("x".repeat(200), '"'));
    for (let offset = 0; offset < 4; offset += 1) {
      for (let at = 1; at < 199; at += 7) {
        const padded = Buffer.concat([Buffer.alloc(offset), ascii]);
        padded[offset + at] = 0xc3;
        padded[offset + at + 1] = 0xa9;
        const body = padded.subarray(offset);
        expect(JSON.parse(jsonText(body))).toBe(body.toString("utf8").slice(1, -1));
      }
    }
  });
});

describe("answerBody", () => {
  it("keeps axios's silent JSON parsing: JSON becomes its value, anything else its UTF-8 text", () => {
    expect(answerBody(Buffer.alloc(0))).toBe("");
    expect(answerBody(bytes(0xef, 0xbb, 0xbf))).toBe("");
    expect(answerBody(Buffer.from('\ufeff{"a":"é"}'))).toStrictEqual({ a: "é" });
    expect(answerBody(Buffer.from('{"status":0,"response":[{"title":"Zoë"}]}'))).toStrictEqual({ status: 0, response: [{ title: "Zoë" }] });
    expect(answerBody(Buffer.from("null"))).toBeNull();
    expect(answerBody(Buffer.from(" 12 "))).toBe(12);
    expect(answerBody(Buffer.from("  "))).toBe("  ");
    expect(answerBody(Buffer.from("Unauthorized"))).toBe("Unauthorized");
    expect(answerBody(Buffer.from("<html><title>Erreur – accès refusé</title></html>"))).toBe("<html><title>Erreur – accès refusé</title></html>");
    expect(answerBody(bytes('"\\', 0xc3, 0xa9, '"'))).toBe('"\\é"');
    expect(answerBody(bytes("bad ", 0xc3, " byte"))).toBe("bad \ufffd byte");
  });

  // The behaviour it replaces, asked of axios itself over a real socket: the old client's config.
  describe("gives what axios's default JSON handling gave", () => {
    let server: http.Server;
    let baseURL = "";
    const answers = new Map<string, { status: number; body: Buffer }>();
    beforeAll(async () => {
      server = http.createServer((request, response) => {
        const answer = answers.get(request.url ?? "") ?? { status: 404, body: Buffer.alloc(0) };
        response.writeHead(answer.status, { "Content-Type": "text/plain" });
        response.end(answer.body);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const before = () =>
      axios.create({ baseURL, validateStatus: () => true, proxy: false, transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: true } });
    // As the client reads now: the byte stream into a kept buffer (body.ts), then answerBody.
    const after = () => axios.create({ baseURL, validateStatus: () => true, proxy: false, responseType: "stream", maxContentLength: -1 });

    async function compare(name: string, status: number, body: Buffer): Promise<void> {
      answers.set(`/${name}`, { status, body });
      const old = await before().get(`/${name}`);
      const raw = await after().get<Readable>(`/${name}`);
      const read = await readBody(raw.data, 1024 * 1024);
      try {
        expect(answerBody(read.bytes)).toStrictEqual(old.data);
      } finally {
        read.release();
      }
    }

    it("on fixed answers: empty, 204, BOM, plain text, HTML, JSON, the backslash trap", async () => {
      await compare("empty", 200, Buffer.alloc(0));
      await compare("no-content", 204, Buffer.alloc(0));
      await compare("bom-only", 200, bytes(0xef, 0xbb, 0xbf));
      await compare("bom-json", 200, Buffer.from('\ufeff{"a":"é"}'));
      await compare("unauthorized", 401, Buffer.from("Unauthorized"));
      await compare("html", 502, Buffer.from("<html><body>Passerelle défaillante</body></html>"));
      await compare("json", 200, Buffer.from('{"status":0,"response":[{"title":"Zoë 😀"}]}'));
      await compare("number", 200, Buffer.from("42"));
      await compare("spaces", 200, Buffer.from("   "));
      await compare("trap", 200, bytes('"\\', 0xc3, 0xa9, '"'));
      await compare("invalid", 200, bytes('{"a":"', 0xed, 0xa0, 0x80, '"}'));
    });

    it("on random JSON values and random bytes", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.jsonValue({ stringUnit: "binary", maxDepth: 3 }).map((value) => Buffer.from(JSON.stringify(value))),
            fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 30 }).map((values) => Buffer.from(values)),
          ),
          async (body) => compare("random", 200, body),
        ),
        { numRuns: 100 },
      );
    });
  });
});

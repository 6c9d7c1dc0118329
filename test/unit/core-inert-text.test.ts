// Text from the CRMs is made inert before a person or a file sees it (issue 9 item 4): no escape
// sequence, no line break that could start a forged log line, no bidi override; ordinary text,
// accents and emoji untouched.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inertJson, inertLines, inertStack, inertText } from "../../src/core/inert-text.js";

/** Anything a terminal or a line-oriented log reader would act on. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe("inertText", () => {
  it("shows ESC and the CSI / OSC sequences it starts as text", () => {
    expect(inertText("\u001b[31mred\u001b[0m")).toBe("\\u001b[31mred\\u001b[0m");
    expect(inertText("\u001b]0;owned\u0007title")).toBe("\\u001b]0;owned\\u0007title");
    expect(inertText("\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\")).not.toMatch(ACTIVE);
  });

  it("collapses CR, LF, CRLF, tabs and the spaces around them to one space", () => {
    expect(inertText("a\r\nb")).toBe("a b");
    expect(inertText("a  \n\n  b")).toBe("a b");
    expect(inertText("a\rb\tc\vd\fe")).toBe("a b c d e");
    expect(inertText("a\u2028b\u2029c\u0085d")).toBe("a b c d");
  });

  it("cannot start a forged JSON log line or a forged check line", () => {
    const hostile = 'upstream said no\r\n{"level":50,"time":1,"msg":"x"}\nok   Plannr credentials: fine';
    const out = inertText(hostile);
    expect(out.split("\n")).toHaveLength(1);
    expect(out).toBe('upstream said no {"level":50,"time":1,"msg":"x"} ok   Plannr credentials: fine');
  });

  it("escapes C1 controls (0x9b is an 8-bit CSI) and DEL", () => {
    expect(inertText("a\u009b31mb")).toBe("a\\u009b31mb");
    expect(inertText("a\u0080\u009fb\u007f")).toBe("a\\u0080\\u009fb\\u007f");
    expect(inertText("nul\u0000bell\u0007bs\u0008")).toBe("nul\\u0000bell\\u0007bs\\u0008");
  });

  it("neutralises bidi embeddings, overrides and isolates", () => {
    expect(inertText("invoice\u202Efdp.exe")).toBe("invoice\\u202efdp.exe");
    for (const code of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      const out = inertText(`x${String.fromCharCode(code)}y`);
      expect(out).toBe(`x\\u${code.toString(16)}y`);
    }
  });

  it("leaves accented text, other scripts, emoji and ordinary punctuation alone", () => {
    for (const text of ["Zoë Brontë-Ćwikła", "Gerät für Straße", "王小明", "שלום עולם", "مرحبا", "👩‍👩‍👧 family 🇬🇧", 'quote "x" back\\slash {json} #hash', ""]) {
      expect(inertText(text)).toBe(text);
    }
  });

  it("turns a lone surrogate into U+FFFD and keeps pairs", () => {
    expect(inertText("a\ud800b")).toBe("a\ufffdb");
    expect(inertText("a\udc00b")).toBe("a\ufffdb");
    expect(inertText("😀")).toBe("😀");
  });

  it("caps the length without cutting an emoji in half", () => {
    expect(inertText("abcdef", 4)).toBe("abc…");
    expect(inertText("abcd", 4)).toBe("abcd");
    expect(inertText("😀😀😀😀😀", 3)).toBe("😀😀…");
    expect(inertText("x".repeat(10_000), 500)).toHaveLength(500);
  });

  it("is idempotent and leaves nothing active, whatever the input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const once = inertText(s);
        expect(once).not.toMatch(ACTIVE);
        expect(inertText(once)).toBe(once);
      }),
    );
  });

  it("is the identity on text with nothing to neutralise", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        fc.pre(!ACTIVE.test(s) && !/ {2}|\u0085/.test(s));
        expect(inertText(s)).toBe(s);
      }),
    );
  });
});

describe("inertJson", () => {
  it("escapes what JSON.stringify leaves raw, and the result parses to the same value", () => {
    const value = { title: "a\u001b[31m\r\n{\"level\":50}\u202e\u009b\u007f\u2028z", emoji: "😀 Zoë" };
    const json = inertJson(JSON.stringify(value));
    expect(json).not.toMatch(ACTIVE);
    expect(json).toContain("\\u202e");
    expect(json).toContain("\\u001b");
    expect(json).toContain("😀 Zoë");
    expect(JSON.parse(json)).toEqual(value);
  });

  it("keeps pretty-printed JSON's own line breaks", () => {
    const json = inertJson(JSON.stringify({ a: "\u202e" }, null, 2));
    expect(json).toBe('{\n  "a": "\\u202e"\n}');
  });
});

describe("inertLines", () => {
  it("keeps the line structure of a stack and makes each line inert", () => {
    expect(inertLines("Error: bad\u001b[2K\r\n    at x (file.js:1:1)\n    at y")).toBe("Error: bad\\u001b[2K\n    at x (file.js:1:1)\n    at y");
  });
});

describe("inertLines and inertStack", () => {
  it("indents every line after the first, so none stands at the margin", () => {
    expect(inertLines('problems:\n  a\n{"level":50}', "  ")).toBe('problems:\n    a\n  {"level":50}');
  });

  it("makes the message inside a stack one line and keeps the frames", () => {
    const message = 'bad\r\n{"level":50,"msg":"forged"}\u001b[2K';
    const stack = `Error: ${message}\n    at f (a.js:1:1)\n    at g (b.js:2:2)`;
    expect(inertStack(stack, message).split("\n")).toEqual(['Error: bad {"level":50,"msg":"forged"}\\u001b[2K', "    at f (a.js:1:1)", "    at g (b.js:2:2)"]);
  });
});

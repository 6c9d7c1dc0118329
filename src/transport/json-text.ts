// The text handed to JSON.parse for an answer body, built so that V8 keeps it a one-byte string
// (issue 11). `buffer.toString("utf8")` of a body with a single non-ASCII byte makes a two-byte
// string of the whole body: on 101 ONLYOFFICE list pages (111 MB, ~3 non-ASCII bytes per 1.1 KB
// case) that decode alone cost ≈ 850 ms of CPU, half of it in the kernel for the large allocations,
// against ≈ 500 ms for latin1 decode plus JSON.parse of an ASCII body.
//
// Why escaping is safe: in JSON a non-ASCII character may only appear inside a string (RFC 8259 §2
// allows no other place), and inside a string `\uXXXX` means that very character (§7). Outside a
// string both forms are refused: the raw byte is not a JSON token, and neither is a backslash; in
// a half-written `\u12` escape both are refused too (neither is a hex digit). The one place where
// escaping would change the verdict is a non-ASCII byte right after an odd run of backslashes:
// `"\é"` is invalid, while `"\\u00e9"` is a valid string. There, we give up and return the plain
// UTF-8 decode so JSON.parse fails exactly as it did before.
//
// The ASCII text is decoded with the UTF-8 decoder, not latin1 (issue 12, item 5): over ASCII bytes
// it gives the same one-byte string, but Node makes a latin1 string of more than about 1 MB an
// external string, whose bytes sit in malloc'd memory until a full collection finds the string.
// A scan left one such 2 MB copy per ONLYOFFICE page behind (25 MB at the peak of 10,000 cases);
// a UTF-8-decoded string lives in the JS heap, where the collector sees it.
//
// Malformed UTF-8 becomes `\ufffd` exactly where `toString("utf8")` puts U+FFFD: V8's decoder
// follows the WHATWG Encoding Standard (§4.1.1 "UTF-8 decoder"), one U+FFFD per maximal subpart
// of an ill-formed sequence (Unicode §3.9, "U+FFFD Substitution of Maximal Subparts").
import { isAscii } from "node:buffer";
import { giveBuffer, takeBuffer } from "./buffer-pool.js";

const BACKSLASH = 0x5c;
const REPLACEMENT = 0xfffd;
/** ASCII codes of `0123456789abcdef`. */
const HEX = Uint8Array.from("0123456789abcdef", (digit) => digit.charCodeAt(0));

/**
 * A string that JSON.parse reads exactly as it reads `body.toString("utf8")` (the same value, or a
 * SyntaxError), but made of ASCII only whenever it can be, so V8 stores it one byte per character.
 */
export function jsonText(body: Buffer): string {
  if (isAscii(body)) return body.toString("utf8");
  return escapedJsonText(body) ?? body.toString("utf8");
}

/**
 * `body` with every UTF-8 sequence (and every ill-formed subpart, as U+FFFD) written as `\uXXXX`
 * escapes, surrogate pairs above U+FFFF; undefined when a non-ASCII byte follows an odd run of
 * backslashes (escaping there could turn invalid JSON into valid JSON). One pass: ASCII runs are
 * copied in bulk.
 */
export function escapedJsonText(body: Buffer): string | undefined {
  const length = body.length;
  const words = AsciiWords.of(body);
  // Room for the ASCII and a few escapes; grown when a body is mostly non-ASCII (≤ 6 bytes per byte).
  let out = takeBuffer(length + (length >> 6) + 64);
  let written = 0;
  let runStart = 0;
  let at = 0;
  while (at < length) {
    at = words.nextNonAscii(body, at);
    if (at === length) break;
    if (at > 0 && body[at - 1] === BACKSLASH && oddBackslashRunBefore(body, at)) {
      giveBuffer(out);
      return undefined;
    }
    // The ASCII run, then at most two escapes (12 bytes) for the sequence at `at`.
    const needed = written + (at - runStart) + 12;
    if (needed > out.length) out = grow(out, written, Math.max(out.length * 2, needed + (length - at)));
    written += body.copy(out, written, runStart, at);

    // WHATWG UTF-8 decoder: the lead byte fixes the length and the range of the first continuation
    // byte (which excludes overlongs, surrogates and code points above U+10FFFF).
    const lead = body[at]!;
    let pending = 0;
    let lower = 0x80;
    let upper = 0xbf;
    let codePoint = REPLACEMENT;
    if (lead >= 0xc2 && lead <= 0xdf) {
      pending = 1;
      codePoint = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      pending = 2;
      codePoint = lead & 0x0f;
      if (lead === 0xe0) lower = 0xa0;
      else if (lead === 0xed) upper = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      pending = 3;
      codePoint = lead & 0x07;
      if (lead === 0xf0) lower = 0x90;
      else if (lead === 0xf4) upper = 0x8f;
    }
    at += 1;
    while (pending > 0) {
      const next = at < length ? body[at]! : -1;
      if (next < lower || next > upper) {
        // Truncated or ill-formed: one U+FFFD for the bytes taken so far; `next` is read afresh.
        codePoint = REPLACEMENT;
        break;
      }
      codePoint = (codePoint << 6) | (next & 0x3f);
      lower = 0x80;
      upper = 0xbf;
      pending -= 1;
      at += 1;
    }
    if (codePoint > 0xffff) {
      const offset = codePoint - 0x10000;
      written = writeEscape(out, written, 0xd800 + (offset >> 10));
      written = writeEscape(out, written, 0xdc00 + (offset & 0x3ff));
    } else {
      written = writeEscape(out, written, codePoint);
    }
    runStart = at;
  }
  if (runStart === 0) {
    giveBuffer(out);
    return body.toString("utf8");
  }
  if (written + (length - runStart) > out.length) out = grow(out, written, written + (length - runStart));
  written += body.copy(out, written, runStart, length);
  // The text is a copy: the output buffer serves the next body (buffer-pool.ts).
  const text = out.toString("utf8", 0, written);
  giveBuffer(out);
  return text;
}

/** A buffer of `size` bytes holding the first `written` of `out`, which goes back to the pool. */
function grow(out: Buffer, written: number, size: number): Buffer {
  const grown = takeBuffer(size);
  out.copy(grown, 0, 0, written);
  giveBuffer(out);
  return grown;
}

/**
 * Finds non-ASCII bytes four at a time: a 32-bit word has one iff `word & 0x80808080` is non-zero
 * (byte order does not matter). A Uint32Array view needs a 4-aligned start, so the bytes before the
 * first aligned one and after the last whole word are looked at one by one. About 4× faster than a
 * byte loop (≈ 25 ms instead of ≈ 100 ms over the 111 MB of list pages).
 */
class AsciiWords {
  private constructor(
    private readonly words: Uint32Array,
    /** Index in the body of the first aligned byte, where `words[0]` starts. */
    private readonly first: number,
    /** Index in the body just past the last whole word. */
    private readonly end: number,
  ) {}

  static of(body: Buffer): AsciiWords {
    const first = (4 - (body.byteOffset & 3)) & 3;
    const count = (body.length - first) >> 2;
    if (count <= 0) return new AsciiWords(new Uint32Array(0), body.length, body.length);
    return new AsciiWords(new Uint32Array(body.buffer, body.byteOffset + first, count), first, first + 4 * count);
  }

  /** The index of the first non-ASCII byte at or after `from`, or the body's length. */
  nextNonAscii(body: Buffer, from: number): number {
    const length = body.length;
    let at = from;
    while (at < length) {
      if (at >= this.first && at < this.end && ((at - this.first) & 3) === 0) {
        let word = (at - this.first) >> 2;
        const words = this.words;
        while (word < words.length && (words[word]! & 0x80808080) === 0) word += 1;
        at = this.first + (word << 2);
        if (at >= length) break;
      }
      if (body[at]! >= 0x80) return at;
      at += 1;
    }
    return length;
  }
}

/** True when the backslashes right before `at` are odd in number (so they escape the byte at `at`). */
function oddBackslashRunBefore(body: Buffer, at: number): boolean {
  let from = at - 1;
  while (from >= 0 && body[from] === BACKSLASH) from -= 1;
  return (at - 1 - from) % 2 === 1;
}

function writeEscape(out: Buffer, at: number, unit: number): number {
  out[at] = BACKSLASH;
  out[at + 1] = 0x75; // u
  out[at + 2] = HEX[unit >> 12]!;
  out[at + 3] = HEX[(unit >> 8) & 0xf]!;
  out[at + 4] = HEX[(unit >> 4) & 0xf]!;
  out[at + 5] = HEX[unit & 0xf]!;
  return at + 6;
}

/**
 * An answer body as axios's `forcedJSONParsing` + `silentJSONParsing` gave it (axios 1.x, Node
 * adapter and default transformResponse): a leading UTF-8 byte-order mark is dropped, an empty body
 * stays `""` (204s included), a body that parses as JSON becomes its value, and anything else
 * (ONLYOFFICE's plain-text 401, an HTML error page) stays its UTF-8 text.
 */
export function answerBody(body: Buffer): unknown {
  const start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  if (body.length === start) return "";
  const content = start === 0 ? body : body.subarray(start);
  try {
    return JSON.parse(jsonText(content)) as unknown;
  } catch {
    return content.toString("utf8");
  }
}

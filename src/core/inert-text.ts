// Text from the CRMs (case titles, display names, field labels, error messages) is data. Shown to
// a person or written into a file it must never act: no escape sequence reaching the terminal
// (colours, cursor moves, window titles, OSC 8 links), no line break starting a line that looks
// like ours (a forged `{"level":50,...}` in the cron log, a forged `ok` in `check`, a YAML key
// after a `#` comment), no bidi override making the text read differently from what it is
// ("Trojan Source", CVE-2021-42574). `inertText` makes a string inert, and every place that shows
// or writes CRM text goes through it; `inertJson` does the same for JSON text (JSON's own escaping
// covers C0 but not DEL, C1 or bidi); `inertLines`/`inertStack` apply it line by line to text of
// several lines that we wrote (a stack, a list of problems).

/** Line breaks and tabs, including NEL (U+0085) and the Unicode line/paragraph separators. */
const BREAKS = "\\t\\n\\v\\f\\r\\u0085\\u2028\\u2029";
/** A run of breaks, with the spaces around it: one space stands for all of it. */
const BREAK_RUN = new RegExp(` *[${BREAKS}][ ${BREAKS}]*`, "g");
/**
 * What is left to neutralise once breaks are spaces: C0 (ESC among them), DEL, C1 (0x9b is an
 * 8-bit CSI to some terminals), bidi embeddings/overrides (U+202A–202E) and isolates
 * (U+2066–2069), and lone surrogates (printed as garbage, and invalid UTF-8 on the way out).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** The characters JSON.stringify leaves raw that a terminal or a log reader may still act on. */
const JSON_RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * `s` made safe to print on one line or write into a comment: line breaks and tabs become one
 * space, every other control character and bidi control is shown as a `\u001b`-style escape (so
 * what the CRM sent stays visible, inert), a lone surrogate becomes U+FFFD, and with `max` the
 * result is cut to that many characters (ending in `…`). Accented letters, CJK and emoji are
 * untouched. Idempotent: the escapes it writes are plain ASCII.
 */
export function inertText(s: string, max?: number): string {
  const out = s.replace(BREAK_RUN, " ").replace(ACTIVE, (char) => {
    const code = char.charCodeAt(0);
    return code >= 0xd800 && code <= 0xdfff ? "\ufffd" : escaped(char);
  });
  return max === undefined ? out : capped(out, max);
}

/** At most `max` code points (never half an emoji), the last one `…` when something was cut. */
function capped(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/**
 * JSON text (from JSON.stringify) with DEL, C1, U+2028/2029 and bidi controls written as `\uXXXX`
 * escapes: still valid JSON that parses to the same value (these characters can only occur inside
 * strings), and a valid YAML double-quoted scalar, but inert in a terminal or a log viewer.
 */
export function inertJson(json: string): string {
  return json.replace(JSON_RAW, escaped);
}

/**
 * Text of several lines that we wrote (a stack trace, "the mapping has 2 problems:\n  ...") with
 * CRM text in it: each line made inert, our line breaks kept, and every line after the first
 * indented by `indent`, so that a line break the CRM text smuggled in cannot start a line of its
 * own (a log line, a check line) at the left margin.
 */
export function inertLines(text: string, indent = ""): string {
  return text
    .split(/\r?\n/)
    .map((line) => inertText(line))
    .join(`\n${indent}`);
}

/** A stack trace: its message (which may quote a CRM) made one inert line, the frames kept as lines. */
export function inertStack(stack: string, message: string, indent = ""): string {
  const at = message === "" ? -1 : stack.indexOf(message);
  const flat = at < 0 ? stack : `${stack.slice(0, at)}${inertText(message)}${stack.slice(at + message.length)}`;
  return inertLines(flat, indent);
}

// pino: pretty on a TTY, plain lines or JSON otherwise (SPEC §6), always with secret paths redacted.
import pino from "pino";
import pinoPretty from "pino-pretty";
import { inertJson, inertLines, inertStack, inertText } from "../core/inert-text.js";
import type { Logger } from "../core/ports.js";
import { REDACT_PATHS, scrub } from "./redact.js";

/**
 * How entries are written: `json`, one JSON object a line (a log collector, a library embedder);
 * `pretty`, pino-pretty for a person at a terminal (colour unless NO_COLOR); `plain`, one
 * uncoloured human line an entry with the date, for a file or a pipe (cron, systemd, CI), where
 * the CLI's own lines are plain text too, so the whole of stderr reads one way (issue 10 item 6).
 */
export type LogFormat = "json" | "pretty" | "plain";

export interface LoggerOptions {
  level?: string;
  format?: LogFormat;
  /** Human lines on stderr: `true` is `format: "pretty"` (a terminal), `false` is `format: "plain"`. */
  pretty?: boolean;
  /** Colour in `pretty` (never in `plain` or `json`); defaults to "NO_COLOR is not set". */
  color?: boolean;
  /** Where lines go; defaults to stderr (stdout is reserved for data and `--json` reports). */
  destination?: NodeJS.WritableStream;
}

/** https://no-color.org: NO_COLOR set to anything but the empty string turns colour off. */
export function colorAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.NO_COLOR;
  return value === undefined || value === "";
}

/** Past this depth a logged value is not walked for the pretty printer (a log line is not a data dump). */
const MAX_DEPTH = 32;

function inertValue(value: unknown, key: string, depth: number): unknown {
  if (typeof value === "string") return key === "stack" ? inertLines(value) : inertText(value);
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[…]";
  if (Array.isArray(value)) return value.map((item) => inertValue(item, key, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, member] of Object.entries(value)) out[inertText(k)] = inertValue(member, k, depth + 1);
  // A serialised error ({type, message, stack}): the message inside the stack is one line too.
  const { message, stack } = value as { message?: unknown; stack?: unknown };
  if (typeof stack === "string" && typeof message === "string") out.stack = inertStack(stack, message);
  return out;
}

/**
 * A finished JSON line (messages, error stacks, fields and child bindings may quote a CRM): secrets
 * scrubbed (invariant 12), then DEL, C1 and bidi controls escaped; pino's own JSON escaping already
 * writes C0 (ESC, CR, LF) as `\u001b`, `\r`, `\n`, so a line from upstream text stays one line and
 * never starts a forged `{"level":...}` (issue 9 item 4).
 */
export function inertLogLine(line: string): string {
  return inertJson(scrub(line));
}

/**
 * The same for pino-pretty, which parses each line and prints the values themselves: there an
 * escaped `\n` or `\u001b` would become a real line break or escape sequence on the terminal, so
 * every string in the line is made inert before it is handed over (a stack keeps its own lines).
 */
export function inertPrettyLine(line: string): string {
  const scrubbed = scrub(line);
  try {
    return `${JSON.stringify(inertValue(JSON.parse(scrubbed), "", 0))}\n`;
  } catch {
    return inertJson(scrubbed);
  }
}

function formatOf(options: LoggerOptions): LogFormat {
  if (options.format) return options.format;
  if (options.pretty !== undefined) return options.pretty ? "pretty" : "plain";
  // A caller that names a destination wants JSON lines there, not a terminal rendering.
  return options.destination === undefined && Boolean(process.stderr.isTTY) ? "pretty" : "json";
}

/**
 * A pino destination that renders each line with pino-pretty's formatter in this thread and hands
 * it to `stream.write` at once: no worker thread and no second buffer, so a log line can never
 * reach the stream after a line the CLI writes later (the run summary is the last thing printed).
 */
function humanDestination(stream: NodeJS.WritableStream, format: "pretty" | "plain", color: boolean): pino.DestinationStream {
  const render = pinoPretty.prettyFactory(
    format === "pretty"
      ? { colorize: color, ignore: "pid,hostname", translateTime: "HH:MM:ss" }
      : // One line an entry, errors included (their stack stays inside the JSON of the line).
        { colorize: false, ignore: "pid,hostname", translateTime: "SYS:standard", singleLine: true, errorLikeObjectKeys: [] },
  );
  return {
    write(line: string) {
      const text = render(line);
      stream.write(text.endsWith("\n") ? text : `${text}\n`);
    },
  };
}

export function createLogger(options: LoggerOptions = {}): Logger & pino.Logger {
  const level = options.level ?? "info";
  const format = formatOf(options);
  const base: pino.LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
    base: null,
    // Path redaction only sees structured fields; every finished line (message, error stack, child
    // bindings) is also scrubbed of the secrets registered at start, and made inert.
    hooks: { streamWrite: format === "json" ? inertLogLine : inertPrettyLine },
  };
  if (format !== "json") return pino(base, humanDestination(options.destination ?? process.stderr, format, format === "pretty" && (options.color ?? colorAllowed())));
  // Through the same stream object as every other line on stderr, so they keep their order.
  const destination = options.destination ?? process.stderr;
  return pino(base, { write: (line: string) => void destination.write(line) });
}

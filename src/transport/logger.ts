// pino, pretty on a TTY and JSON otherwise (SPEC §6), always with secret paths redacted.
import pino from "pino";
import { inertJson, inertLines, inertStack, inertText } from "../core/inert-text.js";
import type { Logger } from "../core/ports.js";
import { REDACT_PATHS, scrub } from "./redact.js";

export interface LoggerOptions {
  level?: string;
  /** Pretty human output (to stderr); defaults to whether stderr is a TTY when no destination is given. */
  pretty?: boolean;
  /** Where lines go; defaults to stderr (stdout is reserved for `--json` reports). */
  destination?: NodeJS.WritableStream;
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

export function createLogger(options: LoggerOptions = {}): Logger & pino.Logger {
  const level = options.level ?? "info";
  // A caller that names a destination wants its lines there, not pretty-printed to the terminal.
  const pretty = options.pretty ?? (options.destination === undefined && Boolean(process.stderr.isTTY));
  const base: pino.LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
    base: null,
    // Path redaction only sees structured fields; every finished line (message, error stack, child
    // bindings) is also scrubbed of the secrets registered at start, and made inert.
    hooks: { streamWrite: pretty ? inertPrettyLine : inertLogLine },
  };
  if (pretty) {
    return pino({
      ...base,
      transport: { target: "pino-pretty", options: { destination: 2, colorize: true, ignore: "pid,hostname", translateTime: "HH:MM:ss" } },
    });
  }
  return pino(base, (options.destination as pino.DestinationStream | undefined) ?? pino.destination(2));
}

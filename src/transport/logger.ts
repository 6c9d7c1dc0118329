// pino, pretty on a TTY and JSON otherwise (SPEC §6), always with secret paths redacted.
import pino from "pino";
import type { Logger } from "../core/ports.js";
import { REDACT_PATHS, scrub } from "./redact.js";

export interface LoggerOptions {
  level?: string;
  /** Pretty human output (to stderr); defaults to whether stderr is a TTY when no destination is given. */
  pretty?: boolean;
  /** Where lines go; defaults to stderr (stdout is reserved for `--json` reports). */
  destination?: NodeJS.WritableStream;
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
    // bindings) is also scrubbed of the secrets registered at start (invariant 12).
    hooks: { streamWrite: scrub },
  };
  if (pretty) {
    return pino({
      ...base,
      transport: { target: "pino-pretty", options: { destination: 2, colorize: true, ignore: "pid,hostname", translateTime: "HH:MM:ss" } },
    });
  }
  return pino(base, (options.destination as pino.DestinationStream | undefined) ?? pino.destination(2));
}

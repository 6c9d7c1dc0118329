// pino, pretty on a TTY and JSON otherwise (SPEC §6), always with secret paths redacted.
import pino from "pino";
import type { Logger } from "../core/ports.js";
import { REDACT_PATHS } from "./redact.js";

export interface LoggerOptions {
  level?: string;
  /** Pretty human output; defaults to whether stderr is a TTY. */
  pretty?: boolean;
  /** Where lines go; defaults to stderr (stdout is reserved for `--json` reports). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger & pino.Logger {
  const level = options.level ?? "info";
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const base: pino.LoggerOptions = { level, redact: { paths: REDACT_PATHS, censor: "[REDACTED]" }, base: null };
  if (pretty) {
    return pino({
      ...base,
      transport: { target: "pino-pretty", options: { destination: 2, colorize: true, ignore: "pid,hostname", translateTime: "HH:MM:ss" } },
    });
  }
  return pino(base, (options.destination as pino.DestinationStream | undefined) ?? pino.destination(2));
}

// What every command shares: the environment, the logger, the output streams, and opening the
// library (`createSync`) from the mapping file and the environment.
//
// The streams rule (issue 10 item 6): stdout carries what a command was asked for (the `--json`
// report, one line each; the listings of status, history, conflicts list, plan, links, check);
// stderr carries everything about getting it (progress, logs, narration, the run summary, hints).
// On a terminal stderr is pino-pretty with colour (none with NO_COLOR); anywhere else it is plain
// lines only: log entries become one dated plain line each, never JSON beside our text.
import type { Env } from "../core/config.js";
import { inertJson } from "../core/inert-text.js";
import { CaseSyncError } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
import { createSync, type CaseSync } from "../library/create-sync.js";
import { colorAllowed, createLogger } from "../transport/logger.js";
import { loadEnvironment, missingConnection } from "./environment.js";
import { openPairSync } from "./pair-open.js";
import { createProgressDisplay, type ProgressDisplay } from "./progress.js";

export interface GlobalOptions {
  config?: string;
  /** Accept http:// base URLs for hosts other than this machine. */
  allowInsecureHttp?: boolean;
  /** `--pair <name>`: a pair of the fleet's registry instead of the environment (SPEC §10). */
  pair?: string;
}

/** The global output flags (`--pretty`, `--quiet`, `--verbose`), handed over before a command runs. */
export interface OutputFlags {
  /** `--json` indented for people instead of one line per report. */
  pretty?: boolean;
  /** Errors only: no narration, no progress, no summary of a run that needs nobody. */
  quiet?: boolean;
  /** Debug logs, and the raw request bodies under each plan item. */
  verbose?: boolean;
}

const LEVEL_ORDER = ["silent", "fatal", "error", "warn", "info", "debug", "trace"] as const;

/** The log level: `--quiet` lowers LOG_LEVEL to errors, `--verbose` raises it to debug; neither undoes a stricter or fuller choice. */
export function logLevelFor(envLevel: string, flags: OutputFlags): string {
  const rank = (level: string) => LEVEL_ORDER.indexOf(level as (typeof LEVEL_ORDER)[number]);
  if (flags.quiet) return rank(envLevel) >= 0 && rank(envLevel) < rank("error") ? envLevel : "error";
  if (flags.verbose) return rank(envLevel) > rank("debug") ? envLevel : "debug";
  return envLevel;
}

export interface Cli {
  env: Env;
  logger: Logger;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  flags: Readonly<OutputFlags>;
  /** Narration (stderr); nothing with `--quiet`. */
  say(text: string): void;
  /** What the command was asked for, in human form (stdout): status, history, lists, plans. */
  data(text: string): void;
  /** One JSON document on stdout: one line (JSON Lines, for `>> reports.jsonl`), or indented with `--pretty`. */
  json(value: unknown): void;
  /**
   * The summary of a run, on stderr and last: every log line of the run is already written (the
   * logger writes synchronously through the same stream). With `--quiet` only when the run needs
   * a person (exit codes 1 to 4).
   */
  summary(text: string, exitCode: number): void;
  configPath(options: GlobalOptions): string;
  /** Opens the library from the mapping file and the environment. */
  open(options: GlobalOptions, extra?: { progress?: boolean }): { sync: CaseSync; display: ProgressDisplay };
}

/** The two connections as the environment gives them (validated by the library). */
export function connectionFromEnv(env: Env) {
  return {
    plannr: { baseUrl: env.PLANNR_BASE_URL ?? "", token: env.PLANNR_TOKEN ?? "", accountUuid: env.PLANNR_ACCOUNT_UUID ?? "" },
    onlyoffice: {
      baseUrl: env.ONLYOFFICE_BASE_URL ?? "",
      ...(env.ONLYOFFICE_TOKEN ? { token: env.ONLYOFFICE_TOKEN } : {}),
      ...(env.ONLYOFFICE_USERNAME ? { username: env.ONLYOFFICE_USERNAME } : {}),
      ...(env.ONLYOFFICE_PASSWORD ? { password: env.ONLYOFFICE_PASSWORD } : {}),
    },
  };
}

/** A progress bar moves the cursor with escape sequences: only on a terminal that wants them. */
function barAllowed(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && colorAllowed() && process.env.TERM !== "dumb";
}

export function createCli(
  streams: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream } = { stdout: process.stdout, stderr: process.stderr },
  flags: OutputFlags = {},
): Cli {
  const { env, warnings } = loadEnvironment();
  const logger = createLogger({ level: logLevelFor(env.LOG_LEVEL, flags), format: streams.stderr.isTTY ? "pretty" : "plain", destination: streams.stderr });
  // Through the logger, so stderr holds one format.
  for (const warning of warnings) logger.warn(warning);
  const cli: Cli = {
    env,
    logger,
    ...streams,
    flags,
    say: (text) => {
      if (!flags.quiet) streams.stderr.write(`${text}\n`);
    },
    data: (text) => streams.stdout.write(`${text}\n`),
    // JSON escapes ESC and line breaks itself; bidi, C1 and U+2028 need our escaping to stay inert.
    json: (value) => streams.stdout.write(`${inertJson(flags.pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value))}\n`),
    summary: (text, exitCode) => {
      if (!flags.quiet || (exitCode >= 1 && exitCode <= 4)) streams.stderr.write(`${text}\n`);
    },
    configPath: (options) => options.config ?? env.CASE_SYNC_CONFIG,
    open(options, extra = {}) {
      if (options.pair !== undefined) {
        const display = createProgressDisplay(streams.stderr, (extra.progress ?? false) && !flags.quiet, { bar: barAllowed(streams.stderr) });
        return { sync: openPairSync(env, options, { logger, onProgress: display.progress }), display };
      }
      const missing = missingConnection(env);
      if (missing.length > 0) {
        throw new CaseSyncError("CS_CONFIG", `missing environment: ${missing.join(", ")} (see .env.example; \`case-sync sandbox\` prints a working set)`);
      }
      const display = createProgressDisplay(streams.stderr, (extra.progress ?? false) && !flags.quiet, { bar: barAllowed(streams.stderr) });
      const sync = createSync({
        ...connectionFromEnv(env),
        mapping: cli.configPath(options),
        store: env.CASE_SYNC_STATE,
        logger,
        onProgress: display.progress,
        allowInsecureHttp: options.allowInsecureHttp === true,
      });
      return { sync, display };
    },
  };
  return cli;
}

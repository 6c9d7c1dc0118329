// What every command shares: the environment, the logger, the output streams, and opening the
// library (`createSync`) from the mapping file and the environment.
import type { Env } from "../core/config.js";
import { inertJson } from "../core/inert-text.js";
import { CaseSyncError } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
import { createSync, type CaseSync } from "../library/create-sync.js";
import { createLogger } from "../transport/logger.js";
import { loadEnvironment, missingConnection } from "./environment.js";
import { createProgressDisplay, type ProgressDisplay } from "./progress.js";

export interface GlobalOptions {
  config?: string;
  /** Accept http:// base URLs for hosts other than this machine. */
  allowInsecureHttp?: boolean;
}

export interface Cli {
  env: Env;
  logger: Logger;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Human lines (stderr: stdout is kept for `--json`). */
  say(text: string): void;
  json(value: unknown): void;
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

export function createCli(streams: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream } = { stdout: process.stdout, stderr: process.stderr }): Cli {
  const { env, warnings } = loadEnvironment();
  const logger = createLogger({ level: env.LOG_LEVEL, pretty: Boolean(streams.stderr.isTTY) });
  // Through the logger, so a cron log holds one format (JSON lines), not a stray plain line.
  for (const warning of warnings) logger.warn(warning);
  const cli: Cli = {
    env,
    logger,
    ...streams,
    say: (text) => streams.stderr.write(`${text}\n`),
    // JSON escapes ESC and line breaks itself; bidi, C1 and U+2028 need our escaping to stay inert.
    json: (value) => streams.stdout.write(`${inertJson(JSON.stringify(value, null, 2))}\n`),
    configPath: (options) => options.config ?? env.CASE_SYNC_CONFIG,
    open(options, extra = {}) {
      const missing = missingConnection(env);
      if (missing.length > 0) {
        throw new CaseSyncError("CS_CONFIG", `missing environment: ${missing.join(", ")} (see .env.example; \`case-sync sandbox\` prints a working set)`);
      }
      const display = createProgressDisplay(streams.stderr, extra.progress ?? false);
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

// Reads the environment once (SPEC §6, `.env.example`): a `.env` file in the working directory is
// loaded first without overriding what is already set, then every variable is validated.
//
// A `.env` file may set only the documented variables (issue 9 item 5): a line such as
// `NODE_TLS_REJECT_UNAUTHORIZED=0` would turn off certificate checks for every request, and
// `NODE_OPTIONS` would change how Node.js runs, both by a file that merely sits in the folder. A
// `NODE_*` line stops the command (CS_CONFIG, exit 2) before anything from the file is applied;
// any other undocumented name is ignored with a warning.
import { existsSync, readFileSync } from "node:fs";
import { parse as parseDotenv } from "dotenv";
import { EnvSchema, type Env } from "../core/config.js";
import { CaseSyncError } from "../core/errors.js";
import { registerSecret } from "../transport/redact.js";

/** What a `.env` file may set: SPEC §6 and `.env.example` (PGSSLMODE: the state store's TLS mode). */
export const DOTENV_VARIABLES: ReadonlySet<string> = new Set([
  "PLANNR_BASE_URL",
  "PLANNR_TOKEN",
  "PLANNR_ACCOUNT_UUID",
  "ONLYOFFICE_BASE_URL",
  "ONLYOFFICE_TOKEN",
  "ONLYOFFICE_USERNAME",
  "ONLYOFFICE_PASSWORD",
  "CASE_SYNC_STATE",
  "CASE_SYNC_CONFIG",
  "LOG_LEVEL",
  "PLANNR_WEBHOOK_SECRET",
  "CASE_SYNC_SECRET_KEY",
  "PGSSLMODE",
]);

/** Variables that steer Node.js itself (NODE_OPTIONS, NODE_TLS_REJECT_UNAUTHORIZED, ...). */
const NODE_VARIABLE = /^NODE_/i;

export interface DotenvScreen {
  /** The documented variables the file sets, to apply where not already set. */
  variables: Record<string, string>;
  /** One line per ignored variable, naming it and where it is. */
  warnings: string[];
}

/** The line (1-based) of the last assignment to `key`, which is the one dotenv keeps. */
function lineOf(text: string, key: string): number | null {
  const lines = text.split(/\r\n|\r|\n/);
  const escaped = key.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  const assignment = new RegExp(`^\\s*(?:export\\s+)?${escaped}\\s*(?:=|:)`);
  for (let i = lines.length - 1; i >= 0; i -= 1) if (assignment.test(lines[i] ?? "")) return i + 1;
  return null;
}

/**
 * Decides what a `.env` text may set (pure). `file` names it in messages. Values are never
 * repeated: the file holds secrets.
 */
export function screenDotenv(text: string, file: string): DotenvScreen {
  const parsed = parseDotenv(text);
  const where = (key: string) => {
    const line = lineOf(text, key);
    return line === null ? file : `${file}:${line}`;
  };
  const refused = Object.keys(parsed).filter((key) => NODE_VARIABLE.test(key));
  if (refused.length > 0) {
    const lines = refused.map((key) => `${where(key)} sets ${key}`);
    throw new CaseSyncError(
      "CS_CONFIG",
      `${lines.join("; ")}: a .env file may not set NODE_* variables (they change how Node.js itself runs; NODE_TLS_REJECT_UNAUTHORIZED=0 would turn off certificate checks). Remove the line${refused.length === 1 ? "" : "s"}.`,
      { field: refused[0] ?? "env" },
    );
  }
  const variables: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (DOTENV_VARIABLES.has(key)) variables[key] = value;
    else warnings.push(`${where(key)}: ${key} is not a case-sync setting and is ignored (see .env.example)`);
  }
  return { variables, warnings };
}

function readDotenv(path: string): string | null {
  if (!existsSync(path)) return null;
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CaseSyncError("CS_CONFIG", `cannot read ${path}: ${reason}`, { field: "env" });
  }
}

export interface EnvironmentOptions {
  /** Default process.env. */
  source?: NodeJS.ProcessEnv;
  /** The `.env` file; default `.env` when the source is process.env, else none. null: none. */
  dotenvPath?: string | null;
}

/** Reads and validates the environment, returning the `.env` warnings for the caller to log. */
export function loadEnvironment(options: EnvironmentOptions = {}): { env: Env; warnings: string[] } {
  const source = options.source ?? process.env;
  const dotenvPath = options.dotenvPath !== undefined ? options.dotenvPath : source === process.env ? ".env" : null;
  const text = dotenvPath === null ? null : readDotenv(dotenvPath);
  const screen = text === null || dotenvPath === null ? { variables: {}, warnings: [] } : screenDotenv(text, dotenvPath);
  // What the real environment already sets wins, as with dotenv's override: false.
  for (const [key, value] of Object.entries(screen.variables)) {
    if (!Object.prototype.hasOwnProperty.call(source, key)) source[key] = value;
  }
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new CaseSyncError("CS_CONFIG", `bad environment: ${lines.join("; ")}`, { field: String(result.error.issues[0]?.path[0] ?? "env") });
  }
  for (const secret of [result.data.PLANNR_TOKEN, result.data.ONLYOFFICE_TOKEN, result.data.ONLYOFFICE_PASSWORD, result.data.CASE_SYNC_SECRET_KEY, result.data.PLANNR_WEBHOOK_SECRET]) registerSecret(secret);
  return { env: result.data, warnings: screen.warnings };
}

/**
 * The CLI's entry: `.env` is read only when the source is process.env. Its warnings go to stderr
 * here, because the logger is made from what this returns (LOG_LEVEL).
 */
export function readEnvironment(source: NodeJS.ProcessEnv = process.env, dotenvPath = ".env"): Env {
  const { env, warnings } = loadEnvironment({ source, dotenvPath: source === process.env ? dotenvPath : null });
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  return env;
}

/** The variables a command needs that are missing, named so the user can set them. */
export function missingConnection(env: Env): string[] {
  const missing: string[] = [];
  if (!env.PLANNR_BASE_URL) missing.push("PLANNR_BASE_URL");
  if (!env.PLANNR_TOKEN) missing.push("PLANNR_TOKEN");
  if (!env.PLANNR_ACCOUNT_UUID) missing.push("PLANNR_ACCOUNT_UUID");
  if (!env.ONLYOFFICE_BASE_URL) missing.push("ONLYOFFICE_BASE_URL");
  if (!env.ONLYOFFICE_TOKEN && !(env.ONLYOFFICE_USERNAME && env.ONLYOFFICE_PASSWORD)) missing.push("ONLYOFFICE_TOKEN (or ONLYOFFICE_USERNAME and ONLYOFFICE_PASSWORD)");
  return missing;
}

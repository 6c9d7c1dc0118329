// `case-sync pairs …` (SPEC §10): the fleet's registry from the command line, and the `--pair
// <name>` option on the per-pair commands, which then take the pair's settings from the registry
// instead of the environment (pair-open.ts). Both need CASE_SYNC_STATE=postgres://… and
// CASE_SYNC_SECRET_KEY. Nothing printed here is a secret: summaries and details carry none (the
// registry never returns one).
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse as parseDotenv } from "dotenv";
import { CaseSyncError } from "../../core/errors.js";
import { inertText } from "../../core/inert-text.js";
import { PAIR_ENV_VARIABLES } from "../../fleet/pair-env.js";
import { checkPairName } from "../../fleet/pair-names.js";
import { PairRegistry, type PairDetails, type PairSummary } from "../../fleet/registry.js";
import { registerSecret } from "../../transport/redact.js";
import type { Cli, GlobalOptions } from "../context.js";
import { fleetSettings } from "../pair-open.js";
import { EXIT } from "../exit-codes.js";
import { parseDuration } from "./run-commands.js";

type Done = (code: number) => void;

const NEW_KEY_VARIABLE = "CASE_SYNC_NEW_SECRET_KEY";

/** The commands that work on one pair, and so take `--pair`. */
const PER_PAIR = ["check", "status", "conflicts list", "conflicts resolve", "link", "links", "unlink", "skip", "unskip", "history", "plan", "sync", "migrate", "undo"];

async function withRegistry<T>(cli: Cli, action: (registry: PairRegistry) => Promise<T>): Promise<T> {
  const { url, secretKey } = fleetSettings(cli.env);
  const registry = await PairRegistry.open({ url, secretKey, logger: cli.logger });
  try {
    return await action(registry);
  } finally {
    await registry.close();
  }
}

/** `5m`, `1h30m`, `90s`: a schedule as people write it. */
export function durationText(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("") || `${ms}ms`;
}

const when = (iso: string | null) => (iso === null ? "-" : iso.replace(/\.\d{3}Z$/, "Z"));

export function renderPairs(pairs: readonly PairSummary[]): string {
  if (pairs.length === 0) return "No pairs yet: case-sync pairs add <name> --env-file <file> --mapping <file>";
  const rows = [
    ["NAME", "STATE", "EVERY", "LAST RUN", "EXIT", "NEXT DUE", "AUTH", "FAILURES"],
    ...pairs.map((p) => [p.name, p.state, durationText(p.everyMs), when(p.lastRunAt), p.lastExitCode === null ? "-" : String(p.lastExitCode), p.state === "paused" ? "(paused)" : when(p.nextDueAt), p.auth, String(p.consecutiveFailures)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const lines = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd());
  const failing = pairs.filter((p) => p.state === "failing").length;
  const paused = pairs.filter((p) => p.state === "paused").length;
  lines.push(`${pairs.length} pair${pairs.length === 1 ? "" : "s"}: ${pairs.length - failing - paused} active, ${failing} failing, ${paused} paused`);
  return lines.join("\n");
}

export function renderPairDetails(p: PairDetails): string {
  return [
    `pair ${p.name}: ${p.state}${p.state === "failing" ? ` (${p.consecutiveFailures} failed runs in a row; fix it, then case-sync pairs resume ${p.name})` : ""}`,
    `  Plannr      ${inertText(p.plannrBaseUrl)} account ${inertText(p.plannrAccountUuid)} (${p.auth === "oauth" ? `OAuth2 token set${p.tokenExpiresAt === null ? "" : `, access token expires ${when(p.tokenExpiresAt)}`}` : "personal access token"})`,
    `  ONLYOFFICE  ${inertText(p.onlyofficeBaseUrl)}`,
    `  schedule    every ${durationText(p.everyMs)}; last run ${when(p.lastRunAt)}${p.lastExitCode === null ? "" : ` (exit ${p.lastExitCode})`}; next due ${p.state === "paused" ? "(paused)" : when(p.nextDueAt)}`,
    `  webhooks    ${p.hasWebhookSecret ? "signing secret set" : "no signing secret"}`,
    `  state       PostgreSQL schema ${p.stateSchema}`,
    `  registered  ${when(p.createdAt)}`,
  ].join("\n");
}

/** The pair's variables from an env file, or from the environment (only the pair variables). */
function pairEnv(envFile: string | undefined): { env: Record<string, string>; source: string } {
  if (envFile === undefined) {
    const env: Record<string, string> = {};
    for (const name of PAIR_ENV_VARIABLES) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    return { env, source: "the environment" };
  }
  let text: string;
  try {
    text = readFileSync(envFile, "utf8");
  } catch (error) {
    throw new CaseSyncError("CS_USAGE", `--env-file ${envFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { field: "env-file" });
  }
  // Its secrets are registered for redaction as the registry reads them (fleet/pair-env.ts).
  return { env: parseDotenv(text), source: envFile };
}

function readMapping(path: string): string {
  if (!existsSync(path)) throw new CaseSyncError("CS_USAGE", `--mapping ${path}: no such file (write one with case-sync init --out ${path})`, { field: "mapping" });
  return readFileSync(path, "utf8");
}

export function registerPairsCommands(program: Command, cli: () => Cli, done: Done): void {
  const pairs = program
    .command("pairs")
    .description("The fleet's registry: pairs (one Plannr firm ⇄ one ONLYOFFICE portal each) with their credentials, mapping and schedule, in PostgreSQL")
    .addHelpText(
      "after",
      `
Needs CASE_SYNC_STATE=postgres://… (the fleet's schema: ?schema=<fleet>, default case_sync_fleet) and
CASE_SYNC_SECRET_KEY (32 random bytes in base64: openssl rand -base64 32). Credentials are stored
sealed with that key (AES-256-GCM); a wrong key is refused, never guessed. Each pair's sync state
lives in a schema of its own (<fleet>_p_<name>).

A pair's env file holds the connection variables of a single-pair setup (PLANNR_BASE_URL,
PLANNR_TOKEN, PLANNR_ACCOUNT_UUID, ONLYOFFICE_BASE_URL, ONLYOFFICE_TOKEN or ONLYOFFICE_USERNAME +
ONLYOFFICE_PASSWORD, optionally PLANNR_WEBHOOK_SECRET), or, in place of PLANNR_TOKEN, an OAuth2 token
set: PLANNR_OAUTH_CLIENT_ID, PLANNR_OAUTH_CLIENT_SECRET, PLANNR_OAUTH_ACCESS_TOKEN,
PLANNR_OAUTH_REFRESH_TOKEN and PLANNR_OAUTH_EXPIRES_AT (refreshed by case-sync, once across workers).

Examples:
  case-sync pairs add acme --env-file acme.env --mapping acme.yaml --every 10m
  case-sync pairs list
  case-sync sync --pair acme --dry-run      # any per-pair command takes --pair
  case-sync pairs pause acme && case-sync pairs resume acme
  CASE_SYNC_NEW_SECRET_KEY=$(openssl rand -base64 32) case-sync pairs rekey`,
    )
    .action(() => {
      throw new CaseSyncError("CS_USAGE", "pairs needs a subcommand: add, list, show, remove, pause, resume or rekey (case-sync pairs --help)");
    });

  pairs
    .command("add <name>")
    .description("Register a pair: its connection variables (sealed), its mapping (validated) and its schedule; it is due at once")
    .option("--env-file <file>", "the pair's variables (dotenv format); default: the pair variables of this environment")
    .option("--mapping <file>", "the pair's mapping file (default: --config, $CASE_SYNC_CONFIG or ./case-sync.yaml)")
    .option("--every <duration>", "how often the worker syncs it: 30s, 5m, 1h", "5m")
    .addHelpText("after", "\nThe name: 1 to 31 of a-z, 0-9 and -. The env file is read once and may be deleted afterwards.\n\nExample:\n  case-sync pairs add acme-law --env-file acme.env --mapping acme.yaml --every 10m")
    .action(async (name: string, options: { envFile?: string; mapping?: string; every: string }, command: Command) => {
      const c = cli();
      checkPairName(name);
      const everyMs = parseDuration(options.every, "--every");
      const { env, source } = pairEnv(options.envFile);
      const mappingPath = options.mapping ?? c.configPath(command.optsWithGlobals<GlobalOptions>());
      const mapping = readMapping(mappingPath);
      const summary = await withRegistry(c, (registry) => registry.add({ name, env, mapping, everyMs, mappingSource: mappingPath }));
      c.say(`registered pair ${summary.name} from ${source} and ${mappingPath} (${summary.auth === "oauth" ? "OAuth2 token set" : "personal token"}), every ${durationText(summary.everyMs)}; due now.`);
      c.say(`a worker runs it (case-sync worker), or run it yourself: case-sync sync --pair ${summary.name}`);
      done(EXIT.ok);
    });

  pairs
    .command("list")
    .description("List the pairs: state (active, paused, failing), schedule, last run and exit code, next due")
    .option("--json", "print the pairs as one JSON array on stdout")
    .addHelpText("after", "\nA pair is failing after 3 failed runs in a row (exit 1, 2 or 4); it is retried less and less often, at most an hour apart.\n\nExamples:\n  case-sync pairs list\n  case-sync pairs list --json | jq '.[] | select(.state == \"failing\") | .name'")
    .action(async (options: { json?: boolean }) => {
      const c = cli();
      const list = await withRegistry(c, (registry) => registry.list());
      if (options.json) c.json(list);
      else c.data(renderPairs(list));
      done(EXIT.ok);
    });

  pairs
    .command("show <name>")
    .description("Show one pair: where it connects, how it authenticates, its schedule and its state schema (never a secret)")
    .option("--json", "print the details as JSON on stdout")
    .action(async (name: string, options: { json?: boolean }) => {
      const c = cli();
      checkPairName(name);
      const details = await withRegistry(c, (registry) => registry.show(name));
      if (details === null) throw new CaseSyncError("CS_USAGE", `no pair named ${name} (case-sync pairs list shows them)`);
      if (options.json) c.json(details);
      else c.data(renderPairDetails(details));
      done(EXIT.ok);
    });

  pairs
    .command("remove <name>")
    .description("Unregister a pair and drop its sync state (links, journal, audit); the CRMs are not touched")
    .addHelpText("after", "\nThe ONLYOFFICE cases keep their link stamps: registering the pair again rebuilds its links from them.\n\nExample:\n  case-sync pairs remove acme-law")
    .action(async (name: string) => {
      const c = cli();
      checkPairName(name);
      await withRegistry(c, (registry) => registry.remove(name));
      c.say(`removed pair ${name} and its sync state; nothing was changed in Plannr or ONLYOFFICE.`);
      done(EXIT.ok);
    });

  pairs
    .command("pause <name>")
    .description("Take a pair off the schedule (commands with --pair still work on it)")
    .action(async (name: string) => {
      const c = cli();
      checkPairName(name);
      await withRegistry(c, (registry) => registry.pause(name));
      c.say(`paused pair ${name}: no scheduled runs until case-sync pairs resume ${name}`);
      done(EXIT.ok);
    });

  pairs
    .command("resume <name>")
    .description("Put a paused or failing pair back on the schedule, due now, its failure count cleared")
    .action(async (name: string) => {
      const c = cli();
      checkPairName(name);
      await withRegistry(c, (registry) => registry.resume(name));
      c.say(`resumed pair ${name}: due now`);
      done(EXIT.ok);
    });

  pairs
    .command("rekey")
    .description(`Re-seal every pair's credentials under a new key, read from ${NEW_KEY_VARIABLE} (never from the command line)`)
    .addHelpText(
      "after",
      `\nOne transaction: every credential or none. Afterwards set CASE_SYNC_SECRET_KEY to the new key wherever case-sync runs and restart the workers: the old key is refused.\n\nExample:\n  export ${NEW_KEY_VARIABLE}=$(openssl rand -base64 32)\n  case-sync pairs rekey && echo "now CASE_SYNC_SECRET_KEY=$${NEW_KEY_VARIABLE} everywhere"`,
    )
    .action(async () => {
      const c = cli();
      const newKey = process.env[NEW_KEY_VARIABLE] ?? "";
      if (newKey.trim() === "") throw new CaseSyncError("CS_CONFIG", `pairs rekey reads the new key from ${NEW_KEY_VARIABLE} (32 random bytes in base64: openssl rand -base64 32)`, { field: NEW_KEY_VARIABLE });
      registerSecret(newKey.trim());
      const { pairs: count } = await withRegistry(c, (registry) => registry.rekey(newKey));
      c.say(`re-sealed the credentials of ${count} pair${count === 1 ? "" : "s"} under the new key. Set CASE_SYNC_SECRET_KEY to it wherever case-sync runs and restart the workers: the old key is refused from now on.`);
      done(EXIT.ok);
    });

  // `--pair` on every per-pair command (registered before this), so they read the registry.
  for (const path of PER_PAIR) {
    const command = path.split(" ").reduce<Command | undefined>((parent, name) => parent?.commands.find((c) => c.name() === name), program);
    command?.option("--pair <name>", "a pair of the fleet's registry instead of the environment (needs CASE_SYNC_STATE=postgres://… and CASE_SYNC_SECRET_KEY)");
  }
}

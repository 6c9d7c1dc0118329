// The command-line program (SPEC §6): commander, one module per group of commands, exit codes
// shared by all of them. Commands hold no business logic: they call the library.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { CaseSyncError, toCaseSyncError } from "../core/errors.js";
import { inertLines, inertStack, inertText } from "../core/inert-text.js";
import { notCarriedText } from "../library/cli-surface.js";
import { scrub } from "../transport/redact.js";
import { registerAdminCommands } from "./commands/admin-commands.js";
import { registerDemo } from "./commands/demo.js";
import { registerInit } from "./commands/init.js";
import { registerPairsCommands } from "./commands/pairs.js";
import { registerRunCommands } from "./commands/run-commands.js";
import { registerSandbox } from "./commands/sandbox.js";
import { registerServe } from "./commands/serve.js";
import { registerWorker } from "./commands/worker.js";
import { createCli, type Cli, type OutputFlags } from "./context.js";
import { hintFor, inEnvironmentTerms } from "./hints.js";
import { EXIT, exitCodeForError } from "./exit-codes.js";

/** The version in package.json (dist/src/cli → ../../../package.json; src/cli → ../../package.json). */
function packageVersion(): string {
  for (const candidate of ["../../../package.json", "../../package.json"]) {
    try {
      const path = fileURLToPath(new URL(candidate, import.meta.url));
      const pkg = JSON.parse(readFileSync(path, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "case-sync" && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return "unknown";
}

/** The global output flags, checked: `--quiet` and `--verbose` contradict each other. */
export function outputFlags(options: OutputFlags): OutputFlags {
  if (options.quiet && options.verbose) throw new CaseSyncError("CS_USAGE", "--quiet and --verbose contradict each other: give one");
  return { pretty: options.pretty === true, quiet: options.quiet === true, verbose: options.verbose === true };
}

export function buildProgram(setExit: (code: number) => void): Command {
  let instance: Cli | null = null;
  let flags: OutputFlags = {};
  const cli = () => (instance ??= createCli(undefined, flags));
  const program = new Command("case-sync")
    .description("Keeps CRM cases in step between Plannr CRM and ONLYOFFICE CRM, both ways, and migrates them once from either side.")
    .version(packageVersion(), "-V, --version", "print the version")
    .option("--config <file>", "mapping file (default: $CASE_SYNC_CONFIG or ./case-sync.yaml)")
    .option("--allow-insecure-http", "accept http:// base URLs for hosts other than this machine (the token then travels in clear)")
    .option("--pretty", "with --json: indent the JSON for people (without it, one compact line per report: JSON Lines)")
    .option("-q, --quiet", "errors only: no narration, no progress, and a run's summary only when it needs you (exit 1-4)")
    .option("-v, --verbose", "debug logs, and each request's body under the items of a plan")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    // The output flags reach the Cli (its logger level, its streams) before the command opens it.
    .hook("preAction", (_program, action) => {
      flags = outputFlags(action.optsWithGlobals<OutputFlags>());
    })
    .addHelpText(
      "after",
      `
Environment (see .env.example): PLANNR_BASE_URL, PLANNR_TOKEN, PLANNR_ACCOUNT_UUID, ONLYOFFICE_BASE_URL,
ONLYOFFICE_TOKEN (or ONLYOFFICE_USERNAME + ONLYOFFICE_PASSWORD), CASE_SYNC_STATE (SQLite file, default
./.case-sync/state.db, or a postgres:// URL), CASE_SYNC_CONFIG, LOG_LEVEL (--quiet and --verbose override it), NO_COLOR,
PLANNR_WEBHOOK_SECRET (serve --no-subscribe).
A .env file in the working directory is read too.

Output: what a command is asked for goes to stdout (--json: one JSON line per report; status, history,
conflicts list, links, check and plans as text); progress, logs, narration and the run summary go to
stderr, as plain lines when it is not a terminal. --quiet: errors only; --verbose: debug logs and request bodies.

Exit codes: 0 ok · 1 internal error · 2 usage or configuration · 3 finished with record errors or
conflicts waiting · 4 aborted (auth, unreachable, not admin, identity, breaker, budget) · 5 another run holds the lock.

Not carried: ${notCarriedText()}.

Start here:
  case-sync demo                                   # everything, against built-in sandboxes
  case-sync init --create-link-fields && case-sync check
  case-sync migrate --from plannr --dry-run        # a one-off migration, previewed
  case-sync sync                                   # the scheduled job`,
    );
  const done = (code: number) => setExit(code);
  registerInit(program, cli, done);
  registerAdminCommands(program, cli, done);
  registerRunCommands(program, cli, done);
  registerServe(program, cli, done);
  registerWorker(program, cli, done);
  registerSandbox(program, cli, done);
  registerDemo(program, cli, done);
  // Last: it also adds --pair to the per-pair commands registered above.
  registerPairsCommands(program, cli, done);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the program; resolves to the exit code (never throws). */
export async function runCli(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
      return EXIT.usage;
    }
    const e = toCaseSyncError(error);
    // The message may quote a CRM (an error body, a label, a display name): secrets out first, then
    // inert lines (our own line breaks kept, indented), so it can neither forge a log line in a cron
    // log nor drive the terminal.
    process.stderr.write(`case-sync: ${inertLines(inEnvironmentTerms(scrub(e.message)), "  ")}${e.code === "CS_INTERNAL" ? "" : ` [${inertText(e.code)}]`}\n`);
    const hint = hintFor(e.code, e.side, e.message);
    if (hint) process.stderr.write(`  ${hint}\n`);
    if (e.code === "CS_INTERNAL" && error instanceof Error && error.stack) process.stderr.write(`${inertStack(scrub(error.stack), scrub(error.message), "  ")}\n`);
    return exitCodeForError(e);
  }
}

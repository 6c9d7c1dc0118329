// `case-sync demo`: the narrated tour against built-in sandboxes (see ../demo.ts).
import type { Command } from "commander";
import { createLogger } from "../../transport/logger.js";
import type { Cli } from "../context.js";
import { runDemo } from "../demo.js";
import { wholeNumber } from "../arguments.js";

export function registerDemo(program: Command, cli: () => Cli, done: (code: number) => void): void {
  program
    .command("demo")
    .description("Start both sandboxes, init, migrate, edit both sides (incl. a conflict), sync and resolve: narrated, exits 0")
    .option("--seed <n>", "seed of the generated world", (v) => wholeNumber(v, "--seed"), 1)
    .option("--cases <n>", "Plannr cases to generate (at least 8)", (v) => wholeNumber(v, "--cases", 8), 40)
    .option("--dir <dir>", "where the demo keeps its mapping and SQLite state (emptied first)", ".case-sync/demo")
    .addHelpText("after", "\nExamples:\n  case-sync demo\n  case-sync demo --cases 500 --seed 7")
    .action(async (options: { seed: number; cases: number; dir: string }) => {
      const c = cli();
      // The narration tells the story; run logs below warnings would only interleave with it.
      const logger = createLogger({ level: c.env.LOG_LEVEL === "info" ? "warn" : c.env.LOG_LEVEL, pretty: Boolean(c.stderr.isTTY) });
      done(await runDemo({ seed: options.seed, cases: options.cases, dir: options.dir, say: (text) => c.say(text), logger }));
    });
}

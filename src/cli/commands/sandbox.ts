// `case-sync sandbox`: both simulators, seeded, on local ports, until interrupted.
import type { Command } from "commander";
import { startSandboxes } from "../../sandbox/index.js";
import { wholeNumber } from "../arguments.js";
import type { Cli } from "../context.js";
import { EXIT } from "../exit-codes.js";


export function registerSandbox(program: Command, cli: () => Cli, done: (code: number) => void): void {
  program
    .command("sandbox")
    .description("Run local simulators of both CRMs (seeded, in memory) and print the export lines to reach them")
    .option("--seed <n>", "seed of the generated world (same seed, same data)", (v) => wholeNumber(v, "--seed"), 1)
    .option("--cases <n>", "Plannr cases to generate (ONLYOFFICE gets a quarter as many of its own)", (v) => wholeNumber(v, "--cases"), 40)
    .option("--plannr-port <port>", "Plannr simulator port (0: any free port)", (v) => wholeNumber(v, "--plannr-port"), 0)
    .option("--onlyoffice-port <port>", "ONLYOFFICE simulator port (0: any free port)", (v) => wholeNumber(v, "--onlyoffice-port"), 0)
    .addHelpText("after", "\nExample (two shells):\n  case-sync sandbox --cases 200 > sandbox.env\n  set -a; . ./sandbox.env; set +a; case-sync init --create-link-fields && case-sync migrate --from plannr")
    .action(async (options: { seed: number; cases: number; plannrPort: number; onlyofficePort: number }) => {
      const c = cli();
      const sandboxes = await startSandboxes({ seed: options.seed, cases: options.cases, plannrPort: options.plannrPort, onlyofficePort: options.onlyofficePort });
      for (const [key, value] of Object.entries(sandboxes.env)) c.stdout.write(`export ${key}=${value}\n`);
      // A comment, not an export: these belong in a fleet pair's env file beside a token set, and
      // beside PLANNR_TOKEN they would make that file ambiguous.
      const oauth = Object.entries(sandboxes.oauthClient).map(([key, value]) => `${key}=${value}`).join(" ");
      c.stdout.write(`# OAuth2 client (token sets: POST ${sandboxes.plannrUrl}/__sandbox/oauth/tokens): ${oauth}\n`);
      c.say(`Plannr sandbox at ${sandboxes.plannrUrl}, ONLYOFFICE sandbox at ${sandboxes.onlyofficeUrl} (seed ${options.seed}, ${options.cases} Plannr cases). Ctrl-C stops them.`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await sandboxes.close();
      done(EXIT.ok);
    });
}

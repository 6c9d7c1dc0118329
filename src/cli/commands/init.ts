// `case-sync init`: inspects both systems and writes a working mapping (SPEC §3).
import { existsSync } from "node:fs";
import { LINK_FIELD_LABEL, writePrivateFile } from "../../library/cli-surface.js";
import type { Command } from "commander";
import { CaseSyncError } from "../../core/errors.js";
import { inertText } from "../../core/inert-text.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "../../library/options.js";
import { connectionFromEnv, type Cli, type GlobalOptions } from "../context.js";
import { discoverMapping } from "../../library/discover.js";
import { missingConnection } from "../environment.js";
import { EXIT } from "../exit-codes.js";

export function registerInit(program: Command, cli: () => Cli, done: (code: number) => void): void {
  program
    .command("init")
    .description("Inspect both systems and write a mapping file: statuses by name, staff by e-mail, fields by label and type, the link field")
    .option("--out <file>", "where to write the mapping", "case-sync.yaml")
    .option("--create-link-fields", `create the ONLYOFFICE case field "${LINK_FIELD_LABEL}" if it is missing`)
    .option("--force", "overwrite an existing file")
    .addHelpText(
      "after",
      `\nExamples:\n  case-sync init --create-link-fields\n  case-sync init --out mappings/firm.yaml && case-sync --config mappings/firm.yaml check\n\nThe link of each pair lives in the state store and in the ONLYOFFICE case field "${LINK_FIELD_LABEL}" (onlyoffice.linkField); Plannr cases carry no link stamp. A Plannr field mirroring the ONLYOFFICE id (e.g. onlyoffice_case_id) is not used: plannr.mirrorField is not supported in this version, so remove that line from an older mapping.`,
    )
    .action(async (options: { out: string; createLinkFields?: boolean; force?: boolean }, command: Command) => {
      const allowInsecureHttp = command.optsWithGlobals<GlobalOptions>().allowInsecureHttp === true;
      const c = cli();
      const missing = missingConnection(c.env);
      if (missing.length > 0) throw new CaseSyncError("CS_CONFIG", `missing environment: ${missing.join(", ")} (see .env.example)`);
      if (existsSync(options.out) && !options.force) throw new CaseSyncError("CS_USAGE", `${options.out} exists; pass --force to overwrite it, or --out another file`);
      const conn = connectionFromEnv(c.env);
      const found = await discoverMapping({
        plannr: parsePlannrConnection(conn.plannr, { allowInsecureHttp }),
        onlyoffice: parseOnlyofficeConnection(conn.onlyoffice, { allowInsecureHttp }),
        allowInsecureHttp,
        createLinkFields: options.createLinkFields ?? false,
        logger: c.logger,
        source: options.out,
      });
      if (found.createdLinkField !== null) c.say(`created the ONLYOFFICE case field "${LINK_FIELD_LABEL}" (id ${found.createdLinkField})`);
      writePrivateFile(options.out, found.text);
      const { proposal } = found;
      c.say(`wrote ${options.out}: ${proposal.customFields.length} custom fields mapped, ${proposal.todos.length} TODO${proposal.todos.length === 1 ? "" : "s"} to review`);
      // A TODO quotes labels, status names and options from the CRMs: one inert line each.
      for (const todo of proposal.todos) c.say(`  TODO ${inertText(todo.at)}: ${inertText(todo.text)}`);
      c.say("next: case-sync check, then case-sync migrate --from plannr --dry-run (or case-sync sync --dry-run)");
      done(EXIT.ok);
    });
}

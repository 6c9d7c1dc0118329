// check, status, conflicts, link, links, unlink, history: looking at and steering the state by hand.
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { CaseSyncError } from "../../core/errors.js";
import type { Cli, GlobalOptions } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { renderLinksCsv, renderLinksTable } from "../link-table.js";
import { renderCheck, renderConflicts, renderHistory, renderStatus } from "../output.js";

type Done = (code: number) => void;

/**
 * Commands that read the state must not quietly make a new, empty one: a mistyped
 * CASE_SYNC_STATE would then look like "no links, no conflicts".
 */
function requireState(cli: Cli): void {
  const location = cli.env.CASE_SYNC_STATE;
  if (/^postgres(ql)?:\/\//.test(location) || location === ":memory:") return;
  if (!existsSync(location)) {
    throw new CaseSyncError("CS_CONFIG", `no state at ${location} yet: no sync or migration has run with this CASE_SYNC_STATE (check the path)`);
  }
}

async function withSync(cli: Cli, command: Command, action: (sync: ReturnType<Cli["open"]>["sync"]) => Promise<void>, options: { readsState?: boolean } = {}): Promise<void> {
  if (options.readsState) requireState(cli);
  const { sync } = cli.open(command.optsWithGlobals<GlobalOptions>());
  try {
    await action(sync);
  } finally {
    await sync.close();
  }
}

export function registerAdminCommands(program: Command, cli: () => Cli, done: Done): void {
  program
    .command("check")
    .description("Check configuration, credentials, administrator rights and every mapped id against the live systems")
    .option("--json", "print the check report as JSON on stdout")
    .addHelpText("after", "\nExit codes: 0 all good · 2 the mapping does not fit the systems · 4 credentials, rights or state identity.\n\nExample:\n  case-sync check && case-sync sync --dry-run")
    .action(async (options: { json?: boolean }, command: Command) => {
      const c = cli();
      await withSync(c, command, async (sync) => {
        const report = await sync.check();
        if (options.json) c.json(report);
        else c.data(renderCheck(report));
        done(report.exitCode);
      });
    });

  program
    .command("status")
    .description("Show the links, the last runs, conflicts waiting, tombstones and creates in doubt")
    .option("--json", "print the status as JSON on stdout")
    .addHelpText("after", "\nExit codes: 0 nothing waits, 3 conflicts wait for you.\n\nExample:\n  case-sync status\n  case-sync status --json | jq '.runs[0]'")
    .action(async (options: { json?: boolean }, command: Command) => {
      const c = cli();
      await withSync(c, command, async (sync) => {
        const status = await sync.status();
        if (options.json) c.json(status);
        else c.data(renderStatus(status));
        done(status.conflicts.length > 0 ? EXIT.records : EXIT.ok);
      }, { readsState: true });
    });

  const conflicts = program
    .command("conflicts")
    .description("List conflicts waiting for a person, and decide them")
    .addHelpText("after", "\nExamples:\n  case-sync conflicts list\n  case-sync conflicts resolve 3f9c1a2b --take onlyoffice && case-sync sync")
    .action(() => {
      throw new CaseSyncError("CS_USAGE", "conflicts needs a subcommand: list, or resolve <id> --take plannr|onlyoffice|base");
    });
  conflicts
    .command("list")
    .description("List the conflicts waiting, with base, Plannr and ONLYOFFICE values")
    .option("--json", "print them as JSON on stdout")
    .addHelpText("after", "\nExit codes: 0 none wait, 3 some wait.\n\nExample:\n  case-sync conflicts list --json | jq '.[] | {id, group, plannr, onlyoffice}'")
    .action(async (options: { json?: boolean }, command: Command) => {
      const c = cli();
      await withSync(c, command, async (sync) => {
        const list = await sync.conflicts.list();
        if (options.json) c.json(list);
        else c.data(renderConflicts(list));
        done(list.length > 0 ? EXIT.records : EXIT.ok);
      }, { readsState: true });
    });
  conflicts
    .command("resolve <id>")
    .description("Decide a conflict; the next sync writes the chosen value to both sides")
    .requiredOption("--take <side>", "plannr, onlyoffice, or base (the last agreed value)")
    .addHelpText("after", "\nExample:\n  case-sync conflicts resolve 3f9c1a2b --take plannr && case-sync sync")
    .action(async (id: string, options: { take: string }, command: Command) => {
      if (!["plannr", "onlyoffice", "base"].includes(options.take)) throw new CaseSyncError("CS_USAGE", `--take must be plannr, onlyoffice or base, not "${options.take}"`);
      const c = cli();
      await withSync(c, command, async (sync) => {
        await sync.conflicts.resolve(id, options.take as "plannr" | "onlyoffice" | "base");
        c.say(`conflict ${id}: take ${options.take}. The next sync carries it out.`);
        done(EXIT.ok);
      }, { readsState: true });
    });

  program
    .command("link <plannr-uuid> <onlyoffice-id>")
    .description("Link two existing cases by hand (and stamp the ONLYOFFICE one); the next sync compares them field by field")
    .addHelpText("after", "\nUse it for pairs the tool reported as ambiguous (shared e-mails, look-alike titles, an interrupted copy).")
    .action(async (plannrUuid: string, onlyofficeId: string, _options: unknown, command: Command) => {
      const c = cli();
      await withSync(c, command, async (sync) => {
        await sync.link(plannrUuid, onlyofficeId);
        c.say(`linked Plannr ${plannrUuid} ⇄ ONLYOFFICE ${onlyofficeId}; the next sync compares them (differences follow the conflict policy).`);
        done(EXIT.ok);
      });
    });

  program
    .command("links")
    .description("Export the link table: Plannr uuid, ONLYOFFICE id, title, when and how each pair was linked (a table, CSV or JSON on stdout)")
    .option("--json", "print the links as one JSON array on stdout")
    .option("--csv", "print the links as CSV (RFC 4180, with a header row) on stdout")
    .addHelpText(
      "after",
      "\nThe title is the pair's last agreed title (empty until its first sync); how is create, stamp, journal, match or hand (empty for links made before it was recorded). CSV cells that a spreadsheet would read as a formula start with '.\n\nExamples:\n  case-sync links\n  case-sync links --csv > links.csv\n  case-sync links --json | jq 'length'",
    )
    .action(async (options: { json?: boolean; csv?: boolean }, command: Command) => {
      if (options.json && options.csv) throw new CaseSyncError("CS_USAGE", "links: give --json or --csv, not both");
      const c = cli();
      await withSync(c, command, async (sync) => {
        const rows = await sync.links();
        if (options.json) c.json(rows);
        else if (options.csv) c.stdout.write(renderLinksCsv(rows));
        else {
          c.data(renderLinksTable(rows));
          c.say(`${rows.length} link${rows.length === 1 ? "" : "s"}; for a spreadsheet: case-sync links --csv; for a program: case-sync links --json`);
        }
        done(EXIT.ok);
      }, { readsState: true });
    });

  program
    .command("unlink <plannr-uuid>")
    .description("Unlink a pair; neither case is copied again automatically")
    .addHelpText("after", "\nThe ONLYOFFICE case's stamp is cleared too. Example:\n  case-sync unlink 0ab72051-56af-4f82-bda1-8a9ac26a996e")
    .action(async (plannrUuid: string, _options: unknown, command: Command) => {
      const c = cli();
      await withSync(c, command, async (sync) => {
        const link = await sync.unlink(plannrUuid);
        c.say(`unlinked Plannr ${plannrUuid} ⇄ ONLYOFFICE ${link.onlyofficeId}; the stamp is cleared and neither case gets a new partner automatically.`);
        done(EXIT.ok);
      }, { readsState: true });
    });

  program
    .command("skip <id>")
    .description("Take one case (Plannr uuid or ONLYOFFICE id) and its partner out of the sync: runs leave it alone and no longer exit 3 for it")
    .option("--reason <text>", "why, shown by status and in the runs' reports", "")
    .addHelpText("after", "\nFor a case that can never be synced (no client to give it in Plannr, a value the other side refuses) and that you will handle by hand. Runs mention it at most once a day.\n\nExamples:\n  case-sync skip 1042 --reason \"no client; handled by hand\"\n  case-sync status          # lists the skipped cases\n  case-sync unskip 1042")
    .action(async (id: string, options: { reason: string }, command: Command) => {
      const c = cli();
      await withSync(c, command, async (sync) => {
        const skip = await sync.skip(id, options.reason);
        c.say(`skipped ${skip.side === "plannr" ? "Plannr" : "ONLYOFFICE"} case ${skip.id}: runs leave it and its partner alone until case-sync unskip ${skip.id}`);
        done(EXIT.ok);
      }, { readsState: true });
    });

  program
    .command("unskip <id>")
    .description("Bring a skipped case back into the sync")
    .addHelpText("after", "\nExample:\n  case-sync unskip 1042 && case-sync sync --dry-run")
    .action(async (id: string, _options: unknown, command: Command) => {
      const c = cli();
      await withSync(c, command, async (sync) => {
        await sync.unskip(id);
        c.say(`${id} is synced again from the next run`);
        done(EXIT.ok);
      }, { readsState: true });
    });

  program
    .command("history <id>")
    .description("Every write case-sync made to one case (Plannr uuid or ONLYOFFICE id) and its partner")
    .option("--json", "print the audit entries as JSON on stdout")
    .addHelpText("after", "\nValues are canonical: money in minor units (pennies), dates as YYYY-MM-DD. Examples:\n  case-sync history 0ab72051-56af-4f82-bda1-8a9ac26a996e\n  case-sync history 1042 --json")
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const c = cli();
      await withSync(c, command, async (sync) => {
        const entries = await sync.history(id);
        if (options.json) c.json(entries);
        else c.data(renderHistory(id, entries));
        done(EXIT.ok);
      }, { readsState: true });
    });
}

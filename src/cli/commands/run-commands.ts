// plan, sync (incl. --watch) and migrate: the commands that run the engine.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { CaseSyncError } from "../../core/errors.js";
import type { RunReport } from "../../core/report.js";
import { notCarriedText, writePrivateFile } from "../../library/cli-surface.js";
import { wholeNumber } from "../arguments.js";
import type { Cli, GlobalOptions } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { renderPlan, renderReport } from "../output.js";
import { CREATED_SINCE_FORMAT, isIsoDateOrTimestamp, SavedPlanSchema, type SavedPlan } from "../../library/options.js";
import { interruptible, watchStopper } from "../signals.js";
import { untilUnlocked } from "../lock-wait.js";
import { askYesNo, CONFIRM_ABOVE, mayAsk, mustAsk } from "../confirm.js";

/**
 * A run's output: the JSON report (one line) on stdout, or the plan (data) on stdout and the
 * summary on stderr, last. Callers close the library first, so no log line follows the summary.
 */
function emit(cli: Cli, report: RunReport, json: boolean, showPlan: boolean): number {
  if (json) cli.json(report);
  else {
    if (showPlan) cli.data(renderPlan(report, { verbose: cli.flags.verbose ?? false }));
    cli.summary(renderReport(report), report.exitCode);
  }
  return report.exitCode;
}

/** Closes the library once, whichever of the normal path and the `finally` gets there first. */
function closer(sync: { close(): Promise<void> }): () => Promise<void> {
  let closing: Promise<void> | null = null;
  return () => (closing ??= sync.close());
}

/** The interval as the user wrote it, with its unit: `5m` stays `5m`, a bare `90` (seconds) is `90s`. */
export function intervalText(text: string): string {
  const trimmed = text.trim();
  return /\d$/.test(trimmed) ? `${trimmed}s` : trimmed;
}

/** `5m`, `30s`, `1h`, `90` (seconds) → milliseconds, for a flag named `flag`. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new CaseSyncError("CS_USAGE", `${flag} "${text}" is not a duration like 30s, 5m or 1h`);
  const value = Number(match[1]);
  const unit = match[2] ?? "s";
  const ms = value * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit as "ms" | "s" | "m" | "h"];
  if (ms < 1_000) throw new CaseSyncError("CS_USAGE", `${flag} must be at least 1s`);
  return Math.round(ms);
}

export function parseInterval(text: string): number {
  return parseDuration(text, "--interval");
}

/** A plan file saved by `case-sync plan --out`: read and validated, or a usage error naming the file. */
function readSavedPlan(path: string): SavedPlan {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new CaseSyncError("CS_USAGE", `--plan ${path}: cannot read it (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CaseSyncError("CS_USAGE", `--plan ${path} is not JSON: save one with case-sync plan --out ${path}`);
  }
  const parsed = SavedPlanSchema.safeParse(raw);
  if (!parsed.success) throw new CaseSyncError("CS_USAGE", `--plan ${path} is not a case-sync plan (${parsed.error.issues[0]?.message ?? "invalid"} at ${parsed.error.issues[0]?.path.join(".") ?? "?"}): save one with case-sync plan --out ${path}`);
  return parsed.data;
}

export function registerRunCommands(program: Command, cli: () => Cli, done: (code: number) => void): void {
  program
    .command("plan")
    .description("Show every write a sync would make now, without writing anything (exit 3 if it holds conflicts or record errors)")
    .option("--json", "print the plan as one JSON report on stdout")
    .option("--out <file>", "also save the plan to this file (0600), for `case-sync sync --plan <file>`")
    .option("--max-run-time <duration>", "stop the run after this long (exit 4): 30m, 2h", "2h")
    .addHelpText("after", "\nExamples:\n  case-sync plan\n  case-sync plan --out plan.json && case-sync sync --plan plan.json   # apply exactly what was reviewed\n  case-sync plan --json | jq '.plan[] | select(.action == \"create\")'")
    .action(async (options: { json?: boolean; out?: string; maxRunTime: string }, command: Command) => {
      const c = cli();
      const maxRunTimeMs = parseDuration(options.maxRunTime, "--max-run-time");
      const { sync } = c.open(command.optsWithGlobals<GlobalOptions>());
      const close = closer(sync);
      let report: RunReport;
      try {
        report = await sync.plan({ maxRunTimeMs });
        if (options.out !== undefined && report.abort === null) {
          writePrivateFile(options.out, `${JSON.stringify(await sync.savePlan(report), null, 2)}\n`);
          c.say(`saved the plan to ${options.out}: case-sync sync --plan ${options.out} applies exactly it, or refuses if a case moved since`);
        }
      } finally {
        await close();
      }
      done(emit(c, report, options.json ?? false, true));
    });

  program
    .command("sync")
    .description("Bring both systems in step: take one-sided changes, merge sets, settle or queue conflicts, copy new cases")
    .option("--dry-run", "plan only: print what would be written, write nothing")
    .option("--json", "print one JSON report on stdout")
    .option("--watch", "keep syncing every --interval until stopped (exits only on codes 1, 2 or 4)")
    .option("--interval <duration>", "time between runs with --watch: 30s, 5m, 1h (default: 5m)")
    .option("--allow-mass-delete", "let this run delete, close or unlink more cases than the mapping's breaker limits")
    .option("--allow-mass-create", "let this run create more cases than the mapping's breaker limits")
    .option("--allow-create-after-rebuild", "after the state was rebuilt from the link stamps, copy the unlinked cases that existed then (check them first: some may be partners of deleted cases)")
    .option("--plan <file>", "apply exactly the plan saved by `case-sync plan --out`; refuse (exit 4) if a case moved since")
    .option("--max-run-time <duration>", "stop the run after this long (exit 4; the next run resumes): 30m, 2h", "2h")
    .option("--wait", "when another run holds the lock (e.g. case-sync serve applying a change), wait for it instead of exiting 5")
    .addHelpText(
      "after",
      `\nExamples:\n  case-sync sync --dry-run          # look first\n  case-sync sync                    # from cron: exit 0 ok, 3 look at the report, 4 alert, 5 skipped (locked)\n  case-sync sync --json >> reports.jsonl   # one JSON line per run\n  case-sync sync --watch --interval 10m\n\nNot carried: ${notCarriedText()}.`,
    )
    .action(async (options: { dryRun?: boolean; json?: boolean; watch?: boolean; interval?: string; allowMassDelete?: boolean; allowMassCreate?: boolean; allowCreateAfterRebuild?: boolean; plan?: string; maxRunTime: string; wait?: boolean }, command: Command) => {
      if (options.interval !== undefined && !options.watch) throw new CaseSyncError("CS_USAGE", `--interval goes with --watch (case-sync sync --watch --interval ${options.interval}); without --watch, sync runs once`);
      const c = cli();
      const interval = options.interval ?? "5m";
      const intervalMs = parseInterval(interval);
      const maxRunTimeMs = parseDuration(options.maxRunTime, "--max-run-time");
      if (options.plan !== undefined && options.watch) throw new CaseSyncError("CS_USAGE", "--plan applies one saved plan once: it does not go with --watch");
      const saved = options.plan === undefined ? undefined : readSavedPlan(options.plan);
      const { sync, display } = c.open(command.optsWithGlobals<GlobalOptions>(), { progress: !options.json });
      const close = closer(sync);
      const stopper = options.watch ? watchStopper() : null;
      try {
        for (;;) {
          const report = await interruptible((signal) =>
            untilUnlocked(
              () => sync.sync({ dryRun: options.dryRun ?? false, allowMassDelete: options.allowMassDelete ?? false, allowMassCreate: options.allowMassCreate ?? false, allowCreateAfterRebuild: options.allowCreateAfterRebuild ?? false, maxRunTimeMs, signal, ...(saved === undefined ? {} : { plan: saved }) }),
              options.wait ?? false,
              signal,
              (ms) => c.say(`another run holds the lock; trying again in ${Math.round(ms / 1000)}s (--wait)`),
            ),
          );
          display.stop();
          const code = report.exitCode;
          if (!options.watch || code === EXIT.internal || code === EXIT.usage || code === EXIT.aborted) {
            // The last report: the library closed first, so its summary is the last line printed.
            await close();
            done(emit(c, report, options.json ?? false, options.dryRun ?? false));
            return;
          }
          emit(c, report, options.json ?? false, options.dryRun ?? false);
          if (!stopper?.requested) c.say(`next run in ${intervalText(interval)} (Ctrl-C to stop)`);
          if (await stopper?.sleep(intervalMs)) {
            done(EXIT.ok);
            return;
          }
        }
      } finally {
        stopper?.dispose();
        await close();
      }
    });

  program
    .command("migrate")
    .description("Copy every case of one side that has no partner yet to the other side, once (resumable, safe to run twice)")
    .requiredOption("--from <side>", "the side to copy from: plannr or onlyoffice")
    .option("--dry-run", "plan only: show what would be copied")
    .option("--json", "print one JSON report on stdout")
    .option("--limit <n>", "copy at most N cases this run", (v) => wholeNumber(v, "--limit", 1))
    .option("--only-open", "copy open cases only")
    .option("--created-since <date>", "copy cases created on or after this date (YYYY-MM-DD)")
    .option("--allow-create-after-rebuild", "after the state was rebuilt from the link stamps, copy the unlinked cases that existed then")
    .option("--max-run-time <duration>", "stop the run after this long (exit 4; run it again to resume): 30m, 24h", "24h")
    .option("-y, --yes", `copy without asking: on a terminal, a migration of more than ${CONFIRM_ABOVE} cases asks first (never without a terminal)`)
    .addHelpText(
      "after",
      `\nExamples:\n  case-sync migrate --from plannr --dry-run\n  case-sync migrate --from plannr --only-open --created-since 2024-01-01\n  case-sync migrate --from onlyoffice --limit 100\n\nA migration from Plannr writes nothing to Plannr. Ctrl-C stops after the case in hand; run the same command again to resume (nothing is copied twice).\nNot carried: ${notCarriedText()}.`,
    )
    .action(async (options: { from: string; dryRun?: boolean; json?: boolean; limit?: number; onlyOpen?: boolean; createdSince?: string; allowCreateAfterRebuild?: boolean; maxRunTime: string; yes?: boolean }, command: Command) => {
      const maxRunTimeMs = parseDuration(options.maxRunTime, "--max-run-time");
      if (options.from !== "plannr" && options.from !== "onlyoffice") throw new CaseSyncError("CS_USAGE", `--from must be plannr or onlyoffice, not "${options.from}"`);
      if (options.createdSince !== undefined && !isIsoDateOrTimestamp(options.createdSince)) throw new CaseSyncError("CS_USAGE", `--created-since "${options.createdSince}" ${CREATED_SINCE_FORMAT}`);
      const c = cli();
      const from = options.from;
      const { sync, display } = c.open(command.optsWithGlobals<GlobalOptions>(), { progress: !options.json });
      const close = closer(sync);
      const migrate = (dryRun: boolean) =>
        interruptible((signal) =>
          sync.migrate({
            from,
            dryRun,
            onlyOpen: options.onlyOpen ?? false,
            allowCreateAfterRebuild: options.allowCreateAfterRebuild ?? false,
            maxRunTimeMs,
            signal,
            ...(options.limit === undefined ? {} : { limit: options.limit }),
            ...(options.createdSince === undefined ? {} : { createdSince: options.createdSince }),
          }),
        );
      let report: RunReport;
      try {
        const consent = { yes: options.yes ?? false, dryRun: options.dryRun ?? false, interactive: Boolean(process.stdin.isTTY && c.stderr.isTTY) };
        if (mayAsk(consent)) {
          // A person at a terminal: measure the migration first (a dry run), and ask before a large one.
          const preview = await migrate(true);
          display.stop();
          const creates = (preview.plan ?? []).filter((item) => item.action === "create").length;
          if (preview.abort !== null) {
            await close();
            done(emit(c, preview, options.json ?? false, false));
            return;
          }
          if (mustAsk({ ...consent, creates })) {
            const to = from === "plannr" ? "ONLYOFFICE" : "Plannr";
            const go = await askYesNo(`Copy ${creates} ${from === "plannr" ? "Plannr" : "ONLYOFFICE"} cases to ${to}? (case-sync migrate --from ${from} --dry-run lists them; --yes skips this question)`, process.stdin, c.stderr);
            if (!go) {
              await close();
              c.say("nothing copied, nothing written.");
              done(EXIT.ok);
              return;
            }
          }
        }
        report = await migrate(options.dryRun ?? false);
        display.stop();
      } finally {
        await close();
      }
      done(emit(c, report, options.json ?? false, options.dryRun ?? false));
    });

  program
    .command("undo <run-id>")
    .description("Take back what one run wrote, where nothing moved since (the run ids are in `case-sync status`)")
    .option("--dry-run", "show what undo would write, write nothing")
    .option("--json", "print one JSON report on stdout")
    .addHelpText(
      "after",
      "\nFor every field group the run wrote that still holds what it wrote, the value before the run is written back; a group that moved since is left and reported (exit 3). A case the run created is deleted and unlinked only if untouched since, and its source is not copied again. A restored value is a change on that side: the next sync carries it to the other side too. Undo is a run itself: it can be undone.\n\nExamples:\n  case-sync status                       # find the run id\n  case-sync undo 3f9c1a2b --dry-run\n  case-sync undo 3f9c1a2b && case-sync sync",
    )
    .action(async (runId: string, options: { dryRun?: boolean; json?: boolean }, command: Command) => {
      const c = cli();
      const { sync, display } = c.open(command.optsWithGlobals<GlobalOptions>(), { progress: !options.json });
      const close = closer(sync);
      let report: RunReport;
      try {
        report = await interruptible(() => sync.undo(runId, { dryRun: options.dryRun ?? false }));
        display.stop();
      } finally {
        await close();
      }
      done(emit(c, report, options.json ?? false, options.dryRun ?? false));
    });
}

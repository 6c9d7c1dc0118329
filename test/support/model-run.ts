// Runs one family of the model-based suite as a fast-check property: a fresh pair of simulators and
// a fresh state file per sequence, the starting book synced once (and checked like any sync), then
// the random steps. Seedable and replayable from the environment; a failure names the seed, the
// replay path and the shrunk sequence, and is bounded in time so CI never hangs on shrinking.
import fc from "fast-check";
import { bookArb, commandsOf, type Book, type FamilyName } from "./model-arbitraries.js";
import type { ModelCommand } from "./model-commands.js";
import { ignoredHits } from "./model-invariants.js";
import { NO_HAZARDS, syncStep } from "./model-sync.js";
import { createPersonCase, startSystem, stopSystem } from "./model-system.js";
import type { Model } from "./model-state.js";
import type { Real } from "./model-system.js";

export interface RunSettings {
  seed: number;
  runs: number;
  maxCommands: number;
  /**
   * How many smaller candidates shrinking may try once a sequence fails. A count, not a time, so
   * that one seed gives one result on any machine.
   */
  shrinks: number;
  /** A safety net only (a hung run): past it the family stops; a failure found stays a failure. */
  timeLimitMs: number;
  path: string | undefined;
  /** Say the seed up front (a long soak is worth replaying even when it is interrupted). */
  announce: boolean;
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, not ${raw}`);
  return n;
}

/**
 * CASE_SYNC_MODEL_SEED / _RUNS / _COMMANDS / _SHRINKS / _TIME_LIMIT_MS / _PATH override the CI
 * defaults. A soak (more runs) gets a longer shrink and a longer safety net unless given.
 */
export function settingsFromEnv(defaults: Omit<RunSettings, "seed" | "path" | "announce">): RunSettings {
  const runs = envNumber("CASE_SYNC_MODEL_RUNS");
  const soak = runs !== undefined && runs > defaults.runs;
  return {
    seed: envNumber("CASE_SYNC_MODEL_SEED") ?? Date.now() % 2_147_483_647,
    runs: runs ?? defaults.runs,
    maxCommands: envNumber("CASE_SYNC_MODEL_COMMANDS") ?? defaults.maxCommands,
    shrinks: envNumber("CASE_SYNC_MODEL_SHRINKS") ?? (soak ? 400 : defaults.shrinks),
    timeLimitMs: envNumber("CASE_SYNC_MODEL_TIME_LIMIT_MS") ?? (soak ? Math.max(defaults.timeLimitMs, (runs ?? 0) * 10_000) : defaults.timeLimitMs),
    path: process.env.CASE_SYNC_MODEL_PATH?.trim() || undefined,
    announce: soak,
  };
}

/** Everyone starts with a small book, synced once: the copies are checked like any other step. */
export async function startBook(model: Model, real: Real, book: Book): Promise<void> {
  for (const seed of book.plannr) {
    real.clock.tick();
    createPersonCase(model, real, "plannr", seed);
  }
  for (const seed of book.onlyoffice) {
    real.clock.tick();
    createPersonCase(model, real, "onlyoffice", seed);
  }
  await syncStep(model, real, NO_HAZARDS);
}

/**
 * Runs a family; resolves when it holds, rejects with a replayable report when it does not.
 * `endOnFailure` skips shrinking (the sanity tests compare two runs of one seed).
 */
export async function runFamily(family: FamilyName, settings: RunSettings, options: { endOnFailure?: boolean } = {}): Promise<{ runs: number }> {
  if (settings.announce) process.stderr.write(`[model] ${family}: seed ${settings.seed}, ${settings.runs} runs of up to ${settings.maxCommands} steps\n`);
  const sequence = fc.limitShrink(fc.tuple(bookArb, commandsOf(family, settings.maxCommands)), settings.shrinks);
  const property = fc.asyncProperty(sequence, async ([book, commands]) => {
    const { model, real } = await startSystem(7);
    try {
      await startBook(model, real, book);
      await fc.asyncModelRun(() => ({ model, real }), commands);
    } finally {
      await stopSystem(real);
    }
  });
  const details = await fc.check(property, {
    seed: settings.seed,
    numRuns: settings.runs,
    ...(settings.path !== undefined ? { path: settings.path } : {}),
    plugins: [fc.interruptAfterTimeLimit(settings.timeLimitMs)],
    ...(options.endOnFailure === true ? { endOnFailure: true } : {}),
  });
  if (ignoredHits.size > 0) process.stderr.write(`[model] ${family}: ignored invariant failures ${JSON.stringify(Object.fromEntries(ignoredHits))}\n`);
  if (details.failed) {
    const replay = `CASE_SYNC_MODEL_SEED=${details.seed} CASE_SYNC_MODEL_PATH="${details.counterexamplePath ?? ""}" CASE_SYNC_MODEL_FAMILY="${family}" npx vitest run test/model`;
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    const message = `${fc.defaultReportMessage(details) ?? "the property failed"}\n\nWhat broke: ${cause}`;
    process.stderr.write(`[model] ${family} failed with seed ${details.seed}; replay with:\n  ${replay}\n`);
    throw new Error(`${message}\n\nReplay: ${replay}`);
  }
  return { runs: details.numRuns };
}

/** Runs one fixed sequence (a shrunk counterexample kept as a regression case) on a fresh system. */
export async function runSequence(book: Book, commands: readonly ModelCommand[]): Promise<void> {
  const { model, real } = await startSystem(7);
  try {
    await startBook(model, real, book);
    for (const command of commands) if (command.check(model)) await command.run(model, real);
  } finally {
    await stopSystem(real);
  }
}

// The model-based suite can fail, and fails the same way twice: a tool broken on purpose (a write
// that silently does nothing, a create made twice) and a model told a wrong story (an edit it never
// heard of) are each caught by the check meant for them, and one seed replays one failure.
import { afterEach, describe, expect, it, vi } from "vitest";
import { OnlyofficeAdapter } from "../../adapters/onlyoffice/adapter.js";
import { PlannrAdapter } from "../../adapters/plannr/adapter.js";
import type { WriteOp } from "../../src/core/records.js";
import { EditCommand, SyncCommand, type ModelCommand } from "../support/model-commands.js";
import type { Model } from "../support/model-state.js";
import { runFamily, runSequence } from "../support/model-run.js";
import { applyRaw, NO_HAZARDS } from "../support/model-sync.js";
import type { CaseSeed, Real } from "../support/model-system.js";

const CASE: CaseSeed = { closed: false, value: 1, reviewAt: 0, drink: 1, notes: 0, risk: 0, clients: 1, staff: 1 };
const BOOK = { plannr: [CASE], onlyoffice: [] };
const sync = new SyncCommand(NO_HAZARDS);

/** The prototype's own method, to call from inside its replacement. */
function originalOf<T>(prototype: object, name: string): (this: unknown, ...args: unknown[]) => T {
  return Object.getOwnPropertyDescriptor(prototype, name)?.value as (this: unknown, ...args: unknown[]) => T;
}

/** Plannr "accepts" title writes and drops them: the engine believes they landed. */
function dropPlannrTitleWrites(): void {
  const original = originalOf<ReturnType<PlannrAdapter["applyWrites"]>>(PlannrAdapter.prototype, "applyWrites");
  vi.spyOn(PlannrAdapter.prototype, "applyWrites").mockImplementation(function (this: PlannrAdapter, id: string, ops: WriteOp[]) {
    return original.call(this, id, ops.filter((op) => !op.groups.includes("title")));
  });
}

/** A person's edit the model is never told about: its expectation is wrong on purpose. */
class GhostEditCommand implements ModelCommand {
  check = (m: Readonly<Model>) => m.pairs.length > 0;
  async run(m: Model, real: Real): Promise<void> {
    const pair = m.pairs[0];
    if (pair) applyRaw(m, real, "onlyoffice", pair.onlyofficeId, { key: "drink", i: 3 });
    await Promise.resolve();
  }
  toString = () => "onlyoffice edit the model never hears of";
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("model-based: the checks can fail", () => {
  it("catches an ONLYOFFICE edit that never reaches Plannr", async () => {
    dropPlannrTitleWrites();
    await expect(runSequence(BOOK, [new EditCommand("onlyoffice", 0, { key: "title", n: 1 }), sync])).rejects.toThrow(/\[(convergence|fixpoint)\]/);
  });

  it("catches a copy made twice", async () => {
    const original = originalOf<ReturnType<OnlyofficeAdapter["createCase"]>>(OnlyofficeAdapter.prototype, "createCase");
    vi.spyOn(OnlyofficeAdapter.prototype, "createCase").mockImplementation(async function (this: OnlyofficeAdapter, ...args: Parameters<OnlyofficeAdapter["createCase"]>) {
      await original.apply(this, args);
      return original.apply(this, args);
    });
    await expect(runSequence(BOOK, [])).rejects.toThrow(/\[duplicate\]/);
  });

  it("catches a wrong expectation (an edit the model was not told of)", async () => {
    await expect(runSequence(BOOK, [new GhostEditCommand(), sync])).rejects.toThrow(/\[(unexpected-write|lost-edit)\]/);
  });

  it("finds a broken tool through random sequences, and replays the same failure from its seed", async () => {
    dropPlannrTitleWrites();
    const settings = { seed: 42, runs: 30, maxCommands: 12, shrinks: 0, timeLimitMs: 60_000, path: undefined, announce: false };
    const first = await runFamily("edits and conflicts", settings, { endOnFailure: true }).then(
      () => "passed",
      (e: unknown) => String(e),
    );
    expect(first).toMatch(/Replay: CASE_SYNC_MODEL_SEED=42 /);
    const second = await runFamily("edits and conflicts", settings, { endOnFailure: true }).then(
      () => "passed",
      (e: unknown) => String(e),
    );
    expect(second).toBe(first);
  }, 120_000);
});

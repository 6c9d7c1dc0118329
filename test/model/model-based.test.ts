// The model-based suite of issue 8 (after ElectricSQL's model-based tests): random sequences of
// edits on both sides, conflicting edits, syncs, conflict decisions followed by more edits,
// unlink/link, mapping changes, a lost state file, answers lacking includes, 500s, 429s, lost
// answers and runs killed at any write, against the real engine and adapters and both simulators
// over HTTP, with every promise of SPEC §4 checked after every step (test/support/model-*.ts).
//
// CI size by default; `npm run soak` runs it longer. Replay a failure with the line it prints.
// CASE_SYNC_MODEL_FAMILY runs one family; CASE_SYNC_MODEL_IGNORE=a,b sets invariants aside.
import { describe, it } from "vitest";
import { FAMILIES, type FamilyName } from "../support/model-arbitraries.js";
import { runFamily, settingsFromEnv } from "../support/model-run.js";

/**
 * Per family: ten sequences of up to 14 steps (about 2 s on a CI core), and at most 50 shrink
 * candidates when one fails (about 20 s); the time limit only guards against a hang.
 */
const CI = { runs: 10, maxCommands: 14, shrinks: 50, timeLimitMs: 120_000 };

const only = process.env.CASE_SYNC_MODEL_FAMILY?.trim();
const families = (Object.keys(FAMILIES) as FamilyName[]).filter((f) => !only || f === only);

describe("model-based: the promise holds under adversarial sequences and a flaky upstream", () => {
  for (const family of families) {
    it(family, async () => {
      const settings = settingsFromEnv(CI);
      await runFamily(family, settings);
    }, 600_000);
  }
});

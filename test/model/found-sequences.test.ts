// Sequences the random families found, kept as they were found (book, steps, fault seeds) so that
// each replays exactly; a full sync is added after each to check that what was left converges.
// Each passes on fixed code; with its fix reverted it fails with the invariant in its title.
import { describe, it } from "vitest";
import { CreateCaseCommand, DeleteCaseCommand, SyncCommand, WebhookCommand, type ModelCommand } from "../support/model-commands.js";
import type { Book } from "../support/model-arbitraries.js";
import { runSequence } from "../support/model-run.js";
import { NO_HAZARDS } from "../support/model-sync.js";
import type { CaseSeed } from "../support/model-system.js";

const EMPTY: CaseSeed = { closed: false, value: 0, reviewAt: 0, drink: 0, notes: 0, risk: 0, clients: 0, staff: 0 };

const FOUND: { title: string; book: Book; steps: ModelCommand[] }[] = [
  {
    // Seed 1310127310 of "webhooks between syncs". The copy of a new ONLYOFFICE case into Plannr is
    // made but its answer is lost, so its drink (set after the create) is missing in Plannr. A
    // delivery for that copy then comes in: the targeted sync cannot tell whether the case is the
    // copy in doubt, and leaves it to the next full sync. It used to say so only in a log line and
    // exit 0 as if the pair were in step; now the report names it (CS_DEFERRED) and the full sync
    // that follows adopts the copy and carries the drink.
    title: "a targeted sync names the cases it leaves to a full sync while a copy is in doubt [convergence]",
    book: {
      plannr: [EMPTY, EMPTY],
      onlyoffice: [
        { ...EMPTY, staff: 3 },
        { closed: false, value: 0, reviewAt: 3, drink: 3, notes: 1, risk: 2, clients: 15, staff: 13 },
      ],
    },
    steps: [
      new DeleteCaseCommand("plannr", 7),
      new CreateCaseCommand("onlyoffice", { closed: true, value: 2, reviewAt: 1, drink: 1, notes: 1, risk: 2, clients: 10, staff: 7 }),
      new SyncCommand({ ...NO_HAZARDS, faults: [{ kind: "flaky", seed: 295 }, { kind: "refuse-close" }] }),
      new WebhookCommand([9], NO_HAZARDS),
      new SyncCommand(NO_HAZARDS),
    ],
  },
];

describe("model-based: sequences the random families found", () => {
  for (const { title, book, steps } of FOUND) {
    it(title, () => runSequence(book, steps), 60_000);
  }
});

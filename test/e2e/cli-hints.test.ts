// Issue 10 item 8 through the built CLI: on the README's path (init → check → migrate from Plannr
// → plan, which trips the mass-create breaker when ONLYOFFICE has more than 50 cases of its own →
// migrate from ONLYOFFICE → sync → a conflict → status, links), every command a hint names is run
// as printed (placeholders filled in) and must be accepted: never exit 2, never commander's
// "error: unknown option". Lines quoting the engine's own messages are judged apart.
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliWorld, type CliResult, type CliWorld } from "../support/cli.js";
import { hintedCommands } from "../support/hint-commands.js";

let w: CliWorld;

interface Printed {
  by: string[];
  text: string;
}
const printed: Printed[] = [];
const ran = new Map<string, CliResult>();

async function step(args: string[], extraEnv?: Record<string, string>): Promise<CliResult> {
  const result = await w.run(args, extraEnv);
  printed.push({ by: args, text: `${result.stdout}\n${result.stderr}` });
  return result;
}

/** A line that quotes the engine (an abort reason, a record's issue), not the CLI's own words. */
const ENGINE_LINE = /^\s*ABORTED\s|^\s{4}(?:\S.*)?\[CS_[A-Z_]+\]/;

function cliLines(text: string): string {
  return text
    .split("\n")
    .filter((line) => !ENGINE_LINE.test(line))
    .join("\n");
}

function engineLines(text: string): string {
  return text
    .split("\n")
    .filter((line) => ENGINE_LINE.test(line))
    .join("\n");
}

/** Fills the placeholders a hint shows (`<id>`, `plannr|onlyoffice|base`) with real values. */
function filled(argv: readonly string[]): string[] {
  const plannrUuid = w.sandboxes.plannr.listCases()[0]?.uuid ?? "";
  return argv.map((word) => {
    if (word === "<id>") return pendingConflict ?? "00000000";
    if (word === "<plannr-uuid>") return plannrUuid;
    if (word === "<onlyoffice-id>") return String(w.sandboxes.onlyoffice.listCases()[0]?.id ?? 1);
    if (word === "<file>") return "plan.json";
    if (word.includes("|") && !word.startsWith("<")) return word.split("|")[0] ?? word;
    return word;
  });
}

let pendingConflict: string | null = null;

/** Runs each command the given output names, once; returns what was not accepted. */
async function runHints(texts: readonly Printed[], pick: (text: string) => string): Promise<string[]> {
  const refused: string[] = [];
  for (const { by, text } of texts) {
    for (const hint of hintedCommands(pick(text), by)) {
      const argv = filled(hint.argv);
      // A placeholder filled in by us may name nothing to act on (no case is skipped yet): then only
      // the parse is judged. A command printed whole must also not be refused (exit 2).
      const templated = argv.some((word, i) => word !== hint.argv[i]);
      // Long-running commands are judged by the unit test's parse check only.
      if (["sandbox", "demo"].includes(argv[0] ?? "") || argv.includes("--watch")) continue;
      const key = argv.join(" ");
      if (ran.has(key)) continue;
      const result = await w.run(argv);
      ran.set(key, result);
      const commanderError = /^error: .*/m.exec(result.stderr)?.[0];
      if ((result.code === 2 && !templated) || commanderError !== undefined) {
        refused.push(`case-sync ${key} (printed by \`case-sync ${by.join(" ")}\` in "${hint.line}") → exit ${result.code}: ${commanderError ?? result.stderr.split("\n")[0] ?? ""}`);
      }
    }
  }
  return refused;
}

beforeAll(async () => {
  // 220 Plannr cases and 55 of ONLYOFFICE's own: more than 50 and 10 % → the create breaker.
  w = await cliWorld({ seed: 51, cases: 220 });
  const init = await step(["init", "--create-link-fields"]);
  expect(init.code, init.stderr).toBe(0);
  const client = w.sandboxes.world.clients.find((c) => c.note === "ordinary client")?.plannrUuid;
  if (client) writeFileSync(w.mappingPath, readFileSync(w.mappingPath, "utf8").replace("  defaultClient: null", `  defaultClient: ${client}`));
}, 120_000);
afterAll(async () => {
  await w.close();
});

describe("hints on the README's path", () => {
  it("after migrate --from plannr, plan stops at the breaker, and every hint printed so far runs as printed", async () => {
    expect((await step(["check"])).code).toBe(0);
    expect((await step(["migrate", "--from", "plannr", "--dry-run"])).code).toBe(0);
    expect((await step(["migrate", "--from", "plannr"])).code).toBe(0);
    const plan = await step(["plan"]);
    expect(plan.code, plan.stderr).toBe(4);
    expect(plan.stderr).toContain("CS_BREAKER");
    expect(cliLines(plan.stderr)).toContain("case-sync migrate --from onlyoffice --dry-run");
    expect(cliLines(plan.stderr)).toContain("case-sync sync --allow-mass-create --dry-run");
    expect((await step(["sync", "--dry-run"])).code).toBe(4);
    expect(await runHints(printed, cliLines)).toEqual([]);
    // The hinted dry runs were run: the migration from ONLYOFFICE is what the plan needed.
    expect(ran.get("migrate --from onlyoffice --dry-run")?.code).toBe(0);
  }, 180_000);

  it("after both migrations, a conflict, status and links: every hint runs as printed", async () => {
    const migrated = await step(["migrate", "--from", "onlyoffice"]);
    expect([0, 3], migrated.stderr).toContain(migrated.code);
    expect((await step(["sync"])).code).toBe(0);
    const p = w.sandboxes.plannr.listCases()[3]!;
    const o = w.sandboxes.onlyoffice.listCases().find((c) => Object.values(c.customFields).includes(p.uuid))!;
    w.sandboxes.plannr.editCase(p.uuid, { name: "Plannr says this" });
    w.sandboxes.onlyoffice.editCase(o.id, { title: "ONLYOFFICE says that" });
    expect((await step(["sync"])).code).toBe(3);
    const list = await step(["conflicts", "list", "--json"]);
    pendingConflict = (JSON.parse(list.stdout) as { id: string }[])[0]?.id ?? null;
    expect(pendingConflict).not.toBeNull();
    await step(["conflicts", "list"]);
    await step(["status"]);
    await step(["links"]);
    const refused = await runHints(printed, cliLines);
    expect(refused).toEqual([]);
    // The resolve hint was run with the conflict's id: the next sync carries it out.
    expect([...ran.keys()].some((k) => k.startsWith("conflicts resolve"))).toBe(true);
    expect((await w.run(["sync"])).code).toBe(0);
  }, 180_000);

  // The engine's own messages on this path (src/engine: the breaker reason "use case-sync migrate
  // for a first copy, or rerun with --allow-mass-create" printed by `plan`; the rebuild's "link them
  // by hand (case-sync link) or rerun with --allow-create-after-rebuild" printed by `plan`) name
  // commands that do not run as printed. Remove `.fails` once their wording is changed (see the
  // session report).
  it("the engine's own messages on this path name commands that run as printed", async () => {
    // A state file that is new beside stamped cases: the rebuild message.
    await step(["plan"], { CASE_SYNC_STATE: `${w.dir}/other-state.db` });
    const engine = printed.map((p) => ({ by: p.by, text: engineLines(p.text) }));
    expect(await runHints(engine, (t) => t)).toEqual([]);
  }, 180_000);
});

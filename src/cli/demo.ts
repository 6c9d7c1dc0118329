// `case-sync demo`: the whole product in one narrated run against the built-in sandboxes, with
// embedded SQLite state. Sandbox → init → check → migrate from Plannr (preview, then for real) →
// migrate from ONLYOFFICE → edits in both UIs (incl. a conflict and a private ONLYOFFICE case) →
// sync → resolve → sync → a last sync that writes nothing → `serve` for one edit in each UI
// (demo-serve.ts). Ends with every staged conflict
// resolved, exit 0. Both first copies are migrations, as the README's path says: a sync would stop
// at the mass-create breaker once ONLYOFFICE's own cases pass its limits (`--cases` 204 and up).
import { chmodSync, existsSync, lstatSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CaseSyncError } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
import { countWrites, type RunReport } from "../core/report.js";
import { createSync, type CaseSync } from "../library/create-sync.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "../library/options.js";
import { makePrivateDir, parseMapping, PRIVATE_DIR_MODE, writePrivateFile } from "../library/cli-surface.js";
import { startSandboxes, type Sandboxes } from "../sandbox/index.js";
import { discoverMapping } from "../library/discover.js";
import { serveAct } from "./demo-serve.js";
import { renderCheck } from "./output.js";

export interface DemoOptions {
  seed: number;
  cases: number;
  dir: string;
  say: (text: string) => void;
  logger: Logger;
}

function summary(report: RunReport): string {
  const ops = (side: "plannr" | "onlyoffice") => {
    const entries = Object.entries(report.sides[side].operations);
    return entries.length === 0 ? "nothing" : entries.map(([k, n]) => `${n} ${k}`).join(", ");
  };
  return `Plannr: ${ops("plannr")} · ONLYOFFICE: ${ops("onlyoffice")} · ${report.sides.plannr.requests + report.sides.onlyoffice.requests} requests · exit ${report.exitCode}`;
}

function expectCode(report: RunReport, allowed: number[], step: string): void {
  if (!allowed.includes(report.exitCode)) {
    const first = report.abort?.message ?? report.errors[0]?.message ?? "";
    throw new CaseSyncError("CS_INTERNAL", `demo step "${step}" ended with exit ${report.exitCode}: ${first}`);
  }
}

async function stage(s: Sandboxes, sync: CaseSync, say: (t: string) => void): Promise<{ conflictTitle: { plannr: string; onlyoffice: string } }> {
  const links = await sync.store.listLinks();
  const [a, b, c, d] = links;
  if (!a || !b || !c || !d) throw new CaseSyncError("CS_INTERNAL", "the demo needs at least four linked cases");
  const completed = s.world.statuses.find((st) => st.is_type_completed);
  const drinkField = sync.mapping.customFields.find((f) => f.plannr === "favourite_drink")?.onlyoffice;
  const adviser = s.world.staff.find((st) => !st.isIntegrationUser);
  const aCase = s.plannr.getCase(a.plannrId);
  if (!completed || !aCase || !adviser) throw new CaseSyncError("CS_INTERNAL", "the demo world is missing a completed status, a case or an adviser");

  s.plannr.editCase(a.plannrId, { name: `${aCase.name} (renamed in Plannr)`, statusUuid: completed.uuid });
  say(`  Plannr UI: renamed case ${a.plannrId} and moved it to "${completed.name}"`);
  if (drinkField !== undefined) {
    s.onlyoffice.editCase(Number(b.onlyofficeId), { customFields: { [drinkField]: "Tea" } });
    say(`  ONLYOFFICE UI: set Favourite Drink of case ${b.onlyofficeId} to Tea`);
  }
  s.onlyoffice.editCase(Number(c.onlyofficeId), { isPrivate: true, accessList: [adviser.onlyofficeId] });
  say(`  ONLYOFFICE UI: made case ${c.onlyofficeId} private to ${adviser.firstName} ${adviser.lastName} (Plannr gets the assignee)`);
  const conflictTitle = { plannr: "Annual review (Plannr's wording)", onlyoffice: "Annual review (ONLYOFFICE's wording)" };
  s.plannr.editCase(d.plannrId, { name: conflictTitle.plannr });
  s.onlyoffice.editCase(Number(d.onlyofficeId), { title: conflictTitle.onlyoffice });
  say(`  both UIs: renamed the pair ${d.plannrId} ⇄ ${d.onlyofficeId} differently (a conflict: the mapping's policy is manual)`);
  return { conflictTitle };
}

/** The file that marks a folder as the demo's own, so a later demo may empty it. */
export const DEMO_MARKER = ".case-sync-demo";

/**
 * Gives the demo an empty private folder (0700, like the state folder) at `dir`. A folder that
 * exists is emptied only when it carries the demo's marker: `--dir` pointed at a real state folder
 * or a project must never be deleted. An empty folder is taken over; anything else is refused.
 */
export function prepareDemoDir(dir: string): void {
  if (existsSync(dir) || isDanglingLink(dir)) {
    const isFolder = lstatSync(dir).isDirectory();
    if (isFolder && existsSync(join(dir, DEMO_MARKER))) rmSync(dir, { recursive: true, force: true });
    else if (!isFolder || readdirSync(dir).length > 0) {
      throw new CaseSyncError(
        "CS_USAGE",
        `demo: ${dir} already exists and was not made by the demo (it has no ${DEMO_MARKER} file), so it is left alone: pass another --dir, or remove it yourself`,
        { field: "dir" },
      );
    }
  }
  makePrivateDir(dir);
  // An empty folder taken over gets the same mode as one made here.
  chmodSync(dir, PRIVATE_DIR_MODE);
  writePrivateFile(join(dir, DEMO_MARKER), "This folder was made by `case-sync demo`, which empties it on its next run.\n");
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const { say } = options;
  prepareDemoDir(options.dir);
  say(`1. Starting both sandboxes (seed ${options.seed}, ${options.cases} Plannr cases and ${Math.floor(options.cases / 4)} ONLYOFFICE-only cases)`);
  const s = await startSandboxes({ seed: options.seed, cases: options.cases });
  let sync: CaseSync | null = null;
  try {
    say(`   Plannr ${s.plannrUrl} · ONLYOFFICE ${s.onlyofficeUrl}`);
    say("2. init: discovering both systems and writing a mapping (with --create-link-fields)");
    const found = await discoverMapping({
      plannr: parsePlannrConnection({ baseUrl: s.env.PLANNR_BASE_URL, token: s.env.PLANNR_TOKEN, accountUuid: s.env.PLANNR_ACCOUNT_UUID }),
      onlyoffice: parseOnlyofficeConnection({ baseUrl: s.env.ONLYOFFICE_BASE_URL, username: s.env.ONLYOFFICE_USERNAME, password: s.env.ONLYOFFICE_PASSWORD }),
      createLinkFields: true,
      logger: options.logger,
    });
    // A case copied from ONLYOFFICE whose client Plannr cannot tell apart (joint clients) gets this one.
    const defaultClient = s.world.clients.find((cl) => cl.note === "ordinary client")?.plannrUuid ?? null;
    const text = defaultClient ? found.text.replace("  defaultClient: null", `  defaultClient: ${defaultClient}`) : found.text;
    parseMapping(text, "demo mapping");
    const mappingPath = join(options.dir, "case-sync.yaml");
    writePrivateFile(mappingPath, text);
    say(`   wrote ${mappingPath}: ${found.proposal.customFields.length} custom fields, link field ${found.proposal.linkField ?? "?"}, ${found.proposal.todos.length} TODOs`);
    sync = createSync({
      plannr: { baseUrl: s.env.PLANNR_BASE_URL ?? "", token: s.env.PLANNR_TOKEN ?? "", accountUuid: s.env.PLANNR_ACCOUNT_UUID ?? "" },
      onlyoffice: { baseUrl: s.env.ONLYOFFICE_BASE_URL ?? "", token: s.env.ONLYOFFICE_TOKEN ?? "" },
      mapping: mappingPath,
      store: join(options.dir, "state.db"),
      logger: options.logger,
    });
    say("3. check: credentials, administrator rights, every mapped id");
    const check = await sync.check();
    say(renderCheck(check).split("\n").map((l) => `   ${l}`).join("\n"));
    if (!check.ok) throw new CaseSyncError("CS_INTERNAL", "the demo's check failed");

    say("4. migrate --from plannr --dry-run: what a one-off migration would copy");
    const preview = await sync.migrate({ from: "plannr", dryRun: true });
    say(`   would create ${preview.plan?.filter((i) => i.action === "create").length ?? 0} ONLYOFFICE cases; nothing written`);
    say("5. migrate --from plannr: copying (each create journalled first; Plannr gets no writes)");
    const migrated = await sync.migrate({ from: "plannr" });
    expectCode(migrated, [0, 3], "migrate");
    say(`   ${summary(migrated)}; ${migrated.warnings.length} warnings (people the other side cannot hold, e.g. a client without e-mail)`);
    say("6. migrate --from onlyoffice: copies the ONLYOFFICE-only cases to Plannr and stamps them");
    const first = await sync.migrate({ from: "onlyoffice" });
    expectCode(first, [0, 3], "migrate from ONLYOFFICE");
    say(`   ${summary(first)}`);

    say("7. Edits in both UIs:");
    const { conflictTitle } = await stage(s, sync, say);
    say("8. sync: one-sided edits flow across; the conflict waits for a person");
    const second = await sync.sync();
    say(`   ${summary(second)}`);
    const conflicts = await sync.conflicts.list();
    for (const c of conflicts) say(`   conflict ${c.id}: ${c.group} · Plannr ${JSON.stringify(c.plannr)} vs ONLYOFFICE ${JSON.stringify(c.onlyoffice)}`);
    if (conflicts.length === 0) throw new CaseSyncError("CS_INTERNAL", "the staged conflict was not found");
    say("9. conflicts resolve <id> --take plannr, then sync carries it out");
    for (const c of conflicts) await sync.conflicts.resolve(c.id, "plannr");
    const third = await sync.sync();
    say(`   ${summary(third)}`);
    const resolved = (await sync.store.listLinks()).find((l) => s.onlyoffice.getCase(Number(l.onlyofficeId))?.title === conflictTitle.plannr);
    say(`   ONLYOFFICE now reads "${conflictTitle.plannr}"${resolved ? ` on case ${resolved.onlyofficeId}` : " (not found!)"}`);
    say("10. sync again: nothing left to do (a fixpoint: zero writes)");
    const last = await sync.sync();
    say(`   ${summary(last)}`);
    const pending = await sync.conflicts.list();
    if (countWrites(last) !== 0 || pending.length > 0 || !resolved) throw new CaseSyncError("CS_INTERNAL", "the demo did not reach a fixpoint");
    await serveAct(s, sync, say, options.logger, 11);
    say(`Done: ${last.links.total} linked pairs in step. Mapping and state are in ${options.dir}/ (the sandboxes stop now).`);
    return last.exitCode;
  } finally {
    await sync?.close();
    await s.close();
  }
}

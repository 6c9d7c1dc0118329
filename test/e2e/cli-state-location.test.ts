// Issue 10 items 2, 3 and 9 (state) through the built CLI: a mistyped CASE_SYNC_STATE is a
// configuration error naming the path (only the default location is made on its own); a file
// that is no SQLite database, or a folder given as the path, exits 2 with the remedy; a new state
// beside cases that already carry stamps says it rebuilt the links; a PostgreSQL database that
// does not exist is named as such, not as a password problem.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CaseSyncError } from "../../src/core/errors.js";
import { openStateStore } from "../../src/state/open.js";
import { cliWorld, initMapping, type CliResult, type CliWorld } from "../support/cli.js";

let w: CliWorld;

beforeAll(async () => {
  // ONLYOFFICE-only cases stay unlinked (no migration from that side): a rebuilt state withholds them.
  w = await cliWorld({ seed: 31, cases: 12 });
  await initMapping(w);
  const migrated = await w.run(["migrate", "--from", "plannr"]);
  expect(migrated.code).toBe(0);
});
afterAll(async () => {
  await w.close();
});

/** No stack trace, no "bug": a person's mistake is told as one. */
function expectConfigError(result: CliResult): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toContain("[CS_CONFIG]");
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe("a mistyped CASE_SYNC_STATE (item 2)", () => {
  it("a path whose folder does not exist is exit 2 naming the path, and nothing is created", async () => {
    for (const command of [["sync"], ["plan"], ["migrate", "--from", "plannr", "--dry-run"], ["check"]]) {
      const result = await w.run(command, { CASE_SYNC_STATE: "./stat/state.db" });
      expectConfigError(result);
      expect(result.stderr).toContain("state store ./stat/state.db");
      expect(result.stderr).toContain("mkdir -m 700 -p");
      expect(existsSync(join(w.dir, "stat"))).toBe(false);
    }
  });

  it("the same mistake in the library is CS_CONFIG naming the path", () => {
    const path = join(w.dir, "no-such-folder", "state.db");
    expect(() => openStateStore(path)).toThrow(expect.objectContaining({ code: "CS_CONFIG", message: expect.stringContaining(path) as unknown }));
    expect(existsSync(join(w.dir, "no-such-folder"))).toBe(false);
  });

  it("the default ./.case-sync/state.db is still created on its own, however it is written", async () => {
    for (const location of ["./.case-sync/state.db", ".case-sync/state.db"]) {
      // A new state beside stamped cases: the plan rebuilds the links (exit 3), it is not refused.
      const result = await w.run(["plan"], { CASE_SYNC_STATE: location });
      expect([0, 3], result.stderr).toContain(result.code);
      expect(existsSync(join(w.dir, ".case-sync", "state.db"))).toBe(true);
    }
  });

  it("a state file in a folder that exists is created as before", async () => {
    mkdirSync(join(w.dir, "states"));
    const result = await w.run(["plan"], { CASE_SYNC_STATE: "states/team.db" });
    expect([0, 3], result.stderr).toContain(result.code);
    expect(readdirSync(join(w.dir, "states"))).toContain("team.db");
  });
});

describe("a new state beside cases that carry stamps (item 2)", () => {
  it("rebuilds the links and says so: exit 3, withholding the unlinked cases and naming them", async () => {
    const result = await w.run(["sync"], { CASE_SYNC_STATE: join(w.dir, "fresh-1.db") });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain("rebuilt from the link stamps");
    expect(result.stderr).toContain("--allow-create-after-rebuild");
    const status = await w.run(["status"], { CASE_SYNC_STATE: join(w.dir, "fresh-1.db") });
    expect(status.stdout + status.stderr).toContain("links rebuilt from the stamps");
  });

  // What the engine does not say yet (src/engine/run.ts rebuildGuard): when no unlinked case is
  // withheld, a rebuild passes silently with exit 0. Remove `.fails` once every rebuild is an
  // error naming the state file (see the session report).
  it("says so even when nothing is withheld, naming the new state file", async () => {
    const other = await cliWorld({ seed: 32, cases: 8, onlyofficeCases: 0 });
    try {
      await initMapping(other);
      expect((await other.run(["migrate", "--from", "plannr"])).code).toBe(0);
      const fresh = join(other.dir, "fresh-2.db");
      const result = await other.run(["sync"], { CASE_SYNC_STATE: fresh });
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toContain("rebuilt from the link stamps");
      expect(result.stderr).toContain(fresh);
    } finally {
      await other.close();
    }
  });
});

describe("a state file that cannot be a state (item 3)", () => {
  it("a file that is not a SQLite database: exit 2, naming it, with the remedy", async () => {
    const path = join(w.dir, "not-a-db.db");
    writeFileSync(path, `${"this is a text file, not a SQLite database. ".repeat(20)}\n`);
    for (const command of [["sync"], ["status"], ["plan"]]) {
      const result = await w.run(command, { CASE_SYNC_STATE: path });
      expectConfigError(result);
      expect(result.stderr).toContain(path);
      expect(result.stderr).toContain("SQLITE_NOTADB");
      expect(result.stderr).toContain("move it aside");
      expect(result.stderr).toContain("the links are rebuilt from the stamps on the next run");
    }
  });

  it("a folder given as the state path: exit 2, naming it", async () => {
    const folder = join(w.dir, "a-folder");
    mkdirSync(folder);
    for (const command of [["sync"], ["status"]]) {
      const result = await w.run(command, { CASE_SYNC_STATE: folder });
      expectConfigError(result);
      expect(result.stderr).toContain(`${folder} is a folder, not a SQLite file`);
    }
  });
});

describe("a PostgreSQL database that does not exist (item 9)", () => {
  const candidates = ["postgres://postgres@127.0.0.1:5432/test", "postgres://root@127.0.0.1:5432/test"];
  let server = "";
  beforeAll(async () => {
    for (const url of candidates) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      try {
        await client.connect();
        server = url;
        break;
      } catch {
        // try the next user
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  });

  it("is named with what to do (not 'check the user and password'): exit 2", async () => {
    expect(server, "a PostgreSQL server at 127.0.0.1:5432 (see README)").not.toBe("");
    const name = `cs_missing_${randomBytes(4).toString("hex")}`;
    const url = server.replace(/\/test$/, `/${name}`);
    const result = await w.run(["status"], { CASE_SYNC_STATE: url });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`database "${name}" does not exist: create it (createdb ${name}) or fix CASE_SYNC_STATE`);
    expect(result.stderr).not.toContain("user and password");
    const store = openStateStore(url);
    await expect(store.init()).rejects.toMatchObject({ code: "CS_CONFIG" } satisfies Partial<CaseSyncError>);
    await store.close();
  });
});

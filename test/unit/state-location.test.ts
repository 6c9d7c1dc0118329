// Issue 10 items 2, 3 and 9 at the state layer: which SQLite paths may be created (only the
// default), what a folder or a non-database file is told, and PostgreSQL's missing database.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_STATE } from "../../src/library/create-sync.js";
import { checkSqliteLocation, DEFAULT_STATE_PATH, isDefaultStatePath } from "../../src/state/location.js";
import { openStateStore } from "../../src/state/open.js";
import { SqliteStateStore } from "../../src/state/sqlite.js";
import { toSqliteError, toStateError } from "../../src/state/store-errors.js";

const root = mkdtempSync(join(tmpdir(), "case-sync-location-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the default state location", () => {
  it("is the library's DEFAULT_STATE, however it is written", () => {
    expect(DEFAULT_STATE_PATH).toBe(DEFAULT_STATE);
    for (const path of ["./.case-sync/state.db", ".case-sync/state.db", ".case-sync//state.db", join(root, ".case-sync", "state.db")]) expect(isDefaultStatePath(path, root), path).toBe(true);
    for (const path of ["./.case-sync/state2.db", "./case-sync/state.db", "state.db"]) expect(isDefaultStatePath(path, root), path).toBe(false);
  });
});

describe("checkSqliteLocation", () => {
  it("accepts the default (its folder is made later), an existing folder and :memory:", () => {
    const cwd = join(root, "cwd-1");
    mkdirSync(cwd);
    expect(() => checkSqliteLocation("./.case-sync/state.db", cwd)).not.toThrow();
    expect(() => checkSqliteLocation("state.db", cwd)).not.toThrow();
    expect(() => checkSqliteLocation(":memory:", cwd)).not.toThrow();
  });

  it("refuses any other path whose folder does not exist, naming it and how to make it", () => {
    const cwd = join(root, "cwd-2");
    mkdirSync(cwd);
    for (const path of ["./.case-synk/state.db", "./.case-sync/other/state.db", join(root, "nowhere", "state.db")]) {
      expect(() => checkSqliteLocation(path, cwd)).toThrow(expect.objectContaining({ code: "CS_CONFIG", field: "CASE_SYNC_STATE", message: expect.stringMatching(/its folder .* does not exist/) as unknown }));
    }
    writeFileSync(join(cwd, "a-file"), "");
    expect(() => checkSqliteLocation("a-file/state.db", cwd)).toThrow(/is not a folder/);
  });

  it("refuses a folder given as the path", () => {
    const cwd = join(root, "cwd-3");
    mkdirSync(join(cwd, "states"), { recursive: true });
    expect(() => checkSqliteLocation("states", cwd)).toThrow(expect.objectContaining({ code: "CS_CONFIG", message: expect.stringContaining("states is a folder, not a SQLite file") as unknown }));
  });

  it("is what openStateStore applies to a path (and nothing is created)", () => {
    const path = join(root, "missing", "state.db");
    expect(() => openStateStore(path)).toThrow(expect.objectContaining({ code: "CS_CONFIG" }));
    expect(existsSync(join(root, "missing"))).toBe(false);
  });
});

describe("a file that is not a SQLite database", () => {
  it("is CS_CONFIG (exit 2) with the remedy, on init", async () => {
    const path = join(root, "garbage.db");
    writeFileSync(path, "not a database ".repeat(50));
    const store = new SqliteStateStore(path);
    await expect(store.init()).rejects.toMatchObject({ code: "CS_CONFIG", message: expect.stringContaining(`state file ${path} is not a SQLite database, or is damaged (SQLITE_NOTADB): move it aside`) as unknown });
    await store.close();
  });

  it("maps SQLite's and the file system's codes; anything else stays a state error", () => {
    const err = (code: string) => Object.assign(new Error(`driver says ${code}`), { code });
    expect(toSqliteError(err("SQLITE_CORRUPT"), "s.db")).toMatchObject({ code: "CS_CONFIG", message: expect.stringContaining("the links are rebuilt from the stamps on the next run") as unknown });
    expect(toSqliteError(err("SQLITE_CANTOPEN"), "s.db")).toMatchObject({ code: "CS_CONFIG", message: expect.stringContaining("cannot be opened or written") as unknown });
    expect(toSqliteError(err("EACCES"), "s.db")).toMatchObject({ code: "CS_CONFIG" });
    expect(toSqliteError(err("SQLITE_BUSY"), "s.db")).toMatchObject({ code: "CS_STATE" });
  });
});

describe("PostgreSQL's missing database (3D000)", () => {
  it("is CS_CONFIG saying to create it or fix CASE_SYNC_STATE, not a credentials problem", () => {
    const error = Object.assign(new Error('database "crm" does not exist'), { code: "3D000" });
    const e = toStateError(error, "postgres://u:***@db/crm", ["s3cret"]);
    expect(e.code).toBe("CS_CONFIG");
    expect(e.message).toBe('state store postgres://u:***@db/crm: database "crm" does not exist: create it (createdb crm) or fix CASE_SYNC_STATE');
    // A refused password stays CS_AUTH.
    expect(toStateError(Object.assign(new Error("password authentication failed"), { code: "28P01" }), "x").code).toBe("CS_AUTH");
  });
});

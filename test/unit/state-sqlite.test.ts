// The SQLite store: the shared contract on temp files, plus what only a file store has (pragmas,
// parent folders, volume), the location parsing openStateStore relies on, and the pure lock rule.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import type { LockHolder, StateStore } from "../../src/core/state.js";
import { mayTakeLock } from "../../src/state/lock-policy.js";
import { sqliteDialect } from "../../src/state/dialect.js";
import { MIGRATIONS, pendingMigrations, SCHEMA_VERSION, versionTableDdl } from "../../src/state/migrations.js";
import { openStateStore } from "../../src/state/open.js";
import { PostgresStateStore } from "../../src/state/postgres.js";
import { SqliteStateStore } from "../../src/state/sqlite.js";
import { fullCase, link, stateStoreContract, type RawAccess } from "../contract/state-store.contract.js";

const root = mkdtempSync(join(tmpdir(), "case-sync-state-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const paths = new Map<StateStore, string>();

function newPath(): string {
  counter += 1;
  // A nested folder that does not exist yet: the store creates it.
  return join(root, `store-${counter}`, "nested", "state.db");
}

async function makeStore(path = newPath()): Promise<SqliteStateStore> {
  const store = new SqliteStateStore(path);
  paths.set(store, path);
  await store.init();
  return store;
}

function pathOf(store: StateStore): string {
  const path = paths.get(store);
  if (path === undefined) throw new Error("not a store of this file");
  return path;
}

const raw: RawAccess = {
  exec(store, sql) {
    const db = new Database(pathOf(store));
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return Promise.resolve();
  },
  reopen(store) {
    const again = new SqliteStateStore(pathOf(store));
    paths.set(again, pathOf(store));
    return Promise.resolve(again);
  },
};

stateStoreContract("sqlite", () => makeStore(), undefined, raw);

describe("SqliteStateStore", () => {
  it("creates its folder and opens the file in WAL mode with the agreed pragmas", async () => {
    const store = await makeStore();
    const path = pathOf(store);
    expect(store.describe()).toBe(path);
    const db = new Database(path);
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
    await store.close();
  });

  it("works in memory", async () => {
    const store = new SqliteStateStore(":memory:");
    await store.init();
    await store.commit({ upsertLink: link("p-1", "o-1", fullCase) });
    expect(await store.countLinks()).toBe(1);
    await store.close();
  });

  it("says so when used before init()", async () => {
    const store = new SqliteStateStore(":memory:");
    await expect(store.countLinks()).rejects.toMatchObject({ code: "CS_INTERNAL" });
    await store.close();
  });

  it("refuses a file that is not a database as a configuration error with the remedy (exit 2)", async () => {
    const path = newPath();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "this is not a database, just text that is long enough to have a header page");
    const store = new SqliteStateStore(path);
    await expect(store.init()).rejects.toMatchObject({ code: "CS_CONFIG" });
    await store.close();
  });

  it("takes 10,000 commits and lists all 10,000 links", async () => {
    const store = await makeStore();
    for (let i = 0; i < 10_000; i += 1) {
      await store.commit({
        upsertLink: link(`p-${i}`, `o-${i}`, { ...fullCase, title: `Case ${i}` }),
        audit: [
          {
            runId: "r",
            side: "onlyoffice",
            record: `o-${i}`,
            partner: `p-${i}`,
            operation: "PUT",
            group: "title",
            before: null,
            after: `Case ${i}`,
            at: "2024-05-01T10:00:00.000Z",
          },
        ],
      });
    }
    const links = await store.listLinks();
    expect(links).toHaveLength(10_000);
    expect(await store.countLinks()).toBe(10_000);
    expect(links.find((l) => l.plannrId === "p-9999")?.base?.title).toBe("Case 9999");
    expect(await store.listAudit(["p-4242"])).toHaveLength(1);
    await store.close();
  });
});

describe("openStateStore", () => {
  it("opens a SQLite file for a path and PostgreSQL for postgres:// and postgresql:// URLs", async () => {
    const path = newPath();
    mkdirSync(dirname(path), { recursive: true });
    const file = openStateStore(path);
    expect(file).toBeInstanceOf(SqliteStateStore);
    await file.close();
    for (const url of ["postgres://u:pw-123456@db.example/cs", "postgresql://u:pw-123456@db.example/cs", "POSTGRES://u@db.example/cs"]) {
      const store = openStateStore(url);
      expect(store).toBeInstanceOf(PostgresStateStore);
      expect(store.describe()).not.toContain("pw-123456");
      await store.close();
    }
  });

  it("refuses an empty location rather than opening a throwaway database", () => {
    expect(() => openStateStore("  ")).toThrow(expect.objectContaining({ code: "CS_CONFIG" }));
  });

  it("describes a postgres URL without its password or other query parameters", async () => {
    const store = openStateStore("postgres://user:s%40cret-pass@db.example:5433/db?sslpassword=other-secret&schema=team_a");
    expect(store.describe()).toBe("postgres://user:***@db.example:5433/db?schema=team_a");
    await store.close();
    const plain = openStateStore("postgresql://user@db.example/db");
    expect(plain.describe()).toBe("postgresql://user@db.example/db");
    await plain.close();
  });

  it("refuses a schema name that is not a plain identifier", () => {
    expect(() => openStateStore("postgres://u@h/db?schema=x%22;drop")).toThrow(CaseSyncError);
    expect(() => new PostgresStateStore({ url: "postgres://u@h/db", schema: "a-b" })).toThrow(/schema name/);
  });
});

describe("schema migrations", () => {
  it("lists what a store still needs and refuses a newer store", () => {
    expect(pendingMigrations(0).map((m) => m.version)).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    expect(pendingMigrations(SCHEMA_VERSION)).toEqual([]);
    expect(() => pendingMigrations(SCHEMA_VERSION + 1)).toThrow(
      `state store schema version ${SCHEMA_VERSION + 1} is newer than this case-sync supports (${SCHEMA_VERSION})`,
    );
  });
});

describe("schema v5 (webhook inbox and subscription)", () => {
  it("migrates a store written at v4, keeping its rows", async () => {
    const path = newPath();
    mkdirSync(dirname(path), { recursive: true });
    // A v4 store, made by the v1–v4 migrations exactly as case-sync at v4 ran them.
    const old = new Database(path);
    try {
      old.exec(versionTableDdl(sqliteDialect));
      for (const migration of MIGRATIONS.filter((m) => m.version <= 4)) for (const ddl of migration.statements(sqliteDialect)) old.exec(ddl);
      old.exec("INSERT INTO schema_version (singleton, version, applied_at) VALUES (1, 4, '2024-01-01T00:00:00.000Z')");
      old.exec("INSERT INTO links (plannr_id, onlyoffice_id, linked_at, updated_at, how) VALUES ('p-1', 'o-1', 'T0', 'T1', 'hand')");
      expect(old.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'webhook%'").all()).toEqual([]);
    } finally {
      old.close();
    }
    chmodSync(path, 0o600);

    const store = await makeStore(path);
    expect((await store.getLinkByPlannr("p-1"))?.how).toBe("hand");
    await store.putInbox({ caseId: "c-1", event: "case.updated", receivedAt: "2024-05-01T10:00:00.000Z" });
    await store.setWebhookSubscription({ uuid: "u-1", url: "https://x.example/webhooks/plannr", events: ["case.updated"], secret: "s", createdAt: "T" });
    expect(await store.countInbox()).toBe(1);
    expect((await store.getWebhookSubscription())?.uuid).toBe("u-1");
    await store.close();
    const check = new Database(path);
    try {
      expect(check.prepare("SELECT version FROM schema_version").get()).toEqual({ version: 5 });
    } finally {
      check.close();
    }
  });
});

describe("mayTakeLock", () => {
  const now = new Date("2024-05-01T12:00:00.000Z");
  const current: LockHolder = { owner: "a", host: "h1", pid: 10, expiresAt: "2024-05-01T12:05:00.000Z" };
  const candidate: LockHolder = { owner: "b", host: "h1", pid: 20, expiresAt: "2024-05-01T12:10:00.000Z" };
  const alive = () => true;
  const dead = () => false;

  it("frees a lock only for a reason", () => {
    expect(mayTakeLock(null, candidate, now, alive)).toBe(true);
    expect(mayTakeLock(current, candidate, now, alive)).toBe(false);
    expect(mayTakeLock(current, { ...candidate, owner: "a" }, now, alive)).toBe(true);
    expect(mayTakeLock({ ...current, expiresAt: "2024-05-01T12:00:00.000Z" }, candidate, now, alive)).toBe(true);
    expect(mayTakeLock(current, candidate, now, dead)).toBe(true);
    expect(mayTakeLock({ ...current, host: "h2" }, candidate, now, dead)).toBe(false);
    expect(mayTakeLock({ ...current, expiresAt: "whenever" }, candidate, now, alive)).toBe(false);
  });
});

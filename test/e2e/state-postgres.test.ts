// The PostgreSQL store against a real server (127.0.0.1:5432, trust auth, database `test`). Every
// store gets its own random schema, dropped at the end. An unreachable server fails this file:
// CI has one, and a silent skip would hide a broken store.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateStore } from "../../src/core/state.js";
import { postgresDialect } from "../../src/state/dialect.js";
import { MIGRATIONS, versionTableDdl } from "../../src/state/migrations.js";
import { openStateStore } from "../../src/state/open.js";
import { PostgresStateStore } from "../../src/state/postgres.js";
import { fullCase, link, stateStoreContract, type RawAccess } from "../contract/state-store.contract.js";
import { postgresUrl, withClient as withLocalClient } from "../support/local-postgres.js";

const RUN_TAG = randomBytes(4).toString("hex");

let baseUrl = "";
let schemaCounter = 0;
const schemas = new Set<string>();
const schemaOf = new Map<StateStore, string>();

const withClient = <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => withLocalClient(baseUrl, fn);

function newSchema(): string {
  schemaCounter += 1;
  const schema = `cs_test_${RUN_TAG}_${schemaCounter}`;
  schemas.add(schema);
  return schema;
}

function storeIn(schema: string): PostgresStateStore {
  const store = new PostgresStateStore({ url: baseUrl, schema });
  schemaOf.set(store, schema);
  return store;
}

beforeAll(async () => {
  baseUrl = await postgresUrl();
});

afterAll(async () => {
  if (baseUrl === "") return;
  await withClient(async (client) => {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
});

const raw: RawAccess = {
  exec: (store, sql) =>
    withClient(async (client) => {
      await client.query(`SET search_path TO "${schemaOf.get(store)!}"`);
      await client.query(sql);
    }),
  reopen: (store) => Promise.resolve(storeIn(schemaOf.get(store)!)),
};

stateStoreContract(
  "postgres",
  async () => {
    const store = storeIn(newSchema());
    await store.init();
    return store;
  },
  undefined,
  raw,
);

describe("PostgresStateStore", () => {
  it("creates its schema and keeps every table inside it", async () => {
    const schema = newSchema();
    const store = storeIn(schema);
    await store.init();
    await store.close();
    const tables = await withClient(async (client) => {
      const result = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
        [schema],
      );
      return result.rows.map((r) => r.table_name);
    });
    expect(tables).toEqual([
      "audit",
      "conflicts",
      "journal",
      "links",
      "meta",
      "pair_identity",
      "run_lock",
      "runs",
      "schema_version",
      "skips",
      "tombstones",
      "webhook_inbox",
      "webhook_subscription",
    ]);
  });

  it("migrates a store written at v4 to v5, keeping its rows", async () => {
    const schema = newSchema();
    const d = postgresDialect(schema);
    // A v4 store, made by the v1–v4 migrations exactly as case-sync at v4 ran them.
    await withClient(async (client) => {
      await client.query(`CREATE SCHEMA "${schema}"`);
      await client.query(versionTableDdl(d));
      for (const migration of MIGRATIONS.filter((m) => m.version <= 4)) for (const ddl of migration.statements(d)) await client.query(ddl);
      await client.query(`INSERT INTO ${d.table("schema_version")} (singleton, version, applied_at) VALUES (1, 4, 'T')`);
      await client.query(`INSERT INTO ${d.table("links")} (plannr_id, onlyoffice_id, linked_at, updated_at, how) VALUES ('p-1', 'o-1', 'T0', 'T1', 'hand')`);
    });
    const store = storeIn(schema);
    await store.init();
    expect((await store.getLinkByPlannr("p-1"))?.how).toBe("hand");
    await store.putInbox({ caseId: "c-1", event: "case.updated", receivedAt: "2024-05-01T10:00:00.000Z" });
    await store.putInbox({ caseId: "c-1", event: "case.updated", receivedAt: "2024-05-01T10:01:00.000Z" });
    await store.setWebhookSubscription({ uuid: "u-1", url: "https://x.example/webhooks/plannr", events: ["case.updated"], secret: "s", createdAt: "T" });
    expect(await store.listInbox(5, "2024-05-01T11:00:00.000Z")).toMatchObject([{ caseId: "c-1", deliveries: 2, seq: 2 }]);
    expect((await store.getWebhookSubscription())?.uuid).toBe("u-1");
    await store.close();
    const version = await withClient(async (client) => (await client.query<{ version: number }>(`SELECT version FROM ${d.table("schema_version")}`)).rows[0]?.version);
    expect(version).toBe(5);
  });

  it("takes the schema from ?schema= in the URL and does not pass it on to pg", async () => {
    const schema = newSchema();
    const store = openStateStore(`${baseUrl}?schema=${schema}`);
    await store.init();
    await store.commit({ upsertLink: link("p-1", "o-1", fullCase) });
    await store.close();
    const count = await withClient(async (client) => {
      const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".links`);
      return Number(result.rows[0]?.n);
    });
    expect(count).toBe(1);
  });

  it("inits concurrently without tripping over itself", async () => {
    const schema = newSchema();
    const stores = [storeIn(schema), storeIn(schema), storeIn(schema)];
    await Promise.all(stores.map((s) => s.init()));
    await stores[0]!.commit({ upsertLink: link("p-1", "o-1") });
    expect(await stores[2]!.countLinks()).toBe(1);
    await Promise.all(stores.map((s) => s.close()));
  });

  it("never shows the password, in describe() or in errors", async () => {
    const password = "Sup3r-Secret-pw";
    // Trust auth accepts any password, so the URL with one still connects.
    const withPassword = baseUrl.replace(/^postgres:\/\/([^@]+)@/, `postgres://$1:${password}@`);
    const store = new PostgresStateStore({ url: withPassword, schema: newSchema() });
    expect(store.describe()).not.toContain(password);
    expect(store.describe()).toMatch(/^postgres:\/\/\w+:\*\*\*@127\.0\.0\.1:5432\/test/);
    await store.init();
    expect(await store.countLinks()).toBe(0);
    await store.close();

    const unreachable = new PostgresStateStore({ url: `postgres://someone:${password}@127.0.0.1:1/test` });
    const error = await unreachable.init().then(
      () => null,
      (e: unknown) => e,
    );
    await unreachable.close();
    // Unreachable stops a run like an unreachable CRM does (exit 4), not like a bug.
    expect(error).toMatchObject({ code: "CS_NETWORK" });
    expect(String((error as Error).message)).toContain("postgres://someone:***@127.0.0.1:1/test");
    expect(JSON.stringify(error)).not.toContain(password);
    expect(String((error as Error).message)).not.toContain(password);
  });

  it("lists many links in one go", async () => {
    const store = storeIn(newSchema());
    await store.init();
    await withClient(async (client) => {
      await client.query(
        `INSERT INTO "${schemaOf.get(store)!}".links (plannr_id, onlyoffice_id, base, linked_at, updated_at)
         SELECT 'p-' || i, 'o-' || i, $1, 'T0', 'T1' FROM generate_series(1, 5000) AS i`,
        [JSON.stringify(fullCase)],
      );
    });
    const links = await store.listLinks();
    expect(links).toHaveLength(5000);
    expect(links.every((l) => l.base?.title === fullCase.title)).toBe(true);
    expect(await store.countLinks()).toBe(5000);
    await store.close();
  });
});

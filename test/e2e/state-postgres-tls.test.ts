// Issue 9 item 8 against the real server (127.0.0.1:5432, trust auth, database `test`, no TLS):
// the pool follows sslmode and PGSSLMODE (a server without TLS is refused when TLS is required),
// and a password with an unencoded `/`, `@` and `:` is read whole, so the store reaches the real
// host (trust auth accepts any password) and never prints it.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { PostgresStateStore } from "../../src/state/postgres.js";

const CANDIDATES = ["postgres://postgres@127.0.0.1:5432/test", "postgres://root@127.0.0.1:5432/test"];
const SCHEMA = `cs_tls_${randomBytes(4).toString("hex")}`;
const PASSWORD = "1234/se@cr:et";
let user = "";

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

beforeAll(async () => {
  for (const url of CANDIDATES) {
    if (await reachable(url)) {
      user = new URL(url).username;
      return;
    }
  }
  throw new Error(`PostgreSQL is not reachable at ${CANDIDATES.join(" or ")}; these tests need it`);
});

afterAll(async () => {
  if (user === "") return;
  const client = new pg.Client({ connectionString: `postgres://${user}@127.0.0.1:5432/test` });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  await client.end();
});

async function initFails(store: PostgresStateStore): Promise<CaseSyncError> {
  try {
    await store.init();
  } catch (error) {
    if (error instanceof CaseSyncError) return error;
    throw error;
  } finally {
    await store.close();
  }
  throw new Error("init succeeded");
}

describe("PostgreSQL TLS settings", () => {
  it("sslmode=require in the URL refuses a server without TLS", async () => {
    const error = await initFails(new PostgresStateStore({ url: `postgres://${user}@127.0.0.1:5432/test?sslmode=require`, schema: SCHEMA, pgSslMode: undefined }));
    expect(error.message).toMatch(/does not support SSL/);
    // Like a CRM that cannot be reached safely: exit 4, not an internal error.
    expect(error.code).toBe("CS_NETWORK");
  });

  it("PGSSLMODE=verify-full does the same when the URL says nothing, and the URL's disable wins over it", async () => {
    const error = await initFails(new PostgresStateStore({ url: `postgres://${user}@127.0.0.1:5432/test`, schema: SCHEMA, pgSslMode: "verify-full" }));
    expect(error.message).toMatch(/does not support SSL/);
    const plain = new PostgresStateStore({ url: `postgres://${user}@127.0.0.1:5432/test?sslmode=disable`, schema: SCHEMA, pgSslMode: "verify-full" });
    await plain.init();
    await plain.close();
  });
});

describe("a password with an unencoded / @ :", () => {
  it("connects to the real host and keeps the password out of describe()", async () => {
    const store = new PostgresStateStore({ url: `postgres://${user}:${PASSWORD}@127.0.0.1:5432/test`, schema: SCHEMA, pgSslMode: undefined });
    expect(store.describe()).toBe(`postgres://${user}:***@127.0.0.1:5432/test?schema=${SCHEMA}`);
    await store.init();
    await store.setMeta("probe", "ok");
    expect(await store.getMeta("probe")).toBe("ok");
    await store.close();
  });
});

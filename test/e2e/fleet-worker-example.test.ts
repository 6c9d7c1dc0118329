// examples/fleet/fleet.ts runs as the README says, on the local PostgreSQL in a schema of its own
// (dropped afterwards): both pairs synced by the worker, the delivery answered 202 and synced.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { databaseUrl } from "../support/fleet-world.js";

const schema = `csf_${randomBytes(4).toString("hex")}`;
let base = "";

afterAll(async () => {
  if (base === "") return;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname LIKE $2", [schema, `${schema}\\_%`]);
    for (const row of rows) await client.query(`DROP SCHEMA "${row.nspname}" CASCADE`);
  } finally {
    await client.end();
  }
});

describe("examples/fleet/fleet.ts", () => {
  it("registers two pairs, runs them on a worker and syncs a delivery", async () => {
    base = await databaseUrl();
    const root = resolve(import.meta.dirname, "../..");
    const result = spawnSync(process.execPath, ["--import", "tsx", "examples/fleet/fleet.ts"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, CASE_SYNC_STATE: `${base}?schema=${schema}` },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("acme-law: first sync exit 0");
    expect(result.stdout).toContain("bramble-ifa: first sync exit 0");
    expect(result.stdout).toContain("delivery to /webhooks/plannr/acme-law: HTTP 202");
    expect(result.stdout).toContain("the renamed case reached acme-law's ONLYOFFICE");
  }, 70_000);
});

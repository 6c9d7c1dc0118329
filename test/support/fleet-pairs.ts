// Shared by the fleet's end-to-end tests: the local PostgreSQL (trust auth, database `test`), a
// fleet schema of the test's own (dropped afterwards with every schema it made: `<fleet>_p_*`,
// `<fleet>_boss`), a fresh key, and a working mapping for a sandbox (what `init` writes, with a
// default client set since the world has joint clients).
import { randomBytes } from "node:crypto";
import { discoverMapping } from "../../src/library/discover.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "../../src/library/options.js";
import type { Sandboxes } from "../../src/sandbox/index.js";
import { postgresUrl, withClient } from "./local-postgres.js";

export { postgresUrl, withClient };


/** A fleet schema name of this run's own. */
export function fleetSchemaName(tag: string): string {
  return `cs_fleet_${tag}_${randomBytes(3).toString("hex")}`;
}

/** Drops the fleet schema and every schema made beside it (its pairs', pg-boss's). */
export async function dropFleet(url: string, fleet: string): Promise<void> {
  await withClient(url, async (client) => {
    const { rows } = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname LIKE $2", [fleet, `${fleet}\\_%`]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  });
}

export async function schemaExists(url: string, schema: string): Promise<boolean> {
  return withClient(url, async (client) => (await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema])).rowCount === 1);
}

export const newKey = (): string => randomBytes(32).toString("base64");

/** The mapping `init --create-link-fields` writes for this sandbox, with its ordinary client as default. */
export async function sandboxMapping(s: Sandboxes): Promise<string> {
  const found = await discoverMapping({
    plannr: parsePlannrConnection({ baseUrl: s.env.PLANNR_BASE_URL, token: s.env.PLANNR_TOKEN, accountUuid: s.env.PLANNR_ACCOUNT_UUID }),
    onlyoffice: parseOnlyofficeConnection({ baseUrl: s.env.ONLYOFFICE_BASE_URL, token: s.env.ONLYOFFICE_TOKEN }),
    createLinkFields: true,
  });
  const client = s.world.clients.find((c) => c.note === "ordinary client")?.plannrUuid;
  return client === undefined ? found.text : found.text.replace("  defaultClient: null", `  defaultClient: ${client}`);
}

/** A pair's env for a sandbox: personal tokens, as an operator's env file would hold them. */
export function sandboxEnv(s: Sandboxes): Record<string, string> {
  return {
    PLANNR_BASE_URL: s.env.PLANNR_BASE_URL ?? "",
    PLANNR_TOKEN: s.env.PLANNR_TOKEN ?? "",
    PLANNR_ACCOUNT_UUID: s.env.PLANNR_ACCOUNT_UUID ?? "",
    ONLYOFFICE_BASE_URL: s.env.ONLYOFFICE_BASE_URL ?? "",
    ONLYOFFICE_USERNAME: s.env.ONLYOFFICE_USERNAME ?? "",
    ONLYOFFICE_PASSWORD: s.env.ONLYOFFICE_PASSWORD ?? "",
  };
}

/** The same pair with an OAuth token set in place of the personal token. */
export function sandboxOAuthEnv(s: Sandboxes, set: { accessToken: string; refreshToken: string; expiresAt: string }): Record<string, string> {
  const { PLANNR_TOKEN: _personal, ...rest } = sandboxEnv(s);
  return {
    ...rest,
    PLANNR_OAUTH_CLIENT_ID: s.plannr.oauth.clientId,
    PLANNR_OAUTH_CLIENT_SECRET: s.plannr.oauth.clientSecret,
    PLANNR_OAUTH_ACCESS_TOKEN: set.accessToken,
    PLANNR_OAUTH_REFRESH_TOKEN: set.refreshToken,
    PLANNR_OAUTH_EXPIRES_AT: set.expiresAt,
  };
}

// Plannr OAuth2 in the fleet (SPEC §10) against the sandbox's token endpoint (Passport-like: the
// refresh token rotates, a used one is refused) and the local PostgreSQL: an expired token is
// refreshed exactly once however many workers race for it, and the rotated set is stored sealed;
// a 401 in the middle of a run refreshes and the refused request goes through; a refused refresh
// is a clear CS_AUTH without any token in it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOAuthTokenProvider, tokenContext } from "../../src/fleet/oauth.js";
import { fleetLocation } from "../../src/fleet/pair-names.js";
import { TokenSetSchema } from "../../src/fleet/pair-env.js";
import { RegistryDatabase } from "../../src/fleet/registry-db.js";
import { PairRegistry } from "../../src/fleet/registry.js";
import { createSecretBox, SealedSchema } from "../../src/fleet/secrets.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";
import type { OAuthTokenSet } from "../../src/sandbox/plannr/simulator.js";
import { dropFleet, fleetSchemaName, newKey, postgresUrl, sandboxMapping, sandboxOAuthEnv, withClient } from "../support/fleet-pairs.js";
import { failure } from "../support/failure.js";

const HTTP = { timeoutMs: 10_000, concurrency: 4 };
const PAST = "2020-01-01T00:00:00Z";

let pgUrl = "";
let fleet = "";
let url = "";
const key = newKey();
let s: Sandboxes;
let mapping = "";
const closers: (() => Promise<void>)[] = [];

async function registry(): Promise<PairRegistry> {
  const opened = await PairRegistry.open({ url, secretKey: key });
  closers.push(() => opened.close());
  return opened;
}

/** The set stored for `pair`, opened (what a worker would read next). */
async function storedSet(pair: string): Promise<{ accessToken: string; refreshToken: string; expiresAt: Date | null; refreshes: number }> {
  const row = await withClient(pgUrl, async (client) => (await client.query<{ sealed: unknown; expires_at: Date | null; refreshes: number }>(`SELECT sealed, expires_at, refreshes FROM "${fleet}".pair_tokens WHERE pair = $1`, [pair])).rows[0]);
  const set = TokenSetSchema.parse(JSON.parse(createSecretBox(key).open(SealedSchema.parse(row?.sealed), tokenContext(pair))));
  return { ...set, expiresAt: row?.expires_at ?? null, refreshes: row?.refreshes ?? -1 };
}

/** Registers an OAuth pair from a freshly issued set; `expiresAt` overrides what is stored. */
async function addOAuthPair(name: string, expiresAt?: string): Promise<OAuthTokenSet> {
  const issued = s.plannr.oauth.issue({ expiresInSeconds: 3600 });
  const r = await registry();
  await r.add({ name, env: sandboxOAuthEnv(s, { ...issued, expiresAt: expiresAt ?? issued.expiresAt }), mapping, everyMs: 60_000 });
  return issued;
}

const plannrLog = (path: RegExp | string) => s.plannr.server.requests({ path });
const unauthorized = () => s.plannr.server.log.filter((e) => e.path.startsWith("/api/") && e.status === 401);

beforeAll(async () => {
  pgUrl = await postgresUrl();
  fleet = fleetSchemaName("oauth");
  url = `${pgUrl}?schema=${fleet}`;
  s = await startSandboxes({ seed: 71, cases: 8 });
  mapping = await sandboxMapping(s);
}, 60_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await s?.close();
  if (pgUrl !== "") await dropFleet(pgUrl, fleet);
});

describe("fleet OAuth token refresh", () => {
  it("two workers racing on an expired token: the refresh token is presented once, both use the new access token", async () => {
    const issued = await addOAuthPair("race", PAST);
    // The old access token is dead at Plannr too: anyone still sending it would get 401.
    s.plannr.oauth.expire(issued.accessToken);
    const [workerA, workerB] = [await registry(), await registry()];
    const [syncA, syncB] = [await workerA.openSync("race", { http: HTTP }), await workerB.openSync("race", { http: HTTP })];
    closers.push(() => syncA.close(), () => syncB.close());
    s.plannr.server.log.length = 0;
    const [a, b] = await Promise.all([syncA.plan(), syncB.plan()]);
    expect(a.abort).toBeNull();
    expect(b.abort).toBeNull();
    expect(s.plannr.oauth.refreshUses(issued.refreshToken)).toBe(1);
    expect(plannrLog("/oauth/token")).toHaveLength(1);
    expect(unauthorized()).toEqual([]);
    const stored = await storedSet("race");
    expect(stored.accessToken).not.toBe(issued.accessToken);
    expect(stored.refreshToken).not.toBe(issued.refreshToken);
    expect(stored.refreshes).toBe(1);
    expect(stored.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
  });

  it("many callers in two processes' worth of connections: one refresh, every caller gets the same new token", async () => {
    const issued = await addOAuthPair("stampede", PAST);
    const location = fleetLocation(url);
    const box = createSecretBox(key);
    const providers = [0, 1].map(() => {
      const db = new RegistryDatabase(location.url, location.schema);
      closers.push(() => db.close());
      return createOAuthTokenProvider({ db, box: () => box, pair: "stampede", baseUrl: s.plannrUrl, clientId: s.plannr.oauth.clientId, clientSecret: s.plannr.oauth.clientSecret });
    });
    const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) => providers[i % 2]!()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(issued.accessToken);
    expect(s.plannr.oauth.refreshUses(issued.refreshToken)).toBe(1);
    expect((await storedSet("stampede")).accessToken).toBe(tokens[0]);
    // A token refused by Plannr (401) is refreshed once, and the other process takes the result.
    const refused = tokens[0]!;
    const [x, y] = await Promise.all([providers[0]!({ rejected: refused }), providers[1]!({ rejected: refused })]);
    expect(x).toBe(y);
    expect(x).not.toBe(refused);
    expect(s.plannr.oauth.refreshCount()).toBeGreaterThanOrEqual(2);
    expect((await storedSet("stampede")).refreshes).toBe(2);
  });

  it("uses a token with more than a minute left as it is, and refreshes one with less before using it", async () => {
    const location = fleetLocation(url);
    const box = createSecretBox(key);
    const db = new RegistryDatabase(location.url, location.schema);
    closers.push(() => db.close());
    const provider = (pair: string) => createOAuthTokenProvider({ db, box: () => box, pair, baseUrl: s.plannrUrl, clientId: s.plannr.oauth.clientId, clientSecret: s.plannr.oauth.clientSecret });
    const lasting = await addOAuthPair("lasting", new Date(Date.now() + 5 * 60_000).toISOString());
    const ending = await addOAuthPair("ending", new Date(Date.now() + 30_000).toISOString());
    const refreshes = s.plannr.oauth.refreshCount();
    expect(await provider("lasting")()).toBe(lasting.accessToken);
    expect(s.plannr.oauth.refreshCount()).toBe(refreshes);
    const renewed = await provider("ending")();
    expect(renewed).not.toBe(ending.accessToken);
    expect(s.plannr.oauth.refreshUses(ending.refreshToken)).toBe(1);
    expect((await storedSet("ending")).accessToken).toBe(renewed);
  });

  it("a 401 in the middle of a run refreshes the token and the refused request goes through", async () => {
    const issued = await addOAuthPair("midrun");
    const r = await registry();
    let armed = false;
    const sync = await r.openSync("midrun", {
      http: HTTP,
      // Once the run has planned, Plannr revokes the token: the writes that follow meet a 401.
      onProgress: (event) => {
        if (armed && event.phase === "plan") {
          armed = false;
          s.plannr.oauth.expire(issued.accessToken);
        }
      },
    });
    closers.push(() => sync.close());
    expect((await sync.migrate({ from: "plannr" })).abort).toBeNull();
    // An edit in ONLYOFFICE: the next sync writes it to Plannr, after the plan.
    const link = (await sync.links())[0]!;
    s.onlyoffice.editCase(Number(link.onlyofficeId), { title: "Renamed in ONLYOFFICE mid-run" });
    s.plannr.server.log.length = 0;
    armed = true;
    const report = await sync.sync();
    expect(report.abort).toBeNull();
    expect(report.exitCode).toBe(0);
    expect(s.plannr.getCase(link.plannrId)?.name).toBe("Renamed in ONLYOFFICE mid-run");
    expect(unauthorized()).toHaveLength(1);
    expect(s.plannr.oauth.refreshUses(issued.refreshToken)).toBe(1);
    expect((await storedSet("midrun")).accessToken).not.toBe(issued.accessToken);
  });

  it("a refresh Plannr refuses is a clear CS_AUTH that aborts the run, with no token in it", async () => {
    const issued = await addOAuthPair("revoked", PAST);
    // Someone used the refresh token elsewhere: it is rotated away and refused from now on.
    const stolen = await fetch(`${s.plannrUrl}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: issued.refreshToken, client_id: s.plannr.oauth.clientId, client_secret: s.plannr.oauth.clientSecret }).toString(),
    });
    expect(stolen.status).toBe(200);
    const r = await registry();
    const sync = await r.openSync("revoked", { http: HTTP });
    closers.push(() => sync.close());
    const report = await sync.plan();
    expect(report.abort?.code).toBe("CS_AUTH");
    expect(report.abort?.message).toContain("Plannr refused to refresh the OAuth access token");
    expect(report.exitCode).toBe(4);
    const text = JSON.stringify(report);
    for (const secret of [issued.accessToken, issued.refreshToken, s.plannr.oauth.clientSecret]) expect(text).not.toContain(secret);
    // Nothing was stored over the old set.
    expect((await storedSet("revoked")).refreshToken).toBe(issued.refreshToken);
  });

  it("refuses an OAuth env missing part of the set, naming what is missing", async () => {
    const r = await registry();
    const issued = s.plannr.oauth.issue();
    const { PLANNR_OAUTH_REFRESH_TOKEN: _refresh, ...partial } = sandboxOAuthEnv(s, issued);
    const error = await failure(r.add({ name: "partial", env: partial, mapping, everyMs: 60_000 }));
    expect(error.message).toContain("an OAuth token set needs PLANNR_OAUTH_REFRESH_TOKEN too");
    expect(error.message).not.toContain(issued.accessToken);
    const badExpiry = await failure(r.add({ name: "partial", env: { ...sandboxOAuthEnv(s, issued), PLANNR_OAUTH_EXPIRES_AT: "tomorrow" }, mapping, everyMs: 60_000 }));
    expect(badExpiry.message).toContain("PLANNR_OAUTH_EXPIRES_AT must be an ISO timestamp");
  });
});

// The Plannr simulator's OAuth2 server over real HTTP (reference "Transport": Laravel Passport,
// `POST /oauth/token`, form-encoded, the refresh token rotates): token sets work like the personal
// token, expire, refresh into a new pair, and a used refresh token is refused in league's shape.
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import { afterEach, describe, expect, it } from "vitest";
import { startSandboxes } from "../../src/sandbox/index.js";
import { PlannrSimulator, type PlannrSimulatorOptions } from "../../src/sandbox/plannr/simulator.js";
import { createWorld, type World } from "../../src/sandbox/world.js";

interface Running {
  sim: PlannrSimulator;
  world: World;
  url: string;
  /** The simulator's clock, moved by the tests (token expiry runs on it). */
  clock: { ms: number };
  /** An API client that sends `token`. */
  as(token: string): AxiosInstance;
  /** `POST /oauth/token`, form-encoded unless `json`. */
  token(fields: Record<string, string>, json?: boolean): Promise<AxiosResponse>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function start(options: Partial<PlannrSimulatorOptions> & { realClock?: boolean } = {}): Promise<Running> {
  const { realClock, ...rest } = options;
  const world = createWorld({ seed: 21, cases: 6 });
  const clock = { ms: Date.UTC(2025, 0, 15, 12, 0, 0) };
  const sim = new PlannrSimulator({ world, ...(realClock ? {} : { now: () => new Date(clock.ms) }), ...rest });
  const url = await sim.listen(0);
  cleanups.push(() => sim.close());
  const as = (token: string) =>
    axios.create({ baseURL: `${url}/api`, validateStatus: () => true, headers: { Authorization: `Bearer ${token}`, "X-PLANNR-ACCOUNT-UUID": world.plannrAccountUuid, Accept: "application/json" } });
  const token = (fields: Record<string, string>, json = false) =>
    axios.post(`${url}/oauth/token`, json ? fields : new URLSearchParams(fields).toString(), {
      validateStatus: () => true,
      headers: { "Content-Type": json ? "application/json" : "application/x-www-form-urlencoded", Accept: "application/json" },
    });
  return { sim, world, url, clock, as, token };
}

const refreshWith = (r: Running, refreshToken: string) =>
  r.token({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: r.sim.oauth.clientId, client_secret: r.sim.oauth.clientSecret });

const REFRESH_INVALID = "The refresh token is invalid.";

describe("Plannr simulator: OAuth2 access tokens", () => {
  it("an issued access token works wherever the personal token does, as the same user", async () => {
    const r = await start();
    const set = r.sim.oauth.issue();
    expect(set.expiresIn).toBe(3600);
    expect(Date.parse(set.expiresAt)).toBe(r.clock.ms + 3600_000);
    const api = r.as(set.accessToken);
    expect((await api.get("/v1/cases")).status).toBe(200);
    const logins = await api.get("/v1/logins");
    expect(logins.data).toEqual((await r.as(r.world.plannrToken).get("/v1/logins")).data);
    expect((await api.post("/v2/webhook-subscriptions", { url: "http://127.0.0.1:9/h", events: ["case.updated"] })).status).toBe(201);
    const uuid = r.sim.listCases()[0]!.uuid;
    expect((await api.put(`/v1/cases/${uuid}`, { name: "Written with OAuth" })).status).toBe(200);
    expect(r.sim.getCase(uuid)?.name).toBe("Written with OAuth");
  });

  it("an expired access token is refused exactly like a bad personal token", async () => {
    const r = await start();
    const set = r.sim.oauth.issue({ expiresInSeconds: 2 });
    expect(set.expiresIn).toBe(2);
    const api = r.as(set.accessToken);
    expect((await api.get("/v1/cases")).status).toBe(200);
    r.clock.ms += 1999;
    expect((await api.get("/v1/cases")).status).toBe(200);
    r.clock.ms += 1;
    const expired = await api.get("/v1/cases");
    expect(expired.status).toBe(401);
    expect(expired.data).toEqual({ message: "Unauthenticated." });
    expect(expired.headers["x-ratelimit-remaining"]).toBeUndefined();
    const bogus = await r.as("not-a-token").get("/v1/cases");
    expect(bogus.status).toBe(401);
    expect(bogus.data).toEqual(expired.data);
  });

  it("expires on the real clock too (no test clock)", async () => {
    const r = await start({ realClock: true });
    const set = r.sim.oauth.issue({ expiresInSeconds: 1 });
    expect((await r.as(set.accessToken).get("/v1/cases")).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(set.expiresAt) - Date.now() + 50));
    expect((await r.as(set.accessToken).get("/v1/cases")).status).toBe(401);
  });

  it("expire() ends a token at once (a 401 mid-run)", async () => {
    const r = await start();
    const set = r.sim.oauth.issue();
    expect(r.sim.oauth.expire(set.accessToken)).toBe(true);
    expect((await r.as(set.accessToken).get("/v1/cases")).status).toBe(401);
    expect(r.sim.oauth.expire("unknown")).toBe(false);
  });
});

describe("Plannr simulator: OAuth2 refresh (rotating)", () => {
  it("refresh gives a new pair; the old refresh and access tokens die; uses are counted", async () => {
    const r = await start();
    const first = r.sim.oauth.issue({ expiresInSeconds: 2 });
    r.clock.ms += 5000;
    expect((await r.as(first.accessToken).get("/v1/cases")).status).toBe(401);

    const refreshed = await refreshWith(r, first.refreshToken);
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.data)).toEqual(["token_type", "expires_in", "access_token", "refresh_token"]);
    expect(refreshed.data.token_type).toBe("Bearer");
    expect(refreshed.data.expires_in).toBe(3600);
    expect(refreshed.data.access_token).not.toBe(first.accessToken);
    expect(refreshed.data.refresh_token).not.toBe(first.refreshToken);
    expect((await r.as(refreshed.data.access_token).get("/v1/cases")).status).toBe(200);

    const again = await refreshWith(r, first.refreshToken);
    expect(again.status).toBe(400);
    expect(again.data).toEqual({ error: "invalid_grant", error_description: REFRESH_INVALID, hint: "Token has been revoked", message: REFRESH_INVALID });
    expect(r.sim.oauth.refreshUses(first.refreshToken)).toBe(2);
    expect(r.sim.oauth.refreshUses(refreshed.data.refresh_token)).toBe(0);
    expect(r.sim.oauth.refreshCount()).toBe(1);
    // The refused presentation changed nothing: the new pair still works.
    expect((await r.as(refreshed.data.access_token).get("/v1/cases")).status).toBe(200);
  });

  it("refreshing revokes the access token it replaces, even before it expires", async () => {
    const r = await start();
    const first = r.sim.oauth.issue();
    const refreshed = await refreshWith(r, first.refreshToken);
    expect(refreshed.status).toBe(200);
    expect((await r.as(first.accessToken).get("/v1/cases")).status).toBe(401);
    const second = await refreshWith(r, refreshed.data.refresh_token);
    expect(second.status).toBe(200);
    expect((await r.as(refreshed.data.access_token).get("/v1/cases")).status).toBe(401);
    expect((await r.as(second.data.access_token).get("/v1/cases")).status).toBe(200);
    expect(r.sim.oauth.refreshCount()).toBe(2);
  });

  it("refuses unknown and expired refresh tokens, a wrong client, a missing parameter and other grants", async () => {
    const r = await start({ oauth: { refreshTokenTtlSeconds: 60 } });
    const unknown = await refreshWith(r, "def50200nothing");
    expect(unknown.status).toBe(400);
    expect(unknown.data).toMatchObject({ error: "invalid_grant", hint: "Cannot decrypt the refresh token" });
    expect(r.sim.oauth.refreshUses("def50200nothing")).toBe(1);

    const set = r.sim.oauth.issue();
    const wrongSecret = await r.token({ grant_type: "refresh_token", refresh_token: set.refreshToken, client_id: r.sim.oauth.clientId, client_secret: "nope" });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.data).toEqual({ error: "invalid_client", error_description: "Client authentication failed", message: "Client authentication failed" });
    const noToken = await r.token({ grant_type: "refresh_token", client_id: r.sim.oauth.clientId, client_secret: r.sim.oauth.clientSecret });
    expect(noToken.status).toBe(400);
    expect(noToken.data).toMatchObject({ error: "invalid_request", hint: "Check the `refresh_token` parameter" });
    const password = await r.token({ grant_type: "password", username: "a", password: "b" });
    expect(password.status).toBe(400);
    expect(password.data.error).toBe("unsupported_grant_type");
    // The set survived the refusals: a wrong client may not burn someone's refresh token.
    r.clock.ms += 61_000;
    const expired = await refreshWith(r, set.refreshToken);
    expect(expired.status).toBe(400);
    expect(expired.data).toMatchObject({ error: "invalid_grant", hint: "Token has expired" });
    expect(r.sim.oauth.refreshUses(set.refreshToken)).toBe(2);
    expect(r.sim.oauth.refreshCount()).toBe(0);
  });

  it("a refresh does not buy a fresh rate-limit window (one authorisation, one limiter)", async () => {
    const r = await start({ rateLimit: { limit: 3, windowMs: 60_000 } });
    const set = r.sim.oauth.issue();
    for (let i = 0; i < 3; i++) expect((await r.as(set.accessToken).get("/v1/cases")).status).toBe(200);
    const refreshed = await refreshWith(r, set.refreshToken);
    const limited = await r.as(refreshed.data.access_token).get("/v1/cases");
    expect(limited.status).toBe(429);
    // Another authorisation has its own window.
    expect((await r.as(r.sim.oauth.issue().accessToken).get("/v1/cases")).status).toBe(200);
  });
});

describe("Plannr simulator: OAuth2 authorization code", () => {
  it("exchanges a one-time code (form or JSON, client in the body or HTTP Basic) for a working pair", async () => {
    const r = await start();
    const { clientId, clientSecret, redirectUri } = r.sim.oauth;
    const code = r.sim.oauth.authorizationCode();
    const exchanged = await r.token({ grant_type: "authorization_code", code, client_id: clientId, client_secret: clientSecret, redirect_uri: redirectUri }, true);
    expect(exchanged.status).toBe(200);
    expect(exchanged.data.token_type).toBe("Bearer");
    expect((await r.as(exchanged.data.access_token).get("/v1/cases")).status).toBe(200);

    const reused = await r.token({ grant_type: "authorization_code", code, client_id: clientId, client_secret: clientSecret, redirect_uri: redirectUri });
    expect(reused.status).toBe(400);
    expect(reused.data).toMatchObject({ error: "invalid_grant", hint: "Authorization code has been revoked" });

    const other = r.sim.oauth.authorizationCode();
    const wrongRedirect = await r.token({ grant_type: "authorization_code", code: other, client_id: clientId, client_secret: clientSecret, redirect_uri: "http://evil.example/cb" });
    expect(wrongRedirect.status).toBe(400);
    expect(wrongRedirect.data).toMatchObject({ error: "invalid_request", hint: "Invalid redirect URI" });
    const basic = await axios.post(`${r.url}/oauth/token`, new URLSearchParams({ grant_type: "authorization_code", code: other, redirect_uri: redirectUri }).toString(), {
      validateStatus: () => true,
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}` },
    });
    expect(basic.status).toBe(200);
    // The code's refresh token rotates like any other.
    expect((await refreshWith(r, exchanged.data.refresh_token)).status).toBe(200);
    expect((await refreshWith(r, exchanged.data.refresh_token)).status).toBe(400);
  });

  it("a code expires after ten minutes", async () => {
    const r = await start();
    const code = r.sim.oauth.authorizationCode();
    r.clock.ms += 10 * 60_000;
    const late = await r.token({ grant_type: "authorization_code", code, client_id: r.sim.oauth.clientId, client_secret: r.sim.oauth.clientSecret, redirect_uri: r.sim.oauth.redirectUri });
    expect(late.status).toBe(400);
    expect(late.data).toMatchObject({ error: "invalid_grant", hint: "Authorization code has expired" });
  });
});

describe("Plannr sandbox: OAuth client and control routes", () => {
  it("startSandboxes exposes the client; token sets come from the simulator or its control route", async () => {
    const s = await startSandboxes({ seed: 4, cases: 3, onlyofficeCases: 1 });
    cleanups.push(() => s.close());
    expect(s.oauthClient).toEqual({ PLANNR_OAUTH_CLIENT_ID: s.plannr.oauth.clientId, PLANNR_OAUTH_CLIENT_SECRET: s.plannr.oauth.clientSecret });
    // Not among the connection variables: those go whole into .env files and pair env files.
    expect(Object.keys(s.env).filter((k) => k.startsWith("PLANNR_OAUTH"))).toEqual([]);
    expect(s.plannr.oauth.clientSecret).toMatch(/^[A-Za-z0-9]{40}$/);
    const issued = await axios.post(`${s.plannrUrl}/__sandbox/oauth/tokens`, { expiresInSeconds: 30 });
    expect(issued.status).toBe(201);
    expect(issued.data.expiresIn).toBe(30);
    const headers = { Authorization: `Bearer ${issued.data.accessToken}`, "X-PLANNR-ACCOUNT-UUID": s.env.PLANNR_ACCOUNT_UUID! };
    expect((await axios.get(`${s.plannrUrl}/api/v1/cases`, { headers, validateStatus: () => true })).status).toBe(200);
    const refreshed = await axios.post(
      `${s.plannrUrl}/oauth/token`,
      new URLSearchParams({ grant_type: "refresh_token", refresh_token: issued.data.refreshToken, client_id: s.oauthClient.PLANNR_OAUTH_CLIENT_ID, client_secret: s.oauthClient.PLANNR_OAUTH_CLIENT_SECRET }).toString(),
      { validateStatus: () => true },
    );
    expect(refreshed.status).toBe(200);
    expect(s.plannr.oauth.refreshUses(issued.data.refreshToken)).toBe(1);
    // Two sandboxes of one seed share the client (seeded) but never a token.
    const twin = await startSandboxes({ seed: 4, cases: 3, onlyofficeCases: 1 });
    cleanups.push(() => twin.close());
    expect(twin.plannr.oauth.clientId).toBe(s.plannr.oauth.clientId);
    const twinSet = twin.plannr.oauth.issue();
    expect((await axios.get(`${s.plannrUrl}/api/v1/cases`, { headers: { ...headers, Authorization: `Bearer ${twinSet.accessToken}` }, validateStatus: () => true })).status).toBe(401);
  });
});

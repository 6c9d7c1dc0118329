// The fleet's registry against the local PostgreSQL and two sandboxes (two firms): pairs added,
// listed, paused, resumed and removed; bad input refused with the variable or the mapping line
// named; each pair's sync state in its own schema; a rekey that leaves the old key refused; a real
// `pg_dump` of the fleet with no secret in clear; the schedule after failed runs.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { afterRun, backoffMs, MAX_BACKOFF_MS } from "../../src/fleet/pair-schedule.js";
import { PairRegistry } from "../../src/fleet/registry.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";
import { dropFleet, fleetSchemaName, newKey, postgresUrl, sandboxEnv, sandboxMapping, sandboxOAuthEnv, schemaExists, withClient } from "../support/fleet-pairs.js";
import { failure } from "../support/failure.js";

const HTTP = { timeoutMs: 10_000, concurrency: 4 };
const MINUTE = 60_000;

let pgUrl = "";
let fleet = "";
let url = "";
let key = newKey();
let firmA: Sandboxes;
let firmB: Sandboxes;
let mappingA = "";
let mappingB = "";
const registries: PairRegistry[] = [];

async function openRegistry(secretKey = key): Promise<PairRegistry> {
  const registry = await PairRegistry.open({ url, secretKey });
  registries.push(registry);
  return registry;
}

beforeAll(async () => {
  pgUrl = await postgresUrl();
  fleet = fleetSchemaName("reg");
  url = `${pgUrl}?schema=${fleet}`;
  [firmA, firmB] = await Promise.all([startSandboxes({ seed: 61, cases: 12 }), startSandboxes({ seed: 62, cases: 9 })]);
  [mappingA, mappingB] = await Promise.all([sandboxMapping(firmA), sandboxMapping(firmB)]);
}, 60_000);

afterAll(async () => {
  for (const registry of registries) await registry.close();
  await Promise.all([firmA?.close(), firmB?.close()]);
  if (pgUrl !== "") await dropFleet(pgUrl, fleet);
});

describe("pair registry", () => {
  it("adds, lists, gets, pauses, resumes and removes pairs", async () => {
    const registry = await openRegistry();
    const before = Date.now();
    const added = await registry.add({ name: "zeta-law", env: sandboxEnv(firmA), mapping: mappingA, everyMs: 5 * MINUTE });
    expect(added).toMatchObject({ name: "zeta-law", state: "active", everyMs: 5 * MINUTE, consecutiveFailures: 0, lastRunAt: null, lastExitCode: null, auth: "token" });
    // Due at once.
    expect(Date.parse(added.nextDueAt ?? "")).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(added.nextDueAt ?? "")).toBeLessThanOrEqual(Date.now() + 1_000);
    await registry.add({ name: "alpha", env: sandboxEnv(firmB), mapping: mappingB, everyMs: MINUTE });
    expect((await registry.list()).map((p) => p.name)).toEqual(["alpha", "zeta-law"]);
    expect(await registry.get("zeta-law")).toEqual(added);
    expect(await registry.get("nobody")).toBeNull();
    expect(await registry.duePairs(new Date(Date.now() + 1_000))).toEqual(expect.arrayContaining(["alpha", "zeta-law"]));

    await registry.pause("alpha");
    expect((await registry.get("alpha"))?.state).toBe("paused");
    expect(await registry.duePairs(new Date(Date.now() + 10 * MINUTE))).toEqual(["zeta-law"]);
    await registry.resume("alpha");
    expect((await registry.get("alpha"))?.state).toBe("active");
    expect(await registry.duePairs(new Date(Date.now() + 1_000))).toContain("alpha");

    const details = await registry.show("zeta-law");
    expect(details).toMatchObject({ plannrBaseUrl: firmA.env.PLANNR_BASE_URL, plannrAccountUuid: firmA.env.PLANNR_ACCOUNT_UUID, stateSchema: `${fleet}_p_zeta_law`, hasWebhookSecret: false });

    // A pair's state schema is made by its first use and dropped with it.
    const sync = await registry.openSync("zeta-law", { http: HTTP });
    await sync.status();
    await sync.close();
    expect(await schemaExists(pgUrl, `${fleet}_p_zeta_law`)).toBe(true);
    await registry.remove("zeta-law");
    expect(await registry.get("zeta-law")).toBeNull();
    expect(await schemaExists(pgUrl, `${fleet}_p_zeta_law`)).toBe(false);
    expect((await failure(registry.remove("zeta-law"))).message).toContain("no pair named zeta-law");
    expect((await failure(registry.pause("zeta-law"))).code).toBe("CS_USAGE");
    await registry.remove("alpha");
  });

  it("refuses bad names, a second pair of the same name, and bad env without repeating any value", async () => {
    const registry = await openRegistry();
    for (const name of ["Acme", "-acme", "a_b", "x".repeat(32), "acme law", ""]) {
      const error = await failure(registry.add({ name, env: sandboxEnv(firmA), mapping: mappingA, everyMs: MINUTE }));
      expect(error.message).toContain("is not valid");
    }
    await registry.add({ name: "dup", env: sandboxEnv(firmA), mapping: mappingA, everyMs: MINUTE });
    expect((await failure(registry.add({ name: "dup", env: sandboxEnv(firmA), mapping: mappingA, everyMs: MINUTE }))).message).toContain("exists already");

    const { PLANNR_TOKEN: token, ...noToken } = sandboxEnv(firmA);
    const missing = await failure(registry.add({ name: "bad-env", env: { ...noToken, NODE_OPTIONS: "--inspect", ONLYOFFICE_PASSWORD: "" }, mapping: mappingA, everyMs: MINUTE }));
    expect(missing.code).toBe("CS_CONFIG");
    expect(missing.message).toContain("PLANNR_TOKEN is missing");
    expect(missing.message).toContain("NODE_OPTIONS is not a pair setting");
    expect(missing.message).toContain("ONLYOFFICE_TOKEN is missing");
    expect(missing.message).not.toContain(firmA.env.ONLYOFFICE_USERNAME);

    const both = await failure(registry.add({ name: "bad-env", env: { ...sandboxEnv(firmA), PLANNR_OAUTH_ACCESS_TOKEN: "secret-access-1234" }, mapping: mappingA, everyMs: MINUTE }));
    expect(both.message).toContain("PLANNR_TOKEN and PLANNR_OAUTH_* are both set");
    expect(both.message).not.toContain(token);
    expect(both.message).not.toContain("secret-access-1234");

    const url = await failure(registry.add({ name: "bad-env", env: { ...sandboxEnv(firmA), PLANNR_BASE_URL: "ftp://x" }, mapping: mappingA, everyMs: MINUTE }));
    expect(url.message).toContain("PLANNR_BASE_URL is not a usable base URL");
    expect((await failure(registry.add({ name: "bad-env", env: sandboxEnv(firmA), mapping: mappingA, everyMs: 10 }))).message).toContain("everyMs");
    expect(await registry.get("bad-env")).toBeNull();
    await registry.remove("dup");
  });

  it("refuses a bad mapping with the parser's file:line error", async () => {
    const registry = await openRegistry();
    const lines = mappingA.split("\n");
    const at = lines.findIndex((line) => /^\s*mode: assignees/.test(line));
    expect(at).toBeGreaterThan(0);
    lines[at] = lines[at]!.replace("mode: assignees", "mode: everybody");
    const error = await failure(registry.add({ name: "bad-map", env: sandboxEnv(firmA), mapping: lines.join("\n"), everyMs: MINUTE, mappingSource: "acme.yaml" }));
    expect(error.code).toBe("CS_CONFIG");
    expect(error.message).toContain(`acme.yaml:${at + 1}`);
    expect(error.message).toContain("access");
    expect(await registry.get("bad-map")).toBeNull();
  });

  it("keeps each pair's sync state in its own schema: one pair's links never in another's", async () => {
    const registry = await openRegistry();
    await registry.add({ name: "firm-a", env: sandboxEnv(firmA), mapping: mappingA, everyMs: MINUTE });
    await registry.add({ name: "firm-b", env: sandboxEnv(firmB), mapping: mappingB, everyMs: MINUTE });
    for (const name of ["firm-a", "firm-b"]) {
      const sync = await registry.openSync(name, { http: HTTP });
      try {
        const report = await sync.migrate({ from: "plannr" });
        expect(report.abort).toBeNull();
      } finally {
        await sync.close();
      }
    }
    const linked = async (schema: string) => withClient(pgUrl, async (client) => (await client.query<{ plannr_id: string }>(`SELECT plannr_id FROM "${schema}".links`)).rows.map((r) => r.plannr_id));
    const [linksA, linksB] = await Promise.all([linked(`${fleet}_p_firm_a`), linked(`${fleet}_p_firm_b`)]);
    const casesA = new Set(firmA.plannr.listCases().map((c) => c.uuid));
    const casesB = new Set(firmB.plannr.listCases().map((c) => c.uuid));
    expect(linksA.length).toBeGreaterThan(0);
    expect(linksB.length).toBeGreaterThan(0);
    expect(linksA.every((id) => casesA.has(id) && !casesB.has(id))).toBe(true);
    expect(linksB.every((id) => casesB.has(id) && !casesA.has(id))).toBe(true);
    // Each store knows its own pair of systems only.
    const statusA = await (async () => {
      const sync = await registry.openSync("firm-a", { http: HTTP });
      try {
        return await sync.status();
      } finally {
        await sync.close();
      }
    })();
    expect(statusA.identity?.plannrAccount).toBe(firmA.env.PLANNR_ACCOUNT_UUID);
    expect(statusA.links).toBe(linksA.length);
  });

  it("dumps with no token, password or secret in clear (real pg_dump of the fleet's schemas)", async () => {
    const registry = await openRegistry();
    const issued = firmA.plannr.oauth.issue({ expiresInSeconds: 3600 });
    await registry.add({ name: "oauth-firm", env: sandboxOAuthEnv(firmA, issued), mapping: mappingA, everyMs: MINUTE });
    await registry.setWebhookSecret("firm-a", "whsec-signing-secret-9f8e7d6c");
    expect(await registry.webhookSecret("firm-a")).toBe("whsec-signing-secret-9f8e7d6c");
    const dump = execFileSync("pg_dump", ["--dbname", pgUrl, "-n", `${fleet}*`], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    // The dump holds the fleet (so the check below looks at the right thing)…
    expect(dump).toContain(`${fleet}.pairs`);
    expect(dump).toContain("firm-a");
    expect(dump).toContain(`${fleet}_p_firm_a.links`);
    // …and none of the secrets, in any table.
    const secrets = [
      firmA.env.PLANNR_TOKEN,
      firmB.env.PLANNR_TOKEN,
      firmA.env.ONLYOFFICE_PASSWORD,
      firmB.env.ONLYOFFICE_PASSWORD,
      firmA.plannr.oauth.clientSecret,
      issued.accessToken,
      issued.refreshToken,
      "whsec-signing-secret-9f8e7d6c",
      key,
    ];
    for (const secret of secrets) {
      expect(secret?.length).toBeGreaterThan(8);
      expect(dump.includes(secret!), `a secret (${secret!.slice(0, 4)}…) is in the dump`).toBe(false);
    }
  });

  it("refuses a wrong key at open, clearly; rekey re-seals everything, then only the new key opens the fleet", async () => {
    const wrong = await failure(PairRegistry.open({ url, secretKey: newKey() }));
    expect(wrong.code).toBe("CS_CONFIG");
    expect(wrong.message).toMatch(/CASE_SYNC_SECRET_KEY does not match the key these credentials were sealed with \(key id [0-9a-f]{8}/);

    const registry = await openRegistry();
    const count = (await registry.list()).length;
    const next = newKey();
    expect(await registry.rekey(next)).toEqual({ pairs: count });
    // The registry that rekeyed carries on under the new key.
    expect(await registry.webhookSecret("firm-a")).toBe("whsec-signing-secret-9f8e7d6c");
    const old = await failure(PairRegistry.open({ url, secretKey: key }));
    expect(old.code).toBe("CS_CONFIG");
    expect(old.message).toContain("CASE_SYNC_SECRET_KEY does not match");
    key = next;
    const reopened = await openRegistry(next);
    const sync = await reopened.openSync("firm-b", { http: HTTP });
    try {
      expect((await sync.sync()).exitCode).toBe(0);
    } finally {
      await sync.close();
    }
    expect(await reopened.webhookSecret("firm-a")).toBe("whsec-signing-secret-9f8e7d6c");
    expect((await failure(reopened.rekey(next))).message).toContain("the new key is the current key");
  });

  it("a credential sealed for one pair does not open as another's (rows swapped by hand)", async () => {
    const registry = await openRegistry();
    await withClient(pgUrl, (client) => client.query(`UPDATE "${fleet}".pairs SET credentials = (SELECT credentials FROM "${fleet}".pairs WHERE name = 'firm-a') WHERE name = 'firm-b'`));
    const error = await failure(registry.openSync("firm-b"));
    expect(error.code).toBe("CS_STATE");
    expect(error.message).toContain("integrity check");
    await registry.remove("firm-b");
  });
});

describe("schedule after runs", () => {
  it("backs a failing pair off exponentially up to an hour, never below its schedule", () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffMs(5 * MINUTE, n))).toEqual([5, 10, 20, 40, 60, 60].map((m) => m * MINUTE));
    // A schedule longer than the cap is never shortened.
    expect(backoffMs(3 * 60 * MINUTE, 3)).toBe(3 * 60 * MINUTE);
    expect(MAX_BACKOFF_MS).toBe(60 * MINUTE);
    expect(() => afterRun({ everyMs: MINUTE, consecutiveFailures: 0 }, { exitCode: 7, finishedAt: new Date().toISOString() })).toThrow(CaseSyncError);
  });

  it("records outcomes: 1/2/4 count, failing after 3, 0/3 reset, 5 changes nothing but the time", async () => {
    const registry = await openRegistry();
    await registry.add({ name: "flaky", env: sandboxEnv(firmA), mapping: mappingA, everyMs: 5 * MINUTE });
    const t0 = Date.parse("2030-01-01T00:00:00.000Z");
    const at = (minutes: number) => new Date(t0 + minutes * MINUTE).toISOString();
    let s = await registry.recordOutcome("flaky", { exitCode: 4, finishedAt: at(0) });
    expect(s).toMatchObject({ state: "active", consecutiveFailures: 1, lastExitCode: 4, lastRunAt: at(0), nextDueAt: at(10) });
    s = await registry.recordOutcome("flaky", { exitCode: 1, finishedAt: at(10) });
    expect(s).toMatchObject({ state: "active", consecutiveFailures: 2, nextDueAt: at(30) });
    s = await registry.recordOutcome("flaky", { exitCode: 2, finishedAt: at(30) });
    expect(s).toMatchObject({ state: "failing", consecutiveFailures: 3, nextDueAt: at(70) });
    s = await registry.recordOutcome("flaky", { exitCode: 4, finishedAt: at(70) });
    expect(s).toMatchObject({ state: "failing", consecutiveFailures: 4, nextDueAt: at(130) });
    // Failing pairs are still scheduled, just not hot.
    expect(await registry.duePairs(new Date(at(129)))).not.toContain("flaky");
    expect(await registry.duePairs(new Date(at(130)))).toContain("flaky");
    s = await registry.recordOutcome("flaky", { exitCode: 5, finishedAt: at(130) });
    expect(s).toMatchObject({ state: "failing", consecutiveFailures: 4, lastExitCode: 5, nextDueAt: at(135) });
    s = await registry.recordOutcome("flaky", { exitCode: 3, finishedAt: at(140) });
    expect(s).toMatchObject({ state: "active", consecutiveFailures: 0, lastExitCode: 3, nextDueAt: at(145) });
    await registry.recordOutcome("flaky", { exitCode: 4, finishedAt: at(150) });
    await registry.pause("flaky");
    expect(await registry.duePairs(new Date(at(10_000)))).not.toContain("flaky");
    await registry.resume("flaky");
    expect(await registry.get("flaky")).toMatchObject({ state: "active", consecutiveFailures: 0 });
    expect((await failure(registry.recordOutcome("flaky", { exitCode: 9, finishedAt: at(0) }))).code).toBe("CS_USAGE");
    await registry.remove("flaky");
  });
});

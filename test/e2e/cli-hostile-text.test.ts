// Text from the CRMs cannot forge log lines or drive the terminal (issue 9 item 4): an upstream
// error message, an ONLYOFFICE display name, a case title and a field label carrying escape
// sequences, CR/LF, a JSON-looking log line, a forged `ok` line, bidi overrides and C1 controls
// reach `check`, `sync` and the file `init` writes only inert, while still visible as text.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import type { RunReport } from "../../src/core/report.js";
import { cliWorld, initMapping, parseJson, type CliResult, type CliWorld } from "../support/cli.js";
import { HOSTILE, hostileUpstream, type HostileUpstream } from "../support/hostile-upstream.js";

const open: { close(): Promise<void> }[] = [];
async function world(seed: number): Promise<CliWorld> {
  const w = await cliWorld({ seed, cases: 6 });
  open.push(w);
  return w;
}
async function proxy(...args: Parameters<typeof hostileUpstream>): Promise<HostileUpstream> {
  const p = await hostileUpstream(...args);
  open.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/** Any character a terminal or a line-oriented reader acts on, except the product's own line feeds. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** The hostile text as inertText shows it: present, readable, inert. */
const VISIBLE = "Evil\\u001b[2K\\u001b[1A\\u001b]0;owned\\u0007";

/** Everything wrong with what a run printed: raw control characters, forged log or check lines. */
function forgeries(label: string, text: string): string[] {
  const problems: string[] = [];
  const raw = ACTIVE.exec(text);
  if (raw) problems.push(`${label}: raw U+${raw[0].charCodeAt(0).toString(16).padStart(4, "0")} at ${raw.index}: ${JSON.stringify(text.slice(Math.max(0, raw.index - 40), raw.index + 40))}`);
  for (const line of text.split("\n")) {
    if (line.startsWith('{"level"')) {
      try {
        const parsed = JSON.parse(line) as { msg?: unknown };
        if (parsed.msg === "forged") problems.push(`${label}: forged log line ${line}`);
      } catch {
        problems.push(`${label}: a line that looks like a log line but is not one: ${line}`);
      }
    }
    if (/^\s*ok\s+Plannr credentials: fine/.test(line)) problems.push(`${label}: forged check line ${line}`);
  }
  return problems;
}

function expectInert(result: CliResult): void {
  expect([...forgeries("stdout", result.stdout), ...forgeries("stderr", result.stderr)]).toEqual([]);
}

describe("CLI with hostile text from the CRMs", () => {
  it("check: a hostile upstream error and a hostile ONLYOFFICE display name print inert", async () => {
    const w = await world(41);
    const integration = w.sandboxes.world.staff.find((s) => s.isIntegrationUser);
    if (!integration) throw new Error("the world has no integration user");
    integration.firstName = HOSTILE;
    w.sandboxes.onlyoffice.reset(); // the portal re-reads the world: the display name is now hostile
    await initMapping(w);
    const plannr = await proxy(w.sandboxes.plannrUrl, () => ({ status: 403, body: { message: HOSTILE } }));

    const check = await w.run(["check"], { PLANNR_BASE_URL: plannr.url, LOG_LEVEL: "debug" });
    expect(check.code).toBe(4);
    expectInert(check);
    // The check report is data: stdout.
    expect(check.stdout).toMatch(/^FAIL Plannr credentials: CS_FORBIDDEN: .*answered 403: Evil/m);
    expect(check.stdout).toContain(VISIBLE);
    expect(check.stdout).toMatch(/^ok {3}ONLYOFFICE administrator: Evil\\u001b.* is a CRM administrator$/m);

    const json = await w.run(["check", "--json"], { PLANNR_BASE_URL: plannr.url, LOG_LEVEL: "debug" });
    expectInert(json);
    const report = parseJson<{ items: { name: string; detail: string }[] }>(json);
    expect(report.items.find((i) => i.name === "Plannr credentials")?.detail).toContain(VISIBLE);
  });

  it("sync: a hostile case title, hostile write errors and a hostile abort print inert, in text and JSON", async () => {
    const w = await world(42);
    await initMapping(w);
    const first = w.sandboxes.onlyoffice.listCases()[0];
    if (!first) throw new Error("the world has no ONLYOFFICE case");
    w.sandboxes.onlyoffice.editCase(first.id, { title: HOSTILE });

    // The plan (stdout) names the hostile title, with and without the request bodies.
    const dryRun = await w.run(["sync", "--dry-run", "--allow-mass-create"], { LOG_LEVEL: "debug" });
    expectInert(dryRun);
    expect(dryRun.stdout).toContain("Evil\\u001b[2K");
    const verbose = await w.run(["sync", "--dry-run", "--allow-mass-create", "--verbose"], { LOG_LEVEL: "debug" });
    expectInert(verbose);
    expect(verbose.stdout).toContain("Evil\\u001b[2K");

    // Every Plannr write answers 422 with a hostile message naming a hostile field.
    const refusing = await proxy(w.sandboxes.plannrUrl, (method) => (method === "GET" ? null : { status: 422, body: { message: HOSTILE, errors: { [HOSTILE]: [HOSTILE] } } }));
    const refused = await w.run(["sync", "--allow-mass-create"], { PLANNR_BASE_URL: refusing.url, LOG_LEVEL: "debug" });
    expect(refused.code).toBe(3);
    expectInert(refused);
    expect(refused.stderr).toContain(VISIBLE);
    const refusedJson = await w.run(["sync", "--allow-mass-create", "--json"], { PLANNR_BASE_URL: refusing.url, LOG_LEVEL: "debug" });
    expectInert(refusedJson);
    const report = parseJson<RunReport>(refusedJson);
    expect(report.errors.some((e) => e.message.includes(VISIBLE))).toBe(true);

    // Plannr refuses the token with a hostile message: the run aborts and says so in one line.
    const denying = await proxy(w.sandboxes.plannrUrl, () => ({ status: 401, body: { message: HOSTILE } }));
    const aborted = await w.run(["sync"], { PLANNR_BASE_URL: denying.url, LOG_LEVEL: "debug" });
    expect(aborted.code).toBe(4);
    expectInert(aborted);
    expect(aborted.stderr).toMatch(/^ {2}ABORTED {4}CS_AUTH: .*answered 401: Evil\\u001b/m);
  });

  it("init: a hostile ONLYOFFICE field label leaves no raw control character in case-sync.yaml", async () => {
    const w = await world(43);
    const fields = w.sandboxes.world.onlyofficeFields;
    const status = fields.find((f) => f.label === "Status");
    const lender = fields.find((f) => f.label === "Lender");
    if (!status || !lender) throw new Error("the world lacks the Status or Lender field");
    // Still read as "Status" by label matching (only letters and digits count), so it is mapped and named in a comment.
    status.label = "Sta\u001b\r\n\u202e\u009b\u0007\u007ftus";
    lender.label = HOSTILE; // no longer matches: listed among the candidates of a TODO
    w.sandboxes.onlyoffice.reset();

    const init = await w.run(["init", "--create-link-fields"], { LOG_LEVEL: "debug" });
    expect(init.code, init.stderr).toBe(0);
    expectInert(init);
    const text = readFileSync(w.mappingPath, "utf8");
    expect(forgeries("case-sync.yaml", text)).toEqual([]);
    expect(text).toContain('onlyofficeField: 8   # "Sta\\u001b \\u202e\\u009b\\u0007\\u007ftus"');
    expect(text).toContain(VISIBLE);
    const mapping = parse(text) as Record<string, unknown>;
    expect(Object.keys(mapping).sort()).toEqual(
      ["version", "timeZone", "currency", "onlyoffice", "fields", "customFields", "statuses", "closedStatus", "openStatus", "people", "staff", "access", "conflicts", "deletes", "creates", "matchExisting"].sort(),
    );
    const check = await w.run(["check"]);
    expectInert(check);

    // A command that fails as a whole prints the upstream's words on one inert line too.
    const plannr = await proxy(w.sandboxes.plannrUrl, () => ({ status: 403, body: { message: HOSTILE } }));
    const failed = await w.run(["init", "--force"], { PLANNR_BASE_URL: plannr.url, LOG_LEVEL: "debug" });
    expect(failed.code).toBe(4);
    expectInert(failed);
    expect(failed.stderr).toMatch(/^case-sync: .*answered 403: Evil\\u001b.* \[CS_FORBIDDEN\]$/m);
  });
});

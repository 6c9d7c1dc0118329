// Issue 9 item 5: a `.env` file may set only the documented variables. A NODE_* line (which would
// change how Node.js itself runs, e.g. turn off certificate checks) stops the command with
// CS_CONFIG naming the line, before anything from the file is applied; any other undocumented
// name is ignored with a warning; the real environment keeps precedence.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "dotenv";
import { afterAll, describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { exitCodeForError } from "../../src/cli/exit-codes.js";
import { DOTENV_VARIABLES, loadEnvironment, screenDotenv } from "../../src/cli/environment.js";

const root = mkdtempSync(join(tmpdir(), "case-sync-env-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
function dotenvFile(text: string): string {
  counter += 1;
  const path = join(root, `env${counter}`);
  writeFileSync(path, text);
  return path;
}

function thrown(fn: () => unknown): CaseSyncError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CaseSyncError) return error;
    throw error;
  }
  throw new Error("did not throw");
}

describe("screenDotenv", () => {
  it("refuses NODE_TLS_REJECT_UNAUTHORIZED, naming the file, the line and the variable but not the value", () => {
    const error = thrown(() => screenDotenv("PLANNR_TOKEN=abc\n# comment\nNODE_TLS_REJECT_UNAUTHORIZED=0\n", ".env"));
    expect(error.code).toBe("CS_CONFIG");
    expect(exitCodeForError(error)).toBe(2);
    expect(error.message).toContain(".env:3 sets NODE_TLS_REJECT_UNAUTHORIZED");
    expect(error.message).not.toContain("abc");
  });

  it("refuses NODE_OPTIONS written with export, quotes or in lower case", () => {
    expect(thrown(() => screenDotenv('export NODE_OPTIONS="--require ./evil.js"\n', ".env")).message).toContain(".env:1 sets NODE_OPTIONS");
    expect(thrown(() => screenDotenv("node_options=--inspect\n", ".env")).message).toContain("node_options");
  });

  it("keeps the documented variables and ignores the rest with a warning naming each", () => {
    const screen = screenDotenv("PLANNR_TOKEN=abc\nHTTPS_PROXY=http://evil:8080\nLOG_LEVEL=debug\nPGPASSWORD=x\n", "/srv/app/.env");
    expect(screen.variables).toEqual({ PLANNR_TOKEN: "abc", LOG_LEVEL: "debug" });
    expect(screen.warnings).toEqual([
      expect.stringContaining("/srv/app/.env:2: HTTPS_PROXY is not a case-sync setting and is ignored"),
      expect.stringContaining("/srv/app/.env:4: PGPASSWORD is not a case-sync setting and is ignored"),
    ]);
  });

  it("accepts every variable .env.example sets, and every one SPEC §6 names", () => {
    const example = parse(readFileSync(resolve(import.meta.dirname, "../../.env.example"), "utf8"));
    for (const key of Object.keys(example)) expect(DOTENV_VARIABLES.has(key), key).toBe(true);
    for (const key of ["PLANNR_WEBHOOK_SECRET", "CASE_SYNC_SECRET_KEY", "PGSSLMODE"]) expect(DOTENV_VARIABLES.has(key), key).toBe(true);
  });
});

describe("loadEnvironment with a .env file", () => {
  it("refuses NODE_TLS_REJECT_UNAUTHORIZED=0 and applies nothing from the file", () => {
    const source: NodeJS.ProcessEnv = {};
    const path = dotenvFile("PLANNR_TOKEN=from-file\nNODE_TLS_REJECT_UNAUTHORIZED=0\n");
    const error = thrown(() => loadEnvironment({ source, dotenvPath: path }));
    expect(error.code).toBe("CS_CONFIG");
    expect(error.message).toContain(`${path}:2 sets NODE_TLS_REJECT_UNAUTHORIZED`);
    expect(source.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
    expect(source.PLANNR_TOKEN).toBeUndefined();
  });

  it("never sets NODE_TLS_REJECT_UNAUTHORIZED in process.env itself", () => {
    const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    const path = dotenvFile("NODE_TLS_REJECT_UNAUTHORIZED=0\n");
    expect(thrown(() => loadEnvironment({ source: process.env, dotenvPath: path })).code).toBe("CS_CONFIG");
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBe(before);
  });

  it("sets documented variables the real environment lacks, keeps the ones it has, and ignores others", () => {
    const source: NodeJS.ProcessEnv = { PLANNR_TOKEN: "from-env", ONLYOFFICE_TOKEN: "" };
    const path = dotenvFile("PLANNR_TOKEN=from-file\nONLYOFFICE_TOKEN=from-file\nPLANNR_ACCOUNT_UUID=acc\nLOG_LEVEL=warn\nEDITOR=vim\n");
    const { env, warnings } = loadEnvironment({ source, dotenvPath: path });
    expect(env.PLANNR_TOKEN).toBe("from-env");
    // Set, even to "", is set: the file does not fill it in (dotenv's override: false).
    expect(env.ONLYOFFICE_TOKEN).toBe("");
    expect(env.PLANNR_ACCOUNT_UUID).toBe("acc");
    expect(env.LOG_LEVEL).toBe("warn");
    expect(source.EDITOR).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining("EDITOR is not a case-sync setting")]);
  });

  it("reads no .env for a source other than process.env unless asked", () => {
    const { env, warnings } = loadEnvironment({ source: { PLANNR_TOKEN: "t" } });
    expect(env.PLANNR_TOKEN).toBe("t");
    expect(warnings).toEqual([]);
  });
});

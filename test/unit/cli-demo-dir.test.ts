// Issue 9 items 1 and 8: `demo --dir D` empties D only when the demo made it (its marker file is
// there); any other existing folder is left alone and the command stops (exit 2). The demo's
// folder is private like the state folder.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { exitCodeForError } from "../../src/cli/exit-codes.js";
import { DEMO_MARKER, prepareDemoDir } from "../../src/cli/demo.js";
import { useUmask } from "../support/umask.js";

const root = mkdtempSync(join(tmpdir(), "case-sync-demo-dir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = () => join(root, `d${(counter += 1)}`);
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

useUmask(0o022);

function refusal(dir: string): CaseSyncError {
  try {
    prepareDemoDir(dir);
  } catch (error) {
    if (error instanceof CaseSyncError) return error;
    throw error;
  }
  throw new Error("prepareDemoDir did not refuse");
}

describe("prepareDemoDir", () => {
  it("makes a missing folder (and its parents) 0700 with the marker 0600", () => {
    const parent = fresh();
    const dir = join(parent, ".case-sync", "demo");
    prepareDemoDir(dir);
    expect(mode(parent)).toBe("700");
    expect(mode(dir)).toBe("700");
    expect(mode(join(dir, DEMO_MARKER))).toBe("600");
  });

  it("empties a folder the demo made before", () => {
    const dir = fresh();
    prepareDemoDir(dir);
    writeFileSync(join(dir, "state.db"), "old demo state");
    prepareDemoDir(dir);
    expect(readdirSync(dir)).toEqual([DEMO_MARKER]);
  });

  it("refuses a folder without the marker, names it, deletes nothing, and exits 2", () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, "state.db"), "someone's real state");
    const error = refusal(dir);
    expect(error.message).toContain(dir);
    expect(error.message).toContain(DEMO_MARKER);
    expect(exitCodeForError(error)).toBe(2);
    expect(readdirSync(dir)).toEqual(["state.db"]);
  });

  it("refuses a file, and a symlink even to a demo folder (never followed into a deletion)", () => {
    const file = fresh();
    writeFileSync(file, "not a folder");
    expect(exitCodeForError(refusal(file))).toBe(2);
    expect(existsSync(file)).toBe(true);
    const demo = fresh();
    prepareDemoDir(demo);
    const link = fresh();
    symlinkSync(demo, link);
    expect(exitCodeForError(refusal(link))).toBe(2);
    expect(readdirSync(demo)).toEqual([DEMO_MARKER]);
  });

  it("takes over an empty folder", () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o755 });
    prepareDemoDir(dir);
    expect(readdirSync(dir)).toEqual([DEMO_MARKER]);
    expect(mode(dir)).toBe("700");
  });
});

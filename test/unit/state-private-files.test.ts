// Issue 9 item 1: the state holds clients' personal data, so its folder is 0700 and its files
// (state.db, -wal, -shm) 0600 whatever the umask; an existing file or folder other users can read
// is reported with the command that fixes it; files the tool writes itself are 0600.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import type { Logger } from "../../src/core/ports.js";
import { exposedStateWarnings, shellWord, writePrivateFile } from "../../src/state/private-files.js";
import { SqliteStateStore } from "../../src/state/sqlite.js";
import { useUmask } from "../support/umask.js";

const root = mkdtempSync(join(tmpdir(), "case-sync-modes-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function freshDir(): string {
  counter += 1;
  return join(root, `t${counter}`);
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

// The umask most systems ship: without our modes, files come out 0644 and folders 0755.
useUmask(0o022);

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const record = (a: unknown, b?: unknown) => void warnings.push(typeof a === "string" ? a : String(b));
  const logger: Logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: record, error: () => undefined, child: () => logger };
  return { logger, warnings };
}

describe("a new SQLite state store under umask 022", () => {
  it("makes every missing folder 0700 and state.db, -wal and -shm 0600", async () => {
    const top = freshDir();
    const folder = join(top, ".case-sync");
    const path = join(folder, "state.db");
    const { logger, warnings } = recordingLogger();
    const store = new SqliteStateStore(path, { logger });
    await store.init();
    await store.setMeta("probe", "x"); // a write: the WAL and its index exist now
    try {
      expect(mode(top)).toBe("700");
      expect(mode(folder)).toBe("700");
      expect(mode(path)).toBe("600");
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(existsSync(`${path}-shm`)).toBe(true);
      expect(mode(`${path}-wal`)).toBe("600");
      expect(mode(`${path}-shm`)).toBe("600");
      expect(warnings).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("keeps an existing folder's mode and still makes the file 0600 (a path in a project folder)", async () => {
    const folder = freshDir();
    mkdirSync(folder, { mode: 0o755 });
    const path = join(folder, "state.db");
    const { logger, warnings } = recordingLogger();
    const store = new SqliteStateStore(path, { logger });
    await store.init();
    await store.close();
    expect(mode(folder)).toBe("755");
    expect(mode(path)).toBe("600");
    // A project folder's usual 0755 is not ours to judge: no warning.
    expect(warnings).toEqual([]);
  });
});

describe("an existing state file other users can read", () => {
  it("is reported through the logger, naming the path and `chmod 600`, and is left as it is", async () => {
    const folder = freshDir();
    mkdirSync(folder, { mode: 0o700 });
    const path = join(folder, "state.db");
    // As case-sync made it before issue 9: better-sqlite3 with the umask's 0644.
    new Database(path).close();
    expect(mode(path)).toBe("644");
    const { logger, warnings } = recordingLogger();
    const store = new SqliteStateStore(path, { logger });
    await store.init();
    await store.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(path);
    expect(warnings[0]).toContain(`chmod 600 ${path}`);
    expect(warnings[0]).toContain("644");
    expect(mode(path)).toBe("644");
  });

  it("reports the .case-sync folder too when others can read it, with `chmod 700`", async () => {
    const folder = join(freshDir(), ".case-sync");
    mkdirSync(folder, { recursive: true, mode: 0o755 });
    chmodSync(folder, 0o755);
    const path = join(folder, "state.db");
    const { logger, warnings } = recordingLogger();
    const store = new SqliteStateStore(path, { logger });
    await store.close();
    expect(warnings).toEqual([expect.stringContaining(`chmod 700 ${folder}`)]);
  });

  it("names -wal and -shm files left readable beside the database in the same command", () => {
    const folder = freshDir();
    mkdirSync(folder, { mode: 0o700 });
    const path = join(folder, "state.db");
    for (const file of [path, `${path}-wal`, `${path}-shm`]) writeFileSync(file, "", { mode: 0o644 });
    const [warning] = exposedStateWarnings(path);
    expect(warning).toContain(`chmod 600 ${path} ${path}-wal ${path}-shm`);
  });

  it("quotes a path with spaces so the command can be pasted", () => {
    expect(shellWord("/tmp/my state/state.db")).toBe("'/tmp/my state/state.db'");
    expect(shellWord("/tmp/it's")).toBe("'/tmp/it'\\''s'");
    expect(shellWord("./.case-sync/state.db")).toBe("./.case-sync/state.db");
  });
});

describe("writePrivateFile (files the tool writes itself)", () => {
  it("writes a new file 0600", () => {
    const folder = freshDir();
    mkdirSync(folder);
    const path = join(folder, "case-sync.yaml");
    writePrivateFile(path, "customFields: []\n");
    expect(readFileSync(path, "utf8")).toBe("customFields: []\n");
    expect(mode(path)).toBe("600");
  });

  it("narrows an existing 0644 file to 0600 when it rewrites it", () => {
    const folder = freshDir();
    mkdirSync(folder);
    const path = join(folder, "plan.json");
    writeFileSync(path, "old, longer content", { mode: 0o644 });
    writePrivateFile(path, "new");
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(mode(path)).toBe("600");
  });
});

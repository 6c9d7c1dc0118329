// The README's library example runs as it is, and reaches a zero-write second sync.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

describe("examples/embed.ts", () => {
  it("runs against the sandboxes and ends in a fixpoint", () => {
    const root = resolve(import.meta.dirname, "../..");
    const result = spawnSync(process.execPath, ["--import", "tsx", "examples/embed.ts"], { cwd: root, encoding: "utf8", timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("migrated: 12 cases, exit 0");
    expect(result.stdout).toContain("second sync wrote 0 times");
  });
});

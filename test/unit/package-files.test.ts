// Issue 10 item 9: the package ships `examples/` (the README points at examples/embed.ts), beside
// dist, the mappings and the README. Judged from `npm pack --dry-run` (no scripts, nothing written).
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

describe("the packed package", () => {
  it("holds examples/embed.ts, the example mappings, the README and the built CLI", () => {
    const root = resolve(import.meta.dirname, "../..");
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8", env: { ...process.env, npm_config_offline: "true", npm_config_update_notifier: "false" } });
    const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
    const files = (pack?.files ?? []).map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(["examples/embed.ts", "mappings/sync.example.yaml", "README.md", "package.json"]));
    expect(files.some((f) => f.startsWith("dist/src/cli/"))).toBe(true);
    expect(files.some((f) => f.startsWith("test/") || f.startsWith("src/"))).toBe(false);
  }, 60_000);
});

// Dependencies point inward (SPEC §1, STYLE.md): src/core imports nothing of ours; the engine
// only src/core; adapters only core, transport and mapping; the CLI is the composition root.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The project-relative areas a file imports (`src/core`, `adapters/plannr`, ...). */
function importedAreas(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const areas: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+["'](\.[^"']+)["']/g)) {
    const target = relative(ROOT, resolve(dirname(join(ROOT, file)), match[1] ?? ""));
    const [top, area] = target.split("/");
    areas.push(`${top}/${area}`);
  }
  return areas;
}

const RULES: { area: string; may: string[] }[] = [
  { area: "src/core", may: ["src/core"] },
  { area: "src/engine", may: ["src/engine", "src/core"] },
  { area: "src/transport", may: ["src/transport", "src/core"] },
  { area: "src/mapping", may: ["src/mapping", "src/core"] },
  { area: "src/state", may: ["src/state", "src/core"] },
  { area: "src/sandbox", may: ["src/sandbox"] },
  { area: "adapters/plannr", may: ["adapters/plannr", "src/core", "src/transport", "src/mapping"] },
  { area: "adapters/onlyoffice", may: ["adapters/onlyoffice", "src/core", "src/transport", "src/mapping"] },
  { area: "src/library", may: ["src/library", "src/core", "src/engine", "src/mapping", "src/state", "src/transport", "adapters/plannr", "adapters/onlyoffice"] },
];

describe("architecture", () => {
  for (const rule of RULES) {
    it(`${rule.area} imports only ${rule.may.join(", ")}`, () => {
      const wrong: string[] = [];
      for (const file of files(rule.area)) {
        for (const area of importedAreas(file)) if (!rule.may.includes(area)) wrong.push(`${file} → ${area}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it("nothing outside the CLI and the library wires adapters or stores together", () => {
    const wiring = files("src").filter((f) => !f.startsWith("src/cli") && !f.startsWith("src/library") && f !== "src/index.ts");
    const offenders = wiring.filter((f) => /create(Plannr|Onlyoffice)Adapter\(|openStateStore\(/.test(readFileSync(join(ROOT, f), "utf8")) && !f.startsWith("src/state"));
    expect(offenders).toEqual([]);
  });
});

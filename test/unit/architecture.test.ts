// Dependencies point inward (SPEC §1, STYLE.md): src/core imports nothing of ours; the engine
// only src/core; adapters only core, transport and mapping; the library wires them; the service
// and the fleet sit on the library; the CLI is the composition root and reaches the engine, the
// mapping and the state only through the library. And no two files import each other, however
// indirectly: a cycle means neither can be read (or loaded) on its own.
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

/**
 * The project files a file imports, as project-relative `.ts` paths: static imports and re-exports
 * (type-only ones too: they tie the files together as much for a reader), side-effect imports and
 * dynamic `import()`.
 */
function importsOf(file: string, text: string = readFileSync(join(ROOT, file), "utf8")): string[] {
  const targets: string[] = [];
  const patterns = [/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+["'](\.[^"']+)["']/g, /(?:^|\n)\s*import\s+["'](\.[^"']+)["']/g, /\bimport\(\s*["'](\.[^"']+)["']\s*\)/g];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      targets.push(relative(ROOT, resolve(dirname(join(ROOT, file)), match[1] ?? "")).replace(/\.js$/, ".ts"));
    }
  }
  return [...new Set(targets)];
}

/** The project-relative areas a file imports (`src/core`, `adapters/plannr`, ...). */
function importedAreas(file: string): string[] {
  return importsOf(file).map((target) => target.split("/").slice(0, 2).join("/"));
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
  // The service triggers library calls; Plannr's webhook-subscription client is its one adapter need.
  { area: "src/service", may: ["src/service", "src/library", "src/core", "src/transport", "adapters/plannr"] },
  // The registry validates mappings and opens one store per pair.
  { area: "src/fleet", may: ["src/fleet", "src/service", "src/library", "src/core", "src/transport", "src/state", "src/mapping"] },
  // Logger and redaction from transport; the sandbox for `sandbox` and `demo`.
  { area: "src/cli", may: ["src/cli", "src/library", "src/core", "src/transport", "src/sandbox", "src/service", "src/fleet"] },
];

/** Every import cycle among `graph`'s files, each named as a path that returns to its start. */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's strongly connected components: every file of a component reaches every other one.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file) ?? 0);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file) ?? 0, index.get(next) ?? 0));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let top: string | undefined;
    do {
      top = stack.pop();
      if (top === undefined) break;
      onStack.delete(top);
      component.push(top);
    } while (top !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) components.push(component);
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  // Name each component by one concrete cycle: the shortest way back to its first file.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0] ?? "";
    const from = new Map<string, string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i += 1) {
      const file = queue[i] ?? "";
      for (const next of graph.get(file) ?? []) {
        if (next === start) {
          const path = [file];
          while (path[0] !== start) path.unshift(from.get(path[0] ?? "") ?? start);
          return [...path, start];
        }
        if (members.has(next) && !from.has(next)) {
          from.set(next, file);
          queue.push(next);
        }
      }
    }
    return [start, start];
  });
}

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

  it("every area of src/ and adapters/ has a rule", () => {
    const areas = ["src", "adapters"].flatMap((top) => readdirSync(join(ROOT, top)).filter((name) => statSync(join(ROOT, top, name)).isDirectory()).map((name) => `${top}/${name}`));
    expect(areas.filter((area) => !RULES.some((r) => r.area === area))).toEqual([]);
  });

  it("nothing outside the CLI and the library wires adapters or stores together", () => {
    const wiring = files("src").filter((f) => !f.startsWith("src/cli") && !f.startsWith("src/library") && f !== "src/index.ts");
    const offenders = wiring.filter((f) => /create(Plannr|Onlyoffice)Adapter\(|openStateStore\(/.test(readFileSync(join(ROOT, f), "utf8")) && !f.startsWith("src/state"));
    expect(offenders).toEqual([]);
  });

  it("no import cycle between files of src/ and adapters/", () => {
    const graph = new Map([...files("src"), ...files("adapters")].map((file) => [file, importsOf(file)]));
    expect(importCycles(graph).map((cycle) => cycle.join(" → "))).toEqual([]);
  });

  it("the cycle check finds a cycle, however long, and names it", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts", "d.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", []],
      ["e.ts", ["e.ts"]],
    ]);
    expect(importCycles(graph)).toEqual([["a.ts", "b.ts", "c.ts", "a.ts"], ["e.ts", "e.ts"]]);
    expect(importCycles(new Map([["a.ts", ["b.ts"]], ["b.ts", []]]))).toEqual([]);
  });

  it("reads every kind of import", () => {
    const text = ['import { a } from "./a.js";', "import type {", "  B,", '} from "../b.js";', 'export * from "./c.js";', 'import "./d.js";', 'const e = await import("./e.js");'].join("\n");
    expect(importsOf("src/engine/x.ts", text).sort()).toEqual(["src/b.ts", "src/engine/a.ts", "src/engine/c.ts", "src/engine/d.ts", "src/engine/e.ts"]);
  });
});

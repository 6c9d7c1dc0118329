// Reads a mapping file (YAML) and validates it with the zod schema of src/core. Every error
// names the file, the line and the path (`case-sync.yaml:14 customFields[2].type: ...`), so a
// non-engineer can find and fix it.
import { readFileSync } from "node:fs";
import { LineCounter, isMap, isSeq, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { CaseSyncError } from "../core/errors.js";
import { MappingSchema, type Mapping } from "../core/mapping.js";

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

/** The line of the deepest node that exists along `path` (a missing key points at its parent). */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | null {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    const range = node?.range;
    if (range) return counter.linePos(range[0]).line;
    if (depth === 0) {
      const contents = doc.contents as { range?: [number, number, number] } | null;
      return contents?.range ? counter.linePos(contents.range[0]).line : null;
    }
  }
  return null;
}

export function describeIssues(issues: readonly z.core.$ZodIssue[], source: string, locate: (path: readonly PropertyKey[]) => number | null): string[] {
  return issues.flatMap((issue) => {
    // An unknown key is reported at the key itself, with a hint at the likely typo.
    const entries: { path: readonly PropertyKey[]; message: string }[] =
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => ({ path: [...issue.path, key], message: "is not a setting here (check the spelling and the indentation)" }))
        : [{ path: issue.path, message: issue.message }];
    return entries.map(({ path, message }) => {
      const line = locate(path);
      const where = line === null ? source : `${source}:${line}`;
      return `${where} ${formatPath(path)}: ${message}`;
    });
  });
}

/** Parses and validates mapping YAML; `source` names it in errors. */
export function parseMapping(text: string, source = "mapping"): Mapping {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `${source}:${counter.linePos(e.pos[0]).line} ${e.message.split("\n")[0] ?? e.message}`);
    throw new CaseSyncError("CS_CONFIG", `the mapping is not valid YAML:\n  ${lines.join("\n  ")}`, { field: "mapping" });
  }
  const raw: unknown = doc.toJS() ?? {};
  if (doc.contents !== null && !isMap(doc.contents) && !isSeq(doc.contents)) {
    throw new CaseSyncError("CS_CONFIG", `${source}: a mapping must be a YAML object (key: value lines)`, { field: "mapping" });
  }
  const result = MappingSchema.safeParse(raw);
  if (!result.success) {
    const lines = describeIssues(result.error.issues, source, (path) => lineOf(doc, counter, path));
    throw new CaseSyncError("CS_CONFIG", `the mapping has ${lines.length} problem${lines.length === 1 ? "" : "s"}:\n  ${lines.join("\n  ")}`, {
      field: formatPath(result.error.issues[0]?.path ?? []),
    });
  }
  return result.data;
}

/** Validates a mapping given as an object (library use); errors name the path. */
export function validateMapping(input: unknown, source = "mapping"): Mapping {
  const result = MappingSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = describeIssues(result.error.issues, source, () => null);
  throw new CaseSyncError("CS_CONFIG", `the mapping has ${lines.length} problem${lines.length === 1 ? "" : "s"}:\n  ${lines.join("\n  ")}`, {
    field: formatPath(result.error.issues[0]?.path ?? []),
  });
}

export function loadMappingFile(path: string): Mapping {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === "ENOENT" ? " (run `case-sync init` to write one, or pass --config)" : "";
    throw new CaseSyncError("CS_CONFIG", `cannot read the mapping file ${path}: ${code ?? (error as Error).message}${hint}`, { field: "config" });
  }
  return parseMapping(text, path);
}

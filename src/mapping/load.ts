// Reads a mapping file (YAML) and validates it with the zod schema of src/core. Every error
// names the file, the line and the path (`case-sync.yaml:14 customFields[2].type: ...`), so a
// non-engineer can find and fix it.
import { readFileSync } from "node:fs";
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from "yaml";
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

type Ranged = { range?: [number, number, number] | null } | null | undefined;

function startLine(counter: LineCounter, node: unknown): number | null {
  const range = (node as Ranged)?.range;
  return range ? counter.linePos(range[0]).line : null;
}

/** A map key as the path segment zod reports (zod paths hold object keys as strings). */
function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/**
 * The line of what `path` names: a map entry's **key** line (so an unknown or mistyped setting is
 * reported where its name is written, not where a block value under it starts), a list item's
 * first line, or, for a path that stops existing (a missing key), the deepest entry that exists.
 */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | null {
  let node: unknown = doc.contents;
  let line = startLine(counter, node);
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(part));
      if (!pair) break;
      line = startLine(counter, pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof part === "number") {
      const item: unknown = node.items[part];
      if (item === undefined) break;
      line = startLine(counter, item) ?? line;
      node = item;
    } else break;
  }
  return line;
}

/** The path of the deepest entry whose text contains `offset` (where a YAML syntax error sits). */
function pathAt(node: unknown, offset: number, path: PropertyKey[] = []): PropertyKey[] {
  if (isMap(node)) {
    for (const pair of node.items) {
      const start = (pair.key as Ranged)?.range?.[0];
      const end = (pair.value as Ranged)?.range?.[2] ?? (pair.key as Ranged)?.range?.[2];
      if (start !== undefined && end !== undefined && offset >= start && offset <= end) return pathAt(pair.value, offset, [...path, keyText(pair.key)]);
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const range = (item as Ranged)?.range;
      if (range && offset >= range[0] && offset <= range[2]) return pathAt(item, offset, [...path, index]);
    }
  }
  return path;
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

/** The path the first reported problem names (an unknown key's own path, not its parent's). */
function firstPath(issues: readonly z.core.$ZodIssue[]): string {
  const issue = issues[0];
  if (issue === undefined) return formatPath([]);
  const key = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
  return formatPath(key === undefined ? issue.path : [...issue.path, key]);
}

/**
 * A mapping file has no use for more than a handful of aliases; yaml stops expanding them past
 * this count, so a "billion laughs" file (aliases of aliases) cannot exhaust memory.
 */
const MAX_ALIASES = 100;

/** The document as plain data; an alias bomb is a configuration error naming the file, not a crash. */
function toPlainData(doc: Document, source: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    // yaml throws a ReferenceError for too many aliases (and for an alias to nothing).
    const reason = error instanceof Error ? error.message : String(error);
    throw new CaseSyncError("CS_CONFIG", `${source}: the mapping cannot be read: ${reason} (a mapping needs few or no YAML aliases)`, { field: "mapping" });
  }
}

/** Parses and validates mapping YAML; `source` names it in errors. */
export function parseMapping(text: string, source = "mapping"): Mapping {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The partly parsed document still tells which setting the error sits in.
    const lines = doc.errors.map(
      (e) => `${source}:${counter.linePos(e.pos[0]).line} ${formatPath(pathAt(doc.contents, e.pos[0]))}: ${e.message.split("\n")[0] ?? e.message}`,
    );
    throw new CaseSyncError("CS_CONFIG", `the mapping is not valid YAML:\n  ${lines.join("\n  ")}`, { field: "mapping" });
  }
  const raw: unknown = toPlainData(doc, source) ?? {};
  if (doc.contents !== null && !isMap(doc.contents) && !isSeq(doc.contents)) {
    throw new CaseSyncError("CS_CONFIG", `${source}: a mapping must be a YAML object (key: value lines)`, { field: "mapping" });
  }
  const result = MappingSchema.safeParse(raw);
  if (!result.success) {
    const lines = describeIssues(result.error.issues, source, (path) => lineOf(doc, counter, path));
    throw new CaseSyncError("CS_CONFIG", `the mapping has ${lines.length} problem${lines.length === 1 ? "" : "s"}:\n  ${lines.join("\n  ")}`, {
      field: firstPath(result.error.issues),
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
    field: firstPath(result.error.issues),
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

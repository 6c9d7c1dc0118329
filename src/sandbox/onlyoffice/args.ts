// Request arguments as ASC.Api binds them: from the URL query and the body (JSON or form), names
// matched case-insensitively (the docs' PascalCase examples bind too), arrays given as JSON arrays,
// repeated keys or `k[]=`, bools only `true`/`false`, and `[]` the same as omitted (reference:
// "Transport and auth"). A value that cannot be converted is an ArgumentException → 400.
import { parseForm } from "../http-server.js";
import { badArgument } from "./errors.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface KeyValue {
  key: number;
  /** null when the entry carried no value (the portal skips those). */
  value: string | null;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function findKey(record: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function parseInt32(value: unknown): number {
  const text = scalarText(value)?.trim();
  if (text === undefined || !/^-?\d+$/.test(text)) throw badArgument();
  return Number(text);
}

export class Args {
  private readonly sources: Record<string, unknown>[];

  /** `body` wins over the query for a name given in both. */
  constructor(query: URLSearchParams, body: unknown) {
    this.sources = [asRecord(body), parseForm(query.toString())];
  }

  raw(name: string): unknown {
    for (const source of this.sources) {
      const value = findKey(source, name);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  has(name: string): boolean {
    const value = this.raw(name);
    return value !== undefined && value !== null;
  }

  string(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    const text = scalarText(Array.isArray(value) ? value[0] : value);
    if (text === undefined) throw badArgument();
    return text;
  }

  int(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null || value === "") return undefined;
    return parseInt32(Array.isArray(value) ? value[0] : value);
  }

  /** `true`/`false` only (any letter case, as .NET's bool.Parse); "" counts as omitted. */
  bool(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value === "boolean") return value;
    const text = scalarText(value)?.toLowerCase();
    if (text === "true") return true;
    if (text === "false") return false;
    throw badArgument();
  }

  private list(name: string): unknown[] {
    const value = this.raw(name);
    if (value === undefined || value === null || value === "") return [];
    return Array.isArray(value) ? value : [value];
  }

  intList(name: string): number[] {
    return this.list(name).map(parseInt32);
  }

  stringList(name: string): string[] {
    return this.list(name).map((item) => {
      const text = scalarText(item);
      if (text === undefined) throw badArgument();
      return text;
    });
  }

  /** GUIDs, lower-cased so comparisons are case-insensitive as .NET's Guid equality. */
  guidList(name: string): string[] {
    return this.stringList(name).map((text) => {
      const trimmed = text.trim();
      if (!GUID.test(trimmed)) throw badArgument();
      return trimmed.toLowerCase();
    });
  }

  /**
   * `customFieldList`: `[{"key":1,"value":"x"}]`, the docs' `[{"Key":1,"Value":"x"}]`, the
   * source comments' `[{1:"x"}]`, a plain dictionary `{"1":"x"}`, or form
   * `customFieldList[0][key]=1&customFieldList[0][value]=x` (which arrives as the first shape).
   */
  keyValueList(name: string): KeyValue[] {
    const value = this.raw(name);
    if (value === undefined || value === null || value === "") return [];
    const entries = Array.isArray(value) ? value : [value];
    const out: KeyValue[] = [];
    for (const entry of entries) {
      const record = asRecord(entry);
      const key = findKey(record, "key");
      if (key !== undefined) {
        const raw = findKey(record, "value");
        out.push({ key: parseInt32(key), value: raw === undefined || raw === null ? null : (scalarText(raw) ?? null) });
        continue;
      }
      const pairs = Object.entries(record);
      if (pairs.length === 0) throw badArgument();
      for (const [k, v] of pairs) out.push({ key: parseInt32(k), value: v === null ? null : (scalarText(v) ?? null) });
    }
    return out;
  }
}

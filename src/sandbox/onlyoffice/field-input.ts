// `POST crm/case/customfield {label, fieldType, mask}` (administrators only; `position` ignored):
// the type by number or name, the mask kept as the JSON *string* the portal stores — `{"size":N}`,
// `{"rows":R,"cols":C}`, a non-empty `["opt1","opt2"]` for a SelectBox (required), `""` for the
// rest (reference: "Custom fields").
import type { Args } from "./args.js";
import { badArgument } from "./errors.js";
import type { SimField } from "./state.js";

const FIELD_TYPES: Record<string, number> = { textfield: 0, textarea: 1, selectbox: 2, checkbox: 3, heading: 4, date: 5 };

function parseFieldType(args: Args): number {
  const text = args.string("fieldType")?.trim();
  if (text === undefined || text === "") return 0;
  if (/^[0-5]$/.test(text)) return Number(text);
  const value = FIELD_TYPES[text.toLowerCase()];
  if (value === undefined) throw badArgument();
  return value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function maskFor(fieldType: number, raw: unknown): string {
  // JSON bodies may send the mask as a real array/object rather than the documented string.
  const value = typeof raw === "string" ? parseJson(raw) : raw;
  if (fieldType === 2) {
    if (!Array.isArray(value) || value.length === 0 || !value.every((o) => typeof o === "string")) throw badArgument();
    return JSON.stringify(value);
  }
  const record = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  if (fieldType === 0) return JSON.stringify({ size: Number(record.size ?? 40) || 40 });
  if (fieldType === 1) return JSON.stringify({ rows: Number(record.rows ?? 3) || 3, cols: Number(record.cols ?? 30) || 30 });
  return "";
}

export function parseFieldInput(args: Args): Omit<SimField, "id" | "position"> {
  const label = args.string("label");
  if (label === undefined || label.trim() === "") throw badArgument();
  const fieldType = parseFieldType(args);
  return { label: label.trim(), fieldType, mask: maskFor(fieldType, args.raw("mask")) };
}

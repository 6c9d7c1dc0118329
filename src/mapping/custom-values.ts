// Custom field value rules (SPEC §2, ONLYOFFICE reference "Custom fields"): ONLYOFFICE stores
// every value as an unvalidated string, so the codec normalizes on read and validates on write;
// Plannr values are typed. Canonical values: text → string, number → number, boolean → boolean,
// date → `YYYY-MM-DD` string, select → the option text. Nothing is coerced silently: a value that
// does not fit throws RangeError and becomes a record error naming the field.
import type { CustomValue } from "../core/case.js";
import type { CustomFieldType } from "../core/mapping.js";
import { isCalendarDate, normalizeText } from "../core/normalize.js";
import { readCalendarDate } from "./dates.js";

/**
 * Plain decimal text: optional sign, digits, optional fraction, optional exponent. `Number` alone
 * would also take `0x1A`, `0b1` and `Infinity`: a silent coercion of what a user typed (invariant 11).
 */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function readDecimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
}

export interface ValueContext {
  datePattern: string;
  timeZone: string;
}

/** ONLYOFFICE text → canonical. Empty text is unset (null). */
export function fromFieldText(type: CustomFieldType, text: string | null | undefined, ctx: ValueContext): CustomValue {
  const trimmed = normalizeText(text);
  if (trimmed === null) return null;
  switch (type) {
    case "text":
    case "longtext":
    case "select":
      return trimmed;
    case "number": {
      const number = readDecimal(trimmed.replace(/,(?=\d{3}(\D|$))/g, ""));
      if (number === null) throw new RangeError(`"${trimmed}" is not a number`);
      return number;
    }
    case "boolean": {
      const lower = trimmed.toLowerCase();
      if (lower === "true" || lower === "on" || lower === "1" || lower === "yes") return true;
      if (lower === "false" || lower === "off" || lower === "0" || lower === "no") return false;
      throw new RangeError(`"${trimmed}" is not a checkbox value (true/false)`);
    }
    case "date":
      return readCalendarDate(trimmed, ctx.datePattern, ctx.timeZone);
  }
}

/** Canonical → ONLYOFFICE text (`""` means clear). Dates are written `yyyy-MM-dd`. */
export function toFieldText(type: CustomFieldType, value: CustomValue): string {
  if (value === null) return "";
  switch (type) {
    case "boolean":
      if (typeof value !== "boolean") throw new RangeError(`${JSON.stringify(value)} is not true/false`);
      return value ? "true" : "false";
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`${JSON.stringify(value)} is not a number`);
      return String(value);
    case "date":
      if (typeof value !== "string" || !isCalendarDate(value)) throw new RangeError(`${JSON.stringify(value)} is not a date YYYY-MM-DD`);
      return value;
    default:
      if (typeof value !== "string") return String(value);
      return value;
  }
}

/** Plannr typed value (as read from `custom_fields[].value`) → canonical. */
export function fromPlannrValue(type: CustomFieldType, value: unknown, ctx: ValueContext): CustomValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === 1 || value === "1" || value === "true") return true;
      if (value === 0 || value === "0" || value === "false") return false;
      throw new RangeError(`${JSON.stringify(value)} is not a boolean`);
    case "number": {
      if (typeof value === "number") {
        if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
        return value;
      }
      if (typeof value !== "string") throw new RangeError(`${JSON.stringify(value)} is not a number`);
      if (value.trim() === "") return null;
      const number = readDecimal(value.trim());
      if (number === null) throw new RangeError(`${JSON.stringify(value)} is not a number`);
      return number;
    }
    case "date":
      if (typeof value !== "string") throw new RangeError(`${JSON.stringify(value)} is not a date`);
      return normalizeText(value) === null ? null : readCalendarDate(value, "yyyy-MM-dd", ctx.timeZone);
    default:
      if (typeof value === "string") return normalizeText(value);
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      throw new RangeError(`${JSON.stringify(value)} is not text`);
  }
}

/** Canonical → the value a Plannr PUT sends for the field. */
export function toPlannrValue(type: CustomFieldType, value: CustomValue): string | number | boolean | null {
  if (value === null) return null;
  switch (type) {
    case "boolean":
      if (typeof value !== "boolean") throw new RangeError(`${JSON.stringify(value)} is not true/false`);
      return value;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`${JSON.stringify(value)} is not a number`);
      return value;
    case "date":
      if (typeof value !== "string" || !isCalendarDate(value)) throw new RangeError(`${JSON.stringify(value)} is not a date YYYY-MM-DD`);
      return value;
    default:
      return typeof value === "string" ? value : String(value);
  }
}

/** Select options: canonical option text must be one the target side offers (invariant 11). */
export function checkOption(value: CustomValue, options: readonly string[] | null, what: string): void {
  if (value === null || options === null || options.length === 0) return;
  if (!options.includes(String(value))) {
    throw new RangeError(`"${String(value)}" is not an option of ${what} (options: ${options.join(", ")})`);
  }
}

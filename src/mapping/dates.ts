// Date rules (SPEC §2): canonical dates are calendar dates `YYYY-MM-DD` in the mapping's zone.
// ONLYOFFICE Date fields hold whatever was typed in the UI, in the portal's short-date pattern
// (`12/31/2024` on en-US) or ISO; the adapter writes `yyyy-MM-dd` and reads both.
import { isCalendarDate, toCalendarDate } from "../core/normalize.js";

/** Parses `text` written in `pattern` (tokens yyyy, MM/M, dd/d) to `YYYY-MM-DD`, or null. */
export function parseWithPattern(text: string, pattern: string): string | null {
  const tokens = pattern.split(/[./ -]/);
  const separator = pattern.replace(/[yMd]/g, "")[0] ?? "-";
  const parts = text.trim().split(separator);
  if (parts.length !== 3 || tokens.length !== 3) return null;
  let year = "";
  let month = "";
  let day = "";
  for (let i = 0; i < 3; i += 1) {
    const token = tokens[i] ?? "";
    const part = parts[i] ?? "";
    if (!/^\d+$/.test(part)) return null;
    if (token === "yyyy") {
      if (part.length !== 4) return null;
      year = part;
    } else if (token.startsWith("M")) {
      if (part.length > 2 || (token === "MM" && part.length !== 2)) return null;
      month = part.padStart(2, "0");
    } else if (token.startsWith("d")) {
      if (part.length > 2 || (token === "dd" && part.length !== 2)) return null;
      day = part.padStart(2, "0");
    }
  }
  const iso = `${year}-${month}-${day}`;
  return isCalendarDate(iso) ? iso : null;
}

/**
 * Reads a date as ONLYOFFICE or Plannr may hold it: `YYYY-MM-DD`, an ISO timestamp (taken as a
 * calendar date in `timeZone`), or `pattern`. Throws RangeError on anything else: an unreadable
 * date is a record error, never silently dropped.
 */
export function readCalendarDate(text: string, pattern: string, timeZone: string): string {
  const trimmed = text.trim();
  if (isCalendarDate(trimmed)) return trimmed;
  if (/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) {
    // ONLYOFFICE's minimum date means "no date".
    if (trimmed.startsWith("0001-01-01")) throw new RangeError(`"${trimmed}" is the empty date`);
    return toCalendarDate(trimmed, timeZone);
  }
  const parsed = parseWithPattern(trimmed, pattern);
  if (parsed === null) throw new RangeError(`"${trimmed}" is neither ISO-8601 nor in the portal pattern ${pattern}`);
  return parsed;
}

/** Formats `YYYY-MM-DD` in a pattern (used by `init` to show how a date would read). */
export function formatWithPattern(iso: string, pattern: string): string {
  const [year = "", month = "", day = ""] = iso.split("-");
  return pattern
    .replace("yyyy", year)
    .replace(/MM|M/, (t) => (t === "MM" ? month : String(Number(month))))
    .replace(/dd|d/, (t) => (t === "dd" ? day : String(Number(day))));
}

/**
 * Guesses a portal's date pattern from sample values. Returns the single pattern all samples fit,
 * or null when none or several fit (then the mapping must say: SPEC §3 "required when ambiguous").
 */
export function detectDatePattern(samples: readonly string[]): string | null {
  const candidates = ["yyyy-MM-dd", "dd/MM/yyyy", "MM/dd/yyyy", "dd.MM.yyyy", "M/d/yyyy", "d/M/yyyy", "dd-MM-yyyy", "yyyy/MM/dd"];
  const values = samples.map((s) => s.trim()).filter((s) => s !== "" && !/^\d{4}-\d{2}-\d{2}T/.test(s));
  if (values.length === 0) return null;
  const fitting = candidates.filter((p) => values.every((v) => parseWithPattern(v, p) !== null));
  // M/d/yyyy fits whatever MM/dd/yyyy fits: prefer the stricter form when both fit.
  const distinct = fitting.filter((p) => !(p.length < 10 && fitting.includes(p.replace("M", "MM").replace("d", "dd"))));
  return distinct.length === 1 ? (distinct[0] ?? null) : null;
}

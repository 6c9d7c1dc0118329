// Calendar dates written to Plannr. Plannr stores `review_at` and `datetime` custom fields as
// instants and reads a bare date (or a time without an offset) as UK wall time (reference "Cases":
// "Inputs accept any ISO-8601 string"; timestamps come back with the UK offset). A bare
// `2026-04-09` is therefore 00:00 in London, which is still 8 April in New York: read back in the
// mapping's zone it would move a day (SPEC §2 compares dates as calendar dates in that zone). Noon
// in the mapping's own zone, with that zone's offset, is the same calendar date in every zone
// within twelve hours of it either way, so what is sent reads back as the same date (invariant 3).
// Pure: the offset comes from the runtime's tz database.
import { isCalendarDate } from "../../src/core/normalize.js";

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Minutes `timeZone` is ahead of UTC at this instant (negative west of Greenwich). */
export function zoneOffsetMinutes(ms: number, timeZone: string): number {
  const parts = wallClock(timeZone).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? "0");
  const wall = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
}

const pad = (n: number): string => String(n).padStart(2, "0");

function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * `YYYY-MM-DD` → noon of that day in `timeZone` with its offset, e.g. `2026-04-09T12:00:00+01:00`
 * (Europe/London, summer), `2026-04-09T12:00:00-04:00` (America/New_York, daylight time).
 * Throws RangeError for anything that is not a calendar date.
 */
export function plannrNoon(date: string, timeZone: string): string {
  if (!isCalendarDate(date)) throw new RangeError(`${JSON.stringify(date)} is not a calendar date YYYY-MM-DD`);
  const [year = 0, month = 1, day = 1] = date.split("-").map(Number);
  const wallNoon = Date.UTC(year, month - 1, day, 12);
  // The offset at noon local: a first guess from noon UTC, corrected once (a DST change between
  // noon UTC and noon local, which only matters in zones whose clocks change around midday).
  let offset = zoneOffsetMinutes(wallNoon, timeZone);
  offset = zoneOffsetMinutes(wallNoon - offset * 60_000, timeZone);
  return `${date}T12:00:00${formatOffset(offset)}`;
}

// Plannr's clock reads in UK time: every timestamp is ISO-8601 with seconds and the UK offset
// (reference "Cases": `2025-06-24T10:15:12+01:00` in summer, `+00:00` in winter), and any ISO-8601
// input is accepted (a bare date or a time without an offset is taken as UK wall time, as Laravel's
// Carbon does under an app time zone of Europe/London). Storage has second precision (MySQL
// `datetime`), so fractions of a second are dropped on the way in.

const ZONE = "Europe/London";

const wallClock = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function londonWall(ms: number): Wall {
  const parts = wallClock.formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? "0");
  return { year: part("year"), month: part("month"), day: part("day"), hour: part("hour"), minute: part("minute"), second: part("second") };
}

function wallAsUtc(wall: Wall): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/**
 * Minutes London is ahead of UTC at this instant (0 in GMT, 60 in BST). UK offsets change only on
 * whole UTC hours, so the Intl answer is cached per hour: formatting stays cheap on large books.
 */
const offsetByHour = new Map<number, number>();
function londonOffsetMinutes(ms: number): number {
  const hour = Math.floor(ms / 3_600_000);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    const start = hour * 3_600_000;
    offset = Math.round((wallAsUtc(londonWall(start)) - start) / 60_000);
    offsetByHour.set(hour, offset);
  }
  return offset;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** An instant as Plannr prints it: `2025-06-24T10:15:12+01:00`. */
export function formatLondon(ms: number): string {
  const offset = londonOffsetMinutes(ms);
  const wall = new Date(Math.floor(ms / 1000) * 1000 + offset * 60_000);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return (
    `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
    `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Any ISO-8601 date or timestamp → epoch milliseconds (whole seconds), or null when the text is
 * not one. No offset means London wall time.
 */
export function parseIsoInstant(text: string): number | null {
  const match = ISO.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", zone] = match;
  const wall: Wall = { year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi), second: Number(s) };
  if (wall.month < 1 || wall.month > 12 || wall.hour > 23 || wall.minute > 59 || wall.second > 59) return null;
  const asUtc = wallAsUtc(wall);
  if (new Date(asUtc).getUTCDate() !== wall.day) return null; // 31 February and friends
  if (zone !== undefined) {
    if (zone.toUpperCase() === "Z") return asUtc;
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0");
    return asUtc - sign * minutes * 60_000;
  }
  // Wall time in London: take the offset at the naive instant, then correct once across a DST edge.
  const guess = asUtc - londonOffsetMinutes(asUtc) * 60_000;
  return asUtc - londonOffsetMinutes(guess) * 60_000;
}

/** Normalizes any accepted input to Plannr's printed form, or null when it is not ISO-8601. */
export function normalizeTimestamp(text: string): string | null {
  const ms = parseIsoInstant(text);
  return ms === null ? null : formatLondon(ms);
}

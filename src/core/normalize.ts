// Normalization rules of SPEC §2, applied identically by both codecs before anything is hashed or
// compared. Each rule mirrors something a server does to what it stores, so that what is written
// equals what reads back (invariant 3): Plannr trims every input string (Laravel's TrimStrings
// middleware), e-mail addresses are case-insensitive in practice, sets have no order, money is
// compared in integer minor units and dates at the coarser precision of the two sides.

/** Trim, unify line endings and Unicode form. Empty after trimming reads as absent (null). */
export function normalizeText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = value.replace(/\r\n?/g, "\n").normalize("NFC").trim();
  return text === "" ? null : text;
}

/** Like normalizeText, for fields that are never absent (a case title). */
export function normalizeRequiredText(value: string): string {
  return normalizeText(value) ?? "";
}

export function normalizeEmail(value: string | null | undefined): string | null {
  const text = normalizeText(value);
  if (text === null) return null;
  const email = text.toLowerCase();
  // A deliberately loose check: the point is to tell an address from a placeholder or a name.
  return /^[^\s@]+@[^\s@]+$/.test(email) ? email : null;
}

/** Sorted, de-duplicated copy: sets compare equal regardless of order or repeats. */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/**
 * Decimal text ("40", "40.5", "40.00", "-3.10", "1,234.50") to integer minor units. Returns null
 * for blank input and throws on anything that is not a plain decimal with at most two places:
 * nothing is rounded silently (invariant 11).
 */
export function decimalToMinorUnits(text: string | null | undefined): number | null {
  const trimmed = normalizeText(text);
  if (trimmed === null) return null;
  const plain = trimmed.replace(/,(?=\d{3}(\D|$))/g, "");
  const match = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(plain);
  if (!match) throw new RangeError(`"${trimmed}" is not a decimal amount with at most two decimal places`);
  const [, sign, whole = "0", fraction = ""] = match;
  const minor = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  if (!Number.isSafeInteger(minor)) throw new RangeError(`"${trimmed}" is too large`);
  // "-0.00" is zero, not -0 (which `Object.is` and test equality tell apart from 0).
  return sign && minor !== 0 ? -minor : minor;
}

/** Integer minor units to decimal text with two places ("40.00"), the ONLYOFFICE money format. */
export function minorUnitsToDecimal(minor: number): string {
  // A fraction of a penny has no decimal text with two places: refuse it rather than write "0.40.5".
  if (!Number.isSafeInteger(minor)) throw new RangeError(`${minor} is not a whole number of minor units`);
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A timestamp's date and time, and its offset (`Z`, `+01:00`, `+0100`) when it has one. */
const ISO_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

/**
 * One formatter per time zone, made once: building an Intl.DateTimeFormat loads ICU data and cost
 * more than the rest of a case's decoding; a scan asks for one per dated case (issue 12 item 5).
 * A run sees one or two zones (the mapping's), so the cache stays that small.
 */
const calendarFormats = new Map<string, Intl.DateTimeFormat>();

function calendarFormat(timeZone: string): Intl.DateTimeFormat {
  let format = calendarFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    calendarFormats.set(timeZone, format);
  }
  return format;
}

/**
 * The calendar date (`YYYY-MM-DD`) of an ISO-8601 timestamp as seen in a time zone. A date-only
 * input is already a calendar date and is returned as it is (no zone shift). This is how a Plannr
 * timestamp and an ONLYOFFICE Date field compare: at the coarser precision, in the mapping's zone.
 */
export function toCalendarDate(iso: string, timeZone: string): string {
  const text = iso.trim();
  if (ISO_DATE.test(text)) {
    if (!isCalendarDate(text)) throw new RangeError(`"${text}" is not a calendar date`);
    return text;
  }
  const stamp = ISO_TIMESTAMP.exec(text);
  const datePart = stamp?.[1];
  // `new Date` rolls 30 February over into March: check the written date first.
  if (datePart !== undefined && !isCalendarDate(datePart)) throw new RangeError(`"${text}" is not a calendar date`);
  // A wall-clock time without an offset is already local to the side that wrote it (ONLYOFFICE
  // reads "no offset" as portal time; Plannr's seeds show UK wall times): its date is the date.
  // `new Date` would read it in the process's own zone and could move it a day.
  if (datePart !== undefined && stamp?.[2] === undefined) return datePart;
  const instant = new Date(text);
  if (Number.isNaN(instant.getTime())) throw new RangeError(`"${text}" is not an ISO-8601 date or timestamp`);
  const parts = calendarFormat(timeZone).formatToParts(instant);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** An ISO-8601 timestamp (any offset) as a UTC ISO string with milliseconds. */
export function toUtcIso(iso: string): string {
  const instant = new Date(iso.trim());
  if (Number.isNaN(instant.getTime())) throw new RangeError(`"${iso}" is not an ISO-8601 timestamp`);
  return instant.toISOString();
}

/** Checks a time zone name against the runtime's tz database. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone });
    return true;
  } catch {
    return false;
  }
}

// The status group's truth table (SPEC §2). Plannr holds a named status (open or completed);
// ONLYOFFICE holds a closed flag and, when the mapping has a status field, the name too. One
// group, one policy: this module only says what each side reads as a change and what the group
// should become when one side alone changed. Both-sides changes go to the conflict policy.
import type { StatusGroup } from "../core/case.js";
import type { StatusCatalog } from "../core/status-catalog.js";

export interface StatusReading {
  /** Plannr's status (name always known for a decodable record). */
  plannr: StatusGroup;
  /** ONLYOFFICE's: the closed flag, and the name when the status field is mapped and filled. */
  onlyoffice: StatusGroup;
  base: StatusGroup | null;
  nameCarried: boolean;
}

function sameStatus(a: StatusGroup, b: StatusGroup, nameCarried: boolean): boolean {
  return a.closed === b.closed && (!nameCarried || a.statusName === b.statusName);
}

export function plannrChanged(reading: StatusReading): boolean {
  const { plannr, base } = reading;
  if (base === null) return true;
  // Any move of the Plannr status counts, even between two open statuses, when ONLYOFFICE shows the name.
  return plannr.closed !== base.closed || (reading.nameCarried && plannr.statusName !== base.statusName);
}

export function onlyofficeChanged(reading: StatusReading): boolean {
  const { onlyoffice, base } = reading;
  if (base === null) return true;
  const nameChanged = reading.nameCarried && onlyoffice.statusName !== null && onlyoffice.statusName !== base.statusName;
  return onlyoffice.closed !== base.closed || nameChanged;
}

/**
 * What the group becomes when ONLYOFFICE's change is taken: a known status name wins (and the
 * closed flag follows it); a closed flag alone moves Plannr to the mapping's closed/open status,
 * unless Plannr's current status already agrees. Undefined when no status fits.
 */
export function statusFromOnlyoffice(reading: StatusReading, catalog: StatusCatalog): StatusGroup | undefined {
  const { onlyoffice, plannr, base } = reading;
  const nameChanged =
    reading.nameCarried && onlyoffice.statusName !== null && (base === null || onlyoffice.statusName !== base.statusName);
  if (nameChanged && onlyoffice.statusName !== null) {
    const closed = catalog.isClosed(onlyoffice.statusName);
    return closed === undefined ? undefined : { closed, statusName: onlyoffice.statusName };
  }
  const currentClosed = plannr.statusName === null ? undefined : catalog.isClosed(plannr.statusName);
  if (currentClosed === onlyoffice.closed) return { closed: onlyoffice.closed, statusName: plannr.statusName };
  const fallback = catalog.defaultFor(onlyoffice.closed);
  return fallback === undefined ? undefined : { closed: fallback.closed, statusName: fallback.name };
}

/** Does each side already hold `target`? (ONLYOFFICE's name only matters when it is carried.) */
export function statusWrites(reading: StatusReading, target: StatusGroup): { plannr: boolean; onlyoffice: boolean } {
  return {
    plannr: reading.plannr.statusName !== target.statusName,
    onlyoffice: !sameStatus(reading.onlyoffice, target, reading.nameCarried),
  };
}

/** First contact: do the two sides already agree (ONLYOFFICE with no name has no opinion on it)? */
export function statusAgrees(reading: StatusReading): boolean {
  const { plannr, onlyoffice } = reading;
  if (plannr.closed !== onlyoffice.closed) return false;
  return !reading.nameCarried || onlyoffice.statusName === null || onlyoffice.statusName === plannr.statusName;
}

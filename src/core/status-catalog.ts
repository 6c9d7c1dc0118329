// Status rules (SPEC §2 "Status group"): Plannr has named statuses, each open or completed;
// ONLYOFFICE has a closed flag and, optionally, a custom field holding the status name. The
// canonical status name is Plannr's; the mapping may rename it for the ONLYOFFICE field.
import type { Mapping } from "./mapping.js";
import type { StatusRef } from "./reference.js";

export class StatusCatalog {
  private readonly byName = new Map<string, StatusRef>();
  private readonly toOnlyoffice: Map<string, string>;
  private readonly fromOnlyoffice = new Map<string, string>();

  constructor(
    readonly statuses: readonly StatusRef[],
    private readonly mapping: Mapping,
  ) {
    for (const status of [...statuses].sort((a, b) => a.position - b.position)) {
      if (!this.byName.has(status.name)) this.byName.set(status.name, status);
    }
    this.toOnlyoffice = new Map(Object.entries(mapping.statuses));
    for (const name of this.byName.keys()) {
      this.fromOnlyoffice.set((this.toOnlyoffice.get(name) ?? name).toLowerCase(), name);
    }
  }

  get(name: string): StatusRef | undefined {
    return this.byName.get(name);
  }

  byId(id: string): StatusRef | undefined {
    return this.statuses.find((s) => s.id === id);
  }

  /** Whether a status name is completed; undefined for an unknown name. */
  isClosed(name: string): boolean | undefined {
    return this.byName.get(name)?.closed;
  }

  /** The status used when ONLYOFFICE closes (or reopens) a case: the mapping's, else the first by position. */
  defaultFor(closed: boolean): StatusRef | undefined {
    const configured = closed ? this.mapping.closedStatus : this.mapping.openStatus;
    if (configured !== null) return this.byName.get(configured);
    return [...this.byName.values()].find((s) => s.closed === closed);
  }

  /** The text written into the ONLYOFFICE status field for a Plannr status name. */
  onlyofficeName(plannrName: string): string {
    return this.toOnlyoffice.get(plannrName) ?? plannrName;
  }

  /**
   * The Plannr status a name read from ONLYOFFICE stands for: the exact Plannr name, a renamed one
   * (mapping `statuses`), or a Plannr name in another letter case. Undefined when none fits.
   */
  resolve(text: string): string | undefined {
    const trimmed = text.trim();
    if (this.byName.has(trimmed)) return trimmed;
    const renamed = this.plannrName(trimmed);
    if (renamed !== undefined) return renamed;
    const lower = trimmed.toLowerCase();
    return [...this.byName.keys()].find((name) => name.toLowerCase() === lower);
  }

  /** The Plannr status name for the text found in the ONLYOFFICE status field (case-insensitive). */
  plannrName(onlyofficeText: string): string | undefined {
    return this.fromOnlyoffice.get(onlyofficeText.trim().toLowerCase());
  }
}

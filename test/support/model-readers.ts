// The model's eyes: what a person sees in each system's UI, read straight from simulator state and
// put in one comparable form per field group. Written here, independently of the adapters' codecs,
// so a codec bug cannot hide itself: a title is its trimmed text, the status group is the closed
// flag, money is integer pennies, a date is a calendar date in London, and people are e-mails, one
// boolean group per person ("is this client on the case?"), which is how a set merges element-wise.
import type { SimOnlyofficeCase } from "../../src/sandbox/onlyoffice/simulator.js";
import type { SimPlannrCase } from "../../src/sandbox/plannr/simulator.js";
import type { ModelSandbox } from "./model-world.js";
import { OO_FIELD } from "./model-world.js";

export type Val = string | number | boolean | null;
export type Side = "plannr" | "onlyoffice";
export type Values = Map<string, Val>;

export const SCALAR_KEYS = ["title", "closed", "value", "reviewAt", "drink", "notes", "risk"] as const;

export const participantKey = (email: string): string => `participant:${email}`;
export const assigneeKey = (email: string): string => `assignee:${email}`;

/** The engine's field group for a model key (how conflicts and errors name it). */
export function engineGroup(key: string): string {
  if (key.startsWith("participant:")) return "participants";
  if (key.startsWith("assignee:")) return "assignees";
  if (key === "closed") return "status";
  if (key === "drink" || key === "notes" || key === "risk") return `custom:${key}`;
  return key;
}

const NATIVE_FIELD: Record<string, string> = {
  name: "title",
  status: "status",
  review_at: "reviewAt",
  "custom_fields.favourite_drink": "custom:drink",
  "custom_fields.notes": "custom:notes",
  "custom_fields.risk_score": "custom:risk",
  drink: "custom:drink",
  notes: "custom:notes",
  risk: "custom:risk",
};

/** The model keys a report error's `field` names (an engine group, a custom key or a native name). */
export function keysOfField(field: string, keys: readonly string[]): string[] {
  const group = NATIVE_FIELD[field] ?? field;
  return keys.filter((k) => engineGroup(k) === group);
}

/**
 * One side's value of a model key as a stored conflict shows it (the engine's canonical group
 * value: the status as `{closed, ...}`, people as a list of e-mails); `fallback` if unreadable.
 */
export function conflictSideValue(key: string, raw: unknown, fallback: Val): Val {
  if (key === "closed") return raw !== null && typeof raw === "object" && "closed" in raw ? raw.closed === true : fallback;
  if (key.startsWith("participant:") || key.startsWith("assignee:")) {
    const email = key.slice(key.indexOf(":") + 1);
    return Array.isArray(raw) ? raw.includes(email) : fallback;
  }
  if (raw === null || typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") return raw;
  return fallback;
}

export function sameVal(a: Val | undefined, b: Val | undefined): boolean {
  return a === b;
}

export function showVal(v: Val | undefined): string {
  if (v === undefined) return "(none)";
  if (typeof v === "string" && v.length > 40) return `"${v.slice(0, 12)}…" (${v.length} chars)`;
  return JSON.stringify(v);
}

const LONDON_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit" });

function calendarDay(stamp: string | null): string | null {
  if (stamp === null || stamp.trim() === "") return null;
  const wall = /^(\d{4}-\d{2}-\d{2})([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.exec(stamp.trim());
  if (wall?.[1] !== undefined) return wall[1];
  return LONDON_DAY.format(new Date(stamp));
}

function text(value: string | number | boolean | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const t = String(value).trim();
  return t === "" ? null : t;
}

function pennies(field: string | undefined): number | null {
  const t = text(field);
  if (t === null) return null;
  const n = Number(t.replace(/,/g, ""));
  return Number.isFinite(n) ? Math.round(n * 100) : Number.NaN;
}

function number(field: string | number | boolean | null | undefined): number | null {
  const t = text(field);
  return t === null ? null : Number(t);
}

export class ModelEyes {
  constructor(private readonly sandbox: ModelSandbox) {}

  private get cast() {
    return this.sandbox.cast;
  }

  plannrCase(id: string): SimPlannrCase | undefined {
    return this.sandbox.plannr.getCase(id);
  }

  onlyofficeCase(id: string): SimOnlyofficeCase | undefined {
    return this.sandbox.onlyoffice.getCase(Number(id));
  }

  title(side: Side, id: string): string | null {
    return side === "plannr" ? (this.plannrCase(id)?.name ?? null) : (this.onlyofficeCase(id)?.title ?? null);
  }

  ids(side: Side): string[] {
    return side === "plannr" ? this.sandbox.plannr.listCases().map((c) => c.uuid) : this.sandbox.onlyoffice.listCases().map((c) => String(c.id));
  }

  read(side: Side, id: string, valueField: number): Values | null {
    return side === "plannr" ? this.readPlannr(id) : this.readOnlyoffice(id, valueField);
  }

  private readPlannr(id: string): Values | null {
    const c = this.plannrCase(id);
    if (!c) return null;
    const status = this.sandbox.world.statuses.find((s) => s.uuid === c.statusUuid);
    const values: Values = new Map<string, Val>([
      ["title", text(c.name)],
      ["closed", status?.is_type_completed ?? null],
      ["value", c.value],
      ["reviewAt", calendarDay(c.reviewAt)],
      ["drink", text(c.customFields.favourite_drink)],
      ["notes", text(c.customFields.notes)],
      ["risk", number(c.customFields.risk_score)],
    ]);
    for (const client of this.cast.clients) values.set(participantKey(client.plannrEmail ?? ""), c.participantUuids.includes(client.plannrUuid ?? ""));
    for (const staff of this.cast.employees) values.set(assigneeKey(staff.email), c.assignedToUuids.includes(staff.plannrUuid));
    return values;
  }

  private readOnlyoffice(id: string, valueField: number): Values | null {
    const c = this.onlyofficeCase(id);
    if (!c) return null;
    const values: Values = new Map<string, Val>([
      ["title", text(c.title)],
      ["closed", c.isClosed],
      ["value", pennies(c.customFields[valueField])],
      ["reviewAt", calendarDay(c.customFields[OO_FIELD.reviewAt] ?? null)],
      ["drink", text(c.customFields[OO_FIELD.drink])],
      ["notes", text(c.customFields[OO_FIELD.notes])],
      ["risk", number(c.customFields[OO_FIELD.risk])],
    ]);
    // A public case has no access list; the integration user ONLYOFFICE adds is never an assignee.
    const access = c.isPrivate ? new Set(c.accessList.map((g) => g.toLowerCase())) : new Set<string>();
    for (const client of this.cast.clients) values.set(participantKey(client.plannrEmail ?? ""), c.memberIds.includes(client.onlyofficeId ?? -1));
    for (const staff of this.cast.employees) values.set(assigneeKey(staff.email), access.has(staff.onlyofficeId.toLowerCase()));
    return values;
  }

  isPrivate(id: string): boolean | null {
    return this.onlyofficeCase(id)?.isPrivate ?? null;
  }

  /** A raw ONLYOFFICE field's text (the unmapped value field, the link stamp). */
  onlyofficeField(id: string, field: number): string | null {
    return text(this.onlyofficeCase(id)?.customFields[field]);
  }

  /** A raw Plannr custom field (the mirror stamp, an unmapped field). */
  plannrField(id: string, reference: string): Val {
    const value = this.plannrCase(id)?.customFields[reference];
    return value === undefined ? null : value;
  }
}

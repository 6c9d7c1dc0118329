// What a person does in either system's UI, applied straight to simulator state (as the demo and
// the e2e tests do), and how the model learns it: the person sees what they saved, so after an
// edit the model reads the case back and records every value that moved as that person's edit
// (with the time it was made). Domains are tiny on purpose, so sequences collide: two people
// typing the same value, a value set back to what it was, a field cleared.
import type { SimOnlyofficeCase } from "../../src/sandbox/onlyoffice/simulator.js";
import type { SimPlannrCase } from "../../src/sandbox/plannr/simulator.js";
import type { ModelSandbox } from "./model-world.js";
import { OO_FIELD } from "./model-world.js";

export const VALUES = [null, 1000, 2550, 40_000] as const;
export const DATES = [null, "2026-03-02", "2026-07-15", "2027-01-11"] as const;
export const DRINKS = [null, "Coffee", "Tea", "Water"] as const;
/** ONLYOFFICE holds any length; Plannr refuses more than 65,535 characters (issue 8 item 8). */
export const HUGE_NOTE = `Meeting log: ${"all well; ".repeat(7_000)}`;
export const NOTES = [null, "call back Tuesday", "forms sent", HUGE_NOTE] as const;
export const RISKS = [null, 1, 5, 9] as const;

export type EditSpec =
  | { key: "title"; n: number }
  | { key: "closed"; closed: boolean }
  | { key: "value" | "reviewAt" | "drink" | "notes" | "risk"; i: number }
  | { key: "participant" | "assignee"; k: number }
  /** ONLYOFFICE only: the value field that is not mapped right now. */
  | { key: "spare"; i: number };

export function showEdit(spec: EditSpec): string {
  switch (spec.key) {
    case "title":
      return `title=edit-${spec.n}`;
    case "closed":
      return spec.closed ? "close" : "reopen";
    case "participant":
    case "assignee":
      return `toggle ${spec.key} #${spec.k}`;
    case "notes":
      return spec.i === 3 ? "notes=<70,000 chars>" : `notes=${JSON.stringify(NOTES[spec.i])}`;
    case "value":
      return `value=${JSON.stringify(VALUES[spec.i])}`;
    case "reviewAt":
      return `reviewAt=${JSON.stringify(DATES[spec.i])}`;
    case "drink":
      return `drink=${JSON.stringify(DRINKS[spec.i])}`;
    case "risk":
      return `risk=${JSON.stringify(RISKS[spec.i])}`;
    case "spare":
      return `spare value field=${JSON.stringify(VALUES[spec.i])}`;
  }
}

function decimal(pennies: number | null): string {
  return pennies === null ? "" : (pennies / 100).toFixed(2);
}

function retitle(current: string, n: number): string {
  const tag = /^\[[A-Za-z0-9]+\]/.exec(current)?.[0] ?? "[?]";
  return `${tag} edit-${n}`;
}

function toggle<T>(list: readonly T[], item: T): T[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

/** Applies one edit to a Plannr case as its UI would. False when the UI would refuse or it is a no-op. */
export function editPlannr(sandbox: ModelSandbox, c: SimPlannrCase, spec: EditSpec): boolean {
  const { plannr, cast } = sandbox;
  const i = "i" in spec ? spec.i : 0;
  switch (spec.key) {
    case "title":
      plannr.editCase(c.uuid, { name: retitle(c.name, spec.n) });
      return true;
    case "closed":
      plannr.editCase(c.uuid, { statusUuid: spec.closed ? cast.statusUuid.closed : cast.statusUuid.open });
      return true;
    case "value":
      plannr.editCase(c.uuid, { value: VALUES[i] ?? null });
      return true;
    case "reviewAt": {
      const day = DATES[i] ?? null;
      plannr.editCase(c.uuid, { reviewAt: day === null ? null : `${day}T12:00:00+00:00` });
      return true;
    }
    case "drink":
      plannr.editCase(c.uuid, { customFields: { favourite_drink: DRINKS[i] ?? null } });
      return true;
    case "notes":
      // Plannr's UI refuses the huge note, as its API does.
      if (i === 3) return false;
      plannr.editCase(c.uuid, { customFields: { notes: NOTES[i] ?? null } });
      return true;
    case "risk":
      plannr.editCase(c.uuid, { customFields: { risk_score: RISKS[i] ?? null } });
      return true;
    case "participant": {
      const client = cast.clients[spec.k % cast.clients.length]?.plannrUuid ?? "";
      if (!c.participantUuids.includes(client)) plannr.addParticipant(c.uuid, client);
      else if (c.participantUuids.length > 1) plannr.removeParticipant(c.uuid, client);
      else return false;
      return true;
    }
    case "assignee": {
      const staff = cast.employees[spec.k % cast.employees.length]?.plannrUuid ?? "";
      plannr.editCase(c.uuid, { assignedToUuids: toggle(c.assignedToUuids, staff) });
      return true;
    }
    case "spare":
      return false;
  }
}

/** Applies one edit to an ONLYOFFICE case as its UI would. False when refused or a no-op. */
export function editOnlyoffice(sandbox: ModelSandbox, c: SimOnlyofficeCase, spec: EditSpec, valueField: number): boolean {
  const { onlyoffice, cast } = sandbox;
  const id = c.id;
  const i = "i" in spec ? spec.i : 0;
  const field = (fieldId: number, text: string) => onlyoffice.editCase(id, { customFields: { [fieldId]: text } });
  switch (spec.key) {
    case "title":
      onlyoffice.editCase(id, { title: retitle(c.title, spec.n) });
      return true;
    case "closed":
      onlyoffice.editCase(id, { isClosed: spec.closed });
      return true;
    case "value":
      field(valueField, decimal(VALUES[i] ?? null));
      return true;
    case "reviewAt":
      field(OO_FIELD.reviewAt, DATES[i] ?? "");
      return true;
    case "drink":
      field(OO_FIELD.drink, DRINKS[i] ?? "");
      return true;
    case "notes":
      field(OO_FIELD.notes, NOTES[i] ?? "");
      return true;
    case "risk":
      field(OO_FIELD.risk, RISKS[i] === null || RISKS[i] === undefined ? "" : String(RISKS[i]));
      return true;
    case "spare":
      field(valueField === OO_FIELD.value ? OO_FIELD.spareValue : OO_FIELD.value, decimal(VALUES[i] ?? null));
      return true;
    case "participant": {
      const contact = cast.clients[spec.k % cast.clients.length]?.onlyofficeId ?? -1;
      const members = toggle(c.memberIds, contact);
      if (members.length === 0) return false;
      onlyoffice.editCase(id, { memberIds: members });
      return true;
    }
    case "assignee": {
      // A person restricting a public case makes it private for that colleague; on a private case
      // they tick a colleague on or off, never emptying the list.
      const guid = (cast.employees[spec.k % cast.employees.length]?.onlyofficeId ?? "").toLowerCase();
      if (!c.isPrivate) {
        onlyoffice.editCase(id, { isPrivate: true, accessList: [guid] });
        return true;
      }
      const list = toggle(
        c.accessList.map((g) => g.toLowerCase()),
        guid,
      );
      if (list.length === 0) return false;
      onlyoffice.editCase(id, { accessList: list });
      return true;
    }
  }
}

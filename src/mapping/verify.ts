// Checks a mapping against the live systems' reference lists (SPEC §6 `check`) and tells which
// native field types fit which canonical type (also what `init` matches by). Pure.
import type { CustomFieldType, Mapping } from "../core/mapping.js";
import type { FieldRef, Reference } from "../core/reference.js";

export interface CheckItem {
  name: string;
  ok: boolean;
  /** An error stops `sync`; a warning is worth reading. */
  severity: "error" | "warning";
  detail: string;
}

/** Plannr field type and ONLYOFFICE field type that can carry each canonical type. */
export const COMPATIBLE: Record<CustomFieldType, { plannr: string[]; onlyoffice: string[] }> = {
  text: { plannr: ["string"], onlyoffice: ["TextField", "TextArea", "SelectBox"] },
  longtext: { plannr: ["longtext", "string"], onlyoffice: ["TextArea", "TextField"] },
  number: { plannr: ["number"], onlyoffice: ["TextField"] },
  boolean: { plannr: ["boolean"], onlyoffice: ["CheckBox"] },
  date: { plannr: ["datetime", "date"], onlyoffice: ["Date"] },
  select: { plannr: ["selection"], onlyoffice: ["SelectBox", "TextField"] },
};

/** The canonical type a Plannr field type maps to. */
export function canonicalTypeOfPlannr(nativeType: string): CustomFieldType | null {
  switch (nativeType) {
    case "string":
      return "text";
    case "longtext":
      return "longtext";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "datetime":
    case "date":
      return "date";
    case "selection":
      return "select";
    default:
      return null;
  }
}

function item(name: string, ok: boolean, detail: string, severity: "error" | "warning" = "error"): CheckItem {
  return { name, ok, severity, detail };
}

function onlyofficeField(ref: Reference, id: number): FieldRef | undefined {
  return ref.customFields.find((f) => f.id === String(id));
}

function checkOnlyofficeField(ref: Reference, id: number | null, name: string, types: string[]): CheckItem | null {
  if (id === null) return null;
  const field = onlyofficeField(ref, id);
  if (!field) return item(name, false, `ONLYOFFICE case field ${id} does not exist (run case-sync init to see the fields)`);
  if (!types.includes(field.nativeType)) return item(name, false, `ONLYOFFICE field ${id} "${field.label}" is a ${field.nativeType}; expected ${types.join(" or ")}`);
  return item(name, true, `ONLYOFFICE field ${id} "${field.label}" (${field.nativeType})`);
}

export function verifyMapping(mapping: Mapping, plannr: Reference, onlyoffice: Reference): CheckItem[] {
  const items: CheckItem[] = [];
  const push = (i: CheckItem | null) => {
    if (i) items.push(i);
  };
  if (mapping.onlyoffice.linkField === null) items.push(item("link field", false, "onlyoffice.linkField is not set: run case-sync init --create-link-fields"));
  else push(checkOnlyofficeField(onlyoffice, mapping.onlyoffice.linkField, "link field", ["TextField", "TextArea"]));
  push(checkOnlyofficeField(onlyoffice, mapping.fields.status.onlyofficeField, "status field", ["SelectBox", "TextField"]));
  push(checkOnlyofficeField(onlyoffice, mapping.fields.value.onlyofficeField, "value field", ["TextField"]));
  push(checkOnlyofficeField(onlyoffice, mapping.fields.reviewAt.onlyofficeField, "review date field", ["Date", "TextField"]));
  push(checkOnlyofficeField(onlyoffice, mapping.fields.type.onlyofficeField, "case type field", ["TextField", "TextArea"]));
  push(checkOnlyofficeField(onlyoffice, mapping.fields.groups.onlyofficeField, "groups field", ["TextField", "TextArea"]));
  push(checkOnlyofficeField(onlyoffice, mapping.onlyoffice.createdAtField, "created-at field", ["Date", "TextField"]));

  const statusNames = new Set(plannr.statuses.map((s) => s.name));
  if (plannr.statuses.length === 0) items.push(item("statuses", false, "Plannr lists no case statuses"));
  for (const [name, configured] of [
    ["closedStatus", mapping.closedStatus],
    ["openStatus", mapping.openStatus],
  ] as const) {
    if (configured !== null && !statusNames.has(configured)) items.push(item(name, false, `"${configured}" is no Plannr status (known: ${[...statusNames].join(", ")})`));
  }
  for (const name of Object.keys(mapping.statuses)) {
    if (!statusNames.has(name)) items.push(item("statuses", false, `statuses: "${name}" is no Plannr status`));
  }
  const statusField = mapping.fields.status.onlyofficeField === null ? undefined : onlyofficeField(onlyoffice, mapping.fields.status.onlyofficeField);
  if (statusField?.options) {
    const missing = [...new Set(plannr.statuses.map((s) => mapping.statuses[s.name] ?? s.name).filter((n) => !statusField.options?.includes(n)))];
    // An error, not a warning (issue 10 item 9): every case in such a status would fail to be
    // written to ONLYOFFICE on every run, so `check` must not pass and a run stops before it starts.
    if (missing.length > 0) {
      const list = missing.map((m) => `"${m}"`).join(", ");
      items.push(item("status field options", false, `the ONLYOFFICE status field ${statusField.id} "${statusField.label}" lacks the options ${list}: add them in ONLYOFFICE, or map those Plannr statuses to existing options under statuses`));
    }
  }

  mapping.customFields.forEach((field, index) => {
    const name = `customFields[${index}] ${field.key}`;
    const p = plannr.customFields.find((f) => f.key === field.plannr);
    const o = onlyofficeField(onlyoffice, field.onlyoffice);
    const compat = COMPATIBLE[field.type];
    if (!p) return items.push(item(name, false, `Plannr has no case custom field with reference "${field.plannr}"`));
    if (!o) return items.push(item(name, false, `ONLYOFFICE has no case custom field ${field.onlyoffice}`));
    if (!compat.plannr.includes(p.nativeType)) return items.push(item(name, false, `Plannr "${field.plannr}" is a ${p.nativeType} field; type ${field.type} needs ${compat.plannr.join(" or ")}`));
    if (!compat.onlyoffice.includes(o.nativeType)) return items.push(item(name, false, `ONLYOFFICE field ${o.id} "${o.label}" is a ${o.nativeType}; type ${field.type} needs ${compat.onlyoffice.join(" or ")}`));
    if (field.type === "select" && p.options && o.options && o.nativeType === "SelectBox") {
      const missing = p.options.map((opt) => field.options[opt] ?? opt).filter((opt) => !o.options?.includes(opt));
      if (missing.length > 0) return items.push(item(name, false, `ONLYOFFICE "${o.label}" lacks the options ${missing.map((m) => `"${m}"`).join(", ")}`, "warning"));
    }
    items.push(item(name, true, `Plannr "${p.label}" (${p.nativeType}) ⇄ ONLYOFFICE "${o.label}" (${o.nativeType})`));
    return undefined;
  });

  // Only a client will do: Plannr refuses a case without a client participant (reference "Cases").
  if (mapping.people.defaultClient !== null && !plannr.people.some((p) => p.kind === "person" && p.id.toLowerCase() === mapping.people.defaultClient?.toLowerCase())) {
    items.push(item("defaultClient", false, `people.defaultClient ${mapping.people.defaultClient} is no Plannr client`));
  }
  for (const o of mapping.people.overrides) {
    if (!plannr.people.some((p) => p.id.toLowerCase() === o.plannr.toLowerCase())) items.push(item("people override", false, `Plannr client ${o.plannr} does not exist`, "warning"));
    if (!onlyoffice.people.some((p) => p.id === String(o.onlyoffice))) items.push(item("people override", false, `ONLYOFFICE contact ${o.onlyoffice} does not exist or is not visible`, "warning"));
  }
  return items;
}

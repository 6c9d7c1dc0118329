// Case custom field values as Plannr validates them (reference "Validation and query behaviour"):
// each value is checked against its definition's type, a `selection` value must be one of its
// options, and a field with `conditions` (only for some case types or statuses) refuses a value on
// a case that does not meet them. `null` always clears.
import type { WorldPlannrField } from "../world.js";
import { normalizeTimestamp } from "./london-time.js";

export type FieldValue = string | number | boolean | null;

export type Coerced = { ok: true; value: FieldValue } | { ok: false; message: string };

/** Laravel's `max` counts characters (mb_strlen), and a utf8mb4 VARCHAR holds code points, not UTF-16 units. */
export function characterCount(text: string): number {
  return [...text].length;
}

/** `string` fields are a VARCHAR(255); `longtext` a TEXT column. */
const MAX_STRING = 255;
const MAX_LONGTEXT = 65_535;

/** Checks and converts one incoming value to what the simulator stores (typed JSON values). */
export function coerceFieldValue(field: WorldPlannrField, raw: unknown): Coerced {
  const key = `custom_fields.${field.reference}`;
  if (raw === null || raw === undefined) return { ok: true, value: null };
  switch (field.type) {
    case "number": {
      // Laravel's `numeric` rule takes numbers and numeric strings.
      const number = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
      if (!Number.isFinite(number)) return { ok: false, message: `The ${key} field must be a number.` };
      return { ok: true, value: number };
    }
    case "boolean": {
      // Laravel's `boolean` rule: true, false, 1, 0, "1", "0".
      if (raw === true || raw === 1 || raw === "1") return { ok: true, value: true };
      if (raw === false || raw === 0 || raw === "0") return { ok: true, value: false };
      return { ok: false, message: `The ${key} field must be true or false.` };
    }
    case "datetime": {
      const stamp = typeof raw === "string" ? normalizeTimestamp(raw) : null;
      if (stamp === null) return { ok: false, message: `The ${key} field must be a valid date.` };
      return { ok: true, value: stamp };
    }
    case "selection": {
      if (typeof raw !== "string" || !field.selection_options.includes(raw)) {
        return { ok: false, message: `The selected ${key} is invalid.` };
      }
      return { ok: true, value: raw };
    }
    case "string":
    case "longtext": {
      if (typeof raw !== "string") return { ok: false, message: `The ${key} field must be a string.` };
      const max = field.type === "string" ? MAX_STRING : MAX_LONGTEXT;
      if (characterCount(raw) > max) return { ok: false, message: `The ${key} field must not be greater than ${max} characters.` };
      return { ok: true, value: raw };
    }
  }
}

/** Whether a conditional field applies to a case with this status and type (all conditions hold). */
export function fieldApplies(field: WorldPlannrField, statusUuid: string, typeUuid: string | null): boolean {
  return field.conditions.every((condition) => {
    const subject = condition.attribute === "status" ? statusUuid : typeUuid;
    return subject !== null && condition.values.includes(subject);
  });
}

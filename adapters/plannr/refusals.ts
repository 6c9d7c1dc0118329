// What Plannr refused in a PUT, and the same PUT without it (issue 8, invariant 11). Pure. Facts
// relied on (reference "Transport", "Cases"): a refused value is a 422 whose body is Laravel's
// `{message, errors: {field: [msg...]}}`, keyed by the request's own paths (`name`,
// `custom_fields.favourite_drink`, `assigned_to_uuids.0`); `PUT /cases/{uuid}` is partial, so the
// same PUT without the refused keys sets everything else and leaves the refused fields as they were.
// The values are checked against Plannr's limits before sending (writes.ts); this covers what only
// Plannr can judge (a rule of the firm's own, a limit the reference does not state).
import { customGroup } from "../../src/core/case.js";
import type { CaseSyncError } from "../../src/core/errors.js";
import type { Mapping } from "../../src/core/mapping.js";
import type { RecordIssue, WriteOp } from "../../src/core/records.js";

/** One key of a 422's `errors` and Plannr's reason for it. */
export interface Refusal {
  key: string;
  reason: string;
}

const SIMPLE_KEYS: Readonly<Record<string, string>> = {
  name: "title",
  status: "status",
  status_position: "status",
  assigned_to_uuids: "assignees",
  participants: "participants",
  review_at: "reviewAt",
  value: "value",
};

/**
 * The keys and reasons of a validation error. The transport folds a Laravel body into the message
 * as `<message> (<key>: <reasons>; <key>: <reasons>)` and keeps the first key as `field`; the list
 * is read from where that first key opens it.
 */
export function refusalsOf(error: CaseSyncError): Refusal[] {
  const first = error.field;
  if (error.status !== 422 || first === undefined) return [];
  const start = error.message.lastIndexOf(`(${first}: `);
  if (start < 0) return [{ key: first, reason: error.message }];
  const details = error.message.slice(start + 1).replace(/\)\s*$/, "");
  const heads = [...details.matchAll(/(?:^|; )([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*): /g)];
  return heads.map((head, index) => {
    const from = (head.index ?? 0) + head[0].length;
    const next = heads[index + 1];
    return { key: head[1] ?? first, reason: details.slice(from, next === undefined ? undefined : next.index).trim() };
  });
}

/** The custom field references a PUT body sets, in the order they were sent. */
function sentReferences(body: unknown): string[] {
  if (body === null || typeof body !== "object") return [];
  const custom = (body as Record<string, unknown>).custom_fields;
  return custom !== null && typeof custom === "object" ? Object.keys(custom) : [];
}

type SentPath = [string] | ["custom_fields", string];

/**
 * The body paths a validation key names: `name` → `[name]`, `custom_fields.lender` →
 * `[custom_fields, lender]`; a custom field named by its position (`custom_fields.0`, how Laravel
 * keys an array) is the reference sent at that position, and `custom_fields` alone names every one
 * sent. Empty when the key names nothing this body sent.
 */
function sentPathsOf(key: string, body: unknown): SentPath[] {
  const [head = "", second] = key.split(".");
  const record = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
  if (head !== "custom_fields") return head in record ? [[head]] : [];
  const references = sentReferences(body);
  if (second === undefined) return references.map((reference): SentPath => ["custom_fields", reference]);
  const reference = references.includes(second) ? second : /^\d+$/.test(second) ? references[Number(second)] : undefined;
  return reference === undefined ? [] : [["custom_fields", reference]];
}

/** The canonical group a Plannr body path or validation key belongs to (`custom_fields.lender` → `custom:lender`). */
export function groupOfNativeField(field: string | undefined, mapping: Mapping): string | undefined {
  if (field === undefined) return undefined;
  const [head = "", reference] = field.split(".");
  const simple = SIMPLE_KEYS[head];
  if (simple !== undefined) return simple;
  if (head === "custom_fields" && reference !== undefined) {
    const entry = mapping.customFields.find((f) => f.plannr === reference);
    return entry === undefined ? field : customGroup(entry.key);
  }
  return field;
}

/**
 * A `PUT /cases/{uuid}` that Plannr answered 422 → the same PUT without every key the answer names,
 * and one error issue per refused group. Null when no named key is something this body sent (then
 * sending it again cannot help); `op: null` when nothing would be left to send.
 */
export function withoutRefused(
  op: WriteOp,
  refusals: readonly Refusal[],
  mapping: Mapping,
  record: string | null,
): { op: WriteOp | null; refused: RecordIssue[] } | null {
  const body: Record<string, unknown> = { ...(op.body as Record<string, unknown>) };
  const custom: Record<string, unknown> = { ...((body.custom_fields as Record<string, unknown> | undefined) ?? {}) };
  const reasons = new Map<string, string[]>();
  for (const refusal of refusals) {
    for (const path of sentPathsOf(refusal.key, op.body)) {
      const field = path.join(".");
      const group = groupOfNativeField(field, mapping) ?? field;
      const known = reasons.get(group) ?? [];
      if (!known.includes(refusal.reason)) reasons.set(group, [...known, refusal.reason]);
      if (path.length === 2) delete custom[path[1]];
      else delete body[path[0]];
    }
  }
  if (reasons.size === 0) return null;
  if (Object.keys(custom).length > 0) body.custom_fields = custom;
  else delete body.custom_fields;
  const refused = [...reasons].map(
    ([group, why]): RecordIssue => ({
      severity: "error",
      side: "plannr",
      record,
      field: group,
      code: "CS_VALIDATION",
      message: `Plannr refused ${group}: ${why.map((reason) => JSON.stringify(reason)).join(" ")}; left as it is, the rest of the update was sent without it`,
    }),
  );
  if (Object.keys(body).length === 0) return { op: null, refused };
  const groups = op.groups.filter((group) => !reasons.has(group));
  return { op: { ...op, groups, body, summary: `${op.summary} (again, without ${[...reasons.keys()].join(", ")})` }, refused };
}

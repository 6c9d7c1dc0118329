// How deeply a parsed JSON answer nests, measured without recursion (issue 9 item 7). A hostile or
// broken upstream can answer `[[[[...]]]]` 200,000 levels deep: `JSON.parse` copes (V8 parses
// iteratively), but every recursive walk after it (key normalisation, `JSON.stringify` in a log
// line or a hash, a validator) overflows the stack and the failure surfaces as a bare RangeError far
// from the request. Real answers of both CRMs nest fewer than ten levels (envelope → list → case →
// custom field → value), so a cap of 64 refuses nothing genuine.

/** The deepest nesting of arrays and objects an answer may have (the envelope counts as level 1). */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `value` nests arrays/objects more than `cap` levels deep. Iterative (an explicit stack),
 * so it is safe on any input; it stops at the first container past the cap, so a hostile answer
 * costs at most `cap` levels of bookkeeping beyond what was already parsed.
 *
 * It walks every container of every answer (111 MB of list pages in a full ONLYOFFICE scan), so it
 * allocates nothing per node: two parallel stacks (containers, their depths) instead of a record
 * per entry, indexed loops over arrays and `for…in` over objects instead of `Object.values` arrays.
 */
export function nestsDeeperThan(value: unknown, cap: number = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== "object") return false;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > cap) return true;
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index += 1) {
        const member: unknown = node[index];
        if (member !== null && typeof member === "object") {
          nodes.push(member);
          depths.push(depth + 1);
        }
      }
    } else {
      const record = node as Record<string, unknown>;
      for (const key in record) {
        // Own properties only, as Object.values gave (for…in also visits inherited enumerable ones).
        // Spelled this way because V8 turns it, inside a for…in over the same object, into a check
        // of the enum cache; `Object.hasOwn` gets no such shortcut (≈ 110 instead of ≈ 75 ms on the list pages).
        if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
        const member = record[key];
        if (member !== null && typeof member === "object") {
          nodes.push(member);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

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
 */
export function nestsDeeperThan(value: unknown, cap: number = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== "object") return false;
  const stack: { node: object; depth: number }[] = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (depth > cap) return true;
    const members: unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (const member of members) {
      if (member !== null && typeof member === "object") stack.push({ node: member, depth: depth + 1 });
    }
  }
  return false;
}

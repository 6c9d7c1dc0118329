// Command-line values that must be numbers: one parser, one message, for every flag.
import { CaseSyncError } from "../core/errors.js";

export function wholeNumber(value: string, flag: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CaseSyncError("CS_USAGE", `${flag} must be a whole number ≥ ${min}, not "${value}"`);
  return n;
}

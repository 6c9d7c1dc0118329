// Awaits a promise that must reject with a CaseSyncError, and returns that error.
import { expect } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";

export async function failure(promise: Promise<unknown>): Promise<CaseSyncError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CaseSyncError);
    return error as CaseSyncError;
  }
  throw new Error("expected a failure");
}

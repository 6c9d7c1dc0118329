// Tests of file modes run under a known umask: each test of the calling file (or `describe`) starts
// with `mask` in force, and the previous umask is put back after it.
import { afterEach, beforeEach } from "vitest";

/** Registers the hooks; call at the top level of a test file or inside a `describe`. */
export function useUmask(mask: number): void {
  let saved = 0;
  beforeEach(() => {
    saved = process.umask(mask);
  });
  afterEach(() => {
    process.umask(saved);
  });
}

// A finished run's report for renderer tests: three records scanned on each side (both scans
// complete), three links, nothing else; `overrides` replace whole top-level fields.
import { emptySideReport, type RunReport } from "../../src/core/report.js";

export function runReport(overrides: Partial<RunReport> = {}): RunReport {
  const side = { ...emptySideReport(), scanned: 3, complete: true };
  return {
    command: "sync",
    runId: "run-1",
    dryRun: false,
    startedAt: "2025-01-01T00:00:00.000Z",
    finishedAt: "2025-01-01T00:00:01.000Z",
    durationMs: 1000,
    exitCode: 0,
    abort: null,
    sides: { plannr: side, onlyoffice: side },
    links: { total: 3, added: 0, removed: 0 },
    conflicts: [],
    errors: [],
    warnings: [],
    notCarried: [],
    changes: [],
    ...overrides,
  };
}

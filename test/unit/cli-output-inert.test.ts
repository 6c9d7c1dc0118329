// The human renderings print what the CRMs wrote (titles, values, messages, labels, ids) only
// inert (issue 9 item 4): one line stays one line and ours, no escape sequence, no bidi override,
// while the text stays visible; ordinary text is untouched.
import { describe, expect, it } from "vitest";
import type { RunReport } from "../../src/core/report.js";
import type { AuditEntry, Conflict } from "../../src/core/state.js";
import { renderCheck, renderConflicts, renderHistory, renderPlan, renderReport, renderStatus } from "../../src/cli/output.js";
import { runReport } from "../support/run-report.js";

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = 'Evil\u001b[2K\r\n{"level":50,"time":1,"msg":"forged"}\nok   Plannr credentials: fine\u202e\u009b31m\u007f';

/** Lines that the hostile text started: a forged log line or check line at the margin. */
function forged(text: string): string[] {
  return text.split("\n").filter((line) => line.startsWith('{"level"') || /^ok\s+Plannr credentials: fine/.test(line));
}

function expectInert(text: string): void {
  expect(text).not.toMatch(ACTIVE);
  expect(forged(text)).toEqual([]);
  expect(text).toContain("Evil\\u001b[2K");
}

/** A `sync` that ended with exit code 3. */
function report(overrides: Partial<RunReport> = {}): RunReport {
  return runReport({ exitCode: 3, ...overrides });
}

describe("renderers with hostile CRM text", () => {
  it("renderReport: record errors, warnings and waiting conflicts are one inert line each", () => {
    const issue = { side: "onlyoffice" as const, record: `10${HOSTILE}`, field: HOSTILE, code: "CS_VALIDATION", message: HOSTILE };
    const conflict = { id: "c1", plannrId: "p1", onlyofficeId: "7", group: "title", base: HOSTILE, plannr: HOSTILE, onlyoffice: { note: HOSTILE }, reason: HOSTILE, state: "new" as const, resolution: null };
    const text = renderReport(report({ errors: [issue, issue], warnings: [issue], conflicts: [conflict] }));
    expectInert(text);
    const lines = text.split("\n");
    expect(lines.filter((l) => l.includes("[CS_VALIDATION]"))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith("    ONLYOFFICE 10Evil\\u001b[2K"))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith("    c1 title of p1 ⇄ 7"))).toHaveLength(1);
  });

  it("renderReport: an abort message keeps our own lines, each inert and indented under the message", () => {
    // Messages we build may run to several lines; a line break inside CRM text embedded raw in
    // one cannot be told from ours here, so every line after the first is indented: none of it
    // stands at the margin as a line of its own (the message's author makes the CRM text inert).
    const text = renderReport(report({ exitCode: 4, abort: { code: "CS_CONFIG", message: `the mapping does not fit:\n  field 8 "${HOSTILE}" is a Date` } }));
    expectInert(text);
    const lines = text.split("\n");
    const at = lines.findIndex((l) => l.startsWith("  ABORTED    CS_CONFIG: the mapping does not fit:"));
    expect(lines[at + 1]).toBe('               field 8 "Evil\\u001b[2K');
    expect(lines.slice(at + 1, at + 4).every((l) => l.startsWith("             "))).toBe(true);
    const locked = renderReport(report({ exitCode: 5, abort: { code: "CS_LOCKED", message: `held by ${HOSTILE}` } }));
    expectInert(locked);
    expect(locked.split("\n")).toHaveLength(1);
  });

  it("renderPlan: a hostile title, ids and bodies stay on their lines, escaped as JSON", () => {
    const op = { side: "plannr" as const, record: null, kind: "case.create", method: "POST" as const, path: "/api/v1/cases", groups: ["title"], body: { name: HOSTILE }, summary: "" };
    const text = renderPlan(report({ plan: [{ action: "create", side: "plannr", plannrId: null, onlyofficeId: `7${HOSTILE}`, title: HOSTILE, groups: [HOSTILE], ops: [op], note: HOSTILE }] }), { verbose: true });
    expectInert(text);
    expect(text.split("\n")).toHaveLength(3); // the item, its request, the count
    expect(text).toContain('"Evil\\u001b[2K\\r\\n{\\"level\\":50');
    expect(text).toContain("\\u202e\\u009b31m\\u007f");
  });

  it("renderCheck: a hostile detail cannot forge an ok line", () => {
    const text = renderCheck({ ok: false, exitCode: 4, items: [{ name: "Plannr credentials", ok: false, severity: "error", detail: `CS_FORBIDDEN: GET /x answered 403: ${HOSTILE}` }] });
    expectInert(text);
    expect(text.split("\n").filter((l) => /^ok/.test(l))).toEqual([]);
  });

  it("renderConflicts, renderHistory and renderStatus quote values and names inert", () => {
    const conflict: Conflict = { id: "c1", plannrId: "p1", onlyofficeId: "7", group: "title", base: HOSTILE, plannr: HOSTILE, onlyoffice: HOSTILE, reason: HOSTILE, status: "pending", resolution: null, createdAt: "2025-01-01T00:00:00.000Z", resolvedAt: null };
    const conflicts = renderConflicts([conflict]);
    expectInert(conflicts);
    expect(conflicts.split("\n")).toHaveLength(4);
    const entry: AuditEntry = { runId: "run-12345678", side: "plannr", record: "p1", partner: "7", operation: "case.update", group: "title", before: HOSTILE, after: { note: HOSTILE }, at: "2025-01-01T00:00:00.000Z" };
    const history = renderHistory("p1", [entry]);
    expectInert(history);
    expect(history.split("\n")).toHaveLength(1);
    const status = renderStatus({ identity: { plannrAccount: HOSTILE, onlyofficePortal: "portal" }, links: 1, runs: [], conflicts: [], tombstones: [], pendingCreates: [], rebuiltAt: null, skips: [], store: "state.db" });
    expectInert(status);
  });

  it("leaves ordinary text alone", () => {
    const issue = { side: "plannr" as const, record: "p1", field: "title", code: "CS_VALIDATION", message: "Zoë's case “Ärger” 😀 is too long" };
    expect(renderReport(report({ errors: [issue] }))).toContain("    Plannr p1 title [CS_VALIDATION] Zoë's case “Ärger” 😀 is too long");
  });
});

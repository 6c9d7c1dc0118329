// Plans a person can read (issue 10 item 7): one Terraform-style line per record (+ create,
// ~ update with before → after per field group, - delete/close/unlink), the raw request bodies
// only with --verbose; and an empty plan that is true to the rest of the report (item 8).
import { describe, expect, it } from "vitest";
import type { WriteOp } from "../../src/core/records.js";
import { emptySideReport, type PlanItem, type RunReport } from "../../src/core/report.js";
import { describeChange, planLine, renderPlan, renderReport, type PlanItemValues } from "../../src/cli/output.js";
import { runReport } from "../support/run-report.js";

/** A dry-run `plan` that ended with exit code 0. */
function report(overrides: Partial<RunReport> = {}): RunReport {
  return runReport({ command: "plan", dryRun: true, ...overrides });
}

const put: WriteOp = { side: "onlyoffice", record: "7", kind: "case.update", method: "PUT", path: "/api/2.0/crm/case/7", groups: ["title"], body: { title: "New name" }, summary: "" };
const update: PlanItemValues = {
  action: "update",
  side: "onlyoffice",
  plannrId: "p-1",
  onlyofficeId: "7",
  title: "New name",
  groups: ["title", "status"],
  ops: [put],
  values: [
    { group: "title", before: "Old name", after: "New name" },
    { group: "status", before: { closed: false, statusName: "Open" }, after: { closed: true, statusName: "Completed" } },
  ],
};
const item = (overrides: Partial<PlanItem>): PlanItem => ({ action: "create", side: "onlyoffice", plannrId: "p-2", onlyofficeId: null, title: "Fresh case", groups: [], ops: [], ...overrides });

describe("plan lines", () => {
  it("an update names the side, the record, the title and each group before → after", () => {
    expect(planLine(update)).toBe('~ update ONLYOFFICE 7 "New name": title "Old name" → "New name", status "Open" → "Completed" (closed)');
  });

  it("without values (an older engine, or a saved plan) an update names its groups", () => {
    const { values: _values, ...bare } = update;
    expect(planLine(bare)).toBe('~ update ONLYOFFICE 7 "New name": title, status');
  });

  it("create, delete, close, unlink, link and stamp each get their mark", () => {
    expect(planLine(item({}))).toBe('+ create ONLYOFFICE (from Plannr p-2) "Fresh case"');
    expect(planLine(item({ side: "plannr", plannrId: null, onlyofficeId: "9" }))).toBe('+ create Plannr (from ONLYOFFICE 9) "Fresh case"');
    expect(planLine(item({ action: "delete", side: "plannr", onlyofficeId: "9", note: "vanished from onlyoffice" }))).toBe('- delete Plannr p-2 "Fresh case" (vanished from onlyoffice)');
    expect(planLine(item({ action: "close", side: "onlyoffice", onlyofficeId: "9" }))).toBe('- close ONLYOFFICE 9 "Fresh case"');
    expect(planLine(item({ action: "unlink", side: "plannr", onlyofficeId: "9" }))).toBe('- unlink Plannr p-2 ⇄ ONLYOFFICE 9 "Fresh case"');
    expect(planLine(item({ action: "link", side: "plannr", onlyofficeId: "9", note: "linked by match" }))).toBe('+ link Plannr p-2 ⇄ ONLYOFFICE 9 "Fresh case" (linked by match)');
    expect(planLine(item({ action: "stamp", plannrId: null, onlyofficeId: "9", title: "" }))).toBe("~ stamp ONLYOFFICE 9");
  });

  it("people are shown as added and taken away; long values are cut", () => {
    expect(describeChange({ group: "assignees", before: ["a@x", "b@x"], after: ["b@x", "c@x"] })).toBe('assignees +"c@x" −"a@x"');
    const long = "x".repeat(500);
    const text = describeChange({ group: "description", before: null, after: long });
    expect(text.startsWith("description (empty) → ")).toBe(true);
    expect(text.length).toBeLessThan(120);
  });
});

describe("renderPlan", () => {
  it("one line per record and a count; the request bodies only with verbose", () => {
    const plan = report({ plan: [update, item({})] });
    const text = renderPlan(plan);
    expect(text.split("\n")).toEqual([
      '~ update ONLYOFFICE 7 "New name": title "Old name" → "New name", status "Open" → "Completed" (closed)',
      '+ create ONLYOFFICE (from Plannr p-2) "Fresh case"',
      "Plan: 1 to update, 1 to create. (--verbose shows each request)",
    ]);
    expect(text).not.toContain("/api/");
    const verbose = renderPlan(plan, { verbose: true });
    expect(verbose).toContain('    PUT /api/2.0/crm/case/7 {"title":"New name"}');
  });

  it("an empty plan says the systems agree only when nothing else waits", () => {
    expect(renderPlan(report())).toBe("The plan is empty: both systems agree.");
    const conflict = { id: "c1", plannrId: "p1", onlyofficeId: "7", group: "title", base: "a", plannr: "b", onlyoffice: "c", reason: "both changed", state: "new" as const, resolution: null };
    const waiting = report({ conflicts: [conflict], exitCode: 3 });
    const text = renderPlan(waiting);
    expect(text).not.toContain("agree.");
    expect(text).toBe("The plan is empty, but the systems do not agree yet: 1 conflict waits for you (see below).");
    // …and the summary below it says the same.
    expect(renderReport(waiting)).toContain("conflicts waiting for you: 1");
    expect(renderPlan(report({ conflicts: [{ ...conflict, state: "settled" }] }))).toBe("The plan is empty: both systems agree.");
    const error = { side: "plannr" as const, record: "p1", field: "title", code: "CS_VALIDATION", message: "too long" };
    expect(renderPlan(report({ errors: [error, error] }))).toContain("2 record errors");
    expect(renderPlan(report({ sides: { plannr: emptySideReport(), onlyoffice: { ...emptySideReport(), complete: true } } }))).toContain("the scan was incomplete");
    expect(renderPlan(report({ abort: { code: "CS_AUTH", message: "no" } }))).toMatch(/^No plan: the run stopped/);
  });
});

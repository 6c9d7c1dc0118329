// What can go wrong around one sync, armed on the simulators for that run only: transient 500s
// and 429s (retried, never an abort), answers lost after the server committed (a create must be
// adopted, never made twice), a deterministic refusal (ONLYOFFICE closing a case), a list page that
// keeps failing (no deletes inferred, exit 3), a flaky upstream at a rate (issue 8 item 12), Plannr
// answers lacking includes (item 5), and a person editing a case while the run applies (item 17).
import type { FaultRule } from "../../src/sandbox/faults.js";
import type { StrippableKey } from "../../src/sandbox/plannr/answer-gaps.js";
import type { SandboxRequest } from "../../src/sandbox/http-server.js";
import type { Side } from "./model-readers.js";
import type { ModelSandbox } from "./model-world.js";

export type FaultSpec =
  | { kind: "500"; side: Side; method: "GET" | "PUT" | "POST" | "DELETE"; after: number; times: number }
  | { kind: "429"; after: number; times: number }
  | { kind: "lost-create"; side: Side }
  | { kind: "lost-write"; side: Side; after: number }
  | { kind: "refuse-close" }
  | { kind: "page-down"; side: Side }
  | { kind: "flaky"; seed: number };

const CREATE = { plannr: /^\/api\/v1\/cases\/?$/, onlyoffice: /^\/api\/2\.0\/crm\/case(\.json)?\/?$/ };
const LIST = { plannr: /^\/api\/v1\/cases\/?$/, onlyoffice: /^\/api\/2\.0\/crm\/case\/filter(\.json)?\/?$/ };
/** Requests of the apply phase: a write, or a read of one case (the re-read before a write). */
const APPLY_PHASE = { plannr: /^\/api\/v1\/cases\/[^/]+/, onlyoffice: /^\/api\/2\.0\/crm\/case\/\d+/ };

export function showFault(f: FaultSpec): string {
  switch (f.kind) {
    case "500":
      return `500 on ${f.side} ${f.method} #${f.after + 1}${f.times > 1 ? ` (x${f.times})` : ""}`;
    case "429":
      return `Plannr 429 #${f.after + 1}${f.times > 1 ? ` (x${f.times})` : ""}`;
    case "lost-create":
      return `lost answer to a ${f.side} create`;
    case "lost-write":
      return `lost answer to ${f.side} PUT #${f.after + 1}`;
    case "refuse-close":
      return "ONLYOFFICE refuses close/reopen (400)";
    case "page-down":
      return `${f.side} list pages after the first fail for good`;
    case "flaky":
      return `flaky upstream (seed ${f.seed}): 5% 500s both sides, every 25th Plannr request 429, lost creates`;
  }
}

/** Rules whose rate options (`every`, `probability`, `seed`) are newer than some FaultRule versions. */
function rateRule(rule: Record<string, unknown>): FaultRule {
  return rule as unknown as FaultRule;
}

function rulesFor(f: FaultSpec): [Side, FaultRule][] {
  switch (f.kind) {
    case "500":
      return [[f.side, { kind: "status", status: 500, method: f.method, after: f.after, times: f.times }]];
    case "429":
      return [["plannr", { kind: "status", status: 429, retryAfterSeconds: 0, after: f.after, times: f.times }]];
    case "lost-create":
      return [[f.side, { kind: "drop-response", method: "POST", path: CREATE[f.side], times: 1 }]];
    case "lost-write":
      return [[f.side, { kind: "drop-response", method: "PUT", after: f.after, times: 1 }]];
    case "refuse-close":
      return [["onlyoffice", { kind: "status", status: 400, method: "PUT", path: /\/crm\/case\/\d+\/(close|reopen)/, times: 1 }]];
    case "page-down":
      return [[f.side, { kind: "status", status: 500, method: "GET", path: LIST[f.side], after: 1, times: Number.POSITIVE_INFINITY }]];
    case "flaky":
      return [
        ["plannr", rateRule({ kind: "status", status: 500, probability: 0.05, seed: f.seed })],
        ["onlyoffice", rateRule({ kind: "status", status: 500, probability: 0.05, seed: f.seed + 1 })],
        ["plannr", rateRule({ kind: "status", status: 429, retryAfterSeconds: 0, every: 25 })],
        ["plannr", rateRule({ kind: "drop-response", method: "POST", path: CREATE.plannr, probability: 0.5, seed: f.seed + 2 })],
        ["onlyoffice", rateRule({ kind: "drop-response", method: "POST", path: CREATE.onlyoffice, probability: 0.5, seed: f.seed + 3 })],
      ];
  }
}

export interface ArmedRun {
  /** Whether a list page kept failing during the run. */
  pageDownFired(): boolean;
  /** Whether the concurrent edit happened (it waits for the first apply-phase request). */
  raceFired(): boolean;
  disarm(): void;
}

export interface RunHazards {
  faults: readonly FaultSpec[];
  strip: readonly StrippableKey[];
  /** Run by the first apply-phase request on either side, before the server handles it. */
  race: (() => void) | null;
}

export function armRun(sandbox: ModelSandbox, hazards: RunHazards): ArmedRun {
  const servers = { plannr: sandbox.plannr.server, onlyoffice: sandbox.onlyoffice.server };
  const logStart = { plannr: servers.plannr.log.length, onlyoffice: servers.onlyoffice.log.length };
  for (const f of hazards.faults) for (const [side, rule] of rulesFor(f)) servers[side].addFault(rule);
  if (hazards.strip.length > 0) sandbox.plannr.answerGaps.strip(hazards.strip);
  let raced = false;
  const removers: (() => void)[] = [];
  if (hazards.race !== null) {
    const race = hazards.race;
    for (const side of ["plannr", "onlyoffice"] as const) {
      removers.push(
        servers[side].onRequest((request: SandboxRequest) => {
          if (raced || (request.method === "GET" && !APPLY_PHASE[side].test(request.path))) return;
          raced = true;
          race();
        }),
      );
    }
  }
  const pageDown = hazards.faults.filter((f): f is Extract<FaultSpec, { kind: "page-down" }> => f.kind === "page-down");
  return {
    pageDownFired: () =>
      pageDown.some((f) =>
        servers[f.side].log
          .slice(logStart[f.side])
          .some((e) => e.method === "GET" && e.status === 500 && LIST[f.side].test(e.path)),
      ),
    raceFired: () => raced,
    disarm: () => {
      servers.plannr.faults.clear();
      servers.onlyoffice.faults.clear();
      sandbox.plannr.answerGaps.clear();
      for (const remove of removers) remove();
    },
  };
}

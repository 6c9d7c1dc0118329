// The service's and the fleet's Prometheus metrics (SPEC §9, §10), on their own prom-client
// Registry rather than the global one: a library embedder's own metrics, or a second service in
// one process, never collide with ours. Low cardinality by default: the `pair` label exists only
// when asked for (`pairLabel`), since a fleet of hundreds of pairs would otherwise multiply every
// series by hundreds.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RunReport } from "../core/report.js";

export interface MetricsOptions {
  /** Add a `pair` label to the per-run series (off by default: low cardinality). */
  pairLabel?: boolean;
}

/** `casesync_runs_total{result}`: what a run's exit code says, in words an alert can match. */
export function runResult(exitCode: number): "ok" | "errors" | "aborted" | "locked" | "failed" {
  if (exitCode === 0) return "ok";
  if (exitCode === 3) return "errors";
  if (exitCode === 4) return "aborted";
  if (exitCode === 5) return "locked";
  return "failed";
}

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly runs: Counter;
  readonly runDuration: Histogram;
  readonly writes: Counter;
  readonly conflictsPending: Gauge;
  readonly webhookLag: Histogram;
  readonly inboxDepth: Gauge;
  readonly plannrRequests: Counter;
  readonly plannrRateRemaining: Gauge;
  readonly jobsQueued: Gauge;
  readonly pairs: Gauge;
  /** Counts one engine run: its result, duration and writes by side and operation. */
  observeRun(report: RunReport, kind: string, pair?: string): void;
  /** One delivery's lag: received → its pair in step. */
  observeLag(seconds: number, pair?: string): void;
}

export function createMetrics(options: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  const pairLabel = options.pairLabel === true;
  const withPair = (names: string[]) => (pairLabel ? [...names, "pair"] : names);
  const labels = (values: Record<string, string>, pair: string | undefined) => (pairLabel ? { ...values, pair: pair ?? "" } : values);
  const registers = [registry];

  const runs = new Counter({ name: "casesync_runs_total", help: "Engine runs by trigger (kind) and result (ok, errors, aborted, locked, failed)", labelNames: withPair(["kind", "result"]), registers });
  const runDuration = new Histogram({
    name: "casesync_run_duration_seconds",
    help: "Duration of engine runs, by trigger",
    labelNames: withPair(["kind"]),
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800],
    registers,
  });
  const writes = new Counter({ name: "casesync_writes_total", help: "Write requests made, by side and operation", labelNames: withPair(["side", "op"]), registers });
  const conflictsPending = new Gauge({ name: "casesync_conflicts_pending", help: "Conflicts waiting for a person (case-sync conflicts list)", labelNames: withPair([]), registers });
  const webhookLag = new Histogram({
    name: "casesync_webhook_lag_seconds",
    help: "From a Plannr delivery's receipt to its pair being in step",
    labelNames: withPair([]),
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600],
    registers,
  });
  const inboxDepth = new Gauge({ name: "casesync_inbox_depth", help: "Cases waiting in the webhook inbox", labelNames: withPair([]), registers });
  const plannrRequests = new Counter({ name: "casesync_plannr_requests_total", help: "Requests sent to Plannr (500 a minute per token is the scarce resource)", labelNames: withPair([]), registers });
  const plannrRateRemaining = new Gauge({ name: "casesync_plannr_rate_remaining", help: "Plannr's X-Ratelimit-Remaining at its last answer", labelNames: withPair([]), registers });
  const jobsQueued = new Gauge({ name: "casesync_jobs_queued", help: "Fleet jobs waiting in the queue, by queue", labelNames: ["queue"], registers });
  const pairs = new Gauge({ name: "casesync_pairs", help: "Fleet pairs by state", labelNames: ["state"], registers });

  return {
    registry,
    runs,
    runDuration,
    writes,
    conflictsPending,
    webhookLag,
    inboxDepth,
    plannrRequests,
    plannrRateRemaining,
    jobsQueued,
    pairs,
    observeRun(report, kind, pair) {
      runs.inc(labels({ kind, result: runResult(report.exitCode) }, pair));
      runDuration.observe(labels({ kind }, pair), report.durationMs / 1000);
      for (const side of ["plannr", "onlyoffice"] as const) {
        for (const [op, count] of Object.entries(report.sides[side].operations)) if (count > 0) writes.inc(labels({ side, op }, pair), count);
      }
    },
    observeLag(seconds, pair) {
      webhookLag.observe(labels({}, pair), Math.max(0, seconds));
    },
  };
}

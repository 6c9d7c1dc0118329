// Progress on long runs: a bar with rate and ETA on a terminal (cli-progress, on stderr), and a
// line every few seconds otherwise (cron logs, CI), so a long migration never looks stuck.
import cliProgress from "cli-progress";
import type { Progress, ProgressEvent } from "../core/ports.js";

const PHASE_LABEL: Record<ProgressEvent["phase"], string> = {
  reference: "reading reference lists",
  scan: "scanning",
  plan: "planning",
  apply: "writing",
  done: "done",
};

/** Shown where a rate or an ETA is not known yet. */
export const UNKNOWN = "…";
/** A rate measured over less than this is noise (the first write alone would promise "ETA 0s"). */
const MIN_SAMPLE_MS = 1_000;

export interface ProgressDisplay {
  progress: Progress;
  stop(): void;
}

/** 42 → "42s", 200 → "3m 20s", 3900 → "1h 5m". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3_600) return `${Math.floor(s / 60)}m${s % 60 === 0 ? "" : ` ${s % 60}s`}`;
  const m = Math.round((s % 3_600) / 60);
  return `${Math.floor(s / 3_600)}h${m === 0 ? "" : ` ${m}m`}`;
}

/**
 * Rate and time left of a phase, from the items done since it started and the time taken: "…"
 * for both until there is a rate to speak of (some items done, over at least a second).
 */
export function estimate(done: number, total: number, elapsedMs: number): { rate: string; eta: string } {
  if (done <= 0 || elapsedMs < MIN_SAMPLE_MS) return { rate: UNKNOWN, eta: UNKNOWN };
  const perSecond = done / (elapsedMs / 1000);
  return { rate: perSecond.toFixed(1), eta: formatSeconds((total - done) / perSecond) };
}

export function createProgressDisplay(stream: NodeJS.WriteStream, enabled: boolean, options: { bar?: boolean; intervalMs?: number } = {}): ProgressDisplay {
  if (!enabled) return { progress: () => undefined, stop: () => undefined };
  const intervalMs = options.intervalMs ?? 5_000;
  if (options.bar ?? Boolean(stream.isTTY)) {
    const bar = new cliProgress.SingleBar(
      { stream, format: " {phase} [{bar}] {value}/{total} · {rate}/s · ETA {eta}", hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    let started = 0;
    return {
      progress(event) {
        if (event.phase !== "apply" || event.total === undefined || event.total <= 0) return;
        const now = Date.now();
        if (started === 0) {
          started = now;
          bar.start(event.total, event.done, { phase: PHASE_LABEL.apply, ...estimate(0, event.total, 0) });
        } else bar.update(event.done, estimate(event.done, event.total, now - started));
      },
      stop() {
        if (started !== 0) bar.stop();
        started = 0;
      },
    };
  }
  let last = 0;
  let started = 0;
  return {
    progress(event) {
      // Lines are for the long phases; the short ones would only add noise to a log.
      if (event.phase !== "scan" && event.phase !== "apply") return;
      const now = Date.now();
      if (event.phase === "apply" && started === 0) started = now;
      const final = event.total !== undefined && event.done === event.total;
      if (now - last < intervalMs && !final) return;
      last = now;
      let line = `${PHASE_LABEL[event.phase]}${event.side ? ` ${event.side}` : ""}: ${event.done}${event.total !== undefined ? `/${event.total}` : ""}`;
      if (event.phase === "apply" && event.total !== undefined && event.done < event.total) {
        const { rate, eta } = estimate(event.done, event.total, now - started);
        line += ` · ${rate}/s · ETA ${eta}`;
      }
      stream.write(`${line}\n`);
    },
    stop: () => undefined,
  };
}

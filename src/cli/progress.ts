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

export interface ProgressDisplay {
  progress: Progress;
  stop(): void;
}

export function createProgressDisplay(stream: NodeJS.WriteStream, enabled: boolean, intervalMs = 5_000): ProgressDisplay {
  if (!enabled) return { progress: () => undefined, stop: () => undefined };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: " {phase} [{bar}] {value}/{total} · {rate}/s · ETA {eta_formatted}", hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let active = false;
    const started = Date.now();
    return {
      progress(event) {
        if (event.phase === "apply" && event.total !== undefined && event.total > 0) {
          const rate = ((event.done / Math.max(Date.now() - started, 1)) * 1000).toFixed(1);
          if (!active) {
            bar.start(event.total, event.done, { phase: PHASE_LABEL.apply, rate });
            active = true;
          } else bar.update(event.done, { rate });
        }
      },
      stop() {
        if (active) bar.stop();
        active = false;
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
      if (event.phase === "apply" && event.total !== undefined && event.done > 0) {
        const rate = event.done / Math.max((now - started) / 1000, 0.001);
        const eta = Math.round((event.total - event.done) / Math.max(rate, 0.001));
        line += ` · ${rate.toFixed(1)}/s · ETA ${eta}s`;
      }
      stream.write(`${line}\n`);
    },
    stop: () => undefined,
  };
}

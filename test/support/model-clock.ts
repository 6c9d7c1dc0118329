// The model-based suite's time, shared by both simulators, the engine and the state store. A
// person's edit, a scan and a write happen at instants the command sequence chooses, so Plannr's
// `updated_at` (second precision) against the engine's previous scan (`newest-wins`, SPEC §4.4)
// is decided by the sequence, never by how fast the machine is: one seed, one outcome. Time stands
// still inside a command and moves a whole second between commands.
import type { Clock } from "../../src/core/ports.js";

/** A Monday morning, so nothing depends on a daylight-saving change or a month end. */
const START = Date.UTC(2024, 2, 4, 9, 0, 0);

export class VirtualClock implements Clock {
  private ms = START;

  now(): Date {
    return new Date(this.ms);
  }

  /** Sleeping costs no real time: a backoff inside a run must not make the suite slow. */
  sleep(ms: number): Promise<void> {
    this.ms += Math.max(0, ms);
    return Promise.resolve();
  }

  /** Moves to the next whole second (plus `seconds - 1` more) and returns the new time. */
  tick(seconds = 1): number {
    this.ms = (Math.floor(this.ms / 1000) + seconds) * 1000;
    return this.ms;
  }

  get time(): number {
    return this.ms;
  }
}

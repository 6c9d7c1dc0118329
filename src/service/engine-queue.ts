// One engine call at a time (SPEC §9 "one writer per pair"): the reconcile, the inbox drain and the
// ONLYOFFICE scan all write through the same library, so they run one after another, never side
// by side; the store's run lock then keeps a CLI `sync` out while one of them applies. Requests
// are flags, not a list: asking for a drain ten times while one runs means one more drain, not
// ten. The task that has waited longest goes next, so a stream of deliveries cannot starve the
// scan or the reconcile.
import type { Logger } from "../core/ports.js";

export type TaskName = "reconcile" | "drain" | "scan";

export type Task = (signal: AbortSignal) => Promise<void>;

export class EngineQueue {
  /** Wanted tasks in the order first asked for since each last started (a Set keeps insertion order). */
  private readonly wanted = new Set<TaskName>();
  private running: Promise<void> | null = null;
  private current: TaskName | null = null;
  private stopped = false;
  private readonly controller = new AbortController();

  constructor(
    private readonly tasks: Record<TaskName, Task>,
    private readonly logger: Logger,
  ) {}

  /** Asks for a task to run (once more) as soon as the ones asked before it have run. */
  request(name: TaskName): void {
    if (this.stopped) return;
    this.wanted.add(name);
    this.running ??= this.pump();
  }

  /** The task running now, if any (for logs and tests). */
  active(): TaskName | null {
    return this.current;
  }

  /** Resolves when nothing runs and nothing is waiting. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Takes no more requests and stops the task in hand gracefully: its signal aborts, so the engine
   * finishes the writes in flight, records them and releases the lock. Resolves once it has.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wanted.clear();
    this.controller.abort();
    await this.idle();
  }

  /** The task asked for longest ago. */
  private next(): TaskName | null {
    const first = this.wanted.values().next();
    return first.done ? null : first.value;
  }

  private async pump(): Promise<void> {
    try {
      for (let name = this.next(); name !== null && !this.stopped; name = this.next()) {
        this.wanted.delete(name);
        this.current = name;
        try {
          await this.tasks[name](this.controller.signal);
        } catch (error) {
          // A task reports its own outcome; one that throws is a bug or an outage, never a reason to stop serving.
          this.logger.error({ task: name, err: error instanceof Error ? error.message : String(error) }, "service task failed");
        } finally {
          this.current = null;
        }
      }
    } finally {
      this.running = null;
    }
  }
}

// "Kill at any point": a switch wrapped around one case-sync process's state store and adapters.
// It counts the process's writes (adapter writes and store commits, in the order the engine makes
// them: the engine runs with concurrency 1, so the count is deterministic) and at the chosen one
// either aborts the run through its AbortSignal (a graceful stop, like Ctrl-C), or "crashes" the
// process just before or just after that write: from then on every call of the process hangs
// forever, so the dead run takes no further step and the next run starts from what it left.
import type { CrmAdapter, StateStore } from "../../src/core/ports.js";

export type KillMode = "abort" | "crash-before" | "crash-after";
export interface KillPlan {
  /** The write (1-based) at which to act. */
  at: number;
  mode: KillMode;
}

const ADAPTER_WRITES = new Set(["createCase", "applyWrites", "setStamp", "deleteCase"]);
const ADAPTER_CALLS = new Set([...ADAPTER_WRITES, "listReference", "getCase"]);
const STORE_WRITES = new Set(["commit", "addJournal", "putConflict", "setMeta"]);
/** The store's only synchronous member. */
const STORE_SYNC = new Set(["describe"]);

export class KillSwitch {
  readonly controller = new AbortController();
  /** Settles when the process "dies". */
  readonly died: Promise<void>;
  private markDead: () => void = () => undefined;
  private writes = 0;
  private crashed = false;
  private fired = false;
  private readonly forever = new Promise<never>(() => undefined);

  constructor(private readonly plan: KillPlan | null) {
    this.died = new Promise((resolve) => {
      this.markDead = resolve;
    });
  }

  get happened(): boolean {
    return this.fired;
  }

  get isCrashed(): boolean {
    return this.crashed;
  }

  private async gate(): Promise<void> {
    if (this.crashed) await this.forever;
  }

  private crash(): void {
    this.crashed = true;
    this.markDead();
  }

  async around<T>(isWrite: boolean, call: () => Promise<T>): Promise<T> {
    await this.gate();
    if (isWrite && this.plan !== null && !this.fired) {
      this.writes += 1;
      if (this.writes === this.plan.at) {
        this.fired = true;
        if (this.plan.mode === "abort") this.controller.abort();
        if (this.plan.mode === "crash-before") {
          this.crash();
          return this.forever;
        }
        if (this.plan.mode === "crash-after") {
          const result = await call();
          this.crash();
          await this.forever;
          return result;
        }
      }
    }
    return call();
  }

  wrapStore(store: StateStore): StateStore {
    return new Proxy(store, {
      get: (target, key, receiver) => {
        const member = Reflect.get(target, key, receiver) as unknown;
        if (typeof member !== "function") return member;
        const fn = member as (...args: unknown[]) => unknown;
        if (STORE_SYNC.has(String(key))) return fn.bind(target);
        return (...args: unknown[]) => this.around(STORE_WRITES.has(String(key)), async () => fn.apply(target, args));
      },
    });
  }

  wrapAdapter(adapter: CrmAdapter): CrmAdapter {
    return new Proxy(adapter, {
      get: (target, key, receiver) => {
        const member = Reflect.get(target, key, receiver) as unknown;
        if (typeof member !== "function") return member;
        const fn = member as (...args: unknown[]) => unknown;
        const name = String(key);
        if (name === "listCases") return (...args: unknown[]) => this.gatedScan(fn.apply(target, args) as AsyncIterable<unknown>);
        if (!ADAPTER_CALLS.has(name)) return fn.bind(target);
        return (...args: unknown[]) => this.around(ADAPTER_WRITES.has(name), async () => fn.apply(target, args));
      },
    });
  }

  private async *gatedScan<T>(scan: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const item of scan) {
      await this.gate();
      yield item;
    }
  }
}

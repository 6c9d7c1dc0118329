// One open library object (`CaseSync`) per pair per worker, reused by every job of that pair
// (SPEC §10: Plannr's limit is per token, so all of one pair's requests share one limiter,
// whichever job makes them). A pair unused for a while is closed, and so is the least recently
// used one when more than `maxOpen` are open: each holds a small pool of database connections, and
// a worker serving hundreds of pairs must not hold hundreds of connections (PostgreSQL's default
// limit is 100 for everyone). A pair closed early loses nothing but its limiter's memory, which
// Plannr's X-Ratelimit-Remaining header gives back at its next answer.
import type { Logger } from "../core/ports.js";
import type { CaseSync } from "../library/create-sync.js";

export interface PairPoolOptions {
  open(name: string): Promise<CaseSync>;
  /** Close a pair's library object after this long without a job (ms). */
  idleMs: number;
  /** Open pairs kept beyond those in use (the least recently used idle one goes first). */
  maxOpen: number;
  logger: Logger;
  now?: () => number;
}

interface Entry {
  /** The pair's settings version it was opened with (reopened when they change). */
  version: string;
  sync: Promise<CaseSync>;
  users: number;
  lastUsed: number;
  /** Recency among the open pairs (a counter: many uses fall in one millisecond). */
  recency: number;
  stale: boolean;
}

export interface PairPool {
  /**
   * Runs `fn` with the pair's open library object, opening it first if needed. `version` says
   * which settings the caller saw in the registry: a different one (the pair was changed) opens a
   * fresh object, and the old one closes once its jobs are done.
   */
  use<T>(name: string, version: string, fn: (sync: CaseSync) => Promise<T>): Promise<T>;
  /** Closes the pairs idle for longer than `idleMs`. */
  sweep(): Promise<void>;
  /** Open pairs (for tests and logs). */
  size(): number;
  closeAll(): Promise<void>;
}

export function createPairPool(options: PairPoolOptions): PairPool {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const retired = new Set<Entry>();
  let uses = 0;

  const close = async (name: string, entry: Entry) => {
    try {
      await (await entry.sync).close();
    } catch (error) {
      options.logger.warn({ pair: name, err: error instanceof Error ? error.message : String(error) }, "closing a pair failed");
    }
  };

  const retire = (name: string, entry: Entry) => {
    entry.stale = true;
    if (entries.get(name) === entry) entries.delete(name);
    if (entry.users === 0) void close(name, entry);
    else retired.add(entry);
  };

  /** Closes idle pairs, least recently used first, until at most `keep` are open. */
  const evictBeyond = (keep: number) => {
    const idle = [...entries].filter(([, entry]) => entry.users === 0).sort(([, a], [, b]) => a.recency - b.recency);
    for (const [name, entry] of idle.slice(0, Math.max(0, entries.size - keep))) {
      entries.delete(name);
      void close(name, entry);
    }
  };

  const entryFor = (name: string, version: string): Entry => {
    const current = entries.get(name);
    if (current !== undefined && current.version === version) return current;
    if (current !== undefined) retire(name, current);
    evictBeyond(options.maxOpen - 1);
    const sync = options.open(name);
    const entry: Entry = { version, sync, users: 0, lastUsed: now(), recency: (uses += 1), stale: false };
    entries.set(name, entry);
    // An open that failed is not kept: the next job tries again (the error reaches this job).
    sync.catch(() => {
      if (entries.get(name) === entry) entries.delete(name);
    });
    return entry;
  };

  return {
    async use(name, version, fn) {
      const entry = entryFor(name, version);
      entry.users += 1;
      entry.recency = uses += 1;
      try {
        return await fn(await entry.sync);
      } finally {
        entry.users -= 1;
        entry.lastUsed = now();
        if (entry.stale && entry.users === 0 && retired.delete(entry)) await close(name, entry);
      }
    },
    async sweep() {
      const cutoff = now() - options.idleMs;
      const idle = [...entries].filter(([, entry]) => entry.users === 0 && entry.lastUsed <= cutoff);
      for (const [name] of idle) entries.delete(name);
      await Promise.all(idle.map(([name, entry]) => close(name, entry)));
    },
    size() {
      return entries.size;
    },
    async closeAll() {
      const all = [...entries, ...[...retired].map((entry) => ["(retired)", entry] as const)];
      entries.clear();
      retired.clear();
      await Promise.all(all.map(([name, entry]) => close(name, entry)));
    },
  };
}

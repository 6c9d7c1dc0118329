// `createFleet` (SPEC §10): the library face of the fleet, for a platform that embeds it. It is
// the registry (pairs in PostgreSQL, credentials sealed with `secretKey`) plus the worker that runs
// the pairs' jobs on pg-boss; both share one database (`store`, with `?schema=` naming the fleet).
import { CaseSyncError } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
import type { CaseSync } from "../library/create-sync.js";
import { PairRegistry, type OpenSyncOptions, type PairDetails, type PairInput, type PairSummary } from "./registry.js";
import type { RunningWorker, WorkerOptions } from "./worker.js";

export interface FleetOptions {
  /** `postgres://…[?schema=<fleet>]` (default schema `case_sync_fleet`). */
  store: string;
  /** 32 random bytes, base64 (`openssl rand -base64 32`): seals every pair's credentials. */
  secretKey: string;
  logger?: Logger;
}

/**
 * `concurrency` (default 4), `port` (webhooks, livez, readyz, metrics; left out: no HTTP), `host`,
 * `metricsPairLabel`, and the timings of worker.ts (schedule tick, polling, job expiry and retries).
 */
export type FleetWorkerOptions = WorkerOptions;

/** A running worker: `close()` stops taking jobs, finishes the pairs in hand, and releases them. */
export type FleetWorker = RunningWorker;

export interface Fleet {
  readonly pairs: {
    /** Registers a pair (validated; credentials sealed); it is due at once. */
    add(input: PairInput): Promise<PairSummary>;
    list(): Promise<PairSummary[]>;
    get(name: string): Promise<PairSummary | null>;
    /** Details for people: where it connects, its state schema; never a secret. */
    show(name: string): Promise<PairDetails | null>;
    /** Unregisters the pair and drops its state. */
    remove(name: string): Promise<void>;
    pause(name: string): Promise<void>;
    resume(name: string): Promise<void>;
    /** Re-seals every secret under `newKeyBase64` (one transaction); restart other processes with it. */
    rekey(newKeyBase64: string): Promise<{ pairs: number }>;
  };
  /** The library (`createSync`) for one pair, from its registered settings; close it before the fleet. */
  openSync(name: string, options?: OpenSyncOptions): Promise<CaseSync>;
  /** Runs the fleet's jobs in this process (pg-boss). */
  startWorker(options?: FleetWorkerOptions): Promise<FleetWorker>;
  /** The registry itself (the worker and the CLI use it). */
  readonly registry: PairRegistry;
  close(): Promise<void>;
}

/** How the worker (src/fleet/worker*.ts) is started on a registry. */
export type StartWorker = (registry: PairRegistry, options: FleetWorkerOptions) => Promise<FleetWorker>;

/** The worker (worker.ts) on this registry's database: pg-boss in `<fleet>_boss`. */
// pg-boss and the worker's HTTP server are loaded when a worker starts: `pairs` commands and an
// embedder that only manages pairs never load them.
const startFleetWorker = async (registry: PairRegistry, options: FleetWorkerOptions, logger?: Logger): Promise<FleetWorker> =>
  (await import("./worker.js")).startWorker(registry, { url: registry.url, fleetSchema: registry.schema }, options, logger);

/** Opens the fleet: connects, migrates the registry's tables and checks `secretKey` against them. */
export async function createFleet(options: FleetOptions): Promise<Fleet> {
  if (typeof options !== "object" || options === null) throw new CaseSyncError("CS_CONFIG", "createFleet needs { store, secretKey }");
  const registry = await PairRegistry.open({ url: options.store, secretKey: options.secretKey, ...(options.logger === undefined ? {} : { logger: options.logger }) });
  return {
    pairs: {
      add: (input) => registry.add(input),
      list: () => registry.list(),
      get: (name) => registry.get(name),
      show: (name) => registry.show(name),
      remove: (name) => registry.remove(name),
      pause: (name) => registry.pause(name),
      resume: (name) => registry.resume(name),
      rekey: (key) => registry.rekey(key),
    },
    openSync: (name, syncOptions) => registry.openSync(name, syncOptions),
    startWorker: (workerOptions = {}) => startFleetWorker(registry, workerOptions, options.logger),
    registry,
    close: () => registry.close(),
  };
}

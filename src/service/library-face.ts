// The library's `createSync` with the service on top (SPEC §7, §9): `createSync(...).serve({...})`.
// The service is built on the library and the library never imports it, so the package entry
// (src/index.ts) exports this wrapper: the same CaseSync object, plus `serve`.
import { createSync as createLibrarySync, type CaseSync } from "../library/create-sync.js";
import type { CreateSyncOptions } from "../library/options.js";
import type { ServeOptions, ServiceHandle } from "./service.js";

export interface CaseSyncService extends CaseSync {
  /**
   * Runs the near-real-time service on this instance: webhook receiver, ONLYOFFICE scan tick and
   * reconcile (see `ServeOptions`). With `listen: false` no HTTP server starts and deliveries come
   * in through the handle's `handleWebhook`. `close()` the handle before `close()`-ing this.
   */
  serve(options?: ServeOptions): Promise<ServiceHandle>;
}

export function createSync(options: CreateSyncOptions): CaseSyncService {
  const sync = createLibrarySync(options);
  // The service (fastify, prom-client) is loaded when first served: a scheduled sync or a worker's
  // pair run never pays its memory (about 12 MB of resident code).
  const serve = async (serveOptions: ServeOptions = {}) => (await import("./service.js")).startService(sync, serveOptions);
  return Object.assign(sync, { serve });
}

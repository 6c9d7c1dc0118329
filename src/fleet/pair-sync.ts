// A registered pair's library object for a one-shot caller such as the CLI (`--pair <name>`):
// opening it is asynchronous (the registry is in PostgreSQL, its credentials must be opened), but
// the CLI's commands take a CaseSync at once. So this answers a CaseSync at once whose every call
// waits for the opening first; an opening that failed (wrong key, unknown pair) fails the first
// call with its own error. Closing closes the sync, then the registry it came from.
import { CaseSyncError } from "../core/errors.js";
import type { CaseSync } from "../library/create-sync.js";
import { PairRegistry, type OpenSyncOptions } from "./registry.js";

/** CaseSync's members that are values, not methods: readable once the pair is open. */
const VALUES = new Set<PropertyKey>(["mapping", "plannr", "onlyoffice", "store"]);

/** Opens a registry, then the pair's sync; the registry closes with the sync. */
export async function openRegisteredSync(options: { url: string; secretKey: string; name: string } & OpenSyncOptions): Promise<CaseSync> {
  const { url, secretKey, name, ...syncOptions } = options;
  const registry = await PairRegistry.open({ url, secretKey, ...(syncOptions.logger === undefined ? {} : { logger: syncOptions.logger }) });
  let sync: CaseSync;
  try {
    sync = await registry.openSync(name, syncOptions);
  } catch (error) {
    await registry.close();
    throw error;
  }
  const close = sync.close.bind(sync);
  return Object.assign(sync, {
    async close() {
      try {
        await close();
      } finally {
        await registry.close();
      }
    },
  });
}

/** A CaseSync usable at once, forwarding every call to `opening` once it resolves. */
export function deferredSync(opening: Promise<CaseSync>): CaseSync {
  let ready: CaseSync | null = null;
  // Nobody may be listening yet: the failure is reported by the first call instead.
  const settled = opening.then((sync) => (ready = sync));
  settled.catch(() => undefined);
  const forward = (path: readonly PropertyKey[]) =>
    async (...args: unknown[]) => {
      const sync = await settled;
      let owner: unknown = sync;
      for (const key of path.slice(0, -1)) owner = (owner as Record<PropertyKey, unknown>)[key];
      const member = (owner as Record<PropertyKey, unknown>)[path[path.length - 1] as PropertyKey];
      if (typeof member !== "function") throw new CaseSyncError("CS_INTERNAL", `CaseSync has no method ${path.map(String).join(".")}`);
      return (member as (...a: unknown[]) => unknown).apply(owner, args);
    };
  const group = (key: PropertyKey) =>
    new Proxy({}, { get: (_target, name): unknown => (ready !== null ? (Reflect.get((ready as unknown as Record<PropertyKey, object>)[key] ?? {}, name) as unknown) : forward([key, name])) });
  return new Proxy({} as CaseSync, {
    get(_target, key) {
      if (key === "then") return undefined; // not a thenable: `await sync` must not wait on it
      if (key === "close") {
        // Closing a sync whose opening failed has nothing to close.
        return async () => {
          const sync = await settled.catch(() => null);
          await sync?.close();
        };
      }
      if (ready !== null) {
        const value = Reflect.get(ready, key) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(ready) : value;
      }
      if (VALUES.has(key)) throw new CaseSyncError("CS_INTERNAL", `the pair's ${String(key)} is known only after its first call`);
      if (key === "conflicts") return group(key);
      return forward([key]);
    },
  });
}

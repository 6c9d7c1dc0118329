// `--pair <name>` (SPEC §10): what the per-pair commands open when they are given a pair of the
// fleet's registry instead of the environment. Kept apart from the `pairs` commands so that the
// CLI's context can reach it without an import cycle.
import type { Env } from "../core/config.js";
import { CaseSyncError } from "../core/errors.js";
import type { Logger, ProgressEvent } from "../core/ports.js";
import type { CaseSync } from "../library/create-sync.js";
import { checkPairName, fleetLocation } from "../fleet/pair-names.js";
import { deferredSync, openRegisteredSync } from "../fleet/pair-sync.js";

/** The fleet's two settings, or a CS_CONFIG error that says what to set. */
export function fleetSettings(env: Env): { url: string; secretKey: string } {
  // Refuses anything but a postgres:// URL, naming CASE_SYNC_STATE.
  const { url } = fleetLocation(env.CASE_SYNC_STATE);
  const secretKey = env.CASE_SYNC_SECRET_KEY ?? "";
  if (secretKey.trim() === "") {
    throw new CaseSyncError("CS_CONFIG", "the fleet needs CASE_SYNC_SECRET_KEY: the key its pairs' credentials are sealed with (32 random bytes in base64; the first time, make one with: openssl rand -base64 32)", { field: "CASE_SYNC_SECRET_KEY" });
  }
  return { url, secretKey };
}

/**
 * The pair's library object from the registry, usable at once (fleet/pair-sync.ts); a wrong key or
 * an unknown pair fails its first call, with exit 2.
 */
export function openPairSync(
  env: Env,
  options: { pair?: string | undefined; config?: string | undefined; allowInsecureHttp?: boolean | undefined },
  extra: { logger: Logger; onProgress: (event: ProgressEvent) => void },
): CaseSync {
  if (options.config !== undefined) throw new CaseSyncError("CS_USAGE", "--pair takes the pair's mapping from the registry: leave out --config (case-sync pairs show <name> tells what it holds)");
  const { url, secretKey } = fleetSettings(env);
  const name = checkPairName(options.pair);
  return deferredSync(openRegisteredSync({ url, secretKey, name, logger: extra.logger, onProgress: extra.onProgress, allowInsecureHttp: options.allowInsecureHttp === true }));
}

// Starts both simulators from one seeded world and says how to reach them: the `export` lines of
// `case-sync sandbox`, the environment of the demo and of the end-to-end tests.
import { OnlyofficeSimulator } from "./onlyoffice/simulator.js";
import { PlannrSimulator } from "./plannr/simulator.js";
import { createWorld, type World } from "./world.js";

export { OnlyofficeSimulator } from "./onlyoffice/simulator.js";
export { PlannrSimulator } from "./plannr/simulator.js";
export { createWorld, type World } from "./world.js";

export interface SandboxOptions {
  seed?: number;
  cases?: number;
  onlyofficeCases?: number;
  plannrPort?: number;
  onlyofficePort?: number;
  /** Plannr's rate limit (default 500 per 60 s, as the real one). */
  rateLimit?: { limit: number; windowMs: number };
  /** ONLYOFFICE's cap on page size (default 1000). */
  pageCap?: number;
}

export interface Sandboxes {
  world: World;
  plannr: PlannrSimulator;
  onlyoffice: OnlyofficeSimulator;
  plannrUrl: string;
  onlyofficeUrl: string;
  /** The variables a case-sync process needs to reach both sandboxes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startSandboxes(options: SandboxOptions = {}): Promise<Sandboxes> {
  const world = createWorld({
    seed: options.seed ?? 1,
    cases: options.cases ?? 40,
    ...(options.onlyofficeCases === undefined ? {} : { onlyofficeCases: options.onlyofficeCases }),
  });
  const plannr = new PlannrSimulator({ world, ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}) });
  const onlyoffice = new OnlyofficeSimulator({ world, ...(options.pageCap ? { pageCap: options.pageCap } : {}) });
  const plannrUrl = await plannr.listen(options.plannrPort ?? 0);
  const onlyofficeUrl = await onlyoffice.listen(options.onlyofficePort ?? 0);
  const env = {
    PLANNR_BASE_URL: plannrUrl,
    PLANNR_TOKEN: world.plannrToken,
    PLANNR_ACCOUNT_UUID: world.plannrAccountUuid,
    ONLYOFFICE_BASE_URL: onlyofficeUrl,
    ONLYOFFICE_TOKEN: world.onlyofficeToken,
    ONLYOFFICE_USERNAME: world.onlyofficeUsername,
    ONLYOFFICE_PASSWORD: world.onlyofficePassword,
  };
  return {
    world,
    plannr,
    onlyoffice,
    plannrUrl,
    onlyofficeUrl,
    env,
    async close() {
      await Promise.all([plannr.close(), onlyoffice.close()]);
    },
  };
}

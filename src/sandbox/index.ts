// Starts both simulators from one seeded world and says how to reach them: the `export` lines of
// `case-sync sandbox`, the environment of the demo and of the end-to-end tests.
import { OnlyofficeSimulator } from "./onlyoffice/simulator.js";
import { PlannrSimulator, type PlannrOAuthOptions, type WebhookBodyShape, type WebhookDispatchOptions } from "./plannr/simulator.js";
import { createWorld, type World } from "./world.js";

export { OnlyofficeSimulator } from "./onlyoffice/simulator.js";
export { PlannrSimulator } from "./plannr/simulator.js";
export type {
  DeliveryCounters,
  DeliveryFaultRule,
  DeliveryRecord,
  OAuthTokenSet,
  PlannrOAuthOptions,
  SimSubscription,
  WebhookBodyShape,
  WebhookDispatchOptions,
} from "./plannr/simulator.js";
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
  /** Plannr webhook body shape (default `data`). */
  webhookBodyShape?: WebhookBodyShape;
  /** Plannr webhook retries, timeout and delivery faults. */
  webhooks?: Omit<WebhookDispatchOptions, "bodyShape">;
  /** Plannr OAuth2 token lifetimes. */
  oauth?: PlannrOAuthOptions;
}

export interface Sandboxes {
  world: World;
  plannr: PlannrSimulator;
  onlyoffice: OnlyofficeSimulator;
  plannrUrl: string;
  onlyofficeUrl: string;
  /** The variables a case-sync process needs to reach both sandboxes (personal tokens). */
  env: Record<string, string>;
  /**
   * The OAuth2 client the Plannr sandbox accepts, under the names a pair's env file gives it.
   * Kept out of `env` on purpose: `env` is written whole into `.env` files and pair env files, where
   * a client without a token set is a mistake (and `PLANNR_TOKEN` beside `PLANNR_OAUTH_*` is
   * refused). Token sets come from `plannr.oauth.issue()` (or `POST /__sandbox/oauth/tokens`).
   */
  oauthClient: { PLANNR_OAUTH_CLIENT_ID: string; PLANNR_OAUTH_CLIENT_SECRET: string };
  close(): Promise<void>;
}

export async function startSandboxes(options: SandboxOptions = {}): Promise<Sandboxes> {
  const world = createWorld({
    seed: options.seed ?? 1,
    cases: options.cases ?? 40,
    ...(options.onlyofficeCases === undefined ? {} : { onlyofficeCases: options.onlyofficeCases }),
  });
  const plannr = new PlannrSimulator({
    world,
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    ...(options.webhookBodyShape ? { webhookBodyShape: options.webhookBodyShape } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    ...(options.oauth ? { oauth: options.oauth } : {}),
  });
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
    oauthClient: { PLANNR_OAUTH_CLIENT_ID: plannr.oauth.clientId, PLANNR_OAUTH_CLIENT_SECRET: plannr.oauth.clientSecret },
    async close() {
      await Promise.all([plannr.close(), onlyoffice.close()]);
    },
  };
}

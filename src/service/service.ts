// `case-sync serve` (SPEC §9), composed: one fastify server with three plugins (webhook receiver,
// health, metrics), the durable inbox in the state store, and three triggers — inbox drain, the
// ONLYOFFICE scan tick, the reconcile — that all end in the same library calls, one at a time
// (engine-queue.ts). The service is built on the library, never the other way round.
//
// Start: store ready → the signing secret (the subscription made to point here, or the one given)
// → HTTP listening → reconcile, then whatever the inbox still holds from before a crash (a 202 is
// only sent once the delivery is stored). Close (SIGTERM): new deliveries get 503, the engine call
// in hand stops after its writes in flight and releases the lock, then the server closes.
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { CaseSyncError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/ports.js";
import type { CaseSync } from "../library/create-sync.js";
import { registerSecret } from "../transport/redact.js";
import { EngineQueue, type TaskName } from "./engine-queue.js";
import { healthPlugin } from "./health-plugin.js";
import { drainInbox } from "./inbox-drain.js";
import { createMetrics, type ServiceMetrics } from "./metrics.js";
import { metricsPlugin } from "./metrics-plugin.js";
import { AuthReadiness } from "./readiness.js";
import { reconcileOnce } from "./reconcile.js";
import { EarlyReconcile } from "./reconcile-soon.js";
import { scanOnce } from "./scan-loop.js";
import { parseServeOptions, type ParsedServeOptions, type ServeOptions } from "./serve-options.js";
import { subscriptionApiOf } from "../core/webhooks.js";
import { ensureSubscription, WEBHOOK_PATH } from "./subscription.js";
import { MAX_WEBHOOK_BYTES, webhookPlugin } from "./webhook-plugin.js";

export type { ServeOptions } from "./serve-options.js";

/** What the service needs of the library (`createSync`'s CaseSync satisfies it). */
export type ServiceEngine = Pick<CaseSync, "sync" | "syncCases" | "scanOnlyoffice" | "store" | "plannr" | "conflicts" | "mapping">;

export interface WebhookAnswer {
  status: number;
  body?: unknown;
}

export interface ServiceHandle {
  /** `http://host:port` while listening; null with `listen: false`. */
  readonly url: string | null;
  /** Stops gracefully: 503 to new deliveries, the engine call in hand finishes, the lock is released, the server closes. */
  close(): Promise<void>;
  /** One delivery, answered exactly as `POST /webhooks/plannr` would (for an embedder with its own HTTP server). */
  handleWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<WebhookAnswer>;
  /** Drains the inbox now and resolves when every waiting engine call is done. */
  drainOnce(): Promise<void>;
}

/** Headers an injected request must not carry over: light-my-request computes its own framing. */
const FRAMING = new Set(["content-length", "transfer-encoding", "host", "connection"]);

function listeningUrl(app: FastifyInstance): string {
  const address = app.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** The signing secret deliveries are checked with, from the subscription or the options. */
async function webhookSecret(sync: ServiceEngine, o: ParsedServeOptions, logger: Logger, readiness: AuthReadiness): Promise<string | null> {
  if (!o.subscribe) {
    if (o.webhookSecret === undefined) throw new CaseSyncError("CS_CONFIG", "--no-subscribe needs the subscription's signing secret in PLANNR_WEBHOOK_SECRET (library: webhookSecret)", { field: "webhookSecret" });
    return o.webhookSecret;
  }
  if (o.publicUrl !== undefined) {
    const api = subscriptionApiOf(sync.plannr);
    if (api === null) throw new CaseSyncError("CS_CONFIG", "this Plannr adapter cannot manage webhook subscriptions: serve with subscribe: false and webhookSecret", { field: "subscribe" });
    try {
      const outcome = await ensureSubscription({ api, store: sync.store, publicUrl: o.publicUrl, logger });
      readiness.noteCall("plannr", null);
      return outcome.subscription.secret;
    } catch (error) {
      readiness.noteCall("plannr", error);
      throw error;
    }
  }
  const stored = await sync.store.getWebhookSubscription();
  if (stored !== null) {
    logger.info({ url: stored.url }, "no --public-url: checking deliveries with the stored subscription's secret (Plannr's side is not checked)");
    return stored.secret;
  }
  if (o.webhookSecret !== undefined) return o.webhookSecret;
  logger.warn("no webhook secret: every delivery will be refused (401) and changes in Plannr wait for the reconcile; pass --public-url, or --no-subscribe with PLANNR_WEBHOOK_SECRET");
  return null;
}

export async function startService(sync: ServiceEngine, options: ServeOptions = {}): Promise<ServiceHandle> {
  const o = parseServeOptions(options);
  const logger = (o.logger ?? silentLogger).child({ component: "serve" });
  const metrics: ServiceMetrics = createMetrics();
  const readiness = new AuthReadiness();
  let closing = false;
  let known = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();

  await sync.store.init();
  const secret = await webhookSecret(sync, o, logger, readiness);
  registerSecret(secret);

  const plannrRateRemaining = () => (sync.plannr as { rateRemaining?: () => number | null }).rateRemaining?.() ?? null;
  let plannrCounted = sync.plannr.requestCount();
  const countPlannr = () => {
    const now = sync.plannr.requestCount();
    if (now > plannrCounted) metrics.plannrRequests.inc(now - plannrCounted);
    plannrCounted = now;
    const remaining = plannrRateRemaining();
    if (remaining !== null) metrics.plannrRateRemaining.set(remaining);
  };
  const later = (ms: number, name: TaskName) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      queue.request(name);
    }, ms);
    timer.unref();
    timers.add(timer);
  };
  const counted = (task: (signal: AbortSignal) => Promise<unknown>) => async (signal: AbortSignal) => {
    try {
      await task(signal);
    } finally {
      countPlannr();
    }
  };
  const early = new EarlyReconcile((ms) => later(ms, "reconcile"));
  const reconcileSoon = () => early.ask();
  const queue: EngineQueue = new EngineQueue(
    {
      reconcile: counted((signal) => {
        early.started();
        return reconcileOnce({ engine: sync, metrics, readiness, logger, resetKnown: () => (known = new Map()), retryIn: (ms) => later(ms, "reconcile") }, signal);
      }),
      drain: counted(async (signal) => {
        const result = await drainInbox({ engine: sync, metrics, readiness, logger, wakeIn: (ms) => later(ms, "drain"), reconcileSoon, batchSize: o.drainBatchSize, plannrPageSize: sync.mapping.plannr.pageSize, plannrRateRemaining }, signal);
        if (result.more) queue.request("drain");
      }),
      scan: counted((signal) => scanOnce({ engine: sync, metrics, readiness, logger, known: () => known, reconcileSoon }, signal)),
    },
    logger,
  );

  const app = Fastify({ logger: false, bodyLimit: MAX_WEBHOOK_BYTES });
  await app.register(webhookPlugin, {
    path: WEBHOOK_PATH,
    secretFor: () => Promise.resolve(secret),
    closing: () => closing,
    logger,
    accept: async (hint) => {
      await sync.store.putInbox({ caseId: hint.caseId, event: hint.event, receivedAt: new Date().toISOString() });
      queue.request("drain");
    },
  });
  await app.register(healthPlugin, {
    ready: async () => {
      try {
        await sync.store.countInbox();
      } catch (error) {
        return { ok: false, reason: `the state store does not answer: ${error instanceof Error ? error.message : String(error)}` };
      }
      return readiness.answer();
    },
  });
  await app.register(metricsPlugin, {
    registry: metrics.registry,
    refresh: async () => {
      countPlannr();
      const [depth, conflicts] = await Promise.all([sync.store.countInbox(), sync.conflicts.list()]);
      metrics.inboxDepth.set(depth);
      metrics.conflictsPending.set(conflicts.length);
    },
  });
  await app.ready();
  let url: string | null = null;
  if (o.listen) {
    try {
      await app.listen({ port: o.port, host: o.host });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EADDRINUSE" && code !== "EACCES" && code !== "EADDRNOTAVAIL") throw error;
      throw new CaseSyncError("CS_CONFIG", `cannot listen on ${o.host}:${o.port} (${code}): pick another --port or --host`, { field: "port", cause: error });
    }
    url = listeningUrl(app);
    logger.info({ url, webhook: `${url}${WEBHOOK_PATH}` }, "serving");
  }

  const every = (ms: number, run: () => void) => {
    const timer = setInterval(run, ms);
    timer.unref();
    timers.add(timer);
  };
  queue.request("reconcile");
  // Deliveries answered 202 before a crash or a stop are still in the inbox.
  queue.request("drain");
  every(o.scanIntervalMs, () => {
    queue.request("scan");
    // Cheap (a store query) and a safety net for any wake-up that was missed.
    queue.request("drain");
  });
  every(o.reconcileIntervalMs, () => queue.request("reconcile"));

  let closed: Promise<void> | null = null;
  return {
    url,
    close() {
      closed ??= (async () => {
        closing = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        await queue.stop();
        await app.close();
        logger.info("service stopped");
      })();
      return closed;
    },
    async handleWebhook(rawBody, headers) {
      // Once closed the server cannot answer at all; the route's own answer while closing is this one.
      if (closing) return { status: 503, body: { error: "the service is shutting down" } };
      const forwarded: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(headers)) if (value !== undefined && !FRAMING.has(name.toLowerCase())) forwarded[name.toLowerCase()] = value;
      const response = await app.inject({ method: "POST", url: WEBHOOK_PATH, payload: rawBody, headers: forwarded });
      let body: unknown = undefined;
      try {
        body = response.body === "" ? undefined : (JSON.parse(response.body) as unknown);
      } catch {
        body = response.body;
      }
      return body === undefined ? { status: response.statusCode } : { status: response.statusCode, body };
    },
    async drainOnce() {
      queue.request("drain");
      await queue.idle();
    },
  };
}

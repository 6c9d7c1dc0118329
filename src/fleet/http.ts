// A worker's HTTP face (SPEC §10): the service's own plugins on one fastify server (STYLE.md
// "HTTP as plugins"), the webhook receiver mounted per pair. A delivery to
// `/webhooks/plannr/<pair>` is verified with that pair's signing secret; an unknown pair has no
// secret, so it is refused exactly like a forged signature (401, nothing stored, and nothing that
// tells a prober which pairs exist).
import Fastify, { type FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import type { Logger } from "../core/ports.js";
import { healthPlugin, type Readiness } from "../service/health-plugin.js";
import { metricsPlugin } from "../service/metrics-plugin.js";
import type { WebhookHint } from "../service/signature.js";
import { webhookPlugin } from "../service/webhook-plugin.js";
import { PAIR_NAME } from "./pair-names.js";

export interface FleetHttpOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** The pair's signing secret, or null when there is no such pair (or it has none). */
  webhookSecret(pair: string): Promise<string | null>;
  /** Stores a verified delivery for the pair and queues its event job; never calls a CRM. */
  accept(pair: string, hint: WebhookHint): Promise<void>;
  closing(): boolean;
  ready(): Promise<Readiness>;
  metrics: Registry;
  refreshMetrics(): Promise<void>;
  logger: Logger;
}

export interface FleetHttp {
  /** `http://host:port` as bound. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The `<pair>` of the route, if it is a pair name at all. */
function pairOf(request: FastifyRequest): string | null {
  const pair = (request.params as { pair?: unknown }).pair;
  return typeof pair === "string" && PAIR_NAME.test(pair) ? pair : null;
}

export async function startFleetHttp(options: FleetHttpOptions): Promise<FleetHttp> {
  const app = Fastify({ logger: false });
  await app.register(webhookPlugin, {
    path: "/webhooks/plannr/:pair",
    secretFor: async (request) => {
      const pair = pairOf(request);
      return pair === null ? null : options.webhookSecret(pair);
    },
    accept: async (hint, request) => {
      const pair = pairOf(request);
      // Unreachable (a verified delivery has a known pair), kept so the type says so.
      if (pair === null) throw new Error("no pair");
      await options.accept(pair, hint);
    },
    closing: () => options.closing(),
    logger: options.logger,
  });
  await app.register(healthPlugin, { ready: () => options.ready() });
  await app.register(metricsPlugin, { registry: options.metrics, refresh: () => options.refreshMetrics() });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const shownHost = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () => app.close(),
  };
}

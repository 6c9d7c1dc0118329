// `GET /metrics` in Prometheus' text format (SPEC §9, §10), from the service's own registry.
// Gauges that describe the store (inbox depth, conflicts waiting) are read when scraped, so they
// are never stale and cost nothing between scrapes.
import type { FastifyPluginCallback } from "fastify";
import type { Registry } from "prom-client";

export interface MetricsPluginOptions {
  registry: Registry;
  /** Brings store-backed gauges up to date just before a scrape; a failure still serves the rest. */
  refresh?: () => Promise<void>;
}

export const metricsPlugin: FastifyPluginCallback<MetricsPluginOptions> = (app, options, done) => {
  app.get("/metrics", async (_request, reply) => {
    await options.refresh?.().catch(() => undefined);
    return reply.code(200).header("Content-Type", options.registry.contentType).send(await options.registry.metrics());
  });
  done();
};

// Liveness and readiness (SPEC §9), for a container's probes and a load balancer: `/livez` answers
// 200 as long as the process serves HTTP at all (restart it otherwise); `/readyz` answers 200 only
// when the state store answers and both CRMs took our credentials at their last attempt, else 503
// with the reason, so an operator reads why without opening the logs.
import type { FastifyPluginCallback } from "fastify";

export type Readiness = { ok: true } | { ok: false; reason: string };

export interface HealthPluginOptions {
  ready(): Promise<Readiness>;
}

export const healthPlugin: FastifyPluginCallback<HealthPluginOptions> = (app, options, done) => {
  app.get("/livez", async (_request, reply) => reply.code(200).send({ status: "live" }));
  app.get("/readyz", async (_request, reply) => {
    const state = await options.ready().catch((error: unknown): Readiness => ({ ok: false, reason: error instanceof Error ? error.message : String(error) }));
    return state.ok ? reply.code(200).send({ status: "ready" }) : reply.code(503).send({ status: "not ready", reason: state.reason });
  });
  done();
};

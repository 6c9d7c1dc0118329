// The webhook receiver (SPEC §9 "A delivery"): a fastify plugin, encapsulated so that its raw-body
// parser applies to its own route only. A handler verifies, stores and answers; it never calls a
// CRM (STYLE.md "HTTP as plugins"). Order of business, each step refusing before the next runs:
//   closing → 503 · no or malformed X-Signature → 401, body not read · body over 1 MiB → 413 ·
//   signature wrong (constant-time, on the raw bytes) → 401 · then parse the hint → store → 202.
// A delivery signed by Plannr but not about a case is answered 202 and ignored: Plannr would only
// send it again. The fleet registers the same plugin at `/webhooks/plannr/:pair`.
import type { FastifyError, FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import { silentLogger, type Logger } from "../core/ports.js";
import { isCaseEvent, readHint, verifySignature, type WebhookHint } from "./signature.js";

/** Request bodies are capped (SPEC §9): a delivery is a small JSON hint. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

const HEX_DIGEST = /^\s*[0-9a-f]{64}\s*$/i;

export interface WebhookPluginOptions {
  /** The route, e.g. `/webhooks/plannr` or `/webhooks/plannr/:pair`. */
  path: string;
  /** The signing secret for this request (null: none known, so nothing can be verified → 401). */
  secretFor(request: FastifyRequest): Promise<string | null>;
  /** Stores a verified hint durably; it must not call a CRM. A throw answers 503 (Plannr retries). */
  accept(hint: WebhookHint, request: FastifyRequest): Promise<void>;
  /** True once the service is shutting down: new deliveries get 503 (Plannr retries later). */
  closing(): boolean;
  logger?: Logger;
}

/** The one X-Signature header value, or undefined (absent, or sent twice: ambiguous). */
function signatureOf(request: FastifyRequest): string | undefined {
  const header = request.headers["x-signature"];
  return typeof header === "string" ? header : undefined;
}

function refuse(reply: FastifyReply, status: number, error: string): FastifyReply {
  if (status === 503) void reply.header("Retry-After", "5");
  return reply.code(status).send({ error });
}

export const webhookPlugin: FastifyPluginCallback<WebhookPluginOptions> = (app, options, done) => {
  const logger = options.logger ?? silentLogger;
  // Only here: the raw bytes, whatever the content type, so the signature is checked on exactly
  // what was signed and nothing is parsed before it is.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: MAX_WEBHOOK_BYTES }, (_request, body, done) => done(null, body));

  // Before the body is read: a closing service and an unsigned request cost nothing more.
  app.addHook("onRequest", async (request, reply) => {
    if (options.closing()) return refuse(reply, 503, "the service is shutting down");
    if (!HEX_DIGEST.test(signatureOf(request) ?? "")) {
      logger.warn({ ip: request.ip }, "webhook refused: no valid X-Signature header");
      return refuse(reply, 401, "signature required");
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    // A client's mistake (413 body too large, 400 bad framing) is answered as fastify names it.
    if (status >= 400 && status < 500) return reply.code(status).send({ error: error.message });
    logger.error({ err: error.message }, "webhook delivery could not be stored");
    return refuse(reply, 503, "the delivery could not be stored; send it again");
  });

  app.post(options.path, { bodyLimit: MAX_WEBHOOK_BYTES }, async (request, reply) => {
    if (options.closing()) return refuse(reply, 503, "the service is shutting down");
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const secret = await options.secretFor(request);
    if (secret === null || !verifySignature(raw, signatureOf(request), secret)) {
      logger.warn({ ip: request.ip, bytes: raw.length }, "webhook refused: the signature does not match");
      return refuse(reply, 401, "signature mismatch");
    }
    const hint = readHint(raw);
    if (hint === null || !isCaseEvent(hint.event)) {
      logger.info({ event: hint?.event ?? null }, "webhook ignored: not about a case");
      return reply.code(202).send({ status: "ignored" });
    }
    await options.accept(hint, request);
    logger.debug({ event: hint.event, caseId: hint.caseId }, "webhook accepted");
    return reply.code(202).send({ status: "accepted" });
  });
  done();
};

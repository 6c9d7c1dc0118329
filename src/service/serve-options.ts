// The options of `serve` (the CLI's flags, the library's `serve({...})`), validated once with zod so
// a wrong one names its field. Defaults are SPEC §9's: port 8080 on 127.0.0.1, scan every 30 s,
// reconcile every hour, subscribe when a public URL is given.
import { z } from "zod";
import type { Logger } from "../core/ports.js";
import { parseOption } from "../library/options.js";

export interface ServeOptions {
  /** Default 8080; 0 picks a free port (see `ServiceHandle.url`). */
  port?: number;
  /** Default 127.0.0.1; 0.0.0.0 behind a proxy or in a container. */
  host?: string;
  /** Where Plannr reaches this service; with `subscribe` (default) the subscription is made to point here. */
  publicUrl?: string;
  /** Default true: keep one Plannr subscription at `<publicUrl>/webhooks/plannr`. False: take `webhookSecret`. */
  subscribe?: boolean;
  /** The signing secret of a subscription made by hand (`--no-subscribe`, PLANNR_WEBHOOK_SECRET). */
  webhookSecret?: string;
  /** Default 30 s. */
  scanIntervalMs?: number;
  /** Default 1 h. */
  reconcileIntervalMs?: number;
  /** Default true; false starts no HTTP server (an embedder passes deliveries to `handleWebhook`). */
  listen?: boolean;
  logger?: Logger;
  /** Cases per targeted sync of the inbox (default 50). */
  drainBatchSize?: number;
}

const isLogger = (value: unknown): value is Logger => typeof value === "object" && value !== null && typeof (value as Logger).info === "function" && typeof (value as Logger).child === "function";

export const ServeOptionsSchema = z
  .object({
    port: z.number().int().min(0).max(65_535).default(8080),
    host: z.string().trim().min(1).default("127.0.0.1"),
    publicUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://sync.example.com" }).optional(),
    subscribe: z.boolean().default(true),
    webhookSecret: z.string().min(8, "must be the subscription's signing secret (at least 8 characters)").optional(),
    scanIntervalMs: z.number().int().min(100).max(86_400_000).default(30_000),
    reconcileIntervalMs: z.number().int().min(1_000).max(30 * 86_400_000).default(3_600_000),
    listen: z.boolean().default(true),
    logger: z.custom<Logger>(isLogger, "must be a pino-like logger").optional(),
    drainBatchSize: z.number().int().min(1).max(1_000).default(50),
  })
  .strict();

export type ParsedServeOptions = z.infer<typeof ServeOptionsSchema>;

export function parseServeOptions(input: ServeOptions): ParsedServeOptions {
  return parseOption(ServeOptionsSchema, input, "serve options");
}

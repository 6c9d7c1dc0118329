// One axios instance per side (keep-alive agents, a timeout on every call), wrapped by the
// stacked policies of SPEC §5: concurrency bound → retry for idempotent endpoints → per attempt:
// circuit breaker, request budget, rate limiter → one typed error per failure. The breaker sees
// each request's outcome after its retries and, once open, refuses every further request of the
// side (circuit.ts). Adapters call `request` with a description of the endpoint taken from their
// profile; nothing here knows either CRM.
import http from "node:http";
import https from "node:https";
import axios, { type AxiosInstance } from "axios";
import pLimit from "p-limit";
import { CaseSyncError, type Side } from "../core/errors.js";
import { silentLogger, systemClock, type Clock, type Logger } from "../core/ports.js";
import { CircuitBreaker, DEFAULT_CIRCUIT, type CircuitPolicy } from "./circuit.js";
import { errorFromNetwork, errorFromResponse, type CallContext } from "./errors.js";
import { RateLimiter, type RateLimitPolicy } from "./rate-limiter.js";
import { redactText, registerSecret } from "./redact.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "./retry.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the base URL, e.g. `/api/v1/cases/abc` or `/api/2.0/crm/case/7`. */
  path: string;
  /** Endpoint template for errors, logs and counting, e.g. `GET /api/v1/cases/{uuid}`. */
  endpoint: string;
  /** From the adapter profile: may this call be sent twice? Never true for a create. */
  idempotent: boolean;
  query?: Record<string, string | number | boolean | readonly (string | number)[] | undefined>;
  /** JSON body. */
  body?: unknown;
  /** Form-encoded body (ONLYOFFICE accepts both; login is simplest as a form). */
  form?: Record<string, string>;
  record?: string;
  headers?: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, unknown>;
  data: unknown;
}

/** Adapter hook: turn a quirky non-2xx answer into the right typed error (or null for the default). */
export type ErrorClassifier = (status: number, body: unknown, context: CallContext) => CaseSyncError | null;

export interface HttpClientOptions {
  side: Side;
  baseUrl: string;
  /** Headers on every request (auth included: they are registered as secrets). */
  headers: () => Record<string, string>;
  secrets: () => readonly string[];
  timeoutMs: number;
  concurrency: number;
  rateLimit?: RateLimitPolicy | undefined;
  retry?: RetryPolicy | undefined;
  /** Stop after this many requests in a run, i.e. since `beginRun` (0 = no budget). */
  requestBudget?: number | undefined;
  /** When to give up on this side for the rest of the run (default: 5 in a row, or > 20 % of ≥ 20). */
  circuit?: Partial<CircuitPolicy> | undefined;
  classify?: ErrorClassifier | undefined;
  logger?: Logger | undefined;
  clock?: Clock | undefined;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  /**
   * A new run on a reused client (`--watch`): the circuit closes and the per-run counts (breaker,
   * request budget) start from zero. `requestCount` stays cumulative: callers take deltas.
   */
  beginRun(): void;
  /** Requests sent since the client was made (each retry attempt counts). */
  requestCount(): number;
  limiterWaitMs(): number;
  close(): void;
}

function encodeQuery(query: HttpRequest["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger).child({ side: options.side });
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: Math.max(options.concurrency, 1) });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: Math.max(options.concurrency, 1) });
  const instance: AxiosInstance = axios.create({
    baseURL: options.baseUrl,
    timeout: options.timeoutMs,
    httpAgent,
    httpsAgent,
    // Status handling is ours: every non-2xx becomes one typed error below.
    validateStatus: () => true,
    // Keep raw text for non-JSON answers (ONLYOFFICE's plain-text 401).
    transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: true },
    maxRedirects: 0,
    proxy: false,
  });
  const limit = pLimit(Math.max(options.concurrency, 1));
  const limiter = options.rateLimit ? new RateLimiter(options.rateLimit, clock) : null;
  const retry = options.retry ?? DEFAULT_RETRY;
  const circuit = new CircuitBreaker(options.side, { ...DEFAULT_CIRCUIT, ...options.circuit });
  let count = 0;
  let countAtRunStart = 0;

  async function sendOnce(request: HttpRequest, context: CallContext): Promise<HttpResponse> {
    // Checked per attempt: requests queued behind the concurrency bound, and retries of requests
    // in flight, stop as soon as the circuit opens instead of hammering a side that is down.
    circuit.check(request);
    const budget = options.requestBudget ?? 0;
    if (budget > 0 && count - countAtRunStart >= budget) {
      throw new CaseSyncError("CS_BUDGET", `request budget of ${budget} ${options.side} requests is spent`, {
        side: options.side,
        endpoint: request.endpoint,
      });
    }
    const slot = limiter ? await limiter.acquire() : null;
    count += 1;
    const started = clock.now().getTime();
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers(), ...request.headers };
    let data: unknown = request.body;
    if (request.form) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      data = new URLSearchParams(request.form).toString();
    } else if (request.body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await instance.request({
        method: request.method,
        url: `${request.path}${encodeQuery(request.query)}`,
        headers,
        data,
      });
    } catch (error) {
      const failure = errorFromNetwork(error, context);
      logger.debug({ endpoint: request.endpoint, code: failure.code }, "request failed below HTTP");
      throw failure;
    } finally {
      if (limiter && slot !== null) limiter.complete(slot);
    }
    const headersOut = response.headers as Record<string, unknown>;
    limiter?.observe(headersOut, response.status);
    logger.trace({ endpoint: request.endpoint, status: response.status, ms: clock.now().getTime() - started }, "request");
    if (response.status >= 200 && response.status < 300) {
      return { status: response.status, headers: headersOut, data: response.data as unknown };
    }
    throw options.classify?.(response.status, response.data, context) ?? errorFromResponse(response.status, response.data, context);
  }

  return {
    request(request) {
      const context: CallContext = {
        side: options.side,
        endpoint: request.endpoint,
        record: request.record,
        secrets: options.secrets(),
      };
      return limit(async () => {
        try {
          const response = await withRetry(() => sendOnce(request, context), {
            idempotent: request.idempotent,
            policy: retry,
            onRetry: (error, attempt) => {
              logger.debug(
                { endpoint: request.endpoint, attempt, code: (error as CaseSyncError).code },
                redactText("retrying after a transient failure", context.secrets),
              );
            },
          });
          circuit.record();
          return response;
        } catch (error) {
          const wasOpen = circuit.isOpen();
          circuit.record(error);
          if (!wasOpen && circuit.isOpen()) logger.warn({ endpoint: request.endpoint, ...circuit.snapshot() }, "circuit breaker opened");
          throw error;
        }
      });
    },
    beginRun() {
      circuit.reset();
      countAtRunStart = count;
    },
    requestCount: () => count,
    limiterWaitMs: () => limiter?.waitedMs() ?? 0,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

export { registerSecret };

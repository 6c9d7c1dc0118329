// One axios instance per side (keep-alive agents), wrapped by the stacked policies of SPEC §5:
// concurrency bound → retry for idempotent endpoints → per attempt: circuit breaker, request budget,
// rate limiter, deadline → one typed error per failure. The breaker sees each request's outcome
// after its retries and, once open, refuses every further request of the side (circuit.ts).
// Adapters call `request` with a description of the endpoint taken from their profile; nothing
// here knows either CRM.
//
// What a hostile or broken upstream gets (issue 9): every attempt has a total deadline covering
// connect, headers and the whole body (axios's `timeout` is an idle-socket timer: a server that
// answers one byte a second never trips it); the run's abort signal cancels reads in flight at
// once, and nothing is retried after it; a body past the size cap is dropped while it streams
// (body.ts counts the bytes axios has decompressed, so a gzip bomb is cut too) and not retried; an
// answer nested deeper than MAX_JSON_DEPTH is refused before anything walks it; redirects are not
// followed.
//
// Bodies arrive as a byte stream, are read into kept buffers (body.ts, issue 12) and decoded here
// (issue 11), with the semantics axios's silent JSON parsing had: JSON becomes its value, anything
// else stays text (json-text.ts, `answerBody`). JSON.parse reads an ASCII-escaped one-byte string,
// never a two-byte UTF-8 decode of the page. A list page asked with `listAt` keeps its items as
// bytes, each parsed when read (json-list.ts), so its objects never all live at once.
import { getMaxListeners, setMaxListeners } from "node:events";
import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import axios, { type AxiosInstance } from "axios";
import pLimit from "p-limit";
import { CaseSyncError, type Side } from "../core/errors.js";
import { silentLogger, systemClock, type Clock, type Logger } from "../core/ports.js";
import { CircuitBreaker, DEFAULT_CIRCUIT, type CircuitPolicy } from "./circuit.js";
import { errorFromNetwork, errorFromResponse, type CallContext } from "./errors.js";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json-depth.js";
import { lazyListPage, type LazyList } from "./json-list.js";
import { answerBody } from "./json-text.js";
import { BodyTooLarge, readBody, type Body } from "./body.js";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  deadlineError,
  interruptedError,
  isRequestTooLarge,
  redirectError,
  requestTooLargeError,
  tooDeepError,
  tooLargeError,
} from "./limits.js";
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
  /**
   * A list page: its items are handed out unparsed (`HttpResponse.list`), each parsed when read,
   * so that a page's objects never all live at once (json-list.ts). The list's member of the
   * top-level object, or null for a body that is the list itself. A body that does not split
   * plainly is parsed whole, as without this.
   */
  listAt?: string | null;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, unknown>;
  /** The body; for a lazily read list page (`listAt`), the envelope with `[]` in the list's place. */
  data: unknown;
  /** The items of a list page read lazily: consume them, then `release()` the page. */
  list?: LazyList;
}

/** Adapter hook: turn a quirky non-2xx answer into the right typed error (or null for the default). */
export type ErrorClassifier = (status: number, body: unknown, context: CallContext) => CaseSyncError | null;

export interface HttpClientOptions {
  side: Side;
  baseUrl: string;
  /** Headers on every request (auth included: they are registered as secrets). */
  headers: () => Record<string, string>;
  secrets: () => readonly string[];
  /** Total deadline of one attempt, headers and body included (each retry gets a fresh one). */
  timeoutMs: number;
  /** Largest response (and request) body accepted, in bytes (default 64 MiB). */
  maxResponseBytes?: number | undefined;
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
   * request budget) start from zero. `requestCount` stays cumulative: callers take deltas. Every
   * request of the run carries `signal`: when it aborts, reads in flight are cancelled at once and
   * queued reads are not sent (CS_INTERRUPTED); nothing is retried; a write in flight finishes.
   * A stopped run's signal stays in force until the next `beginRun`.
   */
  beginRun(signal?: AbortSignal): void;
  /** Requests sent since the client was made (each retry attempt counts). */
  requestCount(): number;
  limiterWaitMs(): number;
  /** Requests the server says are left in its rate window (null: no limiter, or not told yet). */
  rateRemaining(): number | null;
  close(): void;
}

/** The Content-Length of an answer whose body arrives as sent (a compressed one inflates to more). */
function plainLength(headers: unknown): number | undefined {
  const fields = headers as Record<string, unknown>;
  if (fields["content-encoding"] !== undefined) return undefined;
  const length = Number(fields["content-length"]);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
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
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const instance: AxiosInstance = axios.create({
    baseURL: options.baseUrl,
    // No axios `timeout`: it only fires on an idle socket. The per-attempt deadline below covers all.
    httpAgent,
    httpsAgent,
    // Status handling is ours: every non-2xx becomes one typed error below.
    validateStatus: () => true,
    // The raw byte stream: body.ts reads it into reused buffers and counts the size cap (issue 12),
    // json-text.ts decodes it so JSON.parse reads a one-byte string (issue 11).
    responseType: "stream",
    transitional: { clarifyTimeoutError: true },
    maxRedirects: 0,
    proxy: false,
    // Counted by readBody instead, on the decompressed bytes (axios's own count wraps the stream).
    maxContentLength: -1,
    maxBodyLength: maxBytes,
  });
  const limit = pLimit(Math.max(options.concurrency, 1));
  const limiter = options.rateLimit ? new RateLimiter(options.rateLimit, clock) : null;
  const retry = options.retry ?? DEFAULT_RETRY;
  const circuit = new CircuitBreaker(options.side, { ...DEFAULT_CIRCUIT, ...options.circuit });
  let count = 0;
  let countAtRunStart = 0;
  let runSignal: AbortSignal | undefined;

  /**
   * Once the run's signal aborts, a read is cancelled in flight and never sent again; a write in
   * flight is left to finish (bounded by its deadline: cutting it would make its outcome unknown)
   * and is not retried. A write's first attempt still goes out, so that an op in hand finishes its
   * steps and records itself; the engine starts no new op after the stop.
   */
  function stoppedBefore(request: HttpRequest, signal: AbortSignal | undefined, attemptNumber: number): boolean {
    return signal?.aborted === true && (request.method === "GET" || attemptNumber > 1);
  }

  async function sendOnce(request: HttpRequest, context: CallContext, signal: AbortSignal | undefined, attemptNumber: number): Promise<HttpResponse> {
    if (stoppedBefore(request, signal, attemptNumber)) throw interruptedError(context);
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
    // One controller per attempt: the deadline ends it, and so does the run's stop for a read.
    const cancelOnStop = request.method === "GET" ? signal : undefined;
    const attempt = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | null = null;
    const onRunAbort = () => attempt.abort();
    let response: { status: number; headers: Record<string, unknown>; body: Body } | undefined;
    let started = 0;
    try {
      if (stoppedBefore(request, signal, attemptNumber)) throw interruptedError(context);
      count += 1;
      started = clock.now().getTime();
      const headers: Record<string, string> = { Accept: "application/json", ...options.headers(), ...request.headers };
      let data: unknown = request.body;
      if (request.form) {
        headers["Content-Type"] = "application/x-www-form-urlencoded";
        data = new URLSearchParams(request.form).toString();
      } else if (request.body !== undefined) {
        headers["Content-Type"] = "application/json";
      }
      timer = setTimeout(() => {
        timedOut = true;
        attempt.abort();
      }, options.timeoutMs);
      cancelOnStop?.addEventListener("abort", onRunAbort, { once: true });
      const answer = await instance.request<Readable>({
        method: request.method,
        url: `${request.path}${encodeQuery(request.query)}`,
        headers,
        data,
        signal: attempt.signal,
      });
      // Still under the deadline and the run's stop: both abort the attempt, which ends the stream.
      response = { status: answer.status, headers: answer.headers, body: await readBody(answer.data, maxBytes, plainLength(answer.headers)) };
    } catch (error) {
      if (error instanceof CaseSyncError) throw error;
      const failure = cancelOnStop?.aborted
        ? interruptedError(context)
        : timedOut
          ? deadlineError(context, options.timeoutMs)
          : error instanceof BodyTooLarge
            ? tooLargeError(context, maxBytes)
            : isRequestTooLarge(error)
              ? requestTooLargeError(context, maxBytes)
              : errorFromNetwork(error, context);
      logger.debug({ endpoint: request.endpoint, code: failure.code }, "request failed below HTTP");
      throw failure;
    } finally {
      if (timer !== null) clearTimeout(timer);
      cancelOnStop?.removeEventListener("abort", onRunAbort);
      if (limiter && slot !== null) limiter.complete(slot);
    }
    const headersOut = response.headers;
    limiter?.observe(headersOut, response.status);
    logger.trace({ endpoint: request.endpoint, status: response.status, ms: clock.now().getTime() - started }, "request");
    const ok = response.status >= 200 && response.status < 300;
    if (ok && request.listAt !== undefined) {
      const page = lazyListPage(response.body, request.listAt);
      if (page !== null) return { status: response.status, headers: headersOut, data: page.envelope, list: page.list };
    }
    let body: unknown;
    try {
      body = answerBody(response.body.bytes);
    } finally {
      // The text was copied out of the bytes: the buffer serves the next answer.
      response.body.release();
    }
    if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
      // Refused before anything walks it: a classifier, a log line or a schema would recurse.
      if (ok) throw tooDeepError(context, response.status);
      body = `(an error body nested deeper than ${MAX_JSON_DEPTH} levels)`;
    }
    if (ok) return { status: response.status, headers: headersOut, data: body };
    if (response.status >= 300 && response.status < 400) throw redirectError(context, response.status, headersOut.location, options.baseUrl);
    throw options.classify?.(response.status, body, context) ?? errorFromResponse(response.status, body, context);
  }

  return {
    request(request) {
      const context: CallContext = {
        side: options.side,
        endpoint: request.endpoint,
        record: request.record,
        secrets: options.secrets(),
      };
      // The run this request belongs to, even if a new run begins while it waits.
      const signal = runSignal;
      return limit(async () => {
        try {
          const response = await withRetry((attemptNumber) => sendOnce(request, context, signal, attemptNumber), {
            idempotent: request.idempotent,
            policy: retry,
            signal,
            // A read's backoff sleep ends at once; a write is only not tried again.
            interruptible: request.method === "GET",
            onRetry: (error, attempt) => {
              logger.debug(
                { endpoint: request.endpoint, attempt, code: (error as CaseSyncError).code },
                redactText("retrying after a transient failure", context.secrets),
              );
            },
          });
          circuit.record();
          return response;
        } catch (caught) {
          // A read stopped during a backoff sleep: p-retry throws the signal's reason; one error for both.
          const stopped = request.method === "GET" && signal?.aborted === true && !(caught instanceof CaseSyncError && caught.code === "CS_INTERRUPTED");
          const error = stopped ? interruptedError(context) : caught;
          const wasOpen = circuit.isOpen();
          circuit.record(error);
          if (!wasOpen && circuit.isOpen()) logger.warn({ endpoint: request.endpoint, ...circuit.snapshot() }, "circuit breaker opened");
          throw error;
        }
      });
    },
    beginRun(signal) {
      circuit.reset();
      countAtRunStart = count;
      runSignal = signal;
      // Each read in flight listens on the run's signal, and so does each read sleeping before a
      // retry: make room for this side's share, or Node warns of a leak at 11 listeners.
      if (signal) setMaxListeners(getMaxListeners(signal) + 2 * Math.max(options.concurrency, 1), signal);
    },
    requestCount: () => count,
    limiterWaitMs: () => limiter?.waitedMs() ?? 0,
    rateRemaining: () => limiter?.remaining() ?? null,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

export { DEFAULT_MAX_RESPONSE_BYTES, registerSecret };

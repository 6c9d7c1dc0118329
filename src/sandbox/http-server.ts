// The HTTP shell both simulators share: routing by method + path pattern, JSON and form-encoded
// bodies (ONLYOFFICE accepts both), a request log, fault injection and a small control API
// (`/__sandbox/...`) so tests in another process can arm faults and read the log.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { FaultPlan, type FaultRule } from "./faults.js";

export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON, or the form fields as a nested object (`a[0][key]=1` → `{a: [{key: "1"}]}`). */
  body: unknown;
  rawBody: string;
  params: Record<string, string>;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as text/plain; undefined as an empty body. */
  body?: unknown;
}

export type Handler = (request: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

export interface Route {
  method: string;
  /** `/api/v1/cases/:uuid` style; `:name` matches one path segment. */
  pattern: string;
  handler: Handler;
}

export interface LogEntry {
  method: string;
  path: string;
  query: string;
  status: number;
  /** Writes only: the body as received (tests assert on what the adapter sent). */
  body: unknown;
  at: number;
  dropped: boolean;
}

/** `a[0][key]=1&a[0][value]=x&b[]=2&b=3` → `{a: [{key: "1", value: "x"}], b: ["2", "3"]}`. */
export function parseForm(text: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.replace(/\]/g, "").split("[");
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i += 1) {
      const part = parts[i] ?? "";
      const last = i === parts.length - 1;
      const container = node as Record<string, unknown>;
      const key = part === "" && Array.isArray(node) ? String(node.length) : part;
      if (last) {
        if (Array.isArray(node)) node.push(value);
        else if (container[key] === undefined) container[key] = value;
        else if (Array.isArray(container[key])) (container[key] as unknown[]).push(value);
        else container[key] = [container[key], value];
      } else {
        const nextIsIndex = (parts[i + 1] ?? "") === "" || /^\d+$/.test(parts[i + 1] ?? "");
        if (container[key] === undefined) container[key] = nextIsIndex ? [] : {};
        node = container[key] as Record<string, unknown> | unknown[];
      }
    }
  }
  return normalizeIndexed(root) as Record<string, unknown>;
}

function normalizeIndexed(value: unknown): unknown {
  if (Array.isArray(value)) {
    // Arrays filled by index keys (`a[0][key]`) come out as sparse-free lists of objects.
    return value.map(normalizeIndexed);
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
      return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => normalizeIndexed(v));
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, normalizeIndexed(v)]));
  }
  return value;
}

function compile(pattern: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = pattern
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) {
        names.push(segment.slice(1));
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { regex: new RegExp(`^${source}/?$`), names };
}

export interface SandboxServerOptions {
  name: string;
  routes: Route[];
  /** Called before routing; may answer instead (auth, rate limits). */
  before?: (request: SandboxRequest) => SandboxResponse | null;
  /** Extra headers on every answer (rate-limit headers). */
  decorate?: (request: SandboxRequest, response: SandboxResponse) => void;
  /** Called by the control API's reset. */
  onReset?: () => void;
  /** Extra control routes, e.g. for editing state directly in tests. */
  controlRoutes?: Route[];
}

/** The largest request body the simulators read (the product's service caps its webhook bodies the same). */
export const MAX_BODY_BYTES = 1024 * 1024;

export class SandboxServer {
  readonly faults = new FaultPlan();
  readonly log: LogEntry[] = [];
  private readonly compiled: { method: string; regex: RegExp; names: string[]; handler: Handler }[];
  private readonly control: { method: string; regex: RegExp; names: string[]; handler: Handler }[];
  private server: http.Server | null = null;
  private requestHooks: ((request: SandboxRequest) => void)[] = [];

  constructor(private readonly options: SandboxServerOptions) {
    this.compiled = options.routes.map((r) => ({ method: r.method, handler: r.handler, ...compile(r.pattern) }));
    const builtIn: Route[] = [
      { method: "GET", pattern: "/__sandbox/log", handler: () => ({ status: 200, body: this.log }) },
      {
        method: "POST",
        pattern: "/__sandbox/faults",
        handler: (req) => {
          for (const rule of FaultPlan.parse(req.body)) this.faults.add(rule);
          return { status: 204 };
        },
      },
      {
        method: "DELETE",
        pattern: "/__sandbox/faults",
        handler: () => {
          this.faults.clear();
          return { status: 204 };
        },
      },
      {
        method: "DELETE",
        pattern: "/__sandbox/log",
        handler: () => {
          this.log.length = 0;
          return { status: 204 };
        },
      },
      ...(options.controlRoutes ?? []),
    ];
    this.control = builtIn.map((r) => ({ method: r.method, handler: r.handler, ...compile(r.pattern) }));
  }

  addFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  /**
   * Test hook: `hook` sees every API request (control calls excluded) before faults and routing,
   * e.g. to let "a person" edit a case at a chosen moment of a run. Returns its remover.
   */
  onRequest(hook: (request: SandboxRequest) => void): () => void {
    this.requestHooks.push(hook);
    return () => {
      this.requestHooks = this.requestHooks.filter((h) => h !== hook);
    };
  }

  /** Requests that reached a route (control calls excluded). */
  requests(filter?: { method?: string; path?: string | RegExp }): LogEntry[] {
    return this.log.filter((entry) => {
      if (filter?.method && entry.method !== filter.method) return false;
      if (filter?.path !== undefined) {
        return typeof filter.path === "string" ? entry.path.includes(filter.path) : filter.path.test(entry.path);
      }
      return true;
    });
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    // Like the real servers (nginx 75 s, IIS 120 s): idle keep-alive sockets outlive a phase gap.
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      this.server?.once("error", reject);
      this.server?.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Bodies are capped like the product's own server (SPEC §9: 1 MiB → 413), and read no further:
    // a simulator that buffered any body before checking anything could be run out of memory.
    const chunks: Buffer[] = [];
    let size = Number(req.headers["content-length"] ?? 0);
    if (size <= MAX_BODY_BYTES) {
      size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) break;
        chunks.push(chunk as Buffer);
      }
    }
    if (size > MAX_BODY_BYTES) {
      res.writeHead(413, { "Content-Type": "application/json", Connection: "close" });
      res.end(JSON.stringify({ message: `request body over ${MAX_BODY_BYTES} bytes` }));
      req.destroy();
      return;
    }
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://sandbox");
    const method = (req.method ?? "GET").toUpperCase();
    const contentType = String(req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    let body: unknown = undefined;
    if (rawBody !== "") {
      if (contentType === "application/x-www-form-urlencoded") body = parseForm(rawBody);
      else {
        try {
          body = JSON.parse(rawBody) as unknown;
        } catch {
          body = rawBody;
        }
      }
    }
    const request: SandboxRequest = { method, path: url.pathname, query: url.searchParams, headers: req.headers, body, rawBody, params: {} };

    const controlRoute = this.match(this.control, method, url.pathname, request);
    if (controlRoute) {
      try {
        this.send(res, await controlRoute(request));
      } catch (error) {
        this.send(res, { status: 500, body: { message: (error as Error).message } });
      }
      return;
    }

    for (const hook of this.requestHooks) hook(request);
    const faults = this.faults.take(method, url.pathname);
    for (const fault of faults.filter((f) => f.kind === "latency")) {
      await new Promise((resolve) => setTimeout(resolve, fault.latencyMs ?? 100));
    }
    const statusFault = faults.find((f) => f.kind === "status");
    const drop = faults.some((f) => f.kind === "drop-response");
    let response: SandboxResponse;
    if (statusFault) {
      const status = statusFault.status ?? 503;
      response = { status, body: { message: `Injected ${status}` } };
      if (status === 429) response.headers = { "Retry-After": String(statusFault.retryAfterSeconds ?? 1) };
    } else {
      response = this.options.before?.(request) ?? (await this.route(method, url.pathname, request));
    }
    this.options.decorate?.(request, response);
    this.log.push({
      method,
      path: url.pathname,
      query: url.search,
      status: response.status,
      body: method === "GET" ? undefined : body,
      at: Date.now(),
      dropped: drop,
    });
    if (drop) {
      // The write above is committed; the client never learns it (invariant 6's hard case).
      req.socket.destroy();
      return;
    }
    this.send(res, response);
  }

  private async route(method: string, path: string, request: SandboxRequest): Promise<SandboxResponse> {
    const handler = this.match(this.compiled, method, path, request);
    if (handler) {
      try {
        return await handler(request);
      } catch (error) {
        return { status: 500, body: { message: `sandbox bug: ${(error as Error).message}` } };
      }
    }
    const pathExists = this.compiled.some((r) => r.regex.test(path));
    return { status: pathExists ? 405 : 404, body: { message: pathExists ? "Method Not Allowed" : "Not Found" } };
  }

  private match(
    routes: { method: string; regex: RegExp; names: string[]; handler: Handler }[],
    method: string,
    path: string,
    request: SandboxRequest,
  ): Handler | null {
    for (const route of routes) {
      if (route.method !== method) continue;
      const match = route.regex.exec(path);
      if (!match) continue;
      request.params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? "")]));
      return route.handler;
    }
    return null;
  }

  private send(res: http.ServerResponse, response: SandboxResponse): void {
    const headers: Record<string, string> = { ...response.headers };
    let payload = "";
    if (typeof response.body === "string") {
      headers["Content-Type"] ??= "text/plain; charset=utf-8";
      payload = response.body;
    } else if (response.body !== undefined) {
      headers["Content-Type"] ??= "application/json; charset=utf-8";
      payload = JSON.stringify(response.body);
    }
    res.writeHead(response.status, headers);
    res.end(payload);
  }
}

// A hostile upstream for the `fuzz:upstream` group (issue 9, "Done when"): a node:http server on
// 127.0.0.1 that answers chosen routes the way a broken or malicious CRM (or a proxy in front of
// one) would, and forwards everything else to a real simulator behind it. Every loop is bounded
// (a body length, a byte budget) and stops when the client goes away; the server closes itself
// after `lifetimeMs` even if a test forgets to, and `close()` drops every open connection.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";

export type Answer = (req: IncomingMessage, res: ServerResponse) => void;

interface Route {
  method: string;
  path: RegExp;
  answer: Answer;
}

export interface HostileServer {
  /** `http://127.0.0.1:<port>`, to be used as a base URL. */
  readonly url: string;
  /** Answers requests whose method and path (query excluded) match; the first route added wins. */
  route(method: string, path: RegExp, answer: Answer): void;
  /** Requests seen (answered or forwarded) whose path matches. */
  hits(path: RegExp, method?: string): number;
  close(): Promise<void>;
}

function closed(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded;
}

/** Writes one chunk, waiting for the socket to drain: the server never buffers more than a chunk. */
function write(res: ServerResponse, chunk: string | Buffer): Promise<boolean> {
  if (closed(res)) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Headers at once, then `body` one byte every `intervalMs` (an idle-socket timer never fires). */
export function trickle(body: string, intervalMs = 1_000): Answer {
  return (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    void (async () => {
      for (const byte of Buffer.from(body)) {
        if (!(await write(res, Buffer.of(byte)))) return;
        await sleep(intervalMs);
      }
      if (!closed(res)) res.end();
    })();
  };
}

/** A JSON list page of `bytes` bytes, streamed as fast as the client reads it. */
export function hugePage(bytes: number, options: { gzip?: boolean } = {}): Answer {
  const filler = Buffer.from(`"${"x".repeat(64 * 1024 - 3)}",`);
  return (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", ...(options.gzip ? { "Content-Encoding": "gzip" } : { "Content-Length": bytes }) });
    const sink = options.gzip ? zlib.createGzip() : null;
    if (sink) {
      sink.pipe(res);
      res.on("close", () => sink.destroy());
    }
    const out = (chunk: Buffer | string): Promise<boolean> => {
      if (!sink) return write(res, chunk);
      if (sink.destroyed) return Promise.resolve(false);
      if (sink.write(chunk)) return Promise.resolve(true);
      return new Promise((resolve) => {
        sink.once("drain", () => resolve(true));
        sink.once("close", () => resolve(false));
      });
    };
    void (async () => {
      const head = '{"data":[';
      const tail = '"end"]}';
      let sent = 0;
      if (!(await out(head))) return;
      sent += head.length;
      while (sent + filler.length + tail.length <= bytes) {
        if (!(await out(filler))) return;
        sent += filler.length;
      }
      const rest = bytes - sent - tail.length;
      if (rest > 0 && !(await out(" ".repeat(rest)))) return;
      if (!(await out(tail))) return;
      if (sink) sink.end();
      else if (!closed(res)) res.end();
    })();
  };
}

/** `depth` nested arrays as text: `[[[...]]]`. */
export function deepJson(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

/** A JSON answer with the given text as body. */
export function json(text: string, status = 200): Answer {
  return (_req, res) => {
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  };
}

export function redirect(location: string, status = 302): Answer {
  return (_req, res) => {
    res.writeHead(status, { Location: location, "Content-Length": 0 });
    res.end();
  };
}

function forward(upstream: string, req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(req.url ?? "/", upstream);
  const outgoing = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  outgoing.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain" });
    res.end("proxy error");
  });
  req.pipe(outgoing);
}

export async function startHostileServer(options: { upstream?: string; lifetimeMs?: number } = {}): Promise<HostileServer> {
  const routes: Route[] = [];
  const seen: { method: string; path: string }[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const method = req.method ?? "GET";
    seen.push({ method, path });
    const route = routes.find((r) => r.method === method && r.path.test(path));
    if (route) return route.answer(req, res);
    if (options.upstream) return forward(options.upstream, req, res);
    res.writeHead(404, { "Content-Type": "application/json" });
    res.end('{"message":"no such route"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | null = null;
  const close = () =>
    (stopping ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  // Stops by itself: a test that hangs or forgets `close` does not leave a server behind.
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 60_000);
  lifetime.unref();
  return {
    url: `http://127.0.0.1:${port}`,
    route: (method, path, answer) => routes.push({ method, path, answer }),
    hits: (path, method) => seen.filter((s) => path.test(s.path) && (method === undefined || s.method === method)).length,
    close,
  };
}

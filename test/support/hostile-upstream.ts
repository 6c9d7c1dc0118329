// A hostile upstream for tests: a local HTTP server in front of a sandbox that passes requests
// through, except those a rule picks, which it answers itself (an error body whose message holds
// escape sequences, line breaks and a forged log line). Test-only: the sandboxes stay faithful.
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Text that tries every trick at once: terminal control, a forged pino line, a forged `check` line, bidi, C1. */
export const HOSTILE =
  'Evil\u001b[2K\u001b[1A\u001b]0;owned\u0007\r\n{"level":50,"time":1,"msg":"forged"}\r\nok   Plannr credentials: fine \u202Egnp.exe\u009b31m\u007f';

export interface HostileAnswer {
  status: number;
  body: unknown;
}

export interface HostileUpstream {
  url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Starts a proxy to `target`; `answer` returns a hostile answer for a request, or null to pass it through. */
export async function hostileUpstream(target: string, answer: (method: string, path: string) => HostileAnswer | null): Promise<HostileUpstream> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? "/";
      const hostile = answer(req.method ?? "GET", path.split("?")[0] ?? path);
      if (hostile) {
        const text = typeof hostile.body === "string" ? hostile.body : JSON.stringify(hostile.body);
        res.writeHead(hostile.status, { "content-type": typeof hostile.body === "string" ? "text/plain" : "application/json" });
        res.end(text);
        return;
      }
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers: { ...req.headers, host: upstream.host } }, (answerRes) => {
        res.writeHead(answerRes.statusCode ?? 502, answerRes.headers);
        answerRes.pipe(res);
      });
      forward.on("error", () => res.destroy());
      forward.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

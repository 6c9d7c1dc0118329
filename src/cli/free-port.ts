// A TCP port free on 127.0.0.1 right now, for a server whose URL must be known before it starts
// (serve's --public-url names its own port): the demo's serve act, and the service's tests and
// bench. Another process could take it in between; on a test machine that is rare enough.
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// Shared setup of the hostile-upstream tests: at most one hostile server and one HTTP client per
// test, both closed after each test (the client first, then the server).
import { afterEach } from "vitest";
import { createHttpClient, type HttpClient, type HttpClientOptions } from "../../src/transport/http.js";
import { startHostileServer, type HostileServer } from "./hostile-server.js";

export interface HostileHarness {
  /** Starts the test's hostile server; it is closed after the test. */
  server(options: { lifetimeMs: number }): Promise<HostileServer>;
  /** Creates the test's HTTP client; it is closed after the test. */
  client(options: HttpClientOptions): HttpClient;
  /** A factory of test clients: `defaults`, then the base URL, then per-call overrides. */
  clients(defaults: Omit<HttpClientOptions, "baseUrl">): (baseUrl: string, options?: Partial<HttpClientOptions>) => HttpClient;
}

/** Call once at the top of a test file: registers the `afterEach` that closes what the test opened. */
export function useHostileHarness(): HostileHarness {
  let server: HostileServer | null = null;
  let client: HttpClient | null = null;

  afterEach(async () => {
    client?.close();
    client = null;
    await server?.close();
    server = null;
  });

  const harness: HostileHarness = {
    async server(options) {
      server = await startHostileServer(options);
      return server;
    },
    client(options) {
      client = createHttpClient(options);
      return client;
    },
    clients(defaults) {
      return (baseUrl, options = {}) => harness.client({ ...defaults, baseUrl, ...options });
    },
  };
  return harness;
}

// One delivery attempt on the wire: a JSON POST with the signature header, the answer's status
// read and its body discarded. A refused connection, a reset or a timeout is an answer too (no
// status): the caller retries or gives up, as Plannr's queue does.
import http from "node:http";
import https from "node:https";

export interface PostOutcome {
  /** The HTTP status, or null when no answer came. */
  status: number | null;
  /** Why no answer came (`ECONNREFUSED`, `timeout`, ...), or null. */
  error: string | null;
}

export interface PostAgents {
  http: http.Agent;
  https: https.Agent;
}

export function postDelivery(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { agents: PostAgents; timeoutMs: number; signal: AbortSignal },
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      done({ status: null, error: "invalid url" });
      return;
    }
    const secure = target.protocol === "https:";
    const payload = Buffer.from(body, "utf8");
    const request = (secure ? https : http).request(target, {
      method: "POST",
      agent: secure ? options.agents.https : options.agents.http,
      headers: { ...headers, "Content-Length": String(payload.length) },
      signal: options.signal,
      timeout: options.timeoutMs,
    });
    request.on("response", (response) => {
      response.on("error", () => done({ status: response.statusCode ?? null, error: null }));
      response.on("end", () => done({ status: response.statusCode ?? null, error: null }));
      response.resume();
    });
    request.on("timeout", () => {
      done({ status: null, error: "timeout" });
      request.destroy();
    });
    request.on("error", (error: NodeJS.ErrnoException) => done({ status: null, error: error.code ?? error.message }));
    request.end(payload);
  });
}

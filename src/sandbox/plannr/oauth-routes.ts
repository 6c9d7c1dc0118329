// `POST /oauth/token` (reference "Transport": form-encoded; JSON is accepted too, as Laravel reads
// either), outside the `/api` gate like Passport's route; the client may also authenticate with
// HTTP Basic (league reads it when the body has no client_id). Plus control routes so a test or the
// demo in another process can get a token set or a code (`/__sandbox/oauth/...`).
import type { Route, SandboxRequest } from "../http-server.js";
import { readInput } from "./body.js";
import type { PlannrOAuth } from "./oauth.js";

function basicClient(request: SandboxRequest): { id: string; secret: string } | null {
  const header = request.headers.authorization;
  const match = /^Basic\s+(\S+)\s*$/i.exec(typeof header === "string" ? header : "");
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

export function oauthRoutes(oauth: PlannrOAuth): Route[] {
  return [{ method: "POST", pattern: "/oauth/token", handler: (request) => oauth.grant(readInput(request.body), basicClient(request)) }];
}

export function oauthControlRoutes(oauth: PlannrOAuth): Route[] {
  return [
    {
      method: "POST",
      pattern: "/__sandbox/oauth/tokens",
      handler: (request) => {
        const input = typeof request.body === "object" && request.body !== null ? (request.body as { expiresInSeconds?: unknown }) : {};
        const seconds = input.expiresInSeconds;
        if (seconds !== undefined && typeof seconds !== "number") return { status: 400, body: { message: "expiresInSeconds must be a number" } };
        try {
          return { status: 201, body: oauth.issue(seconds === undefined ? {} : { expiresInSeconds: seconds }) };
        } catch (error) {
          if (error instanceof RangeError) return { status: 400, body: { message: error.message } };
          throw error;
        }
      },
    },
    {
      method: "POST",
      pattern: "/__sandbox/oauth/codes",
      handler: () => ({ status: 201, body: { code: oauth.authorizationCode(), redirectUri: oauth.redirectUri } }),
    },
    {
      method: "GET",
      pattern: "/__sandbox/oauth",
      handler: () => ({ status: 200, body: { clientId: oauth.clientId, clientSecret: oauth.clientSecret, redirectUri: oauth.redirectUri, refreshCount: oauth.refreshCount() } }),
    },
  ];
}

// What stands in front of every `/api/...` route (reference "Transport"): a Bearer personal access
// token or a live OAuth access token (else 401 `{"message":"Unauthenticated."}`: unknown, expired
// and revoked read the same), the per-user rate limit (500/min; 429 with
// `Retry-After`; `X-Ratelimit-Remaining` and `X-RateLimit-Limit` on every authenticated answer) and
// the `X-PLANNR-ACCOUNT-UUID` header naming an account the token has a login for (else 403 [D]).
// Laravel runs authentication before throttling (middleware priority), so a 401 uses no slot and
// carries no rate-limit headers: there is no user to count it against.
import type { SandboxRequest, SandboxResponse } from "../http-server.js";
import type { RateDecision, RateWindow } from "./rate-window.js";

const ACCOUNT_HEADER = "x-plannr-account-uuid";

/** Other tokens the gate accepts (OAuth access tokens): the rate-limit key of a live one, else null. */
export interface TokenAuthority {
  rateKeyOf(token: string): string | null;
}

/** The logins list is how a token's user finds its account uuids, so it cannot require one. */
const ACCOUNTLESS_PATHS = new Set(["/api/v1/logins", "/api/v1/logins/"]);

export class PlannrGate {
  private readonly tokens: Set<string>;
  private readonly decisions = new WeakMap<SandboxRequest, RateDecision>();

  constructor(
    private readonly accountUuid: string,
    tokens: readonly string[],
    private readonly window: RateWindow,
    private readonly clock: () => number = Date.now,
    private readonly authority: TokenAuthority | null = null,
  ) {
    this.tokens = new Set(tokens);
  }

  addToken(token: string): void {
    this.tokens.add(token);
  }

  /** Answers instead of the route when the request may not pass; null lets it through. */
  check(request: SandboxRequest): SandboxResponse | null {
    if (!request.path.startsWith("/api/")) return null;
    const token = this.tokenOf(request);
    if (token === null) return { status: 401, body: { message: "Unauthenticated." } };
    const decision = this.window.hit(token, this.clock());
    this.decisions.set(request, decision);
    if (!decision.allowed) {
      return { status: 429, headers: { "Retry-After": String(decision.retryAfterSeconds) }, body: { message: "Too Many Attempts." } };
    }
    if (!ACCOUNTLESS_PATHS.has(request.path) && headerValue(request, ACCOUNT_HEADER) !== this.accountUuid) {
      return { status: 403, body: { message: "This action is unauthorized." } };
    }
    return null;
  }

  /** Adds the rate-limit headers to an authenticated answer (also to injected faults). */
  decorate(request: SandboxRequest, response: SandboxResponse): void {
    let decision = this.decisions.get(request);
    if (!decision) {
      const token = request.path.startsWith("/api/") ? this.tokenOf(request) : null;
      if (token === null) return;
      decision = this.window.peek(token, this.clock());
    }
    response.headers = {
      ...response.headers,
      "X-RateLimit-Limit": String(decision.limit),
      "X-Ratelimit-Remaining": String(decision.remaining),
    };
  }

  /**
   * The rate-limit key of the request's token (a personal token is its own key), or null: missing,
   * malformed, unknown, expired or revoked all read as unauthenticated.
   */
  private tokenOf(request: SandboxRequest): string | null {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(headerValue(request, "authorization") ?? "");
    const token = match?.[1];
    if (token === undefined) return null;
    if (this.tokens.has(token)) return token;
    return this.authority?.rateKeyOf(token) ?? null;
  }
}

function headerValue(request: SandboxRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// ONLYOFFICE authentication (reference "Transport and auth"): a token is sent as the bare
// `Authorization` header. With a username and password the adapter logs in once through
// `POST authentication` (201 `{token, expires}`, default lifetime a year), keeps the token, and
// logs in again once when a later call answers 401 (an expired or revoked token). Concurrent
// callers that see the same 401 share one login.
import type { OnlyofficeConnection } from "../../src/core/config.js";
import { registerSecret } from "../../src/transport/redact.js";

/** Sends the login request and returns the token (the client owns the HTTP part). */
export type LoginCall = (userName: string, password: string) => Promise<string>;

export class OnlyofficeAuth {
  private token: string | null;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly connection: OnlyofficeConnection,
    private readonly login: LoginCall,
  ) {
    this.token = connection.token ?? null;
    registerSecret(connection.token);
    registerSecret(connection.password);
  }

  /** Headers for every request; empty until a password login has produced a token. */
  headers(): Record<string, string> {
    return this.token === null ? {} : { Authorization: this.token };
  }

  /** Every secret that could appear in a request: redacted from every error and log line. */
  secrets(): string[] {
    return [this.token, this.connection.token, this.connection.password].filter((s): s is string => typeof s === "string");
  }

  /** The token currently sent (to tell a stale 401 from one already handled by another caller). */
  current(): string | null {
    return this.token;
  }

  /** A configured token is final; only username + password can log in again. */
  canLogIn(): boolean {
    return this.connection.token === undefined && this.connection.username !== undefined && this.connection.password !== undefined;
  }

  /** Logs in when there is no token yet. */
  async ensure(): Promise<void> {
    if (this.token === null && this.canLogIn()) await this.renew(null);
  }

  /** Logs in again unless another caller already replaced the token `stale`. */
  async renew(stale: string | null): Promise<void> {
    if (this.token !== stale) return;
    if (this.pending === null) {
      const { username, password } = this.connection;
      if (username === undefined || password === undefined) return;
      this.pending = this.login(username, password).finally(() => {
        this.pending = null;
      });
    }
    const token = await this.pending;
    registerSecret(token);
    this.token = token;
  }
}

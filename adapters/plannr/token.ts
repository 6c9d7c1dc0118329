// The Bearer token of Plannr requests (reference "Transport"): a personal access token, fixed, or
// an OAuth2 access token from a provider (SPEC §10), which expires and is refreshed elsewhere (the
// fleet refreshes once across workers). The provider is asked before every request (it caches),
// and once more after a 401, with the token that was refused: a 401 is answered before Plannr acts,
// so the request may be sent again with a newer token, even a create.
import type { TokenProvider } from "../../src/core/config.js";
import { CaseSyncError } from "../../src/core/errors.js";
import { registerSecret, scrub } from "../../src/transport/redact.js";

/** Tokens a long run may have used, all kept for redaction; older ones are dropped past this. */
const REMEMBERED = 8;

export class PlannrToken {
  private readonly seen: string[] = [];

  constructor(private readonly source: string | TokenProvider) {
    if (typeof source === "string") this.remember(source);
  }

  /** The token to send now. */
  async current(): Promise<string> {
    return typeof this.source === "string" ? this.source : this.ask(undefined);
  }

  /**
   * A token to try instead of `rejected` (refused with 401), or null when there is none: a
   * personal token is final, and a provider that answers the same token has nothing newer.
   */
  async renew(rejected: string): Promise<string | null> {
    if (typeof this.source === "string") return null;
    const next = await this.ask(rejected);
    return next === rejected ? null : next;
  }

  /** Every token sent so far: redacted from every error and log line. */
  secrets(): string[] {
    return [...this.seen];
  }

  private async ask(rejected: string | undefined): Promise<string> {
    const provider = this.source as TokenProvider;
    let token: unknown;
    try {
      token = await provider(rejected === undefined ? undefined : { rejected });
    } catch (error) {
      if (error instanceof CaseSyncError) throw error;
      // An embedder's provider: its message may quote a token, so it is scrubbed.
      const reason = error instanceof Error ? error.message : String(error);
      throw new CaseSyncError("CS_AUTH", `the Plannr token provider failed: ${scrub(reason)}`, { side: "plannr" });
    }
    if (typeof token !== "string" || token.trim() === "") {
      throw new CaseSyncError("CS_AUTH", "the Plannr token provider gave no token (it must resolve to a non-empty string)", { side: "plannr", field: "plannr.token" });
    }
    this.remember(token);
    return token;
  }

  private remember(token: string): void {
    registerSecret(token);
    if (this.seen.includes(token)) return;
    this.seen.push(token);
    if (this.seen.length > REMEMBERED) this.seen.shift();
  }
}

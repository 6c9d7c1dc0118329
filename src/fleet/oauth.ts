// The fleet's Plannr token provider (SPEC §10): a pair's OAuth2 access token, refreshed before it
// expires and when Plannr refuses it, EXACTLY ONCE across every worker of the fleet.
//
// Plannr's refresh token rotates (reference "Transport"): presenting it revokes it. Two workers
// refreshing the same pair would present it twice and the second would fail, or worse, each would
// keep a different set. So a refresh happens inside a transaction that holds the pair's token row
// (`SELECT … FOR UPDATE`): the worker that gets the row first refreshes, stores the rotated set
// (sealed) and commits; a worker that waited reads the row again, sees a fresh access token other
// than the one it had (someone refreshed), and uses it without calling Plannr.
import type { TokenProvider } from "../core/config.js";
import { CaseSyncError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/ports.js";
import { registerSecret } from "../transport/redact.js";
import { TokenSetSchema, type TokenSet } from "./pair-env.js";
import { refreshPlannrToken, type RefreshedTokens, type RefreshRequest } from "./oauth-refresh.js";
import type { Queryable, RegistryDatabase } from "./registry-db.js";
import type { Sealed, SecretBox } from "./secrets.js";

/** Refresh this long before the stored expiry: a request sent just before it must not fail. */
export const REFRESH_MARGIN_MS = 60_000;

export interface OAuthProviderOptions {
  db: RegistryDatabase;
  /** The registry's current box (a rekey swaps it). */
  box: () => SecretBox;
  pair: string;
  /** Plannr's host, where `/oauth/token` is. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  marginMs?: number;
  timeoutMs?: number;
  now?: () => Date;
  logger?: Logger;
  /** The token endpoint call (tests replace it to count or fail). */
  refresh?: (request: RefreshRequest) => Promise<RefreshedTokens>;
}

interface Held {
  accessToken: string;
  /** ms since 1970, or null: unknown (then only a 401 says it expired). */
  expiresAt: number | null;
}

interface TokenRow {
  sealed: Sealed;
  expires_at: Date | string | null;
}

/** The AAD a pair's token set is sealed under (secrets.ts): it opens on that pair's row only. */
export function tokenContext(pair: string): string {
  return `pair ${pair} oauth tokens`;
}

export function createOAuthTokenProvider(options: OAuthProviderOptions): TokenProvider {
  const now = options.now ?? (() => new Date());
  const margin = options.marginMs ?? REFRESH_MARGIN_MS;
  const logger = options.logger ?? silentLogger;
  const refresh = options.refresh ?? ((request: RefreshRequest) => refreshPlannrToken(request, now));
  const { db, pair } = options;
  let held: Held | null = null;
  let pending: Promise<string> | null = null;

  const fresh = (token: Held) => token.expiresAt === null || token.expiresAt - margin > now().getTime();
  /** A stored token this process may use instead of `rejected`. */
  const usable = (token: Held, rejected: string | undefined) => token.accessToken !== rejected && fresh(token);

  const read = async (on?: Queryable, lock = false): Promise<{ set: TokenSet; held: Held }> => {
    const rows = await db.query<TokenRow>(`SELECT sealed, expires_at FROM ${db.table("pair_tokens")} WHERE pair = $1${lock ? " FOR UPDATE" : ""}`, [pair], on);
    const row = rows[0];
    if (row === undefined) throw new CaseSyncError("CS_STATE", `registry: pair ${pair} has no OAuth token set stored`, { field: "pair_tokens" });
    const parsed = TokenSetSchema.safeParse(JSON.parse(options.box().open(row.sealed, tokenContext(pair))));
    if (!parsed.success) throw new CaseSyncError("CS_STATE", `registry: the OAuth token set of pair ${pair} is malformed`, { field: "pair_tokens.sealed" });
    registerSecret(parsed.data.accessToken);
    registerSecret(parsed.data.refreshToken);
    const expiresAt = row.expires_at === null ? null : new Date(row.expires_at).getTime();
    return { set: parsed.data, held: { accessToken: parsed.data.accessToken, expiresAt } };
  };

  /** Reads the stored set; refreshes under the row lock only when nobody else already has. */
  const obtain = async (rejected: string | undefined): Promise<string> => {
    // Cheap path first (no lock): after another worker's refresh, or at start, the row is enough.
    const stored = await read();
    if (usable(stored.held, rejected)) return (held = stored.held).accessToken;
    const settled = await db.transaction(async (client): Promise<Held> => {
      // Whoever waited here re-reads: the row may have been refreshed while we waited.
      const locked = await read(client, true);
      if (usable(locked.held, rejected)) return locked.held;
      const next = await refresh({
        baseUrl: options.baseUrl,
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        refreshToken: locked.set.refreshToken,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        logger,
      });
      // Stored (sealed) before it is used: the old refresh token is already revoked.
      const sealed = options.box().seal(JSON.stringify({ accessToken: next.accessToken, refreshToken: next.refreshToken } satisfies TokenSet), tokenContext(pair));
      await db.query(
        `UPDATE ${db.table("pair_tokens")} SET sealed = $2, expires_at = $3, refreshed_at = $4, refreshes = refreshes + 1 WHERE pair = $1`,
        [pair, JSON.stringify(sealed), next.expiresAt, now().toISOString()],
        client,
      );
      logger.info({ pair, expiresAt: next.expiresAt }, "refreshed the pair's Plannr OAuth access token");
      return { accessToken: next.accessToken, expiresAt: next.expiresAt === null ? null : Date.parse(next.expiresAt) };
    });
    // Only once committed: a set that was not stored must not be used (its refresh token is lost).
    held = settled;
    return settled.accessToken;
  };

  return async (context) => {
    const rejected = context?.rejected;
    let token = "";
    // Twice at most: a read already in flight may answer the very token that was just refused.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (held !== null && usable(held, rejected)) return held.accessToken;
      pending ??= obtain(rejected).finally(() => {
        pending = null;
      });
      token = await pending;
      if (token !== rejected) return token;
    }
    // Nothing newer: the refused token stands, and so does the 401.
    return token;
  };
}

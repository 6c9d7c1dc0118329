// Plannr's OAuth2 server (reference "Transport": Laravel Passport, `POST /oauth/token`,
// `grant_type=authorization_code|refresh_token`, the refresh token rotates). One confidential
// client; the user behind every token is the sandbox's one user, so an access token works wherever
// the personal token does. Using a refresh token revokes it and the access token it came with;
// presenting it again is refused. Access tokens expire after `expires_in` seconds on the
// simulator's clock, and an expired or revoked one reads as no token at all (401 at the gate).
//
// Tests and the demo skip the browser half of the flow: `issue()` hands out a token set as if a
// person had just authorised the app, `authorizationCode()` a one-time code to exchange.
import { randomBytes } from "node:crypto";
import { createRng } from "../world.js";
import type { SandboxResponse } from "../http-server.js";
import { oauthErrors } from "./oauth-errors.js";

export interface OAuthTokenSet {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives, as `expires_in` says. */
  expiresIn: number;
  /** When the access token expires (ISO-8601, UTC). */
  expiresAt: string;
}

export interface PlannrOAuthOptions {
  /** Seconds an access token lives (default 3600). */
  accessTokenTtlSeconds?: number;
  /** Seconds a refresh token lives (default 30 days, Passport's default). */
  refreshTokenTtlSeconds?: number;
}

interface AccessRecord {
  /** The chain of token sets one authorisation started (refreshes stay in it). */
  family: number;
  expiresAtMs: number;
  revoked: boolean;
}

interface RefreshRecord {
  family: number;
  accessToken: string;
  expiresAtMs: number;
  revoked: boolean;
}

interface CodeRecord {
  redirectUri: string;
  expiresAtMs: number;
  used: boolean;
}

/** Passport's authorization codes live 10 minutes. */
const CODE_TTL_MS = 10 * 60_000;

/** Random, not seeded: tokens of two sandboxes started with one seed must never be the same. */
const randomHex = (bytes: number): string => randomBytes(bytes).toString("hex");

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

export class PlannrOAuth {
  /** The client the sandbox accepts (seeded, like the personal token: same seed, same client). */
  readonly clientId: string;
  readonly clientSecret: string;
  /** The client's registered redirect URI. */
  readonly redirectUri = "http://127.0.0.1/oauth/callback";
  private accessTtlSeconds: number;
  private readonly refreshTtlSeconds: number;
  private readonly access = new Map<string, AccessRecord>();
  private readonly refresh = new Map<string, RefreshRecord>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly presented = new Map<string, number>();
  private refreshes = 0;
  private families = 0;

  constructor(
    seed: number,
    private readonly now: () => number,
    options: PlannrOAuthOptions = {},
  ) {
    const rng = createRng((seed ^ 0x0a_07_4e) >>> 0);
    this.clientId = rng.uuid();
    this.clientSecret = Array.from({ length: 40 }, () => rng.pick([..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"])).join("");
    this.accessTtlSeconds = PlannrOAuth.checkTtl(options.accessTokenTtlSeconds ?? 3600);
    this.refreshTtlSeconds = PlannrOAuth.checkTtl(options.refreshTokenTtlSeconds ?? 30 * 24 * 3600);
  }

  /** A fresh token set, as if a person had just completed the authorization-code flow. */
  issue(options: { expiresInSeconds?: number } = {}): OAuthTokenSet {
    this.families += 1;
    return this.mint(this.families, PlannrOAuth.checkTtl(options.expiresInSeconds ?? this.accessTtlSeconds));
  }

  /** A one-time authorization code, as the browser half of the flow would redirect with. */
  authorizationCode(options: { redirectUri?: string } = {}): string {
    const code = `def50200${randomHex(48)}`;
    this.codes.set(code, { redirectUri: options.redirectUri ?? this.redirectUri, expiresAtMs: this.now() + CODE_TTL_MS, used: false });
    return code;
  }

  /** Lifetime of access tokens issued from now on (by `POST /oauth/token` and by `issue()` without its own). */
  setAccessTokenTtl(seconds: number): void {
    this.accessTtlSeconds = PlannrOAuth.checkTtl(seconds);
  }

  /** Makes an access token expire now (a test's "the token ran out mid-run"); false if unknown. */
  expire(accessToken: string): boolean {
    const record = this.access.get(accessToken);
    if (!record) return false;
    record.expiresAtMs = Math.min(record.expiresAtMs, this.now());
    return true;
  }

  /** How many times this refresh token was presented to `POST /oauth/token` (accepted or not). */
  refreshUses(refreshToken: string): number {
    return this.presented.get(refreshToken) ?? 0;
  }

  /** Successful refreshes since start. */
  refreshCount(): number {
    return this.refreshes;
  }

  /** The gate's question: the rate-limit key of a live access token, or null (unknown, expired, revoked). */
  rateKeyOf(token: string): string | null {
    const record = this.access.get(token);
    if (!record || record.revoked || this.now() >= record.expiresAtMs) return null;
    // One authorisation, one limiter: a refresh does not buy a fresh window.
    return `oauth:${record.family}`;
  }

  /** `POST /oauth/token`: `input` is the form (or JSON) body; `basic` the client from an HTTP Basic header. */
  grant(input: Record<string, unknown>, basic: { id: string; secret: string } | null): SandboxResponse {
    const grantType = text(input.grant_type);
    if (grantType !== "authorization_code" && grantType !== "refresh_token") return oauthErrors.unsupportedGrantType();
    const presentedRefresh = grantType === "refresh_token" ? text(input.refresh_token) : null;
    if (presentedRefresh !== null) this.presented.set(presentedRefresh, this.refreshUses(presentedRefresh) + 1);

    const clientId = text(input.client_id) ?? basic?.id ?? null;
    if (clientId === null) return oauthErrors.invalidRequest("client_id");
    const clientSecret = text(input.client_secret) ?? basic?.secret ?? null;
    if (clientId !== this.clientId || clientSecret !== this.clientSecret) return oauthErrors.invalidClient();

    return grantType === "refresh_token" ? this.useRefreshToken(presentedRefresh) : this.useCode(text(input.code), text(input.redirect_uri));
  }

  private useCode(code: string | null, redirectUri: string | null): SandboxResponse {
    if (code === null) return oauthErrors.invalidRequest("code");
    const record = this.codes.get(code);
    if (!record) return oauthErrors.invalidRequest("code", "Cannot decrypt the authorization code");
    if (this.now() >= record.expiresAtMs) return oauthErrors.invalidGrant("Authorization code has expired");
    if (record.used) return oauthErrors.invalidGrant("Authorization code has been revoked");
    if (redirectUri === null) return oauthErrors.invalidRequest("redirect_uri");
    if (redirectUri !== record.redirectUri) return oauthErrors.invalidRequest("redirect_uri", "Invalid redirect URI");
    record.used = true;
    this.families += 1;
    return this.answer(this.mint(this.families, this.accessTtlSeconds));
  }

  private useRefreshToken(token: string | null): SandboxResponse {
    if (token === null) return oauthErrors.invalidRequest("refresh_token");
    const record = this.refresh.get(token);
    if (!record) return oauthErrors.invalidRefreshToken("Cannot decrypt the refresh token");
    if (this.now() >= record.expiresAtMs) return oauthErrors.invalidRefreshToken("Token has expired");
    if (record.revoked) return oauthErrors.invalidRefreshToken("Token has been revoked");
    // Rotation: the old pair is dead before the new one exists.
    record.revoked = true;
    const oldAccess = this.access.get(record.accessToken);
    if (oldAccess) oldAccess.revoked = true;
    this.refreshes += 1;
    return this.answer(this.mint(record.family, this.accessTtlSeconds));
  }

  private mint(family: number, ttlSeconds: number): OAuthTokenSet {
    const now = this.now();
    const accessToken = `sandbox-oauth-${randomHex(24)}`;
    const refreshToken = `def50200${randomHex(64)}`;
    const expiresAtMs = now + ttlSeconds * 1000;
    this.access.set(accessToken, { family, expiresAtMs, revoked: false });
    this.refresh.set(refreshToken, { family, accessToken, expiresAtMs: now + this.refreshTtlSeconds * 1000, revoked: false });
    return { accessToken, refreshToken, expiresIn: ttlSeconds, expiresAt: new Date(expiresAtMs).toISOString() };
  }

  private answer(set: OAuthTokenSet): SandboxResponse {
    return { status: 200, body: { token_type: "Bearer", expires_in: set.expiresIn, access_token: set.accessToken, refresh_token: set.refreshToken } };
  }

  private static checkTtl(seconds: number): number {
    if (!(Number.isFinite(seconds) && seconds > 0)) throw new RangeError(`a token lifetime must be a positive number of seconds, got ${seconds}`);
    return seconds;
  }
}

// Authentication (reference: "Transport and auth"): `POST authentication {userName, password}`
// issues a token valid for a year; a bad password is a 500 "User authentication failed"; five
// failures for one login within 60 s block that login for 60 s (still a 500, even with the right
// password). Requests carry `Authorization: <token>`, `Bearer <token>` or Basic `user:password`.
// Tokens come from a seeded generator, so the same world issues the same tokens.
import { createRng, type Rng, type World } from "../world.js";
import { serverError } from "./errors.js";
import type { PortalState, SimUser } from "./state.js";

const WINDOW_MS = 60_000;
const MAX_FAILURES = 5;
const TOKEN_LIFETIME_MS = 365 * 86_400_000;
const AUTH_FAILED = "User authentication failed";

export class PortalAuth {
  private readonly tokens = new Map<string, string>();
  private readonly passwords = new Map<string, string>();
  private readonly failures = new Map<string, number[]>();
  private readonly blockedUntil = new Map<string, number>();
  private readonly rng: Rng;

  constructor(
    private readonly state: PortalState,
    world: World,
    private readonly now: () => number,
  ) {
    this.rng = createRng((world.seed ^ 0x0f0f_0f0f) >>> 0);
    const integration = world.staff.find((s) => s.isIntegrationUser);
    if (integration) {
      this.tokens.set(world.onlyofficeToken, integration.onlyofficeId.toLowerCase());
      this.passwords.set(world.onlyofficeUsername.toLowerCase(), world.onlyofficePassword);
    }
  }

  /** The user behind an Authorization header, or null (→ 401). */
  authenticate(header: string | undefined): SimUser | null {
    if (header === undefined || header.trim() === "") return null;
    const value = header.trim();
    const basic = /^Basic\s+(.+)$/i.exec(value);
    if (basic) {
      const decoded = Buffer.from(basic[1] ?? "", "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return null;
      const login = decoded.slice(0, colon);
      return this.isBlocked(login) || !this.passwordMatches(login, decoded.slice(colon + 1)) ? null : (this.loginUser(login) ?? null);
    }
    const token = value.replace(/^Bearer\s+/i, "");
    const userId = this.tokens.get(token);
    return userId === undefined ? null : (this.state.user(userId) ?? null);
  }

  /** POST authentication. Throws the portal's 500 on any failure. */
  login(userName: string | undefined, password: string | undefined): { token: string; expires: number } {
    const login = (userName ?? "").trim();
    if (this.isBlocked(login)) throw serverError(AUTH_FAILED);
    const user = this.loginUser(login);
    if (!user || password === undefined || !this.passwordMatches(login, password)) {
      this.recordFailure(login);
      throw serverError(AUTH_FAILED);
    }
    return { token: this.issueToken(user.id), expires: this.now() + TOKEN_LIFETIME_MS };
  }

  issueToken(userId: string): string {
    const user = this.state.user(userId);
    if (!user) throw new RangeError(`no such user: ${userId}`);
    const token = `sandbox-oo-session-${this.rng.uuid()}`;
    this.tokens.set(token, user.id);
    return token;
  }

  private loginUser(login: string): SimUser | undefined {
    const wanted = login.toLowerCase();
    return this.state.users.find((u) => u.email.toLowerCase() === wanted || u.userName.toLowerCase() === wanted);
  }

  private passwordMatches(login: string, password: string): boolean {
    const user = this.loginUser(login);
    const stored = user ? this.passwords.get(user.email.toLowerCase()) : undefined;
    return stored !== undefined && stored === password;
  }

  private key(login: string): string {
    return login.toLowerCase();
  }

  private isBlocked(login: string): boolean {
    const until = this.blockedUntil.get(this.key(login));
    return until !== undefined && this.now() < until;
  }

  private recordFailure(login: string): void {
    const now = this.now();
    const recent = (this.failures.get(this.key(login)) ?? []).filter((at) => now - at < WINDOW_MS);
    recent.push(now);
    this.failures.set(this.key(login), recent);
    if (recent.length >= MAX_FAILURES) {
      this.blockedUntil.set(this.key(login), now + WINDOW_MS);
      this.failures.set(this.key(login), []);
    }
  }
}

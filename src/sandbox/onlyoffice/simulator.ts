// A faithful in-memory ONLYOFFICE Community Server 12.x CRM portal over node:http, seeded from the
// shared world (reference: /work/shared/reference/onlyoffice-api.md; every trap reproduced). The
// HTTP shell (routing, bodies, request log, fault injection) is the shared SandboxServer; this
// class wires the portal's state, authentication and routes into it and offers direct state access
// for tests and the demo.
import { SandboxServer, type Route, type SandboxRequest, type SandboxResponse } from "../http-server.js";
import type { World } from "../world.js";
import { PortalAuth } from "./auth.js";
import { createCaseDirect, editCaseDirect, type CaseEdit, type DirectCaseInput } from "./direct.js";
import { API, UNAUTHORIZED, type PortalContext } from "./route-kit.js";
import { portalRoutes } from "./routes.js";
import { cloneCase, PortalState, type SimOnlyofficeCase } from "./state.js";

export type { SimOnlyofficeCase } from "./state.js";
export type { CaseEdit, DirectCaseInput } from "./direct.js";

export interface OnlyofficeSimulatorOptions {
  world: World;
  /** The portal's cap on `count` (default 1000). Set lower to test that clients page correctly. */
  pageCap?: number;
  now?: () => Date;
  /** Portal UTC offset in minutes for dates it prints (default 0 → `Z`). */
  utcOffsetMinutes?: number;
}

const DEFAULT_PAGE_CAP = 1000;

export class OnlyofficeSimulator {
  readonly server: SandboxServer;
  private readonly world: World;
  private readonly context: PortalContext;

  constructor(options: OnlyofficeSimulatorOptions) {
    this.world = options.world;
    const clock = options.now ?? (() => new Date());
    const now = () => clock().getTime();
    const state = new PortalState(options.world);
    this.context = {
      state,
      auth: new PortalAuth(state, options.world, now),
      pageCap: Math.max(1, options.pageCap ?? DEFAULT_PAGE_CAP),
      now,
      utcOffsetMinutes: options.utcOffsetMinutes ?? 0,
    };
    this.server = new SandboxServer({
      name: "onlyoffice",
      routes: portalRoutes(this.context),
      before: (request) => this.requireAuth(request),
      onReset: () => this.reset(),
      controlRoutes: this.controlRoutes(),
    });
  }

  listen(port = 0): Promise<string> {
    return this.server.listen(port);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  getCase(id: number): SimOnlyofficeCase | undefined {
    const found = this.context.state.cases.get(id);
    return found ? cloneCase(found) : undefined;
  }

  listCases(): SimOnlyofficeCase[] {
    return this.context.state.casesById().map(cloneCase);
  }

  editCase(id: number, patch: Partial<CaseEdit>): void {
    editCaseDirect(this.context.state, id, patch);
  }

  deleteCase(id: number): void {
    if (!this.context.state.cases.delete(id)) throw new RangeError(`no such ONLYOFFICE case: ${id}`);
  }

  createCaseDirect(input: DirectCaseInput): SimOnlyofficeCase {
    const human = this.world.staff.find((s) => !s.isIntegrationUser) ?? this.world.staff[0];
    return createCaseDirect(this.context.state, input, this.context.now(), human?.onlyofficeId ?? "");
  }

  /** Issue a token for any world user (GUID or e-mail), e.g. a non-admin, for tests. */
  issueToken(userId: string): string {
    return this.context.auth.issueToken(userId);
  }

  /** `scope: "crm"` makes a CRM-only administrator (`listAdminModules: ["crm"]`). */
  setAdmin(userId: string, isAdmin: boolean, scope: "portal" | "crm" = "portal"): void {
    const user = this.context.state.user(userId);
    if (!user) throw new RangeError(`no such ONLYOFFICE user: ${userId}`);
    if (scope === "portal") user.isAdmin = isAdmin;
    else user.isCrmAdmin = isAdmin;
  }

  /** API requests that reached the portal (control calls excluded). */
  requestCount(): number {
    return this.server.log.length;
  }

  /** Back to the seeded world: state, tokens, lockouts, request log and faults. */
  reset(): void {
    const state = new PortalState(this.world);
    this.context.state = state;
    this.context.auth = new PortalAuth(state, this.world, this.context.now);
    this.server.log.length = 0;
    this.server.faults.clear();
  }

  /** Everything under /api/2.0 except logging in needs a known token (401, plain text). */
  private requireAuth(request: SandboxRequest): SandboxResponse | null {
    if (!request.path.startsWith(`${API}/`)) return null;
    if (/^\/api\/2\.0\/authentication(\.json)?\/?$/.test(request.path)) return null;
    return this.context.auth.authenticate(request.headers.authorization) ? null : UNAUTHORIZED;
  }

  private snapshot(): unknown {
    const { state } = this.context;
    return { cases: this.listCases(), contacts: structuredClone(state.contactsById()), fields: state.fieldsByPosition(), users: state.users };
  }

  private controlRoutes(): Route[] {
    // The shell does not catch errors thrown by control handlers, so each one answers for itself.
    const guarded =
      (run: (request: SandboxRequest) => SandboxResponse) =>
      (request: SandboxRequest): SandboxResponse => {
        try {
          return run(request);
        } catch (error) {
          return { status: 400, body: { message: error instanceof Error ? error.message : String(error) } };
        }
      };
    const caseId = (request: SandboxRequest) => Number(request.params.id);
    return [
      { method: "GET", pattern: "/__sandbox/state", handler: guarded(() => ({ status: 200, body: this.snapshot() })) },
      { method: "POST", pattern: "/__sandbox/reset", handler: guarded(() => (this.reset(), { status: 204 })) },
      {
        method: "PATCH",
        pattern: "/__sandbox/cases/:id",
        handler: guarded((request) => {
          this.editCase(caseId(request), request.body as Partial<CaseEdit>);
          return { status: 200, body: this.getCase(caseId(request)) };
        }),
      },
      { method: "DELETE", pattern: "/__sandbox/cases/:id", handler: guarded((request) => (this.deleteCase(caseId(request)), { status: 204 })) },
    ];
  }
}

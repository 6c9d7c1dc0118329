// How one API method becomes SandboxServer routes: the path answers bare or with `.json`
// (reference: "each path works bare or with .json"); the caller is resolved from the
// Authorization header; the result goes into the envelope with 201 for every POST and 200
// otherwise; a SimError becomes the error envelope and anything else a 500.
import type { Route, SandboxRequest, SandboxResponse } from "../http-server.js";
import { Args } from "./args.js";
import type { PortalAuth } from "./auth.js";
import { notFound, SimError } from "./errors.js";
import type { PageMeta } from "./paging.js";
import { envelope, errorEnvelope, type Viewer } from "./serialize.js";
import type { PortalState, SimUser } from "./state.js";

export interface PortalContext {
  state: PortalState;
  auth: PortalAuth;
  pageCap: number;
  now: () => number;
  utcOffsetMinutes: number;
}

export interface Call {
  request: SandboxRequest;
  args: Args;
  actor: SimUser;
  viewer: Viewer;
  /** A numeric path parameter; anything else does not match the real route (`[0-9]+`) → 404. */
  id(name: string): number;
}

export interface ApiResult {
  response: unknown;
  meta?: PageMeta;
}

export type ApiHandler = (call: Call) => ApiResult;

export const API = "/api/2.0";

/** 401 with a plain-text body and no envelope, as the portal answers an unauthenticated call. */
export const UNAUTHORIZED: SandboxResponse = { status: 401, body: "Unauthorized" };

const stripJson = (value: string): string => (value.endsWith(".json") ? value.slice(0, -".json".length) : value);

const BODY_MEDIA_TYPES = new Set(["application/json", "application/x-www-form-urlencoded"]);

/**
 * The body as the portal binds it: only under `application/json` (the exact media type, parameters
 * such as a charset allowed) or form-urlencoded (reference "Transport and auth"). The shared shell
 * parses any body it can; anything else is not seen by the API (a PUT without its title is a 400).
 */
export function boundBody(request: SandboxRequest): unknown {
  const mediaType = String(request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return BODY_MEDIA_TYPES.has(mediaType) ? request.body : undefined;
}

export function answer(method: string, run: () => ApiResult): SandboxResponse {
  try {
    const result = run();
    const status = method === "POST" ? 201 : 200;
    return { status, body: envelope(status, result.response, result.meta) };
  } catch (error) {
    const simError = error instanceof SimError ? error : new SimError(500, error instanceof Error ? error.message : String(error));
    return { status: simError.status, body: errorEnvelope(simError) };
  }
}

/** One API method: `pattern` is relative to `/api/2.0`, e.g. `/crm/case/:id/close`. */
export function apiRoute(context: PortalContext, method: string, pattern: string, handler: ApiHandler): Route[] {
  const handle = (request: SandboxRequest): SandboxResponse => {
    request.params = Object.fromEntries(Object.entries(request.params).map(([k, v]) => [k, stripJson(v)]));
    const actor = context.auth.authenticate(request.headers.authorization);
    if (!actor) return UNAUTHORIZED;
    const call: Call = {
      request,
      // GET reads the query only.
      args: new Args(request.query, method === "GET" ? undefined : boundBody(request)),
      actor,
      viewer: { state: context.state, actor, utcOffsetMinutes: context.utcOffsetMinutes },
      id: (name) => {
        const value = request.params[name] ?? "";
        if (!/^\d+$/.test(value)) throw notFound();
        return Number(value);
      },
    };
    return answer(method, () => handler(call));
  };
  const full = `${API}${pattern}`;
  const last = full.split("/").pop() ?? "";
  const routes: Route[] = [{ method, pattern: full, handler: handle }];
  // A literal last segment needs its own `.json` twin; a `:param` one matches `5.json` already.
  if (!last.startsWith(":")) routes.push({ method, pattern: `${full}.json`, handler: handle });
  return routes;
}

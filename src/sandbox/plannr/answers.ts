// How the simulator turns outcomes into Plannr's answers (reference "Transport": errors are
// `{message}`, validation is 422 `{message, errors}`, 404 `{message: "Not Found"}`; unknown sort or
// include is a 400). Handlers throw; one wrapper answers.
import type { Handler, SandboxRequest, SandboxResponse } from "../http-server.js";
import { BadQueryError } from "./query.js";
import { PlannrValidationError } from "./validation.js";

export const NOT_FOUND: SandboxResponse = { status: 404, body: { message: "Not Found" } };

export function ok(body: unknown, status = 200): SandboxResponse {
  return { status, body };
}

export function guarded(handler: Handler): Handler {
  return async (request: SandboxRequest) => {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof PlannrValidationError) return { status: 422, body: error.body() };
      if (error instanceof BadQueryError) return { status: 400, body: { message: error.message } };
      throw error;
    }
  };
}

/** The listing's own URL (Laravel's `meta.path`): scheme, host as the client called it, path. */
export function listPath(request: SandboxRequest): string {
  const host = request.headers.host ?? "127.0.0.1";
  return `http://${host}${request.path}`;
}

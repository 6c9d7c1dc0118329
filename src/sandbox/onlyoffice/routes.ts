// Every API route of the simulated portal, in match order (the shell takes the first match, so
// each module lists literal paths before `:param` ones).
import type { Route } from "../http-server.js";
import type { PortalContext } from "./route-kit.js";
import { caseRoutes } from "./routes-cases.js";
import { directoryRoutes } from "./routes-directory.js";

export function portalRoutes(context: PortalContext): Route[] {
  return [...directoryRoutes(context), ...caseRoutes(context)];
}

// The case endpoints (reference "Cases"): list and show with `include`, create (201 [D], needs a
// client, no custom fields), partial PUT (custom fields by reference), DELETE (204 [D]), and the
// participant add/remove endpoints. Single resources are wrapped `{data: {...}}` [D].
import type { Route, SandboxRequest } from "../http-server.js";
import { NOT_FOUND, guarded, listPath, ok } from "./answers.js";
import { readCreateBody, readParticipantsBody, readUpdateBody } from "./body.js";
import type { PlannrCatalog } from "./catalog.js";
import { CASE_SORTS } from "./ordering.js";
import { paginate, readIncludes, readPaging, readSort } from "./query.js";
import { CASE_INCLUDES, serializeCase, type CaseInclude } from "./serialize.js";
import type { CaseStore, SimPlannrCase } from "./state.js";

const CASES = "/api/v1/cases";

export function caseRoutes(store: CaseStore, catalog: PlannrCatalog): Route[] {
  const render = (item: SimPlannrCase, includes: ReadonlySet<CaseInclude>) => serializeCase(item, catalog, includes);
  const includesOf = (request: SandboxRequest) => readIncludes(request.query, CASE_INCLUDES);
  const uuidOf = (request: SandboxRequest) => request.params.uuid ?? "";

  return [
    {
      method: "GET",
      pattern: CASES,
      handler: guarded((request) => {
        const includes = includesOf(request);
        const sort = readSort(request.query, CASE_SORTS, [{ field: "name", descending: false }]);
        const paging = readPaging(request.query);
        return ok(paginate(store.sorted(sort), paging, listPath(request), request.query, (item) => render(item, includes)));
      }),
    },
    {
      method: "POST",
      pattern: CASES,
      handler: guarded((request) => {
        const includes = includesOf(request);
        const created = store.create(readCreateBody(request.body));
        return ok({ data: render(created, includes) }, 201);
      }),
    },
    {
      method: "GET",
      pattern: `${CASES}/:uuid`,
      handler: guarded((request) => {
        const includes = includesOf(request);
        const found = store.get(uuidOf(request));
        return found ? ok({ data: render(found, includes) }) : NOT_FOUND;
      }),
    },
    ...["PUT", "PATCH"].map((method) => ({
      method,
      pattern: `${CASES}/:uuid`,
      handler: guarded((request) => {
        const includes = includesOf(request);
        const uuid = uuidOf(request);
        if (!store.get(uuid)) return NOT_FOUND;
        store.update(uuid, readUpdateBody(request.body));
        const updated = store.get(uuid);
        return updated ? ok({ data: render(updated, includes) }) : NOT_FOUND;
      }),
    })),
    {
      method: "DELETE",
      pattern: `${CASES}/:uuid`,
      handler: guarded((request) => (store.delete(uuidOf(request)) ? { status: 204 } : NOT_FOUND)),
    },
    ...(["POST", "DELETE"] as const).map((method) => ({
      method,
      pattern: `${CASES}/:uuid/participants`,
      handler: guarded((request) => {
        const uuid = uuidOf(request);
        if (!store.get(uuid)) return NOT_FOUND;
        const accounts = readParticipantsBody(request.body);
        if (method === "POST") store.addParticipants(uuid, accounts);
        else store.removeParticipants(uuid, accounts);
        const updated = store.get(uuid);
        // [D] Answers the case with its participants, so the caller sees the resulting set.
        return updated ? ok({ data: render(updated, new Set<CaseInclude>(["participants"])) }) : NOT_FOUND;
      }),
    })),
  ];
}

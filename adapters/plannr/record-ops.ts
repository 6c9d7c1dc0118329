// The whole-record write operations that carry no field group. Pure, so that a plan shows exactly
// the request `deleteCase` sends and `applyWrites` can send it later (invariant 10). Facts relied
// on (reference "Cases"): `DELETE /api/v1/cases/{uuid}` answers 204 [D] and a second delete
// answers 404 (which counts as done). Plannr cases carry no link stamp: the link of a pair lives in
// the state store and in the ONLYOFFICE link field (invariant 6), so there is no stamp op here.
import { CaseSyncError } from "../../src/core/errors.js";
import type { WriteOp } from "../../src/core/records.js";
import { ENDPOINTS, endpointPath } from "./profile.js";

export const DELETE_KIND = "case.delete";

/** The port's stamp op, which this side does not have: CS_CONFIG, before any request. */
export function encodeStamp(id: string): never {
  throw new CaseSyncError("CS_CONFIG", "Plannr cases carry no link stamp: the link lives in the ONLYOFFICE link field (onlyoffice.linkField)", {
    side: "plannr",
    record: id,
  });
}

export function encodeDelete(id: string): WriteOp {
  return {
    side: "plannr",
    record: id,
    kind: DELETE_KIND,
    method: "DELETE",
    path: endpointPath(ENDPOINTS.deleteCase, { uuid: id }),
    groups: [],
    body: undefined,
    summary: `delete Plannr case ${id}`,
  };
}

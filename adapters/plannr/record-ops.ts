// The two whole-record write operations that carry no field group: the opt-in link stamp and the
// delete (delete policy `propagate`). Pure, so that a plan shows exactly the request `setStamp` /
// `deleteCase` send and `applyWrites` can send it later (invariant 10). Facts relied on (reference
// "Cases"): `PUT /api/v1/cases/{uuid}` is partial and takes `custom_fields` keyed by reference, so
// a PUT naming only the mirror field touches nothing else; `null` clears it; `DELETE
// /api/v1/cases/{uuid}` answers 204 [D] and a second delete answers 404 (which counts as done).
import { CaseSyncError } from "../../src/core/errors.js";
import type { Mapping } from "../../src/core/mapping.js";
import type { WriteOp } from "../../src/core/records.js";
import { ENDPOINTS, endpointPath } from "./profile.js";

export const STAMP_KIND = "stamp";
export const DELETE_KIND = "case.delete";

/** The PUT that writes (or, with null, clears) the mirror of the ONLYOFFICE id; CS_CONFIG without a mirror field. */
export function encodeStamp(mapping: Mapping, id: string, value: string | null): WriteOp {
  const field = mapping.plannr.mirrorField;
  if (field === null) throw new CaseSyncError("CS_CONFIG", "no Plannr mirror field is configured (mapping plannr.mirrorField)", { side: "plannr", record: id });
  return {
    side: "plannr",
    record: id,
    kind: STAMP_KIND,
    method: "PUT",
    path: endpointPath(ENDPOINTS.updateCase, { uuid: id }),
    // The link field is never diffed as data (invariant 6): no field group.
    groups: [],
    body: { custom_fields: { [field]: value } },
    summary: value === null ? `clear the link stamp on Plannr case ${id}` : `stamp Plannr case ${id} with ONLYOFFICE case ${value}`,
  };
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

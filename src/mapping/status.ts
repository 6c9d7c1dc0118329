// Status rules (SPEC §2 "Status group"): Plannr has named statuses, each open or completed;
// ONLYOFFICE has a closed flag and, optionally, a custom field holding the status name. The
// canonical status name is Plannr's; the mapping may rename it for the ONLYOFFICE field.
// The catalog lives in src/core (the engine may import only core); this module names it for the
// mapping layer and the adapters, so there is one class, not two copies that could drift apart.
export { StatusCatalog } from "../core/status-catalog.js";

// The library entry point: `import { createSync } from "case-sync"` (SPEC §7).
export { createSync, type CaseSyncService } from "./service/library-face.js";
export { DEFAULT_STATE, type CaseSync } from "./library/create-sync.js";
export { createFleet, type Fleet, type FleetOptions, type FleetWorker, type FleetWorkerOptions } from "./fleet/create-fleet.js";
export { PairRegistry, type PairInput, type PairSummary, type PairDetails, type OpenSyncOptions } from "./fleet/registry.js";
export type { TokenProvider } from "./core/config.js";
export type { ServeOptions, ServiceHandle, WebhookAnswer } from "./service/service.js";
export { discoverMapping, type Discovery } from "./library/discover.js";
export type { CreateSyncOptions, SyncOptions, MigrateOptions, PlanOptions, UndoOptions } from "./library/options.js";
export { SavedPlanSchema, type SavedPlan } from "./engine/saved-plan.js";
export type { CheckReport } from "./library/check.js";
export type { CheckItem } from "./mapping/verify.js";
export type { LinkRow, Status } from "./library/admin.js";
export { parseMapping, loadMappingFile, validateMapping } from "./mapping/load.js";
export { openStateStore } from "./state/open.js";
export {
  CaseSchema,
  MappingSchema,
  RunReportSchema,
  CaseSyncError,
  ERROR_CODES,
  type Case,
  type Mapping,
  type MappingInput,
  type RunReport,
  type PlanItem,
  type ConflictReport,
  type IssueReport,
  type CrmAdapter,
  type StateStore,
  type Logger,
  type Progress,
  type ProgressEvent,
  type Conflict,
  type AuditEntry,
  type Link,
  type ErrorCode,
  type Side,
} from "./core/index.js";

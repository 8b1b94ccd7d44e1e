export { importWorkDocument, parseDocumentKind, readImportFile } from "./codec/import.js";
export { type ParseOptions, parseWorkDocument } from "./codec/parse.js";
export { readDocumentTextFile, readImportPath } from "./codec/read-document-file.js";
export { renderWorkDocument } from "./codec/render.js";
export {
  archiveBlockedTask,
  archiveInvalidIncident,
  cancelIncident,
  cancelWorkItem,
  type InterventionOptions,
  type InterventionResult,
  resolveIncident,
  retargetTaskDependency,
  supersedeTask,
} from "./interventions.js";
export { allQueueFolders, KIND_PLANE, type QueueFolder } from "./layout.js";
export { applyLineageRepair, type LineageRepairPlan, planLineageRepair } from "./lineage-repair.js";
export {
  buildSpecFromTitle,
  buildTaskFromTitle,
  dropIdea,
  type QuickSpecOptions,
  type QuickTaskOptions,
  readBodyFile,
} from "./quick-add.js";
export {
  type BlockedItem,
  countRetries,
  locateBlockedItem,
  RETRYABLE_KINDS,
  type RetryBlockedResult,
  retryBlockedItem,
} from "./retry-blocked.js";
export type { PlaneCounts } from "./store/active.js";
export type { ClaimedItem, ClaimOptions } from "./store/claims.js";
export { countQueueDocuments } from "./store/folder-counts.js";
export { assertSafeId } from "./store/ids.js";
export type { ClosureTarget } from "./store/lineage.js";
export { QUEUE_LISTING_DEFAULT_LIMIT } from "./store/listings.js";
export type { QueueItemRef } from "./store/lookup.js";
export { openQueueStore, QueueStore, type QueueStoreOptions, reconcileQueue } from "./store/queue-store.js";
export type { RequeueOptions } from "./store/transitions.js";

export {
  decodeDocumentBytes,
  importWorkDocument,
  MAX_DOCUMENT_BYTES,
  parseDocumentKind,
  readImportFile,
} from "./codec/import.js";
export { DOCUMENT_LABELS, type LabelSpec, type LabelType } from "./codec/labels.js";
export { type ParseOptions, parseWorkDocument } from "./codec/parse.js";
export { renderWorkDocument, validateWorkDocument } from "./codec/render.js";
export { documentError } from "./errors.js";
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
export { allQueueFolders, KIND_PLANE, PLANE_KINDS, type QueueFolder, queueFolder } from "./layout.js";
export {
  buildSpecFromTitle,
  buildTaskFromTitle,
  dropIdea,
  idFromTitle,
  type QuickSpecOptions,
  type QuickTaskOptions,
  readBodyFile,
} from "./quick-add.js";
export {
  detectStaleQueueState,
  type SnapshotActiveItems,
  type StaleQueueReason,
  type StaleQueueSignal,
} from "./stale.js";
export {
  assertSafeId,
  type ClaimedItem,
  type ClaimOptions,
  openQueueStore,
  type PlaneCounts,
  type QueueItemRef,
  QueueStore,
  type QueueStoreOptions,
  type RequeueOptions,
  readJsonLines,
  reconcileQueue,
} from "./store.js";

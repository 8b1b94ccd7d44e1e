// The public API of @millrace/workspace, listed by name per source module. Helpers only this package's
// own tests need stay unexported (tests import them by relative path).
// Keep each module's lines together and the names sorted, so additions merge cleanly.
export { packagedAssetsRoot } from "./assets-root.js";
export type { AtomicWriteOptions } from "./atomic-write.js";
export {
  appendFileDurableSync,
  createFileExclusiveSync,
  fsyncDirSync,
  isLiveWritersTemp,
  moveFileDurableSync,
  removeTempLitter,
  TEMP_FILE_PATTERN,
  writeFileAtomicSync,
  writeJsonAtomicSync,
} from "./atomic-write.js";
export type { ConfigProblem, ConfigValidation } from "./config.js";
export {
  configFingerprint,
  loadConfig,
  parseConfigText,
  readConfigFile,
  validateConfigText,
} from "./config.js";
export type { PathEscape } from "./confine.js";
export { assertInsideWorkspace, findPathEscape, resolveInsideReal } from "./confine.js";
export { findWorkspaceRoot } from "./discover.js";
export { type DoctorOptions, runDoctor } from "./doctor.js";
export type { EventCursor } from "./event-cursor.js";
export type {
  AppendEventsOptions,
  EventReadOptions,
  EventsFromResult,
  RuntimeEventInput,
} from "./event-log.js";
export {
  appendRuntimeEvent,
  appendRuntimeEvents,
  formatRuntimeEventLine,
  readEventsFrom,
  tailEvents,
} from "./event-log.js";
export type { CursorReadOptions, CursorReadResult } from "./event-log-cursor.js";
export { eventLogEnd, eventLogStart, formatEventCursor, parseEventCursor } from "./event-log-cursor.js";
export { type FollowEventsOptions, followRuntimeEvents } from "./event-log-follow.js";
export { appendEventLinesUnsynced, readEventLogTail, syncEventLog } from "./event-log-group.js";
export { listEventCursorPins, pinEventCursor, releaseEventCursor } from "./event-log-pins.js";
export type { EventLogRotation } from "./event-log-segments.js";
export { DEFAULT_EVENT_LOG_ROTATION, rotateEventLog } from "./event-log-segments.js";
export type { InitOptions } from "./init.js";
export {
  cleanTempLitter,
  ensureRuntimeStateFiles,
  initWorkspace,
  RUNTIME_GITIGNORE_TEXT,
  requireInitialized,
} from "./init.js";
export type { LinkFinding, LinkFindingKind } from "./link-scan.js";
export { findEscapingLinks } from "./link-scan.js";
export type { AcquiredLock, AcquireLockOptions, LockInspection } from "./lock.js";
export { acquireLock, inspectLock, isLockOwnerProcess, isProcessAlive } from "./lock.js";
export type { ManifestRead } from "./manifest.js";
export { readManifest } from "./manifest.js";
export type { ModelAliasChange, ModelAliasChangeResult } from "./model-alias-config.js";
export { changeModelAliases, listModelAliases, showModelAlias } from "./model-alias-config.js";
export type { AssetFamily, QueueState, QueueStateFolders, WorkspacePaths } from "./paths.js";
export {
  initDirectories,
  RUNTIME_DIR_NAME,
  resolveInside,
  toWorkspaceRelative,
  workspacePaths,
} from "./paths.js";
export { processStartTime } from "./process-start.js";
export type { QuarantineOptions, QuarantineResult } from "./quarantine.js";
export { quarantineEntry } from "./quarantine.js";
export { workspaceReadLimits } from "./read-limits.js";
export { runDir } from "./run-dir.js";
export type { SafeReadOptions, SafeReadOutcome, SafeReadProblem } from "./safe-read.js";
export {
  describeReadProblem,
  READ_LIMITS,
  readRegularFile,
  readRegularFileOrThrow,
} from "./safe-read.js";
export type { StateFileRepair } from "./state-repair.js";
export { repairStateFiles } from "./state-repair.js";
export type { ApplyUpgradeOptions, UpgradeOptions } from "./upgrade.js";
export { applyUpgrade, previewUpgrade, readLocalizeRemovedFile } from "./upgrade.js";
export type { WatchedReadOptions, WatchedReadOutcome } from "./watched-files.js";
export { readIdeaFile, readMailboxFile, readWatchedEntry } from "./watched-files.js";

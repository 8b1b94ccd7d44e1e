// The public API of @millrace/workspace, listed by name per source module. Helpers only this package's
// own tests need stay unexported (tests import them by relative path).
// Keep each module's lines together and the names sorted, so additions merge cleanly.
export { packagedAssetsRoot } from "./assets-root.js";
export type { AtomicWriteOptions } from "./atomic-write.js";
export {
  appendFileDurableSync,
  createFileExclusiveSync,
  fsyncDirSync,
  moveFileDurableSync,
  removeTempLitter,
  TEMP_FILE_PATTERN,
  writeFileAtomicSync,
  writeJsonAtomicSync,
} from "./atomic-write.js";
export type { ConfigProblem, ConfigValidation } from "./config.js";
export { configFingerprint, loadConfig, parseConfigText, validateConfigText } from "./config.js";
export { findWorkspaceRoot } from "./discover.js";
export { runDoctor } from "./doctor.js";
export type { EventReadOptions, RuntimeEventInput } from "./event-log.js";
export { appendRuntimeEvent, appendRuntimeEvents, formatRuntimeEventLine, tailEvents } from "./event-log.js";
export type { InitOptions } from "./init.js";
export {
  cleanTempLitter,
  ensureRuntimeStateFiles,
  initWorkspace,
  RUNTIME_GITIGNORE_TEXT,
  requireInitialized,
} from "./init.js";
export type { AcquiredLock, AcquireLockOptions, LockInspection } from "./lock.js";
export { acquireLock, inspectLock } from "./lock.js";
export type { ManifestRead } from "./manifest.js";
export { readManifest } from "./manifest.js";
export type { AssetFamily, QueueState, QueueStateFolders, WorkspacePaths } from "./paths.js";
export {
  initDirectories,
  RUNTIME_DIR_NAME,
  resolveInside,
  runDir,
  toWorkspaceRelative,
  workspacePaths,
} from "./paths.js";
export type { ApplyUpgradeOptions, UpgradeOptions } from "./upgrade.js";
export { applyUpgrade, previewUpgrade, readLocalizeRemovedFile } from "./upgrade.js";

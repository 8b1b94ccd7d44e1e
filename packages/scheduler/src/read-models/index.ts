/**
 * The engine's read-only side: the status read model, the run read models and the run trace. None
 * of these take the ownership lock or write runtime state, so they are safe to call while a daemon
 * owns the workspace. The one write: listNewestRuns may replace `state/newest_runs.json`, a hint
 * that only speeds up the next listing (newest-runs-record.ts); listRunPage never writes it.
 */
export { classifyLiveness } from "../liveness/read-liveness.js";
export { displayPath } from "./display-path.js";
export { countRunFolders, listNewestRuns, type NewestRunsOptions } from "./newest-runs.js";
export { type LoadedRun, type LoadedStage, loadRun } from "./run-files.js";
export { resolveRunDir } from "./run-id.js";
export { listRunPage, type RunPageOptions } from "./run-page.js";
export { LATEST_RUN_REF, resolveRunRef } from "./run-ref.js";
export { listRuns, summarizeRun } from "./run-summary.js";
export { DEFAULT_TAIL_LINES, type TailOptions, TROUBLESHOOT_REPORT_NAME, tailRun } from "./run-tail.js";
export {
  type BuildRunTraceOptions,
  buildRunTrace,
  RUN_TRACE_FILE_NAME,
  type RunTraceDecision,
  type RunTraceOptions,
  runTrace,
} from "./run-trace.js";
export { showRun } from "./runs.js";
export { readSnapshotForDisplay, type SnapshotRead } from "./snapshot-read.js";
export { type ReadStatusOptions, readStatus } from "./status.js";

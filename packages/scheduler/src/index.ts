/**
 * The public face of `@millrace/scheduler`: the engine and its options, the ports embedders fill,
 * operator control, monitor events, the read models, the doctor and the router. Everything else
 * is internal; the package's own tests import internals by path.
 */

export {
  normalizeFailureClass,
  type RouteInput,
  type RouterAction,
  type RouterDecision,
  RoutingError,
  roleCounter,
  routeStageResult,
} from "./apply/router.js";
export { applyControlDirect, type DirectControlOptions } from "./control/control-direct.js";
export { isControlLock, runtimeOwner } from "./control/control-lock.js";
export type { ControlOutcome } from "./control/control-state.js";
export { type ControlOptions, type ControlResult, controlWorkspace } from "./control/control-workspace.js";
export { checkLaneRetryTarget } from "./control/lane-retry-command.js";
export { type LineageRepairOptions, repairLineage } from "./control/lineage-repair.js";
export { newCommandId, writeMailboxCommand } from "./control/mailbox-writer.js";
export {
  DEMO_SPEC_ID,
  DEMO_TASK_ID,
  type DemoKind,
  type DemoOptions,
  type DemoWorkspace,
  prepareDemoWorkspace,
} from "./demo.js";
export {
  DOCTOR_CHECK_CODES,
  type DoctorCheckCode,
  type DoctorCodeInfo,
  defaultWhich,
  doctorGroupOf,
  type FullDoctorOptions,
  runFullDoctor,
  VERSION_PROBE_TIMEOUT_MS,
  type WhichFn,
} from "./doctor/index.js";
export { createEngine, Engine } from "./engine.js";
export type {
  DaemonOptions,
  DaemonReport,
  EngineOptions,
  TickOutcome,
  TickReason,
} from "./engine-options.js";
export { sealCapabilityGrants } from "./governance/stage-grants.js";
export { type IdFactory, randomIds, sequentialIds } from "./ids.js";
export { BasicMonitorFormatter } from "./monitor/basic-formatter.js";
export type { MonitorEvent, MonitorEventType, MonitorListener } from "./monitor/monitor-events.js";
export type {
  BetweenStagesInfo,
  BetweenStagesPort,
  EngineHooks,
  GovernanceVerdict,
  PromptContextPort,
  PromptContextRequest,
  StageBoundary,
} from "./ports.js";
export {
  checkResolution,
  listQuestions,
  pendingQuestions,
  type QuestionDirs,
  type QuestionResolutionInput,
  questionDirs,
  readQuestion,
} from "./questions/question-store.js";
export {
  type BuildRunTraceOptions,
  buildRunTrace,
  classifyLiveness,
  DEFAULT_TAIL_LINES,
  displayPath,
  LATEST_RUN_REF,
  type LoadedRun,
  type LoadedStage,
  listRuns,
  loadRun,
  type ReadStatusOptions,
  RUN_TRACE_FILE_NAME,
  type RunTraceDecision,
  type RunTraceOptions,
  readSnapshotForDisplay,
  readStatus,
  resolveRunDir,
  resolveRunRef,
  runTrace,
  type SnapshotRead,
  showRun,
  summarizeRun,
  type TailOptions,
  TROUBLESHOOT_REPORT_NAME,
  tailRun,
} from "./read-models/index.js";
export { type CounterTotals, ZERO_COUNTERS } from "./state/counter-totals.js";
export { ideaSpecId } from "./tick/idea-intake.js";

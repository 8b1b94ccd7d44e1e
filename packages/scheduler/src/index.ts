export { type AppliedStage, applyStageCompletion, type StageCompletion } from "./apply.js";
export { canDispatch, PLANE_ORDER } from "./concurrency.js";
export type { BetweenStagesInfo, EngineHooks, GovernanceVerdict } from "./context.js";
export { type ControlOptions, type ControlResult, controlWorkspace } from "./control.js";
export { DEMO_SPEC_ID, DEMO_TASK_ID, type DemoWorkspace, prepareDemoWorkspace } from "./demo.js";
export * from "./doctor/index.js";
export {
  createEngine,
  type DaemonOptions,
  type DaemonReport,
  Engine,
  type EngineOptions,
  type TickOutcome,
  type TickReason,
} from "./engine.js";
export { ideaSpecId } from "./ideas.js";
export { type IdFactory, randomIds, sequentialIds } from "./ids.js";
export { newCommandId, writeMailboxCommand } from "./mailbox.js";
export * from "./monitor.js";
export * from "./read-models/index.js";
export * from "./router.js";

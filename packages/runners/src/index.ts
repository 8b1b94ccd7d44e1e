export type {
  InvocationRecord,
  PreflightResult,
  ProcessLimits,
  RunArtifactPaths,
  RunnerAdapter,
  RunnerContext,
} from "./adapter.js";
export type { ClaudeAdapterOptions } from "./claude/adapter.js";
export {
  CLAUDE_RUNNER_NAME,
  claudeArgs,
  claudePermissionFlags,
  createClaudeAdapter,
  usageFromClaudeResult,
} from "./claude/adapter.js";
export type { CodexAdapterOptions } from "./codex/adapter.js";
export {
  CODEX_RUNNER_NAME,
  codexArgs,
  codexCredentialProblems,
  codexPermissionFlags,
  createCodexAdapter,
} from "./codex/adapter.js";
export { usageFromCodexDict, usageFromSessionLog } from "./codex/events.js";
export {
  DEFAULT_PROCESS_LIMITS,
  type DispatchOptions,
  type DispatchResult,
  dispatchStage,
  parseStageRunRequest,
  runArtifactPaths,
} from "./dispatch.js";
export { finalLegalToken, markerTokens, reconcileAfterTimeout } from "./markers.js";
export { type NormalizeOptions, normalizeStageResult } from "./normalize.js";
export { type RunnerPermissionConfig, resolvePermissionLevel } from "./permission.js";
export type { PiAdapterOptions } from "./pi/adapter.js";
export { createPiAdapter, PI_RUNNER_NAME, piArgs, usageFromPiMessage } from "./pi/adapter.js";
export { LineSplitter } from "./process/line-splitter.js";
export {
  type ProcessOutcome,
  type ProcessSpec,
  type RunningProcess,
  STAGE_TAG_ENV,
  type StdinPlan,
  type StopReason,
  startProcess,
} from "./process/run-process.js";
export { buildStagePrompt, type PromptContextBlock } from "./prompt.js";
export {
  createRunnerRegistry,
  DEFAULT_RUNNER_NAME,
  type RunnerRegistry,
  resolveRunnerName,
  unknownConfiguredRunners,
} from "./registry.js";
export {
  createScriptedAdapter,
  SCRIPTED_ENTRY_PATH,
  SCRIPTED_RUNNER_NAME,
  type ScriptedAdapterOptions,
} from "./scripted/adapter.js";
export { loadScriptFile, SCRIPT_TEMPLATE_NAMES, scriptStatePath } from "./scripted/perform.js";
export { redactText, secretValues } from "./secrets.js";

export type {
  InvocationRecord,
  PreflightOptions,
  PreflightResult,
  ProcessLimits,
  RunArtifactPaths,
  RunnerAdapter,
  RunnerCapabilities,
  RunnerContext,
} from "@millrace/contracts";
export { appliedGrants, capabilityEnforcementOf } from "./capabilities/applied-grants.js";
export { CLAUDE_RUNNER_NAME, type ClaudeAdapterOptions, createClaudeAdapter } from "./claude/adapter.js";
export { claudePermissionFlags } from "./claude/args.js";
export { CLAUDE_CAPABILITIES } from "./claude/capabilities.js";
export { usageFromClaudeResult } from "./claude/usage.js";
export { CODEX_RUNNER_NAME, type CodexAdapterOptions, createCodexAdapter } from "./codex/adapter.js";
export { codexPermissionFlags } from "./codex/args.js";
export { CODEX_CAPABILITIES } from "./codex/capabilities.js";
export { codexCredentialProblems } from "./codex/credentials.js";
export { codexProbeInvocation, SANDBOX_PROBE_ROOT_ENV } from "./codex/host-sandbox.js";
export {
  describeHostSandboxFacts,
  type HostSandboxFacts,
  probeCodexSandbox,
  readHostSandboxFacts,
  type SandboxProbeOptions,
  type SandboxProbeResult,
} from "./codex/sandbox-probe.js";
export { usageFromCodexDict, usageFromSessionLog } from "./codex/usage.js";
export {
  DEFAULT_PROCESS_LIMITS,
  type DispatchOptions,
  type DispatchResult,
  dispatchStage,
} from "./dispatch/dispatch-stage.js";
export { parseStageRunRequest, runArtifactPaths } from "./dispatch/request.js";
export { finalLegalToken, markerTokens, reconcileAfterTimeout } from "./markers.js";
export { type NormalizeOptions, normalizeStageResult } from "./normalize.js";
export { type OpenUrlResult, openUrl } from "./notify/open-url.js";
export { postWebhook, type WebhookResult } from "./notify/post-webhook.js";
export {
  type NotifyCommandOptions,
  type NotifyCommandResult,
  runNotifyCommand,
} from "./notify/run-notify-command.js";
export { type RunnerPermissionConfig, resolvePermissionLevel } from "./permission.js";
export { createPiAdapter, PI_RUNNER_NAME, type PiAdapterOptions } from "./pi/adapter.js";
export { PI_CAPABILITIES } from "./pi/capabilities.js";
export { usageFromPiMessage } from "./pi/usage.js";
export { resolveCommand } from "./preflight/resolve-command.js";
export {
  type ReapedStage,
  type ReapReport,
  type RejectedStageRecord,
  reapOrphanedStageProcesses,
} from "./process/containment/reap-orphans.js";
export type { ContainmentTarget } from "./process/containment/stage-containment.js";
export { stageProcessRecordDir } from "./process/containment/stage-record.js";
export {
  type ProcessOutcome,
  type ProcessSpec,
  type RunningProcess,
  STAGE_TAG_ENV,
  type StdinPlan,
  type StopReason,
  startProcess,
} from "./process/run-process.js";
export { probeVersion, VERSION_PROBE_TIMEOUT_MS } from "./process/version-probe.js";
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
  SCRIPTED_CAPABILITIES,
  SCRIPTED_RUNNER_NAME,
  type ScriptedAdapterOptions,
} from "./scripted/adapter.js";
export { SCRIPTED_ENTRY_PATH } from "./scripted/paths.js";
export { loadScriptFile, SCRIPT_TEMPLATE_NAMES } from "./scripted/perform.js";
export { scriptStatePath } from "./scripted/state.js";
export {
  looksLikeKey,
  MIN_SECRET_LENGTH,
  type SecretValues,
  secretValues,
  stageSecrets,
} from "./secrets/collect.js";
export { redactJson, redactText } from "./secrets/redact.js";
export { scrubRunArtifacts } from "./secrets/redact-files.js";

export type { RunnerAdapter } from "./adapter.js";
export { type RunArtifactPaths, RunArtifactPathsSchema } from "./artifact-paths.js";
export {
  type AppliedGrant,
  AppliedGrantSchema,
  type CapabilityEnforcement,
  type CapabilityEnforcementRecord,
  CapabilityEnforcementRecordSchema,
  CapabilityEnforcementSchema,
  type CapabilitySupport,
  CapabilitySupportSchema,
  type GrantSupport,
  GrantSupportSchema,
  type RunnerCapabilities,
  RunnerCapabilitiesSchema,
} from "./capabilities.js";
export type { RunnerContext } from "./context.js";
export { type InvocationRecord, InvocationRecordSchema } from "./invocation-record.js";
export {
  type PreflightCredential,
  PreflightCredentialSchema,
  type PreflightExecutable,
  PreflightExecutableSchema,
  type PreflightOptions,
  type PreflightPermission,
  PreflightPermissionSchema,
  type PreflightResult,
  PreflightResultSchema,
  type PreflightScript,
  PreflightScriptSchema,
  type PreflightStage,
  PreflightStageSchema,
  type RunnerEnvironment,
} from "./preflight.js";
export { type ProcessLimits, ProcessLimitsSchema } from "./process-limits.js";
export { type StageProcessRecord, StageProcessRecordSchema } from "./stage-process-record.js";

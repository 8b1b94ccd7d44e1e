import { z } from "zod";
import { CapabilityGrantSchema } from "./capabilities.js";
import {
  PermissionLevelSchema,
  PlaneSchema,
  ReasoningEffortSchema,
  RequestKindSchema,
  ResultClassSchema,
  ThinkingLevelSchema,
  WorkItemKindSchema,
} from "./enums.js";
import { SafeIdSchema, STATUS_TOKEN_PATTERN } from "./ids.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { planeOfStage } from "./legality.js";
import { TimestampSchema } from "./time.js";

/**
 * The runner boundary: one StageRunRequest in, one RunnerRawResult out, normalised into one
 * StageResultEnvelope. Also the per-request artifacts a dispatcher writes into the run folder and
 * the optional structured result file a stage may write (DESIGN decision 5).
 */

export const STAGE_RUN_SCHEMA_VERSION = "1.0";
/** The structured result file a stage may write into its run folder (DESIGN decision 5). */
export const STRUCTURED_RESULT_FILE_NAME = "millrace_result.json";

const AbsolutePathSchema = lazySchema(() =>
  z
    .string()
    .min(1)
    .refine((value) => value.startsWith("/") || /^[A-Za-z]:[\\/]/.test(value), "must be an absolute path"),
);

const StageTokenSchema = lazySchema(() =>
  z.string().regex(STATUS_TOKEN_PATTERN, "must be an upper-case token"),
);

// ---------------------------------------------------------------------------------------------
// Token usage

/**
 * Tokens one stage used. `input_tokens` counts every prompt token, cache reads included;
 * `cached_input_tokens` is the cache-read share of it. `total_tokens` = input + output.
 * Cache writes and cost are kept when the runner reports them.
 */
export const TokenUsageSchema = lazySchema(() =>
  z.object({
    input_tokens: z.int().nonnegative(),
    cached_input_tokens: z.int().nonnegative().default(0),
    output_tokens: z.int().nonnegative(),
    thinking_tokens: z.int().nonnegative().default(0),
    total_tokens: z.int().nonnegative(),
    cache_write_input_tokens: z.int().nonnegative().optional(),
    cost_usd: z.number().nonnegative().optional(),
  }),
);
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

// ---------------------------------------------------------------------------------------------
// StageRunRequest

const CLOSURE_FIELDS = [
  "closure_target_path",
  "closure_target_root_spec_id",
  "closure_target_root_idea_id",
  "canonical_root_spec_path",
  "canonical_seed_idea_path",
  "preferred_rubric_path",
  "preferred_verdict_path",
  "preferred_report_path",
] as const;

const WORK_ITEM_FIELDS = ["active_work_item_kind", "active_work_item_id", "active_work_item_path"] as const;

export const StageRunRequestSchema = lazySchema(() =>
  z
    .strictObject({
      /** Used in artifact file names, so it must be a safe path component. */
      request_id: SafeIdSchema,
      run_id: SafeIdSchema,
      plane: PlaneSchema,
      stage: z.string().min(1),
      request_kind: RequestKindSchema.default("active_work_item"),
      mode_id: z.string().min(1),
      compiled_plan_id: z.string().min(1),
      node_id: z.string().min(1),
      stage_kind_id: z.string().min(1),
      running_status_marker: StageTokenSchema,
      legal_terminal_markers: z.array(z.string().regex(/^### [A-Z][A-Z0-9_]*$/)).min(1),
      allowed_result_classes_by_outcome: z.record(StageTokenSchema, z.array(ResultClassSchema).min(1)),
      entrypoint_path: AbsolutePathSchema,
      entrypoint_contract_id: z.string().min(1).nullish(),
      required_skill_paths: z.array(AbsolutePathSchema).default([]),
      attached_skill_paths: z.array(AbsolutePathSchema).default([]),
      active_work_item_kind: WorkItemKindSchema.nullish(),
      active_work_item_id: SafeIdSchema.nullish(),
      active_work_item_path: AbsolutePathSchema.nullish(),
      closure_target_path: AbsolutePathSchema.nullish(),
      closure_target_root_spec_id: SafeIdSchema.nullish(),
      closure_target_root_idea_id: SafeIdSchema.nullish(),
      canonical_root_spec_path: AbsolutePathSchema.nullish(),
      canonical_seed_idea_path: AbsolutePathSchema.nullish(),
      preferred_rubric_path: AbsolutePathSchema.nullish(),
      preferred_verdict_path: AbsolutePathSchema.nullish(),
      preferred_report_path: AbsolutePathSchema.nullish(),
      run_dir: AbsolutePathSchema,
      summary_status_path: AbsolutePathSchema,
      runtime_snapshot_path: AbsolutePathSchema,
      recovery_counters_path: AbsolutePathSchema,
      preferred_troubleshoot_report_path: AbsolutePathSchema.nullish(),
      runtime_error_code: z.string().min(1).nullish(),
      runtime_error_report_path: AbsolutePathSchema.nullish(),
      runtime_error_catalog_path: AbsolutePathSchema.nullish(),
      skill_revision_evidence_path: AbsolutePathSchema.nullish(),
      runner_name: z.string().nullish(),
      model_name: z.string().min(1).nullish(),
      model_reasoning_effort: ReasoningEffortSchema.nullish(),
      thinking_level: ThinkingLevelSchema.nullish(),
      /** The compiled node's permission profile; runner config (by stage, by model) may still override it. */
      permission_profile: PermissionLevelSchema.nullish(),
      /**
       * The stage's execution-capability grants: the runner derives its sandbox and permission flags
       * from them. Absent when execution capabilities are off (the permission level applies instead).
       */
      capability_grants: z.array(CapabilityGrantSchema).nullish(),
      /** Wall-clock budget in seconds; 0 means "the runner's default". */
      timeout_seconds: z.number().nonnegative().default(0),
    })
    .superRefine((request, ctx) => {
      const issue = (message: string, path: string[] = []) => ctx.addIssue({ code: "custom", message, path });
      const plane = planeOfStage(request.stage);
      if (plane !== undefined && plane !== request.plane) {
        issue(`stage ${request.stage} belongs to the ${plane} plane, not ${request.plane}`, ["stage"]);
      }
      const outcomes = Object.keys(request.allowed_result_classes_by_outcome);
      const expected = outcomes.map((outcome) => `### ${outcome}`);
      if (expected.join("\n") !== request.legal_terminal_markers.join("\n")) {
        issue(
          `legal_terminal_markers must be "### <outcome>" for each key of allowed_result_classes_by_outcome, in order (expected ${expected.join(", ")})`,
          ["legal_terminal_markers"],
        );
      }
      const hasKind = request.active_work_item_kind != null;
      const hasId = request.active_work_item_id != null;
      if (hasKind !== hasId) {
        issue("active_work_item_kind and active_work_item_id must be set together", ["active_work_item_id"]);
      }
      const closureSet = CLOSURE_FIELDS.filter((field) => request[field] != null);
      const workItemSet = WORK_ITEM_FIELDS.filter((field) => request[field] != null);
      switch (request.request_kind) {
        case "closure_target": {
          const missing = CLOSURE_FIELDS.filter((field) => request[field] == null);
          if (missing.length > 0) issue(`closure_target requests need ${missing.join(", ")}`);
          if (workItemSet.length > 0)
            issue(`closure_target requests carry no work item (${workItemSet.join(", ")})`);
          break;
        }
        case "learning_request":
          if (request.plane !== "learning")
            issue("learning_request requests must be on the learning plane", ["plane"]);
          if (request.active_work_item_kind !== "learning_request" || request.active_work_item_path == null) {
            issue("learning_request requests need active_work_item_kind learning_request, an id and a path");
          }
          if (closureSet.length > 0)
            issue(`learning_request requests carry no closure fields (${closureSet.join(", ")})`);
          break;
        default:
          if (closureSet.length > 0)
            issue(`active_work_item requests carry no closure fields (${closureSet.join(", ")})`);
      }
    }),
);
export type StageRunRequest = z.infer<typeof StageRunRequestSchema>;
export type StageRunRequestInput = z.input<typeof StageRunRequestSchema>;

// ---------------------------------------------------------------------------------------------
// RunnerRawResult

export const RUNNER_EXIT_KINDS = [
  "completed",
  "timeout",
  "runner_error",
  "provider_error",
  "interrupted",
] as const;
export const RunnerExitKindSchema = lazySchema(() => z.enum(RUNNER_EXIT_KINDS));
export type RunnerExitKind = z.infer<typeof RunnerExitKindSchema>;

/**
 * Failure classes. The first group is what a StageResultEnvelope reports; the second is the finer
 * runner-level detail recorded on raw results and completion artifacts (the envelope maps it to
 * one of the first group).
 */
export const ENVELOPE_FAILURE_CLASSES = [
  "runner_timeout",
  "runner_transport_failure",
  "provider_failure",
  "missing_terminal_result",
  "illegal_terminal_result",
  "conflicting_terminal_results",
  "missing_required_artifact",
  // The agent could not be started or authenticated: the runtime pauses instead of recovering.
  "runner_unavailable",
  "runner_auth_failure",
] as const;
export const RUNNER_FAILURE_CLASSES = [
  ...ENVELOPE_FAILURE_CLASSES,
  "runner_non_zero_exit",
  "runner_binary_not_found",
  "runner_provider_failure",
  "runner_rate_limited",
  "runner_retry_exhausted",
  "runner_max_turns",
  "runner_budget_exhausted",
  "runner_incomplete_stream",
  "runner_rpc_rejected",
  "runner_incomplete_rpc_stream",
  "runner_empty_assistant_text",
  "runner_output_limit",
  "runner_interrupted",
] as const;
export const EnvelopeFailureClassSchema = lazySchema(() => z.enum(ENVELOPE_FAILURE_CLASSES));
export type EnvelopeFailureClass = z.infer<typeof EnvelopeFailureClassSchema>;
export const RunnerFailureClassSchema = lazySchema(() => z.enum(RUNNER_FAILURE_CLASSES));
export type RunnerFailureClass = z.infer<typeof RunnerFailureClassSchema>;

export const RunnerRawResultSchema = lazySchema(() =>
  z
    .object({
      request_id: z.string().min(1),
      run_id: z.string().min(1),
      stage: z.string().min(1),
      runner_name: z.string().min(1),
      model_name: z.string().nullish(),
      model_reasoning_effort: z.string().nullish(),
      thinking_level: z.string().nullish(),
      exit_kind: RunnerExitKindSchema,
      exit_code: z.int().nullish(),
      observed_exit_kind: RunnerExitKindSchema.nullish(),
      observed_exit_code: z.int().nullish(),
      stdout_path: z.string().nullish(),
      stderr_path: z.string().nullish(),
      terminal_result_path: z.string().nullish(),
      event_log_path: z.string().nullish(),
      token_usage: TokenUsageSchema.nullish(),
      /** Finer runner-level failure detail (null when the run completed cleanly). */
      failure_class: RunnerFailureClassSchema.nullish(),
      /** Provider session / thread id, for logs and resume. */
      session_id: z.string().nullish(),
      notes: z.array(z.string()).default([]),
      started_at: TimestampSchema,
      ended_at: TimestampSchema,
    })
    .refine((raw) => Date.parse(raw.ended_at) >= Date.parse(raw.started_at), {
      message: "ended_at must not be before started_at",
      path: ["ended_at"],
    }),
);
export type RunnerRawResult = z.infer<typeof RunnerRawResultSchema>;
export type RunnerRawResultInput = z.input<typeof RunnerRawResultSchema>;

// ---------------------------------------------------------------------------------------------
// Structured result file (`millrace_result.json`)

export const StructuredResultFileSchema = lazySchema(() =>
  z.strictObject({
    stage: z.string().min(1).optional(),
    terminal_result: StageTokenSchema,
    result_class: ResultClassSchema.optional(),
    summary_artifact_paths: z.array(z.string().min(1)).default([]),
    notes: z.union([z.string(), z.array(z.string())]).optional(),
    metadata: z.record(z.string(), z.unknown()).default({}),
  }),
);
export type StructuredResultFile = z.infer<typeof StructuredResultFileSchema>;

// ---------------------------------------------------------------------------------------------
// StageResultEnvelope

export const NormalizationSourceSchema = lazySchema(() =>
  z.enum(["structured_result_file", "stdout_terminal_token", "failure"]),
);
export type NormalizationSource = z.infer<typeof NormalizationSourceSchema>;

/** Keys every envelope's metadata carries; stage-written metadata may add more. */
export const StageResultMetadataSchema = lazySchema(() =>
  z.looseObject({
    request_id: z.string(),
    request_kind: RequestKindSchema,
    mode_id: z.string(),
    compiled_plan_id: z.string(),
    closure_target_root_spec_id: z.string().nullable(),
    closure_target_root_idea_id: z.string().nullable(),
    preferred_rubric_path: z.string().nullable(),
    preferred_verdict_path: z.string().nullable(),
    preferred_report_path: z.string().nullable(),
    skill_revision_evidence_path: z.string().nullable(),
    model_reasoning_effort: z.string().nullable(),
    /** The runner-neutral thinking level the stage ran with (absent in results written before it was kept). */
    thinking_level: z.string().nullable().optional(),
    normalization_source: NormalizationSourceSchema,
    failure_class: EnvelopeFailureClassSchema.nullable(),
    valid_terminal_result: z.boolean(),
    raw_exit_kind: RunnerExitKindSchema,
    raw_exit_code: z.int().nullable(),
    timeout_reconciled: z.boolean(),
    /** Our additions: the runner-level failure detail and the provider session id. */
    runner_failure_class: z.string().nullable().optional(),
    session_id: z.string().nullable().optional(),
    /** Metadata the stage wrote into its structured result file (e.g. `resume_stage`). */
    stage_metadata: z.record(z.string(), z.unknown()).optional(),
  }),
);
export type StageResultMetadata = z.infer<typeof StageResultMetadataSchema>;

export const StageResultEnvelopeSchema = lazySchema(() =>
  z
    .object({
      schema_version: z.literal(STAGE_RUN_SCHEMA_VERSION),
      kind: z.literal("stage_result"),
      run_id: z.string().min(1),
      plane: PlaneSchema,
      stage: z.string().min(1),
      node_id: z.string().min(1),
      stage_kind_id: z.string().min(1),
      work_item_kind: WorkItemKindSchema.nullable(),
      work_item_id: z.string().nullable(),
      terminal_result: StageTokenSchema,
      result_class: ResultClassSchema,
      summary_status_marker: z.string(),
      success: z.boolean(),
      retryable: z.boolean(),
      exit_code: z.int().nullable(),
      duration_seconds: z.number().nonnegative(),
      prompt_artifact: z.string().nullish(),
      report_artifact: z.string().nullish(),
      artifact_paths: z.array(z.string()),
      detected_marker: z.string().nullish(),
      stdout_path: z.string().nullish(),
      stderr_path: z.string().nullish(),
      runner_name: z.string().nullish(),
      model_name: z.string().nullish(),
      model_reasoning_effort: z.string().nullish(),
      thinking_level: z.string().nullish(),
      token_usage: TokenUsageSchema.nullish(),
      notes: z.array(z.string()),
      metadata: StageResultMetadataSchema,
      started_at: TimestampSchema,
      completed_at: TimestampSchema,
    })
    .superRefine((envelope, ctx) => {
      if (envelope.summary_status_marker !== `### ${envelope.terminal_result}`) {
        ctx.addIssue({
          code: "custom",
          message: "summary_status_marker must equal '### <terminal_result>'",
          path: ["summary_status_marker"],
        });
      }
      if (envelope.success !== (envelope.result_class === "success")) {
        ctx.addIssue({
          code: "custom",
          message: "success must be true exactly when result_class is success",
          path: ["success"],
        });
      }
      if (Date.parse(envelope.completed_at) < Date.parse(envelope.started_at)) {
        ctx.addIssue({
          code: "custom",
          message: "completed_at must not be before started_at",
          path: ["completed_at"],
        });
      }
    }),
);
export type StageResultEnvelope = z.infer<typeof StageResultEnvelopeSchema>;

// ---------------------------------------------------------------------------------------------
// Per-request artifacts in the run folder

export const RunnerInvocationArtifactSchema = lazySchema(() =>
  z.object({
    schema_version: z.literal(STAGE_RUN_SCHEMA_VERSION),
    kind: z.literal("runner_invocation"),
    request_id: z.string(),
    run_id: z.string(),
    stage: z.string(),
    request_kind: RequestKindSchema,
    active_work_item_id: z.string().nullable(),
    closure_target_root_spec_id: z.string().nullable(),
    runner_name: z.string(),
    model_name: z.string().nullable(),
    model_reasoning_effort: z.string().nullable(),
    /** The argument vector (never a shell string); empty for in-process runners. */
    command: z.array(z.string()),
    /** Names of environment variables set for the runner; values are never recorded. */
    env_var_names: z.array(z.string()).default([]),
    cwd: z.string().nullable().default(null),
    prompt_path: z.string(),
    emitted_at: TimestampSchema,
  }),
);
export type RunnerInvocationArtifact = z.infer<typeof RunnerInvocationArtifactSchema>;

export const RunnerCompletionArtifactSchema = lazySchema(() =>
  z.object({
    schema_version: z.literal(STAGE_RUN_SCHEMA_VERSION),
    kind: z.literal("runner_completion"),
    request_id: z.string(),
    run_id: z.string(),
    stage: z.string(),
    request_kind: RequestKindSchema,
    active_work_item_id: z.string().nullable(),
    closure_target_root_spec_id: z.string().nullable(),
    runner_name: z.string(),
    model_name: z.string().nullable(),
    model_reasoning_effort: z.string().nullable(),
    exit_kind: RunnerExitKindSchema,
    exit_code: z.int().nullable(),
    observed_exit_kind: RunnerExitKindSchema.nullable(),
    observed_exit_code: z.int().nullable(),
    stdout_path: z.string().nullable(),
    stderr_path: z.string().nullable(),
    terminal_result_path: z.string().nullable(),
    event_log_path: z.string().nullable(),
    last_message_path: z.string().nullable().default(null),
    token_usage: TokenUsageSchema.nullable(),
    session_id: z.string().nullable().default(null),
    started_at: TimestampSchema,
    ended_at: TimestampSchema,
    failure_class: z.string().nullable(),
    notes: z.array(z.string()),
    command: z.array(z.string()),
    emitted_at: TimestampSchema,
  }),
);
export type RunnerCompletionArtifact = z.infer<typeof RunnerCompletionArtifactSchema>;

/** File names of the per-request artifacts inside `runs/<run_id>/`. */
export const RUN_ARTIFACT_NAMES = {
  prompt: (requestId: string) => `runner_prompt.${requestId}.md`,
  invocation: (requestId: string) => `runner_invocation.${requestId}.json`,
  completion: (requestId: string) => `runner_completion.${requestId}.json`,
  stdout: (requestId: string) => `runner_stdout.${requestId}.txt`,
  stderr: (requestId: string) => `runner_stderr.${requestId}.txt`,
  events: (requestId: string) => `runner_events.${requestId}.jsonl`,
  lastMessage: (requestId: string) => `runner_last_message.${requestId}.txt`,
  structuredResult: (requestId: string) => `millrace_result.${requestId}.json`,
  stageResult: (requestId: string) => `stage_results/${requestId}.json`,
  capabilityEnforcement: (requestId: string) => `capability_enforcement.${requestId}.json`,
  /** Written instead of a runner launch when the pre-dispatch capability gate blocks the stage. */
  capabilityGate: (nodeId: string) => `capability_gate.${nodeId}.json`,
} as const;

registerPersistedSchema("stage-run-request", StageRunRequestSchema);
registerPersistedSchema("runner-raw-result", RunnerRawResultSchema);
registerPersistedSchema("stage-result-envelope", StageResultEnvelopeSchema);
registerPersistedSchema("structured-result-file", StructuredResultFileSchema);
registerPersistedSchema("runner-invocation", RunnerInvocationArtifactSchema);
registerPersistedSchema("runner-completion", RunnerCompletionArtifactSchema);

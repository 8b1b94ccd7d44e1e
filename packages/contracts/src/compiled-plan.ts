import { z } from "zod";
import {
  CompletionBehaviorSchema,
  ConcurrencyPolicySchema,
  GraphEdgeSchema,
  GraphEntrySchema,
  LearningTriggerRuleSchema,
  LoopIdsByPlaneSchema,
  ResumePolicySchema,
  RuntimeFailureRecoverySchema,
  TerminalStateSchema,
} from "./assets.js";
import { CapabilityGrantSchema, CapabilityRequestSchema } from "./capabilities.js";
import {
  CounterNameSchema,
  EdgeKindSchema,
  EntryKeySchema,
  PermissionLevelSchema,
  PlaneSchema,
  ReasoningEffortSchema,
  ResultClassSchema,
  ThinkingLevelSchema,
} from "./enums.js";
import { StatusMarkerSchema } from "./ids.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { TimestampSchema } from "./time.js";

/**
 * The compiled plan (`state/compiled_plan.json`): modes, graphs, stage kinds, entrypoints, skills
 * and the structural part of the config, frozen into one fingerprinted document. The engine runs
 * from this and nothing else.
 */

export const CompiledNodeSchema = lazySchema(() =>
  z.strictObject({
    node_id: z.string(),
    stage_kind_id: z.string(),
    /** The runtime stage identity (blueprint kinds run as manager / mechanic). */
    stage: z.string(),
    plane: PlaneSchema,
    entrypoint_path: z.string(),
    entrypoint_contract_id: z.string(),
    running_status_marker: StatusMarkerSchema,
    legal_outcomes: z.array(z.string()),
    allowed_result_classes_by_outcome: z.record(z.string(), z.array(ResultClassSchema)),
    declared_output_artifacts: z.array(z.string()),
    required_skill_paths: z.array(z.string()),
    attached_skill_additions: z.array(z.string()),
    runner_name: z.string(),
    model_name: z.string().nullable(),
    thinking_level: ThinkingLevelSchema.nullable(),
    model_reasoning_effort: ReasoningEffortSchema.nullable(),
    timeout_seconds: z.number().positive(),
    /** Asset-side permission profile; the runner's own config may still override it (see docs). */
    permission_profile: PermissionLevelSchema.nullable(),
    recovery_role: z.enum(["local_repair", "escalation"]).nullable(),
    closure_role: z.boolean(),
    idempotence_policy: z.string(),
    /** The stage kind's capability requests with the node's own merged in (by request_id). */
    capability_requests: z.array(CapabilityRequestSchema).default([]),
    /**
     * The requests resolved under `[execution_capabilities]` policy when the plan was compiled (before
     * any approval), sealed here so the plan id covers them; null when capabilities are off, absent
     * when the compiler was given no resolver (the gate then resolves them itself).
     */
    capability_grants: z.array(CapabilityGrantSchema).nullable().optional(),
  }),
);
export type CompiledNode = z.infer<typeof CompiledNodeSchema>;

export const CompiledEntrySchema = lazySchema(() =>
  z.strictObject({
    entry_key: EntryKeySchema,
    node_id: z.string(),
    stage_kind_id: z.string(),
    plane: PlaneSchema,
  }),
);
export type CompiledEntry = z.infer<typeof CompiledEntrySchema>;

export const CompiledCompletionEntrySchema = lazySchema(() =>
  CompletionBehaviorSchema.extend({
    entry_key: z.literal("closure_target"),
    node_id: z.string(),
    stage_kind_id: z.string(),
    plane: PlaneSchema,
  }),
);
export type CompiledCompletionEntry = z.infer<typeof CompiledCompletionEntrySchema>;

export const CompiledTransitionSchema = lazySchema(() =>
  z.strictObject({
    edge_id: z.string(),
    source_node_id: z.string(),
    outcome: z.string(),
    target_node_id: z.string().nullable(),
    terminal_state_id: z.string().nullable(),
    kind: EdgeKindSchema,
    priority: z.int(),
    max_attempts: z.int().nullable(),
  }),
);
export type CompiledTransition = z.infer<typeof CompiledTransitionSchema>;

export const CompiledResumePolicySchema = ResumePolicySchema;
export type CompiledResumePolicy = z.infer<typeof CompiledResumePolicySchema>;

export const CompiledThresholdPolicySchema = lazySchema(() =>
  z.strictObject({
    policy_id: z.string(),
    source_node_ids: z.array(z.string()),
    on_outcome: z.string(),
    counter_name: CounterNameSchema,
    /** Resolved threshold: the `recovery.*` config value for the known counters, else the graph value. */
    threshold: z.int().min(1),
    exhausted_target_node_id: z.string().nullable(),
    exhausted_terminal_state_id: z.string().nullable(),
  }),
);
export type CompiledThresholdPolicy = z.infer<typeof CompiledThresholdPolicySchema>;

export const FrozenGraphPlanePlanSchema = lazySchema(() =>
  z.strictObject({
    loop_id: z.string(),
    plane: PlaneSchema,
    nodes: z.array(CompiledNodeSchema),
    entry_nodes: z.array(GraphEntrySchema),
    transitions: z.array(GraphEdgeSchema),
    compiled_entries: z.array(CompiledEntrySchema),
    compiled_completion_entry: CompiledCompletionEntrySchema.nullable(),
    compiled_transitions: z.array(CompiledTransitionSchema),
    compiled_resume_policies: z.array(CompiledResumePolicySchema),
    compiled_threshold_policies: z.array(CompiledThresholdPolicySchema),
    terminal_states: z.array(TerminalStateSchema),
    handoff_terminal_only_outcomes: z.array(z.string()),
    completion_behavior: CompletionBehaviorSchema.nullable(),
    runtime_failure_recovery: RuntimeFailureRecoverySchema.nullable(),
  }),
);
export type FrozenGraphPlanePlan = z.infer<typeof FrozenGraphPlanePlanSchema>;

export const ResolvedAssetSchema = lazySchema(() =>
  z.strictObject({
    asset_family: z.enum(["mode", "graph_loop", "stage_kind", "entrypoint", "skill"]),
    logical_id: z.string(),
    /** `millrace-agents/<path>` for a workspace file, `packaged:<path>` for the packaged baseline. */
    compile_time_path: z.string(),
    content_sha256: z.string(),
  }),
);
export type ResolvedAsset = z.infer<typeof ResolvedAssetSchema>;

export const CompileInputFingerprintSchema = lazySchema(() =>
  z.strictObject({
    mode_id: z.string(),
    config_fingerprint: z.string(),
    assets_fingerprint: z.string(),
  }),
);
export type CompileInputFingerprint = z.infer<typeof CompileInputFingerprintSchema>;

export const CompiledRunPlanSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("compiled_run_plan"),
    compiled_plan_id: z.string().regex(/^plan-[a-z0-9._-]+-[0-9a-f]{12}$/),
    compile_input_fingerprint: CompileInputFingerprintSchema,
    mode_id: z.string(),
    loop_ids_by_plane: LoopIdsByPlaneSchema,
    execution_loop_id: z.string().nullable(),
    planning_loop_id: z.string().nullable(),
    learning_loop_id: z.string().nullable(),
    graphs_by_plane: z.strictObject({
      execution: FrozenGraphPlanePlanSchema.optional(),
      planning: FrozenGraphPlanePlanSchema.optional(),
      learning: FrozenGraphPlanePlanSchema.optional(),
    }),
    execution_graph: FrozenGraphPlanePlanSchema.nullable(),
    planning_graph: FrozenGraphPlanePlanSchema.nullable(),
    learning_graph: FrozenGraphPlanePlanSchema.nullable(),
    concurrency_policy: ConcurrencyPolicySchema.nullable(),
    learning_trigger_rules: z.array(LearningTriggerRuleSchema),
    /** Frozen recovery limits (structural config). */
    recovery_policy: z.strictObject({
      max_fix_cycles: z.int().min(1),
      max_troubleshoot_attempts_before_consult: z.int().min(1),
      max_mechanic_attempts: z.int().min(1),
      max_consultant_invocations: z.int().min(1),
    }),
    /** The structural config view the config fingerprint covers (lets currentness name what changed). */
    structural_config: z.record(z.string(), z.unknown()),
    compiled_at: TimestampSchema,
    resolved_assets: z.array(ResolvedAssetSchema),
    source_refs: z.array(z.string()),
  }),
);
export type CompiledRunPlan = z.infer<typeof CompiledRunPlanSchema>;

export const CompileDiagnosticSchema = lazySchema(() =>
  z.strictObject({
    /** Stable short code such as `edge_illegal_outcome`. */
    code: z.string(),
    /** The file (`millrace-agents/...`, `packaged:...`, or `millrace.toml`). */
    path: z.string().nullable(),
    /** The node, edge, policy, rule or key concerned. */
    subject: z.string().nullable(),
    message: z.string(),
    fix: z.string(),
  }),
);
export type CompileDiagnostic = z.infer<typeof CompileDiagnosticSchema>;

export const CompileDiagnosticsSchema = lazySchema(() =>
  z
    .strictObject({
      schema_version: z.literal("1.0"),
      kind: z.literal("compile_diagnostics"),
      ok: z.boolean(),
      mode_id: z.string(),
      compiled_plan_id: z.string().nullable(),
      used_last_known_good: z.boolean(),
      errors: z.array(z.string()),
      warnings: z.array(z.string()),
      /** The same findings, structured. */
      issues: z.array(CompileDiagnosticSchema.extend({ severity: z.enum(["error", "warning"]) })),
      emitted_at: TimestampSchema,
    })
    .refine((value) => value.ok || value.errors.length > 0, {
      message: "ok=false requires at least one error",
    }),
);
export type CompileDiagnostics = z.infer<typeof CompileDiagnosticsSchema>;

export const PlanCurrentnessStateSchema = lazySchema(() => z.enum(["current", "stale", "missing"]));
export type PlanCurrentnessState = z.infer<typeof PlanCurrentnessStateSchema>;

export const PlanCurrentnessSchema = lazySchema(() =>
  z.strictObject({
    state: PlanCurrentnessStateSchema,
    /** One line per difference: mode, config key group, asset. Empty when current. */
    reasons: z.array(z.string()),
    compiled_plan_id: z.string().nullable(),
    expected: CompileInputFingerprintSchema,
    persisted: CompileInputFingerprintSchema.nullable(),
  }),
);
export type PlanCurrentness = z.infer<typeof PlanCurrentnessSchema>;

/** `compile graph --format json`: one entry per plane, a stable export of the legal topology. */
export const CompiledStageGraphExportSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("compiled_stage_graph"),
    compiled_plan_id: z.string(),
    mode_id: z.string(),
    loop_id: z.string(),
    plane: PlaneSchema,
    nodes: z.array(
      z.strictObject({
        node_id: z.string(),
        plane: PlaneSchema,
        stage_kind_id: z.string(),
        entrypoint_path: z.string(),
        entrypoint_contract_id: z.string(),
        running_status_marker: z.string(),
        required_skill_paths: z.array(z.string()),
        attached_skill_additions: z.array(z.string()),
        runner_name: z.string(),
        model_name: z.string().nullable(),
        thinking_level: ThinkingLevelSchema.nullable(),
        model_reasoning_effort: ReasoningEffortSchema.nullable(),
        timeout_seconds: z.number(),
        allowed_result_classes_by_outcome: z.record(z.string(), z.array(ResultClassSchema)),
        declared_output_artifacts: z.array(z.string()),
      }),
    ),
    edges: z.array(
      z.strictObject({
        edge_id: z.string(),
        source_node_id: z.string(),
        outcome: z.string(),
        target_node_id: z.string().nullable(),
        terminal_state_id: z.string().nullable(),
        kind: EdgeKindSchema,
        priority: z.int(),
        max_attempts: z.int().nullable(),
      }),
    ),
    entries: z.array(CompiledEntrySchema),
    terminal_states: z.array(TerminalStateSchema),
    source_refs: z.array(z.string()),
  }),
);
export type CompiledStageGraphExport = z.infer<typeof CompiledStageGraphExportSchema>;

/** `modes ls --json` entries. */
export const ModeSummarySchema = lazySchema(() =>
  z.strictObject({
    mode_id: z.string(),
    aliases: z.array(z.string()),
    loop_ids_by_plane: LoopIdsByPlaneSchema,
    runners: z.array(z.string()),
    learning_trigger_rules: z.int(),
    concurrency_policy: ConcurrencyPolicySchema.nullable(),
    path: z.string(),
    description: z.string().nullable(),
  }),
);
export type ModeSummary = z.infer<typeof ModeSummarySchema>;

registerPersistedSchema("compiled-run-plan", CompiledRunPlanSchema);
registerPersistedSchema("compile-diagnostics", CompileDiagnosticsSchema);
registerPersistedSchema("compiled-stage-graph", CompiledStageGraphExportSchema);
registerPersistedSchema("plan-currentness", PlanCurrentnessSchema);
registerPersistedSchema("mode-summary", ModeSummarySchema);

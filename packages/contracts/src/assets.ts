import { z } from "zod";
import { CapabilityRequestSchema } from "./capabilities.js";
import {
  CounterNameSchema,
  EdgeKindSchema,
  EntryKeySchema,
  IdempotencePolicySchema,
  PermissionLevelSchema,
  PlaneSchema,
  ResultClassSchema,
  TerminalClassSchema,
  ThinkingLevelSchema,
  WorkItemKindSchema,
} from "./enums.js";
import { CanonicalIdSchema, StatusMarkerSchema, StatusTokenSchema } from "./ids.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";

/**
 * The machine-readable runtime assets: stage kinds (`registry/stage_kinds/<plane>/<id>.json`), graph
 * loops (`graphs/<plane>/<name>.json`), modes (`modes/<id>.json`) and legacy loops
 * (`loops/<plane>/<name>.json`, inspection only). Schemas check shape; the compiler checks meaning
 * (legality, reachability, routing) so it can name the file and the fix.
 */

/** A path relative to the runtime root, inside one asset family, with no `..` and no leading `/`. */
export function assetPathSchema(family: "entrypoints" | "skills", extension = ".md") {
  return z
    .string()
    .transform((value) => value.trim().replace(/^\.\//, ""))
    .pipe(
      z
        .string()
        .refine((value) => !value.startsWith("/") && !value.split("/").includes(".."), {
          message: "must be a relative path without '..'",
        })
        .refine((value) => value.startsWith(`${family}/`), { message: `must start with '${family}/'` })
        .refine((value) => value.endsWith(extension), { message: `must end with '${extension}'` }),
    );
}

export const EntrypointPathSchema = lazySchema(() => assetPathSchema("entrypoints"));
export const SkillPathSchema = lazySchema(() => assetPathSchema("skills"));

/** Node fields a graph node (or mode) may override, if the stage kind allows it. */
export const OVERRIDABLE_FIELDS = [
  "entrypoint_path",
  "runner_name",
  "model_name",
  "timeout_seconds",
  "attached_skill_additions",
  "thinking_level",
  "permission_profile",
] as const;
export const OverridableFieldSchema = lazySchema(() => z.enum(OVERRIDABLE_FIELDS));
export type OverridableField = z.infer<typeof OverridableFieldSchema>;

export const StageKindSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0").default("1.0"),
    kind: z.literal("registered_stage_kind"),
    stage_kind_id: CanonicalIdSchema,
    plane: PlaneSchema,
    /** The stage identity the runtime uses; blueprint kinds run as manager or mechanic. Defaults to the id. */
    runtime_stage: CanonicalIdSchema.optional(),
    display_name: z.string().min(1),
    description: z.string().optional(),
    default_entrypoint_path: EntrypointPathSchema,
    required_skill_paths: z.array(SkillPathSchema).min(1),
    suggested_skill_paths: z.array(SkillPathSchema).default([]),
    running_status_marker: StatusMarkerSchema,
    legal_outcomes: z.array(StatusTokenSchema).min(1),
    success_outcomes: z.array(StatusTokenSchema).min(1),
    failure_outcomes: z.array(StatusTokenSchema).default([]),
    allowed_result_classes_by_outcome: z.record(z.string(), z.array(ResultClassSchema).min(1)),
    allowed_input_artifacts: z.array(z.string().min(1)).default([]),
    declared_output_artifacts: z.array(z.string().min(1)).default([]),
    idempotence_policy: IdempotencePolicySchema.default("retry_safe_with_key"),
    allowed_overrides: z.array(OverridableFieldSchema).default([]),
    can_start_tasks: z.boolean().default(false),
    can_start_specs: z.boolean().default(false),
    can_start_incidents: z.boolean().default(false),
    can_start_learning_requests: z.boolean().default(false),
    recovery_role: z.enum(["local_repair", "escalation"]).nullable().default(null),
    closure_role: z.boolean().default(false),
    allowed_work_item_families: z.array(WorkItemKindSchema).default([]),
    request_context_profile_id: CanonicalIdSchema.nullable().default(null),
    context_render_plan_id: CanonicalIdSchema.nullable().default(null),
    /** What the stage asks to do (execution capabilities); policy turns each into a grant at dispatch. */
    capability_requests: z.array(CapabilityRequestSchema).default([]),
  }),
);
export type StageKind = z.infer<typeof StageKindSchema>;

export const GraphNodeSchema = lazySchema(() =>
  z.strictObject({
    node_id: CanonicalIdSchema,
    stage_kind_id: CanonicalIdSchema,
    entrypoint_path: EntrypointPathSchema.optional(),
    attached_skill_additions: z.array(SkillPathSchema).default([]),
    runner_name: z.string().min(1).optional(),
    model_name: z.string().min(1).optional(),
    timeout_seconds: z.int().min(1).optional(),
    thinking_level: ThinkingLevelSchema.optional(),
    permission_profile: PermissionLevelSchema.optional(),
    /** Added to the stage kind's requests; one with the same request_id replaces the kind's. */
    capability_requests: z.array(CapabilityRequestSchema).optional(),
  }),
);
export type GraphNode = z.infer<typeof GraphNodeSchema>;

export const GraphEntrySchema = lazySchema(() =>
  z.strictObject({ entry_key: EntryKeySchema, node_id: CanonicalIdSchema }),
);
export type GraphEntry = z.infer<typeof GraphEntrySchema>;

export const GraphEdgeSchema = lazySchema(() =>
  z.strictObject({
    edge_id: CanonicalIdSchema,
    from_node_id: CanonicalIdSchema,
    to_node_id: CanonicalIdSchema.optional(),
    terminal_state_id: CanonicalIdSchema.optional(),
    on_outcomes: z.array(StatusTokenSchema).min(1),
    kind: EdgeKindSchema.default("normal"),
    priority: z.int().default(100),
    description: z.string().optional(),
    max_attempts: z.int().min(1).optional(),
  }),
);
export type GraphEdge = z.infer<typeof GraphEdgeSchema>;

export const TERMINAL_ACTION_IDS = [
  "complete_work_item",
  "block_work_item",
  "escalate_to_planning",
  "closure_gap",
  "recon_enqueue_task",
  "recon_enqueue_spec",
  "recon_noop",
  "recon_block_work_item",
  "no_op_complete_work_item",
  "complete_source_after_effect",
] as const;
export const TerminalActionIdSchema = lazySchema(() => z.enum(TERMINAL_ACTION_IDS));
export type TerminalActionId = z.infer<typeof TerminalActionIdSchema>;

export const TerminalStateSchema = lazySchema(() =>
  z.strictObject({
    terminal_state_id: CanonicalIdSchema,
    terminal_class: TerminalClassSchema,
    writes_status: StatusTokenSchema,
    emits_artifacts: z.array(z.string().min(1)).default([]),
    ends_plane_run: z.boolean().default(true),
    terminal_action_id: TerminalActionIdSchema.optional(),
    router_reason: z.string().min(1).optional(),
    failure_class_template: z.string().min(1).optional(),
  }),
);
export type TerminalState = z.infer<typeof TerminalStateSchema>;

export const ResumePolicySchema = lazySchema(() =>
  z.strictObject({
    policy_id: CanonicalIdSchema,
    source_node_id: CanonicalIdSchema,
    on_outcome: StatusTokenSchema,
    default_target_node_id: CanonicalIdSchema,
    metadata_stage_keys: z.array(z.string().min(1)).default([]),
    disallowed_target_node_ids: z.array(CanonicalIdSchema).default([]),
  }),
);
export type ResumePolicy = z.infer<typeof ResumePolicySchema>;

export const ThresholdPolicySchema = lazySchema(() =>
  z.strictObject({
    policy_id: CanonicalIdSchema,
    source_node_ids: z.array(CanonicalIdSchema).min(1),
    on_outcome: StatusTokenSchema,
    counter_name: CounterNameSchema,
    threshold: z.int().min(1),
    exhausted_target_node_id: CanonicalIdSchema.optional(),
    exhausted_terminal_state_id: CanonicalIdSchema.optional(),
    exhausted_counter_mutation_name: z.string().min(1).optional(),
    recovery_counter_mutation_name: z.string().min(1).optional(),
  }),
);
export type ThresholdPolicy = z.infer<typeof ThresholdPolicySchema>;

export const DynamicPoliciesSchema = lazySchema(() =>
  z.strictObject({
    resume_policies: z.array(ResumePolicySchema).default([]),
    threshold_policies: z.array(ThresholdPolicySchema).default([]),
  }),
);
export type DynamicPolicies = z.infer<typeof DynamicPoliciesSchema>;

export const CompletionBehaviorSchema = lazySchema(() =>
  z.strictObject({
    trigger: z.literal("backlog_drained").default("backlog_drained"),
    readiness_rule: z.literal("no_open_lineage_work").default("no_open_lineage_work"),
    target_node_id: CanonicalIdSchema,
    request_kind: z.literal("closure_target").default("closure_target"),
    target_selector: z.literal("active_closure_target").default("active_closure_target"),
    rubric_policy: z.literal("reuse_or_create").default("reuse_or_create"),
    blocked_work_policy: z.literal("suppress").default("suppress"),
    skip_if_already_closed: z.boolean().default(true),
    on_pass_terminal_state_id: CanonicalIdSchema,
    on_gap_terminal_state_id: CanonicalIdSchema,
    create_incident_on_gap: z.boolean().default(true),
    root_source_policy: z
      .strictObject({
        accepted_kinds: z.array(WorkItemKindSchema).min(1),
        resolution: z.string().min(1),
      })
      .optional(),
  }),
);
export type CompletionBehavior = z.infer<typeof CompletionBehaviorSchema>;

export const RuntimeFailureRecoverySchema = lazySchema(() =>
  z.strictObject({
    default_repair_node_id: CanonicalIdSchema,
    counter_name: CounterNameSchema,
    threshold: z.int().min(1),
    exhausted_terminal_state_id: CanonicalIdSchema,
  }),
);
export type RuntimeFailureRecovery = z.infer<typeof RuntimeFailureRecoverySchema>;

export const GraphLoopSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0").default("1.0"),
    kind: z.literal("graph_loop"),
    loop_id: CanonicalIdSchema,
    plane: PlaneSchema,
    description: z.string().optional(),
    nodes: z.array(GraphNodeSchema).min(1),
    entry_nodes: z.array(GraphEntrySchema).min(1),
    edges: z.array(GraphEdgeSchema).default([]),
    terminal_states: z.array(TerminalStateSchema).min(1),
    /** Outcomes that only ever end the plane run (recon hands off by effect, not by edge). */
    handoff_terminal_only_outcomes: z.array(StatusTokenSchema).default([]),
    dynamic_policies: DynamicPoliciesSchema.prefault({}),
    completion_behavior: CompletionBehaviorSchema.nullable().default(null),
    runtime_failure_recovery: RuntimeFailureRecoverySchema.nullable().default(null),
  }),
);
export type GraphLoop = z.infer<typeof GraphLoopSchema>;

export const ConcurrencyPolicySchema = lazySchema(() =>
  z.strictObject({
    mutually_exclusive_planes: z.array(z.array(PlaneSchema).min(2)).default([]),
    may_run_concurrently: z.array(z.array(PlaneSchema).min(2)).default([]),
  }),
);
export type ConcurrencyPolicy = z.infer<typeof ConcurrencyPolicySchema>;

export const LearningTriggerRuleSchema = lazySchema(() =>
  z.strictObject({
    rule_id: CanonicalIdSchema,
    source_plane: z.enum(["execution", "planning"]),
    source_stage: CanonicalIdSchema,
    on_terminal_results: z.array(StatusTokenSchema).min(1),
    target_stage: CanonicalIdSchema,
    requested_action: z.enum(["improve", "install", "create"]).default("improve"),
    target_skill_id: z.string().min(1).optional(),
    preferred_output_paths: z.array(z.string().min(1)).default([]),
  }),
);
export type LearningTriggerRule = z.infer<typeof LearningTriggerRuleSchema>;

const StageMapKeySchema = lazySchema(() =>
  z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, "must be a stage name"),
);

export const LoopIdsByPlaneSchema = lazySchema(() =>
  z.strictObject({
    execution: CanonicalIdSchema.optional(),
    planning: CanonicalIdSchema.optional(),
    learning: CanonicalIdSchema.optional(),
  }),
);
export type LoopIdsByPlane = z.infer<typeof LoopIdsByPlaneSchema>;

/**
 * A mode as written on disk. Legacy `execution_loop_id` / `planning_loop_id` keys are accepted and
 * folded into `loop_ids_by_plane` by {@link normalizeMode}.
 */
export const ModeSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0").default("1.0"),
    kind: z.literal("mode"),
    mode_id: CanonicalIdSchema,
    description: z.string().optional(),
    loop_ids_by_plane: LoopIdsByPlaneSchema.prefault({}),
    execution_loop_id: CanonicalIdSchema.optional(),
    planning_loop_id: CanonicalIdSchema.optional(),
    learning_loop_id: CanonicalIdSchema.optional(),
    stage_entrypoint_overrides: z.record(StageMapKeySchema, EntrypointPathSchema).default({}),
    stage_skill_additions: z.record(StageMapKeySchema, z.array(SkillPathSchema)).default({}),
    stage_model_bindings: z.record(StageMapKeySchema, z.string().min(1)).default({}),
    stage_runner_bindings: z.record(StageMapKeySchema, z.string().min(1)).default({}),
    /** `null` freezes "use the runner's own default" explicitly. */
    stage_thinking_bindings: z.record(StageMapKeySchema, ThinkingLevelSchema.nullable()).default({}),
    stage_timeout_bindings: z.record(StageMapKeySchema, z.int().min(1)).default({}),
    stage_permission_bindings: z.record(StageMapKeySchema, PermissionLevelSchema).default({}),
    concurrency_policy: ConcurrencyPolicySchema.nullable().default(null),
    learning_trigger_rules: z.array(LearningTriggerRuleSchema).default([]),
  }),
);
export type Mode = z.infer<typeof ModeSchema>;

/** Folds the legacy per-plane keys into `loop_ids_by_plane`; returns the conflicts, if any. */
export function normalizeMode(mode: Mode): { mode: Mode; conflicts: string[] } {
  const loops: LoopIdsByPlane = { ...mode.loop_ids_by_plane };
  const conflicts: string[] = [];
  const legacy = [
    ["execution", mode.execution_loop_id],
    ["planning", mode.planning_loop_id],
    ["learning", mode.learning_loop_id],
  ] as const;
  for (const [plane, value] of legacy) {
    if (value === undefined) continue;
    if (loops[plane] !== undefined && loops[plane] !== value) {
      conflicts.push(`${plane}_loop_id ${value} disagrees with loop_ids_by_plane.${plane} ${loops[plane]}`);
    }
    loops[plane] ??= value;
  }
  const { execution_loop_id: _e, planning_loop_id: _p, learning_loop_id: _l, ...rest } = mode;
  return { mode: { ...rest, loop_ids_by_plane: loops }, conflicts };
}

/** Legacy linear loop (inspection only; never compiled or routed). */
export const LegacyLoopSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0").default("1.0"),
    kind: z.literal("loop_config"),
    loop_id: CanonicalIdSchema,
    plane: PlaneSchema,
    stages: z.array(CanonicalIdSchema).min(1),
    entry_stage: CanonicalIdSchema,
    edges: z.array(
      z.strictObject({
        source_stage: CanonicalIdSchema,
        on_terminal_result: StatusTokenSchema,
        target_stage: CanonicalIdSchema.optional(),
        terminal_result: StatusTokenSchema.optional(),
        edge_kind: EdgeKindSchema.default("normal"),
        max_attempts: z.int().min(1).optional(),
      }),
    ),
    terminal_results: z.array(StatusTokenSchema).default([]),
    completion_behavior: z.record(z.string(), z.unknown()).optional(),
  }),
);
export type LegacyLoop = z.infer<typeof LegacyLoopSchema>;

/** Mode id aliases, resolved before anything is recorded. */
export const MODE_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  standard_plain: "default_codex",
});

export function resolveModeAlias(modeId: string): string {
  return MODE_ALIASES[modeId] ?? modeId;
}

registerPersistedSchema("stage-kind", StageKindSchema);
registerPersistedSchema("graph-loop", GraphLoopSchema);
registerPersistedSchema("mode", ModeSchema);

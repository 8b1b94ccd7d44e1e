import { z } from "zod";
import { CompileInputFingerprintSchema } from "./compiled-plan.js";
import { CompoundingSelectionSchema } from "./compounding.js";
import {
  PauseSourceSchema,
  PlaneSchema,
  RequestKindSchema,
  ResultClassSchema,
  RuntimeModeSchema,
  WorkItemKindSchema,
} from "./enums.js";
import { GovernanceBlockerSchema } from "./governance.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { LivenessReportSchema, StageLivenessSchema } from "./liveness.js";
import { AppliedGrantSchema } from "./runner/capabilities.js";
import { TokenUsageSchema } from "./stage-run.js";
import { LockStateSchema } from "./workspace-state.js";

/**
 * The engine's read models: what `status`, `status watch`, `runs ls|show|tail|trace` print with
 * `--json`, and the RunTraceGraph persisted as `runs/<run_id>/run_trace.json`. Read models are
 * derived from workspace files without taking the ownership lock; nothing here is written by a
 * reader except the trace, which only the engine persists.
 */

export const READ_MODEL_SCHEMA_VERSION = "1.0";

const Count = lazySchema(() => z.int().nonnegative());
const NullableString = lazySchema(() => z.string().nullable());

// ---------------------------------------------------------------------------------------------
// status

/** The ownership lock as status sees it; owner fields are null when the file is absent or unreadable. */
export const StatusLockSchema = lazySchema(() =>
  z.strictObject({
    state: LockStateSchema,
    owner_pid: z.int().nullable(),
    owner_hostname: NullableString,
    owner_session_id: NullableString,
    acquired_at: NullableString,
    /** Why the lock is invalid; null otherwise. */
    reason: NullableString,
  }),
);
export type StatusLock = z.infer<typeof StatusLockSchema>;

/**
 * `unknown` when the currentness could not be computed (e.g. millrace.toml does not load);
 * `last_known_good` when a running daemon's reload failed and it keeps working on the plan it had.
 */
export const StatusPlanCurrentnessStateSchema = lazySchema(() =>
  z.enum(["current", "stale", "missing", "unknown", "last_known_good"]),
);
export type StatusPlanCurrentnessState = z.infer<typeof StatusPlanCurrentnessStateSchema>;

export const StatusPlanCurrentnessSchema = lazySchema(() =>
  z.strictObject({
    state: StatusPlanCurrentnessStateSchema,
    reasons: z.array(z.string()),
    /** The persisted plan's id (null when there is none or it could not be read). */
    compiled_plan_id: NullableString,
    expected: CompileInputFingerprintSchema.nullable(),
    persisted: CompileInputFingerprintSchema.nullable(),
    /** Set when state is `unknown`: the error that prevented the check. */
    error: NullableString,
    /** Set when state is `last_known_good`: why the running daemon's last reload failed. */
    reload_error: NullableString.default(null),
  }),
);
export type StatusPlanCurrentness = z.infer<typeof StatusPlanCurrentnessSchema>;

export const StatusActiveRunSchema = lazySchema(() =>
  z.strictObject({
    plane: PlaneSchema,
    stage: z.string(),
    node_id: z.string(),
    stage_kind_id: z.string(),
    request_kind: RequestKindSchema,
    work_item_kind: WorkItemKindSchema.nullable(),
    work_item_id: NullableString,
    closure_target_root_spec_id: NullableString,
    run_id: z.string(),
    active_since: z.string(),
    running_status_marker: NullableString,
  }),
);
export type StatusActiveRun = z.infer<typeof StatusActiveRunSchema>;

export const StatusPlaneSchema = lazySchema(() =>
  z.strictObject({
    plane: PlaneSchema,
    /** The marker line of `state/<plane>_status.md` (the snapshot's copy when the file is unreadable). */
    status_marker: z.string(),
    /** Claimable documents right now, counted from the queue folders. */
    queue_depth: Count,
    /** Documents in the plane's active folders. */
    active_documents: Count,
    active_run: StatusActiveRunSchema.nullable(),
  }),
);
export type StatusPlane = z.infer<typeof StatusPlaneSchema>;

export const StatusCountersSchema = lazySchema(() =>
  z.strictObject({
    troubleshoot_attempt_count: Count,
    mechanic_attempt_count: Count,
    fix_cycle_count: Count,
    consultant_invocations: Count,
  }),
);
export type StatusCounters = z.infer<typeof StatusCountersSchema>;

export const StatusClosureTargetSchema = lazySchema(() =>
  z.strictObject({
    root_spec_id: z.string(),
    root_idea_id: z.string(),
    /** Workspace-relative path of the target file. */
    path: z.string(),
    closure_blocked_by_lineage_work: z.boolean(),
    blocking_work_ids: z.array(z.string()),
    opened_at: z.string(),
    last_arbiter_run_id: NullableString,
  }),
);
export type StatusClosureTarget = z.infer<typeof StatusClosureTargetSchema>;

export const StatusFileProblemSchema = lazySchema(() =>
  z.strictObject({ path: z.string(), error: z.string() }),
);
export type StatusFileProblem = z.infer<typeof StatusFileProblemSchema>;

export const StatusClosureSchema = lazySchema(() =>
  z.strictObject({
    /** none: no open target; open: exactly one; invalid_multiple_open_targets: more than one (a broken invariant). */
    state: z.enum(["none", "open", "invalid_multiple_open_targets"]),
    open_targets: z.array(StatusClosureTargetSchema),
    invalid_files: z.array(StatusFileProblemSchema),
  }),
);
export type StatusClosure = z.infer<typeof StatusClosureSchema>;

export const StatusUsageGovernanceSchema = lazySchema(() =>
  z.strictObject({
    /** `usage_governance.enabled` from millrace.toml (null when the config does not load). */
    enabled: z.boolean().nullable(),
    paused: z.boolean(),
    blocker_count: Count,
    auto_resume_possible: z.boolean().nullable(),
    next_auto_resume_at: NullableString,
    /** What blocks, from the governance state file. */
    blockers: z.array(GovernanceBlockerSchema),
    /** Work items parked over a budget, with how to release each. */
    parked: z.array(
      z.strictObject({
        work_item_id: z.string(),
        work_item_kind: z.string(),
        parked_at: z.string(),
        reason: z.string(),
        released_at: NullableString,
        release_command: z.string(),
      }),
    ),
  }),
);
export type StatusUsageGovernance = z.infer<typeof StatusUsageGovernanceSchema>;

export const StatusRuntimeErrorSchema = lazySchema(() =>
  z.strictObject({
    error_code: z.string(),
    plane: PlaneSchema,
    failed_stage: z.string(),
    repair_stage: z.string(),
    run_id: z.string(),
    report_path: z.string(),
    captured_at: z.string(),
  }),
);
export type StatusRuntimeError = z.infer<typeof StatusRuntimeErrorSchema>;

/** Why the runtime holds the `runner_unavailable` pause source, while it does. */
export const StatusRunnerPauseSchema = lazySchema(() =>
  z.strictObject({
    runner: z.string(),
    failure_class: z.enum(["runner_unavailable", "runner_auth_failure"]),
    /** What is missing, and the fix (the runner's preflight problems or the stage's failure note). */
    reason: z.string(),
    plane: PlaneSchema,
    run_id: z.string(),
    stage: z.string(),
    since: z.string(),
  }),
);
export type StatusRunnerPause = z.infer<typeof StatusRunnerPauseSchema>;

/** A work item waiting for the operator's answer to a question one of its stages asked. */
export const StatusAwaitingOperatorSchema = lazySchema(() =>
  z.strictObject({
    question_id: z.string(),
    work_item_kind: z.string(),
    work_item_id: z.string(),
    asked_by_stage_kind_id: z.string(),
    asked_at: z.string(),
  }),
);
export type StatusAwaitingOperator = z.infer<typeof StatusAwaitingOperatorSchema>;
/** One execution lane (docs/lanes.md). */
export const StatusLaneSchema = lazySchema(() =>
  z.strictObject({
    lane: z.int().positive(),
    item_id: z.string(),
    /** `running`: the item's stages run in the lane; `landing`: its branch is being merged; `merging`: a conflicted landing is handed to the merge stage. */
    phase: z.enum(["running", "landing", "merging"]),
    stage: NullableString,
    run_id: NullableString,
    branch: z.string(),
    worktree_path: NullableString,
    started_at: z.string(),
    stage_started_at: NullableString,
    /** Seconds since the running stage started (null between stages). */
    elapsed_seconds: z.number().nullable(),
    /** `running` (a stage is out, a live runtime owns it), `orphaned` (a stage is out, no live runtime), `between_stages`, `landing`. */
    liveness: z.enum(["running", "orphaned", "between_stages", "landing"]),
    /** The graded liveness of the lane's stage, as `liveness.stages` has it (null when no stage is out). */
    stage_liveness: StageLivenessSchema.nullable().default(null),
    target_paths: z.array(z.string()),
    touched_paths: z.array(z.string()),
  }),
);
export type StatusLane = z.infer<typeof StatusLaneSchema>;

/** The execution lanes: those in use, the items waiting for one, and worktrees kept for blocked items. */
export const StatusLanesSchema = lazySchema(() =>
  z.strictObject({
    configured: z.int().positive(),
    landing: z.enum(["fast_forward", "merge_commit"]),
    active: z.array(StatusLaneSchema),
    waiting: z.array(
      z.strictObject({
        item_id: z.string(),
        waits_for_lane: z.int().positive(),
        waits_for_item: z.string(),
        overlaps: z.array(z.string()),
      }),
    ),
    /** Items whose lane worktree and branch are kept (blocked, or landing refused), by item id. */
    kept: z.array(z.string()),
  }),
);
export type StatusLanes = z.infer<typeof StatusLanesSchema>;

/** `millrace status --json` (and one line of `status watch --json`). */
export const StatusReportSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal(READ_MODEL_SCHEMA_VERSION),
    kind: z.literal("status_report"),
    workspace: z.string(),
    generated_at: z.string(),
    /** ok, or why the snapshot could not be used (its fields then come from the bootstrap defaults). */
    snapshot_state: z.enum(["ok", "missing", "invalid"]),
    snapshot_error: NullableString,
    runtime_mode: RuntimeModeSchema,
    /** The snapshot says a runtime is running AND a live process holds the ownership lock. */
    process_running: z.boolean(),
    /** What the snapshot alone says (true with a dead owner means a crashed runtime). */
    snapshot_process_running: z.boolean(),
    runtime_ownership_lock: StatusLockSchema,
    paused: z.boolean(),
    pause_sources: z.array(PauseSourceSchema),
    stop_requested: z.boolean(),
    active_mode_id: z.string(),
    compiled_plan_id: z.string(),
    compiled_plan_currentness: StatusPlanCurrentnessSchema,
    config_version: z.string(),
    active_run_count: Count,
    planes: z.strictObject({
      execution: StatusPlaneSchema,
      planning: StatusPlaneSchema,
      learning: StatusPlaneSchema,
    }),
    current_failure_class: NullableString,
    counters: StatusCountersSchema,
    last_terminal_result: NullableString,
    last_stage_result_path: NullableString,
    baseline_manifest_id: NullableString,
    baseline_seed_package_version: NullableString,
    closure: StatusClosureSchema,
    usage_governance: StatusUsageGovernanceSchema,
    runtime_error: StatusRuntimeErrorSchema.nullable(),
    /** Whether the active stages are moving (see docs/liveness.md). */
    liveness: LivenessReportSchema,
    /** Set while the `runner_unavailable` pause source holds: which runner, why, and the held stage. */
    runner_pause: StatusRunnerPauseSchema.nullable().default(null),
    /** Work items waiting for an operator answer (`millrace interview`), oldest question first. */
    awaiting_operator: z.array(StatusAwaitingOperatorSchema).default([]),
    /** The execution lanes; null when `[execution] lanes` is 1 and no lane is left over. */
    lanes: StatusLanesSchema.nullable().default(null),
    updated_at: NullableString,
  }),
);
export type StatusReport = z.infer<typeof StatusReportSchema>;

// ---------------------------------------------------------------------------------------------
// runs

/**
 * valid: every stage-result file parses; incomplete: the run folder has no stage result yet;
 * malformed: at least one stage-result file does not parse or does not match the envelope shape.
 */
export const RunStatusSchema = lazySchema(() => z.enum(["valid", "incomplete", "malformed"]));
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RunProblemSchema = lazySchema(() => z.strictObject({ path: z.string(), error: z.string() }));
export type RunProblem = z.infer<typeof RunProblemSchema>;

export const RunSummarySchema = lazySchema(() =>
  z.strictObject({
    run_id: z.string(),
    /** Workspace-relative run folder. */
    run_dir: z.string(),
    status: RunStatusSchema,
    plane: PlaneSchema.nullable(),
    request_kind: RequestKindSchema.nullable(),
    work_item_kind: WorkItemKindSchema.nullable(),
    work_item_id: NullableString,
    mode_id: NullableString,
    compiled_plan_id: NullableString,
    stage_count: Count,
    first_stage: NullableString,
    last_stage: NullableString,
    last_terminal_result: NullableString,
    last_result_class: ResultClassSchema.nullable(),
    failure_class: NullableString,
    started_at: NullableString,
    completed_at: NullableString,
    duration_seconds: z.number().nonnegative().nullable(),
    token_usage: TokenUsageSchema.nullable(),
    problems: z.array(RunProblemSchema),
    /** The execution lane the run's stages ran in (from the run folder's `lane.json`); null without lanes. */
    lane: z
      .strictObject({ lane: z.int().positive(), branch: z.string(), worktree_path: z.string() })
      .nullable()
      .default(null),
  }),
);
export type RunSummary = z.infer<typeof RunSummarySchema>;

/**
 * `millrace runs ls --json`, and the dashboard's `/runs`. The page fields are present only on a
 * paged listing (the dashboard's); pages count from the newest run, and `runs` stays oldest first.
 */
export const RunListingSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal(READ_MODEL_SCHEMA_VERSION),
    kind: z.literal("run_listing"),
    workspace: z.string(),
    runs: z.array(RunSummarySchema),
    /** Run folders in the workspace, before paging. */
    total: z.number().int().nonnegative().optional(),
    /** At most this many runs; null when every run (past `offset`) is listed. */
    limit: z.number().int().positive().nullable().optional(),
    /** This many of the newest runs were skipped before the page. */
    offset: z.number().int().nonnegative().optional(),
    /** The `offset` of the next (older) page while runs remain past this one; null on the last page. */
    next_offset: z.number().int().positive().nullable().optional(),
  }),
);
export type RunListing = z.infer<typeof RunListingSchema>;

export const RunStageArtifactsSchema = lazySchema(() =>
  z.strictObject({
    stage_result: z.string(),
    prompt: NullableString,
    stdout: NullableString,
    stderr: NullableString,
    report: NullableString,
    other: z.array(z.string()),
  }),
);
export type RunStageArtifacts = z.infer<typeof RunStageArtifactsSchema>;

export const RunStageCapabilitiesSchema = lazySchema(() =>
  z.strictObject({
    runner_name: z.string(),
    flags: z.array(z.string()),
    summary: z.string(),
    grants: z.array(AppliedGrantSchema),
  }),
);
export type RunStageCapabilities = z.infer<typeof RunStageCapabilitiesSchema>;

/** A stage the pre-dispatch capability gate stopped before its runner started. */
export const RunCapabilityBlockSchema = lazySchema(() =>
  z.strictObject({
    node_id: z.string(),
    stage_kind_id: z.string(),
    failure_class: NullableString,
    findings: z.array(
      z.strictObject({
        grant_id: z.string(),
        capability_id: z.string(),
        failure_class: z.string(),
        reason: z.string(),
      }),
    ),
  }),
);
export type RunCapabilityBlock = z.infer<typeof RunCapabilityBlockSchema>;

export const RunStageSchema = lazySchema(() =>
  z.strictObject({
    request_id: z.string(),
    plane: PlaneSchema,
    stage: z.string(),
    node_id: z.string(),
    stage_kind_id: z.string(),
    request_kind: RequestKindSchema,
    work_item_kind: WorkItemKindSchema.nullable(),
    work_item_id: NullableString,
    terminal_result: z.string(),
    result_class: ResultClassSchema,
    failure_class: NullableString,
    exit_code: z.int().nullable(),
    runner_name: NullableString,
    model_name: NullableString,
    model_reasoning_effort: NullableString,
    thinking_level: NullableString,
    started_at: z.string(),
    completed_at: z.string(),
    duration_seconds: z.number().nonnegative(),
    token_usage: TokenUsageSchema.nullable(),
    notes: z.array(z.string()),
    artifacts: RunStageArtifactsSchema,
    /**
     * The execution-capability grants the stage ran with, the flags they became and how each was held
     * (enforced by the runner, or advisory); null when execution capabilities were off for it.
     */
    capabilities: RunStageCapabilitiesSchema.nullable(),
  }),
);
export type RunStage = z.infer<typeof RunStageSchema>;

/** One stage's injected knowledge, from `runs/<run_id>/compounding_selection/<request_id>.json`. */
export const RunCompoundingSelectionSchema = lazySchema(() =>
  z.strictObject({
    request_id: z.string(),
    /** Workspace-relative path of the selection record. */
    path: z.string(),
    selection: CompoundingSelectionSchema,
  }),
);
export type RunCompoundingSelection = z.infer<typeof RunCompoundingSelectionSchema>;

/** `millrace runs show <run_id> --json`. */
export const RunDetailSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal(READ_MODEL_SCHEMA_VERSION),
    kind: z.literal("run_detail"),
    run: RunSummarySchema,
    stages: z.array(RunStageSchema),
    /** Stages the capability gate blocked (the runner never started), from `capability_gate.<node>.json`. */
    capability_blocks: z.array(RunCapabilityBlockSchema),
    /** Every file of the run folder outside `stage_results/` (runner artifacts, stage-authored reports), workspace-relative. */
    files: z.array(z.string()),
    /** What each stage's prompt was given from governed compounding (considered, selected, trimmed). */
    compounding: z
      .strictObject({
        selections: z.array(RunCompoundingSelectionSchema),
        /** Selection records that could not be read. */
        problems: z.array(RunProblemSchema),
      })
      .default({ selections: [], problems: [] }),
  }),
);
export type RunDetail = z.infer<typeof RunDetailSchema>;

export const RunTailSourceSchema = lazySchema(() =>
  z.enum(["troubleshoot_report", "runner_stdout", "runner_stderr", "stage_result"]),
);
export type RunTailSource = z.infer<typeof RunTailSourceSchema>;

/** `millrace runs tail <run_id> --json`. */
export const RunTailSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal(READ_MODEL_SCHEMA_VERSION),
    kind: z.literal("run_tail"),
    run_id: z.string(),
    source: RunTailSourceSchema,
    /** Workspace-relative path of the file shown. */
    path: z.string(),
    /** Lines kept (the last N of the file). */
    lines: Count,
    total_lines: Count,
    truncated: z.boolean(),
    text: z.string(),
  }),
);
export type RunTail = z.infer<typeof RunTailSchema>;

// ---------------------------------------------------------------------------------------------
// run trace (`runs/<run_id>/run_trace.json`, `runs trace --format json`)

export const RunTraceStatusSchema = lazySchema(() =>
  z.enum(["active", "complete", "blocked", "handoff", "incomplete", "malformed"]),
);
export type RunTraceStatus = z.infer<typeof RunTraceStatusSchema>;

export const RunTraceArtifactSchema = lazySchema(() =>
  z.strictObject({
    /** Workspace-relative when inside the workspace, else absolute. */
    path: z.string(),
    kind: z.string(),
    size_bytes: Count.nullable(),
    sha256: NullableString,
  }),
);
export type RunTraceArtifact = z.infer<typeof RunTraceArtifactSchema>;

export const RunTraceNodeSchema = lazySchema(() =>
  z.strictObject({
    /** The stage request id. */
    trace_node_id: z.string(),
    run_id: z.string(),
    request_id: z.string(),
    plane: PlaneSchema,
    stage: z.string(),
    node_id: z.string(),
    stage_kind_id: z.string(),
    request_kind: RequestKindSchema,
    work_item_kind: WorkItemKindSchema.nullable(),
    work_item_id: NullableString,
    closure_target_root_spec_id: NullableString,
    terminal_result: z.string(),
    result_class: ResultClassSchema,
    failure_class: NullableString,
    runner_name: NullableString,
    model_name: NullableString,
    thinking_level: NullableString,
    model_reasoning_effort: NullableString,
    started_at: z.string(),
    completed_at: z.string(),
    duration_seconds: z.number().nonnegative(),
    token_usage: TokenUsageSchema.nullable(),
    artifacts: z.array(RunTraceArtifactSchema),
  }),
);
export type RunTraceNode = z.infer<typeof RunTraceNodeSchema>;

export const SpawnedWorkSchema = lazySchema(() =>
  z.strictObject({
    kind: z.enum(["task", "spec", "incident", "learning_request"]),
    item_id: z.string(),
    path: NullableString,
    reason: NullableString,
    source_stage_node_id: NullableString,
    source_terminal_result: NullableString,
  }),
);
export type SpawnedWork = z.infer<typeof SpawnedWorkSchema>;

export const RunTraceEdgeSchema = lazySchema(() =>
  z.strictObject({
    trace_edge_id: z.string(),
    source_trace_node_id: z.string(),
    outcome: z.string(),
    /** normal, retry, escalation, handoff, terminal; `unknown` when derived without the plan's transition. */
    edge_kind: z.string(),
    target_node_id: NullableString,
    target_trace_node_id: NullableString,
    terminal_state_id: NullableString,
    spawned_work: z.array(SpawnedWorkSchema),
    decision_reason: NullableString,
    decided_at: NullableString,
  }),
);
export type RunTraceEdge = z.infer<typeof RunTraceEdgeSchema>;

export const RunTraceGraphSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal(READ_MODEL_SCHEMA_VERSION),
    kind: z.literal("run_trace_graph"),
    run_id: z.string(),
    /** Workspace-relative run folder. */
    run_dir: z.string(),
    compiled_plan_id: NullableString,
    mode_id: NullableString,
    request_kind: RequestKindSchema.nullable(),
    work_item_kind: WorkItemKindSchema.nullable(),
    work_item_id: NullableString,
    closure_target_root_spec_id: NullableString,
    status: RunTraceStatusSchema,
    started_at: NullableString,
    completed_at: NullableString,
    duration_seconds: z.number().nonnegative().nullable(),
    nodes: z.array(RunTraceNodeSchema),
    edges: z.array(RunTraceEdgeSchema),
    notes: z.array(z.string()),
    generated_at: z.string(),
  }),
);
export type RunTraceGraph = z.infer<typeof RunTraceGraphSchema>;

registerPersistedSchema("status-report", StatusReportSchema);
registerPersistedSchema("run-listing", RunListingSchema);
registerPersistedSchema("run-detail", RunDetailSchema);
registerPersistedSchema("run-tail", RunTailSchema);
registerPersistedSchema("run-trace-graph", RunTraceGraphSchema);

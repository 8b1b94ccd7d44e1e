import { z } from "zod";
import { MailboxCommandSchema, PauseSourceSchema, PlaneSchema } from "./enums.js";
import { lazySchema } from "./lazy-schema.js";
import { LivenessGradeSchema, LivenessResponseSchema } from "./liveness.js";
import { OperatorInterventionRecordSchema } from "./queue-records.js";
import { TokenUsageSchema } from "./stage-run.js";

/**
 * The runtime events Millrace writes to `logs/runtime_events.jsonl`: every event name and the shape
 * of its `data`, declared once. Writers are strict (an undeclared name is refused, and in strict
 * mode the payload is checked too); readers stay tolerant and use `RuntimeEventSchema`, so logs
 * written by older or newer versions remain readable.
 */

const text = lazySchema(() => z.string());
const nullableText = lazySchema(() => z.string().nullable());

/** The fields every stage event carries: which stage of which run, on which work item. */
const stageIdentity = () => ({
  request_id: text,
  stage: text,
  node_id: text,
  stage_kind_id: text,
  plane: PlaneSchema,
  run_id: text,
  work_item_kind: nullableText,
  work_item_id: nullableText,
  troubleshoot_report_path: nullableText,
  /** The thinking level the stage runs with; absent in events written before it was recorded. */
  thinking_level: nullableText.optional(),
});

/** Startup reconciliation findings, one event per finding, told apart by `signal`. */
const RuntimeReconciledSchema = lazySchema(() =>
  z.discriminatedUnion("signal", [
    z.strictObject({
      // Processes of a stage whose daemon died (kill -9), killed before anything is re-dispatched.
      signal: z.literal("orphaned_stage_processes_reaped"),
      stage_tag: text,
      run_dir: text,
      killed: z.array(z.number().int()),
      survivors: z.array(z.number().int()),
      scrubbed_files: z.number().int(),
    }),
    z.strictObject({
      signal: z.literal("stray_duplicate_of_active_item"),
      work_item_id: text,
      quarantined_from: text,
      run_id: text,
    }),
    z.strictObject({
      signal: z.literal("unapplied_stage_result"),
      plane: PlaneSchema,
      run_id: text,
      request_id: text,
    }),
    z.strictObject({
      signal: z.literal("interrupted_stage"),
      plane: PlaneSchema,
      run_id: text,
      node_id: text,
      request_id: text,
    }),
    z.strictObject({
      signal: z.literal("run_without_active_document"),
      plane: PlaneSchema,
      run_id: text,
      work_item_id: text,
      document_state: text,
    }),
    z.strictObject({
      signal: z.literal("stranded_active_document"),
      work_item_kind: text,
      work_item_id: text,
    }),
    z.strictObject({ signal: z.literal("orphaned_recovery_counters"), removed: z.int().nonnegative() }),
    z.strictObject({ signal: z.literal("invalid_status_marker"), plane: PlaneSchema, rewritten_to: text }),
  ]),
);

const CuratorPromotionSchema = lazySchema(() =>
  z.strictObject({
    run_id: text,
    learning_request_id: text,
    artifact_paths: z.array(text),
    /** Present (true) when a deferred candidate is applied at a later boundary. */
    deferred: z.literal(true).optional(),
  }),
);

const MailboxDocumentAppliedSchema = lazySchema(() => z.strictObject({ id: text, path: text }));

/** Every declared runtime event: name → the shape of its `data`. */
export const RUNTIME_EVENT_PAYLOADS = {
  // lifecycle
  runtime_daemon_lock_acquired: lazySchema(() =>
    z.strictObject({
      session_id: nullableText,
      replaced: z.enum(["absent", "stale", "invalid"]),
    }),
  ),
  runtime_daemon_lock_released: lazySchema(() => z.strictObject({ session_id: nullableText })),
  runtime_started: lazySchema(() =>
    z.strictObject({
      mode_id: text,
      compiled_plan_id: text,
      process_running: z.boolean(),
      reconciliation_signals: z.array(text),
    }),
  ),
  runtime_closed: lazySchema(() =>
    z.strictObject({ mode_id: text, compiled_plan_id: text, process_running: z.boolean() }),
  ),
  runtime_reconciled: RuntimeReconciledSchema,
  runtime_config_reloaded: lazySchema(() =>
    z.strictObject({
      compiled_plan_id: text,
      recompiled: z.boolean(),
      plan_changed: z.boolean(),
    }),
  ),
  runtime_config_reload_failed: lazySchema(() =>
    z.strictObject({ retained_previous_plan: z.boolean(), error: text }),
  ),
  /** A stage's runner could not start or authenticate: the stage is held and the runtime paused. */
  runtime_runner_unavailable: lazySchema(() =>
    z.strictObject({
      runner: text,
      failure_class: z.enum(["runner_unavailable", "runner_auth_failure"]),
      reason: text,
      plane: PlaneSchema,
      run_id: text,
      stage: text,
    }),
  ),
  /** The runner's preflight passed again: the `runner_unavailable` pause lifted, the held stage runs again. */
  runtime_runner_available: lazySchema(() => z.strictObject({ runner: text })),
  // the tick
  runtime_tick_idle: lazySchema(() => z.strictObject({})),
  runtime_tick_paused: lazySchema(() => z.strictObject({ pause_sources: z.array(PauseSourceSchema) })),
  runtime_tick_stopped: lazySchema(() =>
    z.strictObject({ reason: text, active_planes: z.array(PlaneSchema) }),
  ),
  usage_governance_paused: lazySchema(() => z.strictObject({ reason: nullableText })),
  usage_governance_resumed: lazySchema(() =>
    z.strictObject({
      reason: nullableText,
      /** The rules whose blocks lifted (built-in governance only). */
      cleared_rules: z.array(text).optional(),
    }),
  ),
  /** One per blocker, on the transition into a governance pause (never once per evaluation). */
  usage_governance_blocked: lazySchema(() =>
    z.strictObject({
      source: text,
      rule_id: text,
      window: text,
      metric: nullableText,
      observed: z.number(),
      threshold: z.number(),
      auto_resume_possible: z.boolean(),
      next_auto_resume_at: nullableText,
      detail: text,
    }),
  ),
  /** Subscription telemetry could not be read (on the transition into that state). */
  usage_governance_degraded: lazySchema(() => z.strictObject({ source: text, policy: text, detail: text })),
  /** A work item over one of its budgets was set aside before its next stage. */
  work_item_parked: lazySchema(() =>
    z.strictObject({
      plane: PlaneSchema,
      work_item_kind: text,
      work_item_id: text,
      run_id: nullableText,
      reason: text,
    }),
  ),
  /** A parked work item was released (optionally with more budget) and may be claimed again. */
  work_item_released: lazySchema(() =>
    z.strictObject({
      work_item_id: text,
      issuer: text,
      added_budget: z.number().nullable(),
    }),
  ),
  /** Quota-window scheduling held a stage until a window makes room (once per hold). */
  usage_governance_stage_deferred: lazySchema(() =>
    z.strictObject({
      plane: PlaneSchema,
      run_id: text,
      stage_kind_id: text,
      rule_id: nullableText,
      until: text,
      reason: text,
    }),
  ),
  /**
   * The pre-dispatch capability gate over a stage's required grants, logged when its outcome for a
   * run's node changes: allowed (after a wait), waiting for approval, or blocked (item blocked).
   */
  capability_gate_evaluated: lazySchema(() =>
    z.strictObject({
      plane: PlaneSchema,
      run_id: text,
      node_id: text,
      stage_kind_id: text,
      work_item_kind: nullableText,
      work_item_id: nullableText,
      outcome: z.enum(["allowed", "waiting_for_approval", "blocked", "advisory"]),
      failure_class: nullableText,
      findings: z.array(
        z.strictObject({ grant_id: text, capability_id: text, failure_class: text, reason: text }),
      ),
    }),
  ),
  /** The gate created an approval for a required grant that policy leaves to a person. */
  capability_approval_requested: lazySchema(() =>
    z.strictObject({
      approval_id: text,
      run_id: text,
      node_id: text,
      stage_kind_id: text,
      grant_id: text,
      capability_id: text,
      work_item_id: nullableText,
    }),
  ),
  /** An operator approved or denied an execution-capability approval. */
  execution_capability_decided: lazySchema(() =>
    z.strictObject({
      approval_id: text,
      decision: z.enum(["approved", "denied"]),
      capability_id: text,
      issuer: text,
    }),
  ),
  work_item_activated: lazySchema(() =>
    z.strictObject({
      plane: PlaneSchema,
      work_item_kind: text,
      work_item_id: text,
      run_id: text,
      node_id: text,
    }),
  ),
  work_item_blocked_no_entry: lazySchema(() =>
    z.strictObject({ work_item_kind: text, work_item_id: text, loop_id: text }),
  ),
  closure_target_opened: lazySchema(() => z.strictObject({ root_spec_id: text, root_idea_id: text })),
  closure_target_backpressure: lazySchema(() =>
    z.strictObject({
      open_root_spec_id: text,
      deferred_root_spec_ids: z.array(text),
      reason: z.literal("open_closure_target"),
    }),
  ),
  completion_behavior_activated: lazySchema(() =>
    z.strictObject({
      root_spec_id: text,
      root_idea_id: text,
      run_id: text,
      node_id: text,
    }),
  ),
  completion_behavior_blocked: lazySchema(() =>
    z.strictObject({
      reason: z.enum(["open_lineage_work", "closure_lineage_drift"]),
      root_spec_id: text,
      blocking_work_ids: z.array(text),
    }),
  ),
  closure_lineage_drift_detected: lazySchema(() =>
    z.strictObject({
      root_spec_id: text,
      root_idea_id: text,
      finding_count: z.number().int(),
      diagnostic_path: text,
    }),
  ),
  closure_lineage_repaired: lazySchema(() =>
    z.strictObject({
      root_spec_id: text,
      changed_count: z.number().int(),
      skipped_count: z.number().int(),
      report_path: text,
      issuer: text,
    }),
  ),
  completion_behavior_held: lazySchema(() =>
    z.strictObject({ root_spec_id: text, last_arbiter_run_id: text, reason: text }),
  ),
  // execution lanes (docs/lanes.md)
  lane_opened: lazySchema(() =>
    z.strictObject({
      lane: z.int().positive(),
      work_item_id: text,
      branch: text,
      worktree_path: text,
      target_paths: z.array(text),
    }),
  ),
  lane_landed: lazySchema(() =>
    z.strictObject({
      lane: z.int().positive(),
      work_item_id: text,
      branch: text,
      outcome: text,
      head_after: text,
    }),
  ),
  lane_merge_conflict: lazySchema(() =>
    z.strictObject({
      lane: z.int().positive(),
      work_item_id: text,
      branch: text,
      files: z.array(text),
      incident_id: nullableText,
      reason: text,
    }),
  ),
  lane_merge_started: lazySchema(() =>
    z.strictObject({
      lane: z.int().positive(),
      work_item_id: text,
      branch: text,
      files: z.array(text),
      round: z.int().positive(),
      merged_sha: text,
      run_id: text,
    }),
  ),
  lane_released: lazySchema(() =>
    z.strictObject({ lane: z.int().positive(), work_item_id: text, document_state: text }),
  ),
  lane_reconciled: lazySchema(() => z.strictObject({ work_item_id: text, outcome: text })),
  idea_normalized_to_spec: lazySchema(() => z.strictObject({ spec_id: text, idea_path: text })),
  idea_normalization_skipped: lazySchema(() => z.strictObject({ idea_path: text, reason: text })),
  stage_started: lazySchema(() =>
    z.strictObject({ ...stageIdentity(), lane: z.int().positive().optional() }),
  ),
  stage_interrupted: lazySchema(() => z.strictObject({ plane: PlaneSchema, run_id: text, node_id: text })),
  // applying stage results
  stage_completed: lazySchema(() =>
    z.strictObject({
      ...stageIdentity(),
      terminal_result: text,
      result_class: text,
      failure_class: nullableText,
      duration_seconds: z.number(),
      token_usage: TokenUsageSchema.nullable(),
    }),
  ),
  router_decision: lazySchema(() =>
    z.strictObject({
      action: z.enum(["run_stage", "idle", "blocked", "handoff"]),
      plane: PlaneSchema,
      run_id: text,
      next_stage: nullableText,
      next_node_id: nullableText,
      next_stage_kind_id: nullableText,
      terminal_state_id: nullableText,
      reason: text,
      failure_class: nullableText,
      policy_id: nullableText,
    }),
  ),
  /** A running stage entered a liveness grade (once per stage and grade), with the response taken. */
  liveness_changed: lazySchema(() =>
    z.strictObject({
      plane: PlaneSchema,
      run_id: text,
      request_id: text,
      stage: text,
      work_item_id: nullableText,
      previous: LivenessGradeSchema,
      grade: LivenessGradeSchema,
      reason: text,
      response: LivenessResponseSchema,
      silent_seconds: z.number(),
    }),
  ),
  /** The outcome of one liveness notification (command or webhook); a failure is recorded, never fatal. */
  liveness_notified: lazySchema(() =>
    z.strictObject({
      plane: PlaneSchema,
      run_id: text,
      grade: LivenessGradeSchema,
      channel: z.enum(["command", "webhook"]),
      ok: z.boolean(),
      detail: text,
    }),
  ),
  stage_result_discarded: lazySchema(() =>
    z.strictObject({ plane: PlaneSchema, run_id: text, node_id: text, reason: text }),
  ),
  run_trace_failed: lazySchema(() => z.strictObject({ run_id: text, error: text })),
  runtime_post_stage_recovery_scheduled: lazySchema(() =>
    z.strictObject({
      error_code: text,
      plane: PlaneSchema,
      failed_stage: text,
      repair_stage: text,
      repair_node_id: nullableText,
      repair_stage_kind_id: nullableText,
      router_action: nullableText,
      terminal_result: text,
      work_item_kind: nullableText,
      work_item_id: nullableText,
      exception_type: text,
      exception_message: text,
      report_path: text,
    }),
  ),
  runtime_blocked_mark_failed: lazySchema(() =>
    z.strictObject({ work_item_kind: text, work_item_id: text, error: text }),
  ),
  runtime_handoff_incident_enqueued: lazySchema(() =>
    z.strictObject({ incident_id: text, path: text, run_id: text }),
  ),
  recon_handoff_enqueued: lazySchema(() =>
    z.strictObject({
      probe_id: text,
      kind: z.enum(["task", "spec"]),
      id: text,
      recon_packet_id: text,
    }),
  ),
  /** A Manager Blueprint run's drafts were queued and its source completed. */
  blueprint_drafts_queued: lazySchema(() =>
    z.strictObject({
      source_kind: text,
      source_id: text,
      run_id: text,
      manifest_id: nullableText,
      draft_ids: z.array(text),
    }),
  ),
  /** An Evaluator approved a draft: the generated task was queued and the draft completed. */
  blueprint_task_enqueued: lazySchema(() =>
    z.strictObject({
      draft_id: text,
      task_id: text,
      run_id: text,
    }),
  ),
  closure_target_closed: lazySchema(() => z.strictObject({ root_spec_id: text, run_id: text })),
  closure_repeated_remediation_blocked: lazySchema(() =>
    z.strictObject({
      root_spec_id: text,
      run_id: text,
      previous_run_id: text,
    }),
  ),
  learning_request_enqueued: lazySchema(() =>
    z.strictObject({ learning_request_id: text, rule_id: text, run_id: text }),
  ),
  learning_curator_promotion_deferred: CuratorPromotionSchema,
  learning_curator_promotion_applied: CuratorPromotionSchema,
  // governed compounding (@millrace/compounding, wired by the engine)
  /** A stage's prompt received promoted knowledge (the selection record is the run artifact named). */
  compounding_context_injected: lazySchema(() =>
    z.strictObject({
      run_id: text,
      request_id: text,
      stage: text,
      selected_ids: z.array(text),
      injected_characters: z.number().int().nonnegative(),
      artifact_path: text,
    }),
  ),
  /** A successful stage left a run-scoped procedure candidate. */
  compounding_candidate_recorded: lazySchema(() =>
    z.strictObject({
      run_id: text,
      request_id: text,
      stage: text,
      procedure_id: text,
      path: text,
    }),
  ),
  /** A learning stage left a context-fact candidate. */
  compounding_fact_recorded: lazySchema(() =>
    z.strictObject({
      run_id: text,
      request_id: text,
      stage: text,
      fact_id: text,
      path: text,
    }),
  ),
  /** A closing checkpoint copied the run's candidates to workspace scope as `candidate`. */
  compounding_candidates_flushed: lazySchema(() =>
    z.strictObject({
      run_id: text,
      milestone: z.enum(["stage_success", "recovery_success", "run_closeout"]),
      flushed: z.array(text),
    }),
  ),
  /** An operator promoted or deprecated a procedure or fact (`applied: false`: it already was). */
  compounding_item_governed: lazySchema(() =>
    z.strictObject({
      item_kind: z.enum(["procedure", "fact"]),
      item_id: text,
      state: z.enum(["promoted", "deprecated"]),
      issuer: text,
      reason: text,
      replacement_id: nullableText,
      applied: z.boolean(),
    }),
  ),
  /** Compounding bookkeeping failed; the stage's result was applied regardless. */
  compounding_update_failed: lazySchema(() =>
    z.strictObject({
      run_id: text,
      request_id: text,
      stage: text,
      step: z.enum(["selection", "extraction", "flush", "outcome"]),
      error: text,
    }),
  ),
  // operator control (mailbox and direct)
  control_command_applied: lazySchema(() =>
    z.strictObject({
      command: MailboxCommandSchema,
      /** The id the supervisor contract gave the command (absent in events of older versions). */
      command_id: text.optional(),
      mode: z.literal("direct"),
      issuer: text,
      applied: z.boolean(),
      detail: text,
      at: text,
    }),
  ),
  mailbox_command_applied: lazySchema(() =>
    z.strictObject({
      command: MailboxCommandSchema,
      command_id: text,
      issuer: text,
      applied: z.boolean(),
      detail: text,
    }),
  ),
  mailbox_command_failed: lazySchema(() =>
    z.union([
      z.strictObject({ file: text, error: text.optional() }),
      z.strictObject({ command: MailboxCommandSchema, command_id: text, error: text }),
    ]),
  ),
  mailbox_add_task_applied: MailboxDocumentAppliedSchema,
  mailbox_add_spec_applied: MailboxDocumentAppliedSchema,
  mailbox_add_probe_applied: MailboxDocumentAppliedSchema,
  /** `import_document`: any work-document kind (incidents and learning requests included). */
  mailbox_import_document_applied: lazySchema(() => MailboxDocumentAppliedSchema.extend({ kind: text })),
  mailbox_add_idea_applied: lazySchema(() => z.strictObject({ path: text })),
  /** A stage asked the operator a question; its work item waits until the question is resolved. */
  operator_question_asked: lazySchema(() =>
    z.strictObject({
      question_id: text,
      plane: PlaneSchema,
      work_item_kind: text,
      work_item_id: text,
      run_id: text,
      node_id: text,
      resume_node_id: text,
    }),
  ),
  /** An operator answered, accepted the recommendation for, or skipped a pending question. */
  operator_question_resolved: lazySchema(() =>
    z.strictObject({
      question_id: text,
      work_item_id: text,
      resolution: z.enum(["answered", "accepted", "skipped"]),
      issuer: text,
    }),
  ),
  /** A pending question's item left the queue (cancelled, archived, superseded): nobody needs the answer. */
  operator_question_withdrawn: lazySchema(() =>
    z.strictObject({
      question_id: text,
      work_item_id: text,
      action: text,
      issuer: text,
    }),
  ),
  /** The item of a resolved question was claimed again and continues at the resume node. */
  operator_question_resumed: lazySchema(() =>
    z.strictObject({
      question_id: text,
      work_item_id: text,
      run_id: text,
      node_id: text,
    }),
  ),
  runtime_paused_by_operator: lazySchema(() => z.strictObject({ issuer: text })),
  runtime_resumed_by_operator: lazySchema(() => z.strictObject({ issuer: text })),
  runtime_stale_state_cleared: lazySchema(() => z.strictObject({ requeued: z.array(text), issuer: text })),
  retry_active_skipped: lazySchema(() =>
    z.union([
      z.strictObject({ reason: z.literal("multiple_active_planes") }),
      z.strictObject({ reason: z.literal("non_retryable_active_run"), plane: PlaneSchema }),
    ]),
  ),
  retry_active_applied: lazySchema(() =>
    z.strictObject({
      plane: PlaneSchema,
      work_item_kind: text,
      work_item_id: text,
      reason: text,
      /** The execution lane the item was retried in (absent without lanes). */
      lane: z.int().positive().optional(),
    }),
  ),
  // operator queue interventions (written by @millrace/queue-store): the audit record itself
  work_item_cancelled: OperatorInterventionRecordSchema,
  blocked_task_archived: OperatorInterventionRecordSchema,
  task_superseded: OperatorInterventionRecordSchema,
  task_dependency_retargeted: OperatorInterventionRecordSchema,
  incident_resolved_by_operator: OperatorInterventionRecordSchema,
  incident_cancelled: OperatorInterventionRecordSchema,
  invalid_incident_artifact_archived: OperatorInterventionRecordSchema,
  /** An operator moved a blocked item back to its queue (same document, same lineage). */
  blocked_work_item_retried: lazySchema(() =>
    OperatorInterventionRecordSchema.extend({
      /** Which retry of this item it is (operator and automatic retries together). */
      retry_attempt: z.int().positive(),
    }),
  ),
  // bounded autonomous recovery ([recovery] auto_retry_attempts)
  /** An item blocked by a transient failure will be requeued at `due_at`. */
  auto_retry_scheduled: lazySchema(() =>
    z.strictObject({
      work_item_kind: text,
      work_item_id: text,
      failure_class: text,
      attempt: z.int().positive(),
      max_attempts: z.int().positive(),
      due_at: text,
    }),
  ),
  /** The runtime requeued a blocked item (logged with `"auto": true` in its requeue log). */
  auto_retry_requeued: lazySchema(() =>
    z.strictObject({
      work_item_kind: text,
      work_item_id: text,
      failure_class: text,
      attempt: z.int().positive(),
      max_attempts: z.int().positive(),
    }),
  ),
  /** A blocked item is not retried automatically: its failure is not transient, or its retries are spent. */
  auto_retry_declined: lazySchema(() =>
    z.strictObject({
      work_item_kind: text,
      work_item_id: text,
      failure_class: nullableText,
      reason: z.enum(["not_transient", "attempts_exhausted", "requeue_failed"]),
      attempts_used: z.int().nonnegative(),
      max_attempts: z.int().positive(),
      detail: text,
    }),
  ),
  /** An operator acknowledged a Sentinel cap, so Sentinel may queue recovery requests again. */
  sentinel_acknowledged: lazySchema(() =>
    z.strictObject({
      issuer: text,
      reason: text,
      cap: z.enum(["soft", "hard"]),
      recovery_requests_queued: z.int().nonnegative(),
    }),
  ),
} as const satisfies Record<string, z.ZodType<Record<string, unknown>>>;

type Payloads = typeof RUNTIME_EVENT_PAYLOADS;

export type RuntimeEventName = keyof Payloads;

/** Every declared event name, in declaration order. */
export const RUNTIME_EVENT_NAMES = Object.keys(RUNTIME_EVENT_PAYLOADS) as RuntimeEventName[];

/** The event names queue interventions write. */
export type InterventionEventName =
  | "work_item_cancelled"
  | "blocked_task_archived"
  | "task_superseded"
  | "task_dependency_retargeted"
  | "incident_resolved_by_operator"
  | "incident_cancelled"
  | "invalid_incident_artifact_archived";

/** The `data` of one declared event. */
export type RuntimeEventData<N extends RuntimeEventName> = z.output<Payloads[N]>;

/** A runtime event as code produces it: a declared name and its payload. */
export type TypedRuntimeEvent = {
  [N in RuntimeEventName]: { event_type: N; data: RuntimeEventData<N> };
}[RuntimeEventName];

const eventSchemas = () =>
  RUNTIME_EVENT_NAMES.map((name) =>
    z.strictObject({ event_type: z.literal(name), data: RUNTIME_EVENT_PAYLOADS[name] }),
  );

/**
 * The discriminated union of declared events (`event_type` + `data`), for writers that check
 * payloads. Built from {@link RUNTIME_EVENT_PAYLOADS}, so each event is declared exactly once.
 */
export const TypedRuntimeEventSchema = lazySchema(
  () =>
    z.discriminatedUnion(
      "event_type",
      eventSchemas() as unknown as [
        ReturnType<typeof eventSchemas>[number],
        ...ReturnType<typeof eventSchemas>[number][],
      ],
    ) as unknown as z.ZodType<TypedRuntimeEvent>,
);

const DECLARED = new Set<string>(RUNTIME_EVENT_NAMES);

/** True for a declared runtime event name. */
export function isRuntimeEventName(name: string): name is RuntimeEventName {
  return DECLARED.has(name);
}

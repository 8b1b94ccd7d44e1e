import { z } from "zod";
import { PauseSourceSchema, PlaneSchema } from "../enums.js";
import { nullableText, runtimeReconciled, text } from "./payload-parts.js";

/**
 * The daemon's lifecycle, the tick, usage governance, the capability gate, closure targets and execution lanes.
 * Event name → a function that builds the schema of its `data` (called on first use only).
 */
export const LIFECYCLE_EVENT_PAYLOADS = {
  // lifecycle
  runtime_daemon_lock_acquired: () =>
    z.strictObject({
      session_id: nullableText(),
      replaced: z.enum(["absent", "stale", "invalid"]),
    }),
  runtime_daemon_lock_released: () => z.strictObject({ session_id: nullableText() }),
  runtime_started: () =>
    z.strictObject({
      mode_id: text(),
      compiled_plan_id: text(),
      process_running: z.boolean(),
      reconciliation_signals: z.array(text()),
    }),
  runtime_closed: () =>
    z.strictObject({ mode_id: text(), compiled_plan_id: text(), process_running: z.boolean() }),
  runtime_reconciled: () => runtimeReconciled(),
  runtime_config_reloaded: () =>
    z.strictObject({
      compiled_plan_id: text(),
      recompiled: z.boolean(),
      plan_changed: z.boolean(),
    }),
  runtime_config_reload_failed: () => z.strictObject({ retained_previous_plan: z.boolean(), error: text() }),
  /** A stage's runner could not start or authenticate: the stage is held and the runtime paused. */
  runtime_runner_unavailable: () =>
    z.strictObject({
      runner: text(),
      failure_class: z.enum(["runner_unavailable", "runner_auth_failure"]),
      reason: text(),
      plane: PlaneSchema,
      run_id: text(),
      stage: text(),
    }),
  /** The runner's preflight passed again: the `runner_unavailable` pause lifted, the held stage runs again. */
  runtime_runner_available: () => z.strictObject({ runner: text() }),
  // the tick
  runtime_tick_idle: () => z.strictObject({}),
  runtime_tick_paused: () => z.strictObject({ pause_sources: z.array(PauseSourceSchema) }),
  runtime_tick_stopped: () => z.strictObject({ reason: text(), active_planes: z.array(PlaneSchema) }),
  usage_governance_paused: () => z.strictObject({ reason: nullableText() }),
  usage_governance_resumed: () =>
    z.strictObject({
      reason: nullableText(),
      /** The rules whose blocks lifted (built-in governance only). */
      cleared_rules: z.array(text()).optional(),
    }),
  /** One per blocker, on the transition into a governance pause (never once per evaluation). */
  usage_governance_blocked: () =>
    z.strictObject({
      source: text(),
      rule_id: text(),
      window: text(),
      metric: nullableText(),
      observed: z.number(),
      threshold: z.number(),
      auto_resume_possible: z.boolean(),
      next_auto_resume_at: nullableText(),
      detail: text(),
    }),
  /** Subscription telemetry could not be read (on the transition into that state). */
  usage_governance_degraded: () => z.strictObject({ source: text(), policy: text(), detail: text() }),
  /** A work item over one of its budgets was set aside before its next stage. */
  work_item_parked: () =>
    z.strictObject({
      plane: PlaneSchema,
      work_item_kind: text(),
      work_item_id: text(),
      run_id: nullableText(),
      reason: text(),
    }),
  /** A parked work item was released (optionally with more budget) and may be claimed again. */
  work_item_released: () =>
    z.strictObject({
      work_item_id: text(),
      issuer: text(),
      added_budget: z.number().nullable(),
    }),
  /** Quota-window scheduling held a stage until a window makes room (once per hold). */
  usage_governance_stage_deferred: () =>
    z.strictObject({
      plane: PlaneSchema,
      run_id: text(),
      stage_kind_id: text(),
      rule_id: nullableText(),
      until: text(),
      reason: text(),
    }),
  /**
   * The pre-dispatch capability gate over a stage's required grants, logged when its outcome for a
   * run's node changes: allowed (after a wait), waiting for approval, or blocked (item blocked).
   */
  capability_gate_evaluated: () =>
    z.strictObject({
      plane: PlaneSchema,
      run_id: text(),
      node_id: text(),
      stage_kind_id: text(),
      work_item_kind: nullableText(),
      work_item_id: nullableText(),
      outcome: z.enum(["allowed", "waiting_for_approval", "blocked", "advisory"]),
      failure_class: nullableText(),
      findings: z.array(
        z.strictObject({ grant_id: text(), capability_id: text(), failure_class: text(), reason: text() }),
      ),
    }),
  /** The gate created an approval for a required grant that policy leaves to a person. */
  capability_approval_requested: () =>
    z.strictObject({
      approval_id: text(),
      run_id: text(),
      node_id: text(),
      stage_kind_id: text(),
      grant_id: text(),
      capability_id: text(),
      work_item_id: nullableText(),
    }),
  /** An operator approved or denied an execution-capability approval. */
  execution_capability_decided: () =>
    z.strictObject({
      approval_id: text(),
      decision: z.enum(["approved", "denied"]),
      capability_id: text(),
      issuer: text(),
    }),
  work_item_activated: () =>
    z.strictObject({
      plane: PlaneSchema,
      work_item_kind: text(),
      work_item_id: text(),
      run_id: text(),
      node_id: text(),
    }),
  work_item_blocked_no_entry: () =>
    z.strictObject({ work_item_kind: text(), work_item_id: text(), loop_id: text() }),
  closure_target_opened: () => z.strictObject({ root_spec_id: text(), root_idea_id: text() }),
  closure_target_backpressure: () =>
    z.strictObject({
      open_root_spec_id: text(),
      deferred_root_spec_ids: z.array(text()),
      reason: z.literal("open_closure_target"),
    }),
  completion_behavior_activated: () =>
    z.strictObject({
      root_spec_id: text(),
      root_idea_id: text(),
      run_id: text(),
      node_id: text(),
    }),
  completion_behavior_blocked: () =>
    z.strictObject({
      reason: z.enum(["open_lineage_work", "closure_lineage_drift"]),
      root_spec_id: text(),
      blocking_work_ids: z.array(text()),
    }),
  closure_lineage_drift_detected: () =>
    z.strictObject({
      root_spec_id: text(),
      root_idea_id: text(),
      finding_count: z.number().int(),
      diagnostic_path: text(),
    }),
  closure_lineage_repaired: () =>
    z.strictObject({
      root_spec_id: text(),
      changed_count: z.number().int(),
      skipped_count: z.number().int(),
      report_path: text(),
      issuer: text(),
    }),
  completion_behavior_held: () =>
    z.strictObject({ root_spec_id: text(), last_arbiter_run_id: text(), reason: text() }),
  // execution lanes (docs/lanes.md)
  lane_opened: () =>
    z.strictObject({
      lane: z.int().positive(),
      work_item_id: text(),
      branch: text(),
      worktree_path: text(),
      target_paths: z.array(text()),
    }),
  lane_landed: () =>
    z.strictObject({
      lane: z.int().positive(),
      work_item_id: text(),
      branch: text(),
      outcome: text(),
      head_after: text(),
    }),
  lane_merge_conflict: () =>
    z.strictObject({
      lane: z.int().positive(),
      work_item_id: text(),
      branch: text(),
      files: z.array(text()),
      incident_id: nullableText(),
      reason: text(),
    }),
  lane_merge_started: () =>
    z.strictObject({
      lane: z.int().positive(),
      work_item_id: text(),
      branch: text(),
      files: z.array(text()),
      round: z.int().positive(),
      merged_sha: text(),
      run_id: text(),
    }),
  lane_released: () =>
    z.strictObject({ lane: z.int().positive(), work_item_id: text(), document_state: text() }),
  lane_reconciled: () => z.strictObject({ work_item_id: text(), outcome: text() }),
  idea_normalized_to_spec: () => z.strictObject({ spec_id: text(), idea_path: text() }),
  idea_normalization_skipped: () => z.strictObject({ idea_path: text(), reason: text() }),
} as const satisfies Record<string, () => z.ZodType<Record<string, unknown>>>;

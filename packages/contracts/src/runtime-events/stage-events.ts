import { z } from "zod";
import { PlaneSchema } from "../enums.js";
import { LivenessGradeSchema, LivenessResponseSchema } from "../liveness.js";
import { TokenUsageSchema } from "../stage-run.js";
import { curatorPromotion, nullableText, stageIdentity, text } from "./payload-parts.js";

/**
 * Stages starting and completing, applying their results (routing, liveness, recovery, handoffs) and governed compounding.
 * Event name → a function that builds the schema of its `data` (called on first use only).
 */
export const STAGE_EVENT_PAYLOADS = {
  stage_started: () => z.strictObject({ ...stageIdentity(), lane: z.int().positive().optional() }),
  stage_interrupted: () => z.strictObject({ plane: PlaneSchema, run_id: text(), node_id: text() }),
  // applying stage results
  stage_completed: () =>
    z.strictObject({
      ...stageIdentity(),
      terminal_result: text(),
      result_class: text(),
      failure_class: nullableText(),
      duration_seconds: z.number(),
      token_usage: TokenUsageSchema.nullable(),
    }),
  router_decision: () =>
    z.strictObject({
      action: z.enum(["run_stage", "idle", "blocked", "handoff"]),
      plane: PlaneSchema,
      run_id: text(),
      next_stage: nullableText(),
      next_node_id: nullableText(),
      next_stage_kind_id: nullableText(),
      terminal_state_id: nullableText(),
      reason: text(),
      failure_class: nullableText(),
      policy_id: nullableText(),
    }),
  /** A running stage entered a liveness grade (once per stage and grade), with the response taken. */
  liveness_changed: () =>
    z.strictObject({
      plane: PlaneSchema,
      run_id: text(),
      request_id: text(),
      stage: text(),
      work_item_id: nullableText(),
      previous: LivenessGradeSchema,
      grade: LivenessGradeSchema,
      reason: text(),
      response: LivenessResponseSchema,
      silent_seconds: z.number(),
    }),
  /** The outcome of one liveness notification (command or webhook); a failure is recorded, never fatal. */
  liveness_notified: () =>
    z.strictObject({
      plane: PlaneSchema,
      run_id: text(),
      grade: LivenessGradeSchema,
      channel: z.enum(["command", "webhook"]),
      ok: z.boolean(),
      detail: text(),
    }),
  stage_result_discarded: () =>
    z.strictObject({ plane: PlaneSchema, run_id: text(), node_id: text(), reason: text() }),
  run_trace_failed: () => z.strictObject({ run_id: text(), error: text() }),
  runtime_post_stage_recovery_scheduled: () =>
    z.strictObject({
      error_code: text(),
      plane: PlaneSchema,
      failed_stage: text(),
      repair_stage: text(),
      repair_node_id: nullableText(),
      repair_stage_kind_id: nullableText(),
      router_action: nullableText(),
      terminal_result: text(),
      work_item_kind: nullableText(),
      work_item_id: nullableText(),
      exception_type: text(),
      exception_message: text(),
      report_path: text(),
    }),
  runtime_blocked_mark_failed: () =>
    z.strictObject({ work_item_kind: text(), work_item_id: text(), error: text() }),
  runtime_handoff_incident_enqueued: () =>
    z.strictObject({ incident_id: text(), path: text(), run_id: text() }),
  recon_handoff_enqueued: () =>
    z.strictObject({
      probe_id: text(),
      kind: z.enum(["task", "spec"]),
      id: text(),
      recon_packet_id: text(),
    }),
  /** A Manager Blueprint run's drafts were queued and its source completed. */
  blueprint_drafts_queued: () =>
    z.strictObject({
      source_kind: text(),
      source_id: text(),
      run_id: text(),
      manifest_id: nullableText(),
      draft_ids: z.array(text()),
    }),
  /** An Evaluator approved a draft: the generated task was queued and the draft completed. */
  blueprint_task_enqueued: () =>
    z.strictObject({
      draft_id: text(),
      task_id: text(),
      run_id: text(),
    }),
  closure_target_closed: () => z.strictObject({ root_spec_id: text(), run_id: text() }),
  closure_repeated_remediation_blocked: () =>
    z.strictObject({
      root_spec_id: text(),
      run_id: text(),
      previous_run_id: text(),
    }),
  learning_request_enqueued: () =>
    z.strictObject({ learning_request_id: text(), rule_id: text(), run_id: text() }),
  learning_curator_promotion_deferred: () => curatorPromotion(),
  learning_curator_promotion_applied: () => curatorPromotion(),
  // governed compounding (@millrace/compounding, wired by the engine)
  /** A stage's prompt received promoted knowledge (the selection record is the run artifact named). */
  compounding_context_injected: () =>
    z.strictObject({
      run_id: text(),
      request_id: text(),
      stage: text(),
      selected_ids: z.array(text()),
      injected_characters: z.number().int().nonnegative(),
      artifact_path: text(),
    }),
  /** A successful stage left a run-scoped procedure candidate. */
  compounding_candidate_recorded: () =>
    z.strictObject({
      run_id: text(),
      request_id: text(),
      stage: text(),
      procedure_id: text(),
      path: text(),
    }),
  /** A learning stage left a context-fact candidate. */
  compounding_fact_recorded: () =>
    z.strictObject({
      run_id: text(),
      request_id: text(),
      stage: text(),
      fact_id: text(),
      path: text(),
    }),
  /** A closing checkpoint copied the run's candidates to workspace scope as `candidate`. */
  compounding_candidates_flushed: () =>
    z.strictObject({
      run_id: text(),
      milestone: z.enum(["stage_success", "recovery_success", "run_closeout"]),
      flushed: z.array(text()),
    }),
  /** An operator promoted or deprecated a procedure or fact (`applied: false`: it already was). */
  compounding_item_governed: () =>
    z.strictObject({
      item_kind: z.enum(["procedure", "fact"]),
      item_id: text(),
      state: z.enum(["promoted", "deprecated"]),
      issuer: text(),
      reason: text(),
      replacement_id: nullableText(),
      applied: z.boolean(),
    }),
  /** Compounding bookkeeping failed; the stage's result was applied regardless. */
  compounding_update_failed: () =>
    z.strictObject({
      run_id: text(),
      request_id: text(),
      stage: text(),
      step: z.enum(["selection", "extraction", "flush", "outcome"]),
      error: text(),
    }),
} as const satisfies Record<string, () => z.ZodType<Record<string, unknown>>>;

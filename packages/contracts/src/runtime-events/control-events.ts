import { z } from "zod";
import { MailboxCommandSchema, PlaneSchema } from "../enums.js";
import { OperatorInterventionRecordSchema } from "../queue-records.js";
import { mailboxDocumentApplied, nullableText, text } from "./payload-parts.js";

/** The fields an automatic retry's scheduled and requeued events share. */
const retryAttempt = () => ({
  work_item_kind: text(),
  work_item_id: text(),
  failure_class: text(),
  attempt: z.int().positive(),
  max_attempts: z.int().positive(),
});

/**
 * Operator control (mailbox and direct), operator questions, queue interventions, automatic retries and Sentinel.
 * Event name → a function that builds the schema of its `data` (called on first use only).
 */
export const CONTROL_EVENT_PAYLOADS = {
  // operator control (mailbox and direct)
  control_command_applied: () =>
    z.strictObject({
      command: MailboxCommandSchema,
      /** The id the supervisor contract gave the command (absent in events of older versions). */
      command_id: text().optional(),
      mode: z.literal("direct"),
      issuer: text(),
      applied: z.boolean(),
      detail: text(),
      at: text(),
    }),
  mailbox_command_applied: () =>
    z.strictObject({
      command: MailboxCommandSchema,
      command_id: text(),
      issuer: text(),
      applied: z.boolean(),
      detail: text(),
    }),
  mailbox_command_failed: () =>
    z.union([
      z.strictObject({ file: text(), error: text().optional() }),
      z.strictObject({ command: MailboxCommandSchema, command_id: text(), error: text() }),
    ]),
  mailbox_add_task_applied: () => mailboxDocumentApplied(),
  mailbox_add_spec_applied: () => mailboxDocumentApplied(),
  mailbox_add_probe_applied: () => mailboxDocumentApplied(),
  /** `import_document`: any work-document kind (incidents and learning requests included). */
  mailbox_import_document_applied: () => mailboxDocumentApplied().extend({ kind: text() }),
  mailbox_add_idea_applied: () => z.strictObject({ path: text() }),
  /** A stage asked the operator a question; its work item waits until the question is resolved. */
  operator_question_asked: () =>
    z.strictObject({
      question_id: text(),
      plane: PlaneSchema,
      work_item_kind: text(),
      work_item_id: text(),
      run_id: text(),
      node_id: text(),
      resume_node_id: text(),
    }),
  /** An operator answered, accepted the recommendation for, or skipped a pending question. */
  operator_question_resolved: () =>
    z.strictObject({
      question_id: text(),
      work_item_id: text(),
      resolution: z.enum(["answered", "accepted", "skipped"]),
      issuer: text(),
    }),
  /** A pending question's item left the queue (cancelled, archived, superseded): nobody needs the answer. */
  operator_question_withdrawn: () =>
    z.strictObject({
      question_id: text(),
      work_item_id: text(),
      action: text(),
      issuer: text(),
    }),
  /** The item of a resolved question was claimed again and continues at the resume node. */
  operator_question_resumed: () =>
    z.strictObject({
      question_id: text(),
      work_item_id: text(),
      run_id: text(),
      node_id: text(),
    }),
  runtime_paused_by_operator: () => z.strictObject({ issuer: text() }),
  runtime_resumed_by_operator: () => z.strictObject({ issuer: text() }),
  runtime_stale_state_cleared: () => z.strictObject({ requeued: z.array(text()), issuer: text() }),
  retry_active_skipped: () =>
    z.union([
      z.strictObject({ reason: z.literal("multiple_active_planes") }),
      z.strictObject({ reason: z.literal("non_retryable_active_run"), plane: PlaneSchema }),
    ]),
  retry_active_applied: () =>
    z.strictObject({
      plane: PlaneSchema,
      work_item_kind: text(),
      work_item_id: text(),
      reason: text(),
      /** The execution lane the item was retried in (absent without lanes). */
      lane: z.int().positive().optional(),
    }),
  // operator queue interventions (written by @millrace/queue-store): the audit record itself
  work_item_cancelled: () => OperatorInterventionRecordSchema,
  blocked_task_archived: () => OperatorInterventionRecordSchema,
  task_superseded: () => OperatorInterventionRecordSchema,
  task_dependency_retargeted: () => OperatorInterventionRecordSchema,
  incident_resolved_by_operator: () => OperatorInterventionRecordSchema,
  incident_cancelled: () => OperatorInterventionRecordSchema,
  invalid_incident_artifact_archived: () => OperatorInterventionRecordSchema,
  /** An operator moved a blocked item back to its queue (same document, same lineage). */
  blocked_work_item_retried: () =>
    OperatorInterventionRecordSchema.extend({
      /** Which retry of this item it is (operator and automatic retries together). */
      retry_attempt: z.int().positive(),
    }),
  // bounded autonomous recovery ([recovery] auto_retry_attempts)
  /** An item blocked by a transient failure will be requeued at `due_at`. */
  auto_retry_scheduled: () => z.strictObject({ ...retryAttempt(), due_at: text() }),
  /** The runtime requeued a blocked item (logged with `"auto": true` in its requeue log). */
  auto_retry_requeued: () => z.strictObject(retryAttempt()),
  /** A blocked item is not retried automatically: its failure is not transient, or its retries are spent. */
  auto_retry_declined: () =>
    z.strictObject({
      work_item_kind: text(),
      work_item_id: text(),
      failure_class: nullableText(),
      reason: z.enum(["not_transient", "attempts_exhausted", "requeue_failed"]),
      attempts_used: z.int().nonnegative(),
      max_attempts: z.int().positive(),
      detail: text(),
    }),
  /** An operator acknowledged a Sentinel cap, so Sentinel may queue recovery requests again. */
  sentinel_acknowledged: () =>
    z.strictObject({
      issuer: text(),
      reason: text(),
      cap: z.enum(["soft", "hard"]),
      recovery_requests_queued: z.int().nonnegative(),
    }),
} as const satisfies Record<string, () => z.ZodType<Record<string, unknown>>>;

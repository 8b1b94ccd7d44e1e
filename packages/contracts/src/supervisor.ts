import { z } from "zod";
import { MailboxCommandSchema, PauseSourceSchema, WorkItemKindSchema } from "./enums.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { LivenessGradeSchema } from "./liveness.js";
import { StatusLanesSchema } from "./read-models.js";
import { SentinelStatusSchema } from "./sentinel-config.js";

/**
 * The supervisor contract's report (`millrace supervisor report --json`): what an external
 * supervisor (an ops agent, a dashboard, a fleet watcher) reads to decide whether a workspace needs
 * attention and which commands it may run. Rules for each attention reason: docs/supervisor.md.
 */

const Count = lazySchema(() => z.int().nonnegative());
const NullableString = lazySchema(() => z.string().nullable());

/** Why a workspace needs (or does not need) attention; the first matching rule wins. */
export const ATTENTION_REASONS = [
  "not_bootstrapped",
  "runner_not_ready",
  "health_failed",
  "orphaned",
  "awaiting_operator_input",
  "blocked",
  "degraded",
  "governance_paused",
  "operator_paused",
  "stalled",
  "working",
  "idle_with_pending_work",
  "idle_no_work",
] as const;
export const AttentionReasonSchema = lazySchema(() => z.enum(ATTENTION_REASONS));
export type AttentionReason = z.infer<typeof AttentionReasonSchema>;

/** A control request a supervisor may submit: a mailbox command and its payload. */
export const ControlRequestSchema = lazySchema(() =>
  z.strictObject({
    command: MailboxCommandSchema,
    payload: z.record(z.string(), z.unknown()),
  }),
);
export type ControlRequest = z.infer<typeof ControlRequestSchema>;

/**
 * One command the supervisor may run now. `argv` and `text` are the CLI form; `request` is the
 * same action through the supervisor contract (`submitControl`), or null for commands that are
 * not control commands (init, doctor, run, add-task with a title of your choosing).
 */
export const AllowedActionSchema = lazySchema(() =>
  z.strictObject({
    action: z.string(),
    description: z.string(),
    argv: z.array(z.string()),
    text: z.string(),
    request: ControlRequestSchema.nullable(),
  }),
);
export type AllowedAction = z.infer<typeof AllowedActionSchema>;

export const SupervisorHealthSchema = lazySchema(() =>
  z.strictObject({
    status: z.enum(["pass", "warn", "fail"]),
    total_checks: Count,
    passed_checks: Count,
    warning_checks: Count,
    failed_checks: Count,
    bootstrap_ready: z.boolean(),
    execution_ready: z.boolean(),
    /** The failing and warning checks: code, message and hint. */
    problems: z.array(
      z.strictObject({
        code: z.string(),
        status: z.enum(["warning", "error"]),
        message: z.string(),
        hint: NullableString,
      }),
    ),
  }),
);
export type SupervisorHealth = z.infer<typeof SupervisorHealthSchema>;

export const SupervisorWorkItemSchema = lazySchema(() =>
  z.strictObject({
    plane: z.enum(["execution", "planning", "learning"]),
    work_item_kind: WorkItemKindSchema.nullable(),
    work_item_id: NullableString,
    title: NullableString,
  }),
);
export type SupervisorWorkItem = z.infer<typeof SupervisorWorkItemSchema>;

export const SupervisorPlaneSchema = lazySchema(() =>
  z.strictObject({
    status_marker: z.string(),
    queue_depth: Count,
    active_documents: Count,
    run_id: NullableString,
    stage: NullableString,
    active_since: NullableString,
  }),
);
export type SupervisorPlane = z.infer<typeof SupervisorPlaneSchema>;

/** What Sentinel last recorded for the workspace (read from its state file; `available` false before any check). */
export const SupervisorSentinelSchema = lazySchema(() =>
  z.strictObject({
    available: z.boolean(),
    status: SentinelStatusSchema.nullable(),
    reason: z.string(),
    last_check_at: NullableString,
    next_check_at: NullableString,
    recovery_requests_queued: Count,
    last_recovery_request_id: NullableString,
    soft_cap_reached: z.boolean(),
    hard_cap_reached: z.boolean(),
    acknowledgment_required: z.boolean(),
  }),
);
export type SupervisorSentinel = z.infer<typeof SupervisorSentinelSchema>;

export const SupervisorReportSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("supervisor_report"),
    workspace: z.string(),
    generated_at: z.string(),
    /** False when the folder is missing or not an initialized workspace (most fields are then empty). */
    bootstrapped: z.boolean(),
    health: SupervisorHealthSchema,
    liveness: z.strictObject({
      /** One of the documented grades, or null when not graded (see LIVENESS_GRADES). */
      grade: LivenessGradeSchema.nullable(),
      lock_state: z.enum(["absent", "invalid", "active", "stale"]),
      owner_pid: z.int().nullable(),
      summary: z.string(),
    }),
    process_running: z.boolean(),
    paused: z.boolean(),
    pause_sources: z.array(PauseSourceSchema),
    stop_requested: z.boolean(),
    planes: z.strictObject({ execution: SupervisorPlaneSchema, planning: SupervisorPlaneSchema }),
    active_work: z.array(SupervisorWorkItemSchema),
    next_work: z.array(SupervisorWorkItemSchema),
    backlog: z.strictObject({
      execution: Count,
      planning: Count,
      learning: Count,
      total: Count,
      blocked: Count,
    }),
    mailbox: z.strictObject({
      pending_count: Count,
      oldest_issued_at: NullableString,
      newest_issued_at: NullableString,
      commands: z.array(z.strictObject({ command: MailboxCommandSchema, issuer: z.string() })),
      issuers: z.array(z.string()),
    }),
    current_run_id: NullableString,
    current_stage: NullableString,
    /** Seconds since the newest event (or stage output) while the current status held. */
    time_in_status_seconds: z.number().nonnegative().nullable(),
    last_activity_at: NullableString,
    stalled_after_seconds: z.number().positive(),
    governance: z.strictObject({
      paused: z.boolean(),
      blocker_count: Count,
      next_auto_resume_at: NullableString,
      parked_count: Count,
    }),
    attention_reason: AttentionReasonSchema,
    attention_summary: z.string(),
    allowed_actions: z.array(AllowedActionSchema),
    sentinel: SupervisorSentinelSchema,
    /** The execution lanes as `status` shows them (item, stage, elapsed, liveness); null with one lane. */
    lanes: StatusLanesSchema.nullable().default(null),
    recent_events: z.array(
      z.strictObject({
        event_type: z.string(),
        occurred_at: z.string(),
        data: z.record(z.string(), z.unknown()),
      }),
    ),
  }),
);
export type SupervisorReport = z.infer<typeof SupervisorReportSchema>;

/** `supervisor report --workspace A --workspace B --json`: one report per workspace, in order. */
export const SupervisorFleetReportSchema = lazySchema(() => z.array(SupervisorReportSchema));
export type SupervisorFleetReport = z.infer<typeof SupervisorFleetReportSchema>;

registerPersistedSchema("supervisor-report", SupervisorReportSchema);
registerPersistedSchema("supervisor-fleet-report", SupervisorFleetReportSchema);

import { z } from "zod";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { RecoveryTargetSchema, SentinelStatusSchema } from "./sentinel-config.js";
import { AttentionReasonSchema } from "./supervisor.js";

/**
 * Sentinel: a companion monitor for one workspace. It compares a progress signature between
 * checks, queues recovery requests while nothing moves, and stops queuing at a cap until an
 * operator acknowledges. Its config, persisted state and command outputs live here.
 */

export const SentinelProgressSchema = lazySchema(() =>
  z.enum(["unknown", "progressing", "unchanged", "stale"]),
);
export type SentinelProgress = z.infer<typeof SentinelProgressSchema>;

const NullableString = lazySchema(() => z.string().nullable());

export const SentinelNotificationSchema = lazySchema(() =>
  z.strictObject({
    at: z.string(),
    trigger: z.enum(["recovery_queued", "soft_cap", "hard_cap"]),
    command: NullableString,
    webhook: NullableString,
    ok: z.boolean(),
  }),
);
export type SentinelNotification = z.infer<typeof SentinelNotificationSchema>;

/** `millrace-agents/state/sentinel/state.json`: what Sentinel remembers between checks. */
export const SentinelStateSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("sentinel_state"),
    status: SentinelStatusSchema,
    reason: z.string(),
    checks_performed: z.int().nonnegative(),
    last_check_at: NullableString,
    next_check_at: NullableString,
    signature: NullableString,
    signature_components: z.record(z.string(), z.string()).nullable(),
    signature_since: NullableString,
    last_progress_at: NullableString,
    interval_seconds: z.number().positive().nullable(),
    recovery_requests_queued: z.int().nonnegative(),
    last_recovery_request_id: NullableString,
    last_recovery_queued_at: NullableString,
    soft_cap_reached: z.boolean(),
    hard_cap_reached: z.boolean(),
    acknowledgment_required: z.boolean(),
    last_acknowledgment: z
      .strictObject({ at: z.string(), issuer: z.string(), reason: z.string(), cap: z.enum(["soft", "hard"]) })
      .nullable(),
    last_notification: SentinelNotificationSchema.nullable(),
  }),
);
export type SentinelState = z.infer<typeof SentinelStateSchema>;

/** One line of `checks.jsonl` and the output of `sentinel check`. */
export const SentinelCheckSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("sentinel_check"),
    check_id: z.string(),
    checked_at: z.string(),
    status: SentinelStatusSchema,
    reason: z.string(),
    progress: SentinelProgressSchema,
    changed: z.array(z.string()),
    attention_reason: AttentionReasonSchema.nullable(),
    signature: NullableString,
    seconds_without_progress: z.number().nonnegative().nullable(),
    next_check_at: NullableString,
    recovery_request_id: NullableString,
    recovery_mode: z.enum(["direct", "mailbox"]).nullable(),
    notification: SentinelNotificationSchema.nullable(),
    state: SentinelStateSchema,
  }),
);
export type SentinelCheck = z.infer<typeof SentinelCheckSchema>;

export const SentinelStatusOutputSchema = lazySchema(() =>
  z.strictObject({
    available: z.boolean(),
    reason: z.string(),
    state_path: z.string(),
    checks_path: z.string(),
    state: SentinelStateSchema.nullable(),
  }),
);
export type SentinelStatusOutput = z.infer<typeof SentinelStatusOutputSchema>;

export const SentinelWatchOutputSchema = lazySchema(() =>
  z.strictObject({
    checks: z.int().nonnegative(),
    stop_reason: z.enum(["max_checks_reached", "no_next_check_scheduled", "interrupted"]),
    last: SentinelCheckSchema.nullable(),
  }),
);
export type SentinelWatchOutput = z.infer<typeof SentinelWatchOutputSchema>;

/** `millrace-agents/state/recovery/requests/<id>.json` and the output of `recovery request`. */
export const RecoveryRequestRecordSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("recovery_request"),
    request_id: z.string(),
    requested_at: z.string(),
    target: RecoveryTargetSchema,
    issuer: z.string(),
    reason: z.string(),
    source: z.enum(["manual", "sentinel"]),
    force_queue: z.boolean(),
    incident_id: z.string(),
    mode: z.enum(["direct", "mailbox"]),
    command_id: z.string(),
    incident_path: NullableString,
    attention_reason: AttentionReasonSchema.nullable(),
    active_run_id: NullableString,
    active_stage: NullableString,
  }),
);
export type RecoveryRequestRecord = z.infer<typeof RecoveryRequestRecordSchema>;

export const SENTINEL_SEVERITIES = ["low", "medium", "high", "critical"] as const;

export const SentinelIncidentOutputSchema = lazySchema(() =>
  z.strictObject({
    incident_id: z.string(),
    routing_target: RecoveryTargetSchema,
    severity: z.enum(SENTINEL_SEVERITIES),
    issuer: z.string(),
    mode: z.enum(["direct", "mailbox"]),
    command_id: z.string(),
    incident_path: NullableString,
  }),
);
export type SentinelIncidentOutput = z.infer<typeof SentinelIncidentOutputSchema>;

registerPersistedSchema("sentinel-state", SentinelStateSchema);
registerPersistedSchema("sentinel-check", SentinelCheckSchema);
registerPersistedSchema("sentinel-status-output", SentinelStatusOutputSchema);
registerPersistedSchema("sentinel-watch-output", SentinelWatchOutputSchema);
registerPersistedSchema("recovery-request", RecoveryRequestRecordSchema);
registerPersistedSchema("sentinel-incident-output", SentinelIncidentOutputSchema);

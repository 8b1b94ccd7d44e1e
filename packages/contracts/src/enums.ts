import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";

export const PLANES = ["execution", "planning", "learning"] as const;
export const PlaneSchema = lazySchema(() => z.enum(PLANES));
export type Plane = z.infer<typeof PlaneSchema>;

export const RESULT_CLASSES = [
  "success",
  "followup_needed",
  "recoverable_failure",
  "escalate_planning",
  "blocked",
  "no_op",
] as const;
export const ResultClassSchema = lazySchema(() => z.enum(RESULT_CLASSES));
export type ResultClass = z.infer<typeof ResultClassSchema>;

export const WORK_ITEM_KINDS = [
  "task",
  "spec",
  "incident",
  "learning_request",
  "probe",
  "blueprint_draft",
] as const;
export const WorkItemKindSchema = lazySchema(() => z.enum(WORK_ITEM_KINDS));
export type WorkItemKind = z.infer<typeof WorkItemKindSchema>;

/** Kinds that have a markdown document grammar and queue folders. */
export const DOCUMENT_KINDS = [
  "task",
  "spec",
  "incident",
  "learning_request",
  "probe",
  "blueprint_draft",
] as const;
export const DocumentKindSchema = lazySchema(() => z.enum(DOCUMENT_KINDS));
export type DocumentKind = z.infer<typeof DocumentKindSchema>;

export const RuntimeModeSchema = lazySchema(() => z.enum(["once", "daemon"]));
export type RuntimeMode = z.infer<typeof RuntimeModeSchema>;

export const WatcherModeSchema = lazySchema(() => z.enum(["watch", "poll", "off"]));
export type WatcherMode = z.infer<typeof WatcherModeSchema>;

export const ReloadOutcomeSchema = lazySchema(() => z.enum(["applied", "failed_retained_previous_plan"]));
export type ReloadOutcome = z.infer<typeof ReloadOutcomeSchema>;

export const MAILBOX_COMMANDS = [
  "stop",
  "pause",
  "resume",
  "reload_config",
  "add_task",
  "add_spec",
  "add_idea",
  "add_probe",
  "import_document",
  "retry_active",
  "clear_stale_state",
  "cancel_work_item",
  "archive_blocked_task",
  "retry_blocked",
  "supersede_task",
  "retarget_task_dependency",
  "resolve_incident",
  "cancel_incident",
  "archive_invalid_incident",
  "release_work_item",
  "approve_execution_capability",
  "deny_execution_capability",
  "promote_compounding_item",
  "deprecate_compounding_item",
  "resolve_operator_question",
] as const;
export const MailboxCommandSchema = lazySchema(() => z.enum(MAILBOX_COMMANDS));
export type MailboxCommand = z.infer<typeof MailboxCommandSchema>;

export const RUNTIME_ERROR_CODES = [
  "planning_work_item_completion_conflict",
  "execution_work_item_completion_conflict",
  "planning_post_stage_apply_failed",
  "execution_post_stage_apply_failed",
  "learning_post_stage_apply_failed",
  "compiled_plan_stale",
  "workspace_integrity_failure",
  "planning_pre_dispatch_failed",
  "execution_pre_dispatch_failed",
  "learning_pre_dispatch_failed",
  "recon_handoff_invalid",
  "blueprint_effect_invalid",
] as const;
export const RuntimeErrorCodeSchema = lazySchema(() => z.enum(RUNTIME_ERROR_CODES));
export type RuntimeErrorCode = z.infer<typeof RuntimeErrorCodeSchema>;

export const EdgeKindSchema = lazySchema(() =>
  z.enum(["normal", "retry", "escalation", "handoff", "terminal"]),
);
export type EdgeKind = z.infer<typeof EdgeKindSchema>;

export const TerminalClassSchema = lazySchema(() =>
  z.enum(["success", "followup_needed", "blocked", "escalate_planning", "no_op"]),
);
export type TerminalClass = z.infer<typeof TerminalClassSchema>;

export const ENTRY_KEYS = [
  "task",
  "spec",
  "incident",
  "closure_target",
  "learning_request",
  "probe",
  "blueprint_draft",
] as const;
export const EntryKeySchema = lazySchema(() => z.enum(ENTRY_KEYS));
export type EntryKey = z.infer<typeof EntryKeySchema>;

export const COUNTER_NAMES = [
  "fix_cycle_count",
  "troubleshoot_attempt_count",
  "mechanic_attempt_count",
  "consultant_invocations",
] as const;
export const CounterNameSchema = lazySchema(() => z.enum(COUNTER_NAMES));
export type CounterName = z.infer<typeof CounterNameSchema>;

export const IdempotencePolicySchema = lazySchema(() =>
  z.enum(["idempotent", "retry_safe_with_key", "single_attempt_only"]),
);
export type IdempotencePolicy = z.infer<typeof IdempotencePolicySchema>;

export const RecoveryRoleSchema = lazySchema(() => z.enum(["local_repair", "escalation"]));
export type RecoveryRole = z.infer<typeof RecoveryRoleSchema>;

export const RequestKindSchema = lazySchema(() =>
  z.enum(["active_work_item", "closure_target", "learning_request"]),
);
export type RequestKind = z.infer<typeof RequestKindSchema>;

export const PermissionLevelSchema = lazySchema(() =>
  z
    .enum(["basic", "normal", "elevated", "maximum"])
    .transform((value) => (value === "normal" ? "basic" : value)),
);
export type PermissionLevel = "basic" | "elevated" | "maximum";

export const ReasoningEffortSchema = lazySchema(() => z.enum(["low", "medium", "high", "xhigh"]));
export type ReasoningEffort = z.infer<typeof ReasoningEffortSchema>;

export const ThinkingLevelSchema = lazySchema(() =>
  z.enum(["off", "minimal", "low", "medium", "high", "xhigh"]),
);
export type ThinkingLevel = z.infer<typeof ThinkingLevelSchema>;

/** Who holds the runtime paused; `runner_unavailable` lifts itself once the runner's preflight passes. */
export const PauseSourceSchema = lazySchema(() =>
  z.enum(["operator", "usage_governance", "runner_unavailable"]),
);
export type PauseSource = z.infer<typeof PauseSourceSchema>;

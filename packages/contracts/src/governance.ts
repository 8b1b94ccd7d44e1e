import { z } from "zod";
import { UsageMetricSchema } from "./config.js";
import { PlaneSchema, WorkItemKindSchema } from "./enums.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { TokenUsageSchema } from "./stage-run.js";
import { TimestampSchema } from "./time.js";

/**
 * Usage governance: the usage ledger (`state/usage_governance_ledger.jsonl`), the governance
 * state file (`state/usage_governance_state.json`) and the budget-release journal
 * (`state/usage_governance_budget_releases.jsonl`).
 */

export const USAGE_GOVERNANCE_STATE_VERSION = "1.0";

export const RUNTIME_TOKEN_WINDOWS = ["rolling_5h", "calendar_week", "daemon_session", "per_run"] as const;
export const RuntimeTokenWindowSchema = lazySchema(() => z.enum(RUNTIME_TOKEN_WINDOWS));
export type RuntimeTokenWindow = z.infer<typeof RuntimeTokenWindowSchema>;

export const SUBSCRIPTION_QUOTA_WINDOWS = ["five_hour", "weekly"] as const;
export const SubscriptionQuotaWindowSchema = lazySchema(() => z.enum(SUBSCRIPTION_QUOTA_WINDOWS));
export type SubscriptionQuotaWindow = z.infer<typeof SubscriptionQuotaWindowSchema>;

/** Where an entry's cost came from: the runner's own report, the configured price table, or nowhere. */
export const CostSourceSchema = lazySchema(() => z.enum(["runner", "price_table", "unknown"]));
export type CostSource = z.infer<typeof CostSourceSchema>;

/**
 * One counted stage result. Keys of the reference ledger are kept; `cost_usd`, `cost_source`,
 * `model_name`, `runner_name`, `stage_kind_id` and `lineage_root_id` are our additions and default
 * so that ledgers written by the reference still read.
 */
export const UsageLedgerEntrySchema = lazySchema(() =>
  z.looseObject({
    /** The stage-result path relative to the workspace root (posix): one entry per result, ever. */
    dedupe_key: z.string().min(1),
    counted_at: TimestampSchema,
    stage_completed_at: TimestampSchema,
    plane: PlaneSchema,
    run_id: z.string().min(1),
    stage_id: z.string().min(1),
    stage_kind_id: z.string().min(1).nullable().default(null),
    work_item_kind: WorkItemKindSchema.nullable(),
    work_item_id: z.string().nullable(),
    lineage_root_id: z.string().nullable().default(null),
    token_usage: TokenUsageSchema,
    stage_result_path: z.string().min(1),
    daemon_session_id: z.string().nullable(),
    runner_name: z.string().nullable().default(null),
    model_name: z.string().nullable().default(null),
    cost_usd: z.number().nonnegative().nullable().default(null),
    cost_source: CostSourceSchema.default("unknown"),
  }),
);
export type UsageLedgerEntry = z.infer<typeof UsageLedgerEntrySchema>;
export type UsageLedgerEntryInput = z.input<typeof UsageLedgerEntrySchema>;

export const GovernanceBlockerSourceSchema = lazySchema(() =>
  z.enum(["runtime_token", "subscription_quota"]),
);
export type GovernanceBlockerSource = z.infer<typeof GovernanceBlockerSourceSchema>;

export const GovernanceBlockerSchema = lazySchema(() =>
  z.object({
    source: GovernanceBlockerSourceSchema,
    rule_id: z.string().min(1),
    /** A runtime-token window, a quota window, or `degraded` for the fail-closed blocker. */
    window: z.string().min(1),
    observed: z.number(),
    threshold: z.number(),
    metric: UsageMetricSchema.nullable().optional(),
    auto_resume_possible: z.boolean(),
    next_auto_resume_at: TimestampSchema.nullable().optional(),
    detail: z.string(),
  }),
);
export type GovernanceBlocker = z.infer<typeof GovernanceBlockerSchema>;

export const QuotaWindowReadingSchema = lazySchema(() =>
  z.object({
    window: SubscriptionQuotaWindowSchema,
    percent_used: z.number(),
    resets_at: TimestampSchema.nullable(),
    read_at: TimestampSchema,
  }),
);
export type QuotaWindowReading = z.infer<typeof QuotaWindowReadingSchema>;

export const SubscriptionQuotaStatusSchema = lazySchema(() =>
  z.object({
    enabled: z.boolean(),
    provider: z.string(),
    state: z.enum(["disabled", "healthy", "degraded"]),
    degraded_policy: z.enum(["fail_open", "fail_closed"]),
    detail: z.string().nullable(),
    last_refreshed_at: TimestampSchema.nullable(),
    windows: z.partialRecord(SubscriptionQuotaWindowSchema, QuotaWindowReadingSchema),
  }),
);
export type SubscriptionQuotaStatus = z.infer<typeof SubscriptionQuotaStatusSchema>;

export const UsageGovernanceStateSchema = lazySchema(() =>
  z.object({
    version: z.literal(USAGE_GOVERNANCE_STATE_VERSION),
    enabled: z.boolean(),
    auto_resume: z.boolean(),
    /** True when every active blocker can clear by itself. */
    auto_resume_possible: z.boolean(),
    evaluation_boundary: z.literal("between_stages"),
    calendar_timezone: z.string(),
    daemon_session_id: z.string().nullable(),
    last_evaluated_at: TimestampSchema,
    active_blockers: z.array(GovernanceBlockerSchema),
    paused_by_governance: z.boolean(),
    /** When the pause lifts by itself: set only when every blocker has a resume time. */
    next_auto_resume_at: TimestampSchema.nullable(),
    subscription_quota_status: SubscriptionQuotaStatusSchema,
  }),
);
export type UsageGovernanceState = z.infer<typeof UsageGovernanceStateSchema>;

export const BudgetScopeSchema = lazySchema(() => z.enum(["work_item", "lineage", "stage_kind"]));
export type BudgetScope = z.infer<typeof BudgetScopeSchema>;

/**
 * One `add_budget` release: raises a parked item's budget for one scope and metric. Appended to the
 * budget-release journal; the effective limit is the configured one plus every release for it.
 */
export const BudgetReleaseSchema = lazySchema(() =>
  z.object({
    kind: z.literal("add_budget"),
    release_id: z.string().min(1),
    scope: BudgetScopeSchema,
    /** Work item id (work_item and stage_kind scopes) or lineage root id (lineage scope). */
    key: z.string().min(1),
    /** Only for the stage_kind scope. */
    stage_kind_id: z.string().min(1).nullable(),
    metric: UsageMetricSchema,
    amount: z.number().positive(),
    issuer: z.string().min(1),
    reason: z.string(),
    released_at: TimestampSchema,
  }),
);
export type BudgetRelease = z.infer<typeof BudgetReleaseSchema>;

/** One budget a parked work item is over: the limit (config plus releases) and the spend. */
export const BudgetBreachSchema = lazySchema(() =>
  z.object({
    scope: BudgetScopeSchema,
    key: z.string().min(1),
    stage_kind_id: z.string().nullable(),
    metric: UsageMetricSchema,
    limit: z.number(),
    spent: z.number(),
    config_key: z.string(),
    release_hint: z.string(),
  }),
);
export type BudgetBreachRecord = z.infer<typeof BudgetBreachSchema>;

/**
 * A work item set aside because it is over one of its budgets: its document waits in its queue
 * folder and is not claimed until it is released (`millrace queue release ID [--add-budget N]`).
 * `resume` is where its run stood, so a released item continues from that stage.
 */
export const ParkedWorkItemSchema = lazySchema(() =>
  z.object({
    work_item_kind: WorkItemKindSchema,
    work_item_id: z.string().min(1),
    plane: PlaneSchema,
    parked_at: TimestampSchema,
    reason: z.string(),
    breaches: z.array(BudgetBreachSchema),
    resume: z
      .object({
        run_id: z.string().min(1),
        node_id: z.string().min(1),
        stage: z.string().min(1),
        stage_kind_id: z.string().min(1),
      })
      .nullable(),
    /** Set by a release; the record is dropped when the item is claimed again. */
    released_at: TimestampSchema.nullable().default(null),
    released_by: z.string().nullable().default(null),
  }),
);
export type ParkedWorkItem = z.infer<typeof ParkedWorkItemSchema>;

/** `state/usage_governance_parked.json`. */
export const ParkedWorkItemsFileSchema = lazySchema(() =>
  z.object({
    version: z.literal("1.0"),
    items: z.array(ParkedWorkItemSchema),
  }),
);
export type ParkedWorkItemsFile = z.infer<typeof ParkedWorkItemsFileSchema>;

registerPersistedSchema("usage-ledger-entry", UsageLedgerEntrySchema);
registerPersistedSchema("parked-work-items", ParkedWorkItemsFileSchema);
registerPersistedSchema("usage-governance-state", UsageGovernanceStateSchema);
registerPersistedSchema("budget-release", BudgetReleaseSchema);

export * from "./assets.js";
export {
  type ApprovalPolicyRef,
  ApprovalPolicyRefSchema,
  type ApprovalStatus,
  ApprovalStatusSchema,
  CAPABILITY_IDS,
  type CapabilityAccess,
  CapabilityAccessSchema,
  type CapabilityApproval,
  CapabilityApprovalSchema,
  type CapabilityGrant,
  CapabilityGrantSchema,
  type CapabilityId,
  CapabilityIdSchema,
  type CapabilityRequest,
  type CapabilityRequestInput,
  CapabilityRequestSchema,
  type CapabilityScope,
  type CapabilityScopeKind,
  CapabilityScopeKindSchema,
  CapabilityScopeSchema,
  type EnforcementMode,
  EnforcementModeSchema,
  type EvidenceStatus,
  EvidenceStatusSchema,
  type GrantDecisionState,
  GrantDecisionStateSchema,
  normalizeCapabilityId,
  RUNTIME_ACTIONS,
} from "./capabilities.js";
export * from "./cli-output.js";
export * from "./closure.js";
export * from "./compiled-plan.js";
export * from "./config.js";
export {
  type BudgetLimit,
  BudgetLimitSchema,
  isKnownTimeZone,
  type ModelPrice,
  ModelPriceSchema,
  USAGE_METRICS,
  UsageBudgetsConfigSchema,
  type UsageMetric,
  UsageMetricSchema,
} from "./config.js";
export * from "./enums.js";
export * from "./errors.js";
export {
  type BudgetRelease,
  BudgetReleaseSchema,
  type BudgetScope,
  BudgetScopeSchema,
  type CostSource,
  CostSourceSchema,
  type GovernanceBlocker,
  GovernanceBlockerSchema,
  type GovernanceBlockerSource,
  GovernanceBlockerSourceSchema,
  type QuotaWindowReading,
  QuotaWindowReadingSchema,
  RUNTIME_TOKEN_WINDOWS,
  type RuntimeTokenWindow,
  RuntimeTokenWindowSchema,
  SUBSCRIPTION_QUOTA_WINDOWS,
  type SubscriptionQuotaStatus,
  SubscriptionQuotaStatusSchema,
  type SubscriptionQuotaWindow,
  SubscriptionQuotaWindowSchema,
  USAGE_GOVERNANCE_STATE_VERSION,
  type UsageGovernanceState,
  UsageGovernanceStateSchema,
  type UsageLedgerEntry,
  type UsageLedgerEntryInput,
  UsageLedgerEntrySchema,
} from "./governance.js";
export * from "./ids.js";
export * from "./json.js";
export * from "./json-schema.js";
export * from "./learning.js";
export * from "./legality.js";
export * from "./mailbox.js";
export * from "./queue-records.js";
export * from "./read-models.js";
export * from "./runtime-error.js";
export * from "./scripted.js";
export * from "./stage-run.js";
export * from "./time.js";
export * from "./work-documents.js";
export * from "./workspace-state.js";

export {
  type BetweenStagesHookInfo,
  type BetweenStagesHookOptions,
  betweenStagesHook,
} from "./between-stages.js";
export {
  type BudgetBreach,
  type BudgetDecision,
  type BudgetSubject,
  checkBudget,
} from "./budgets/check-budget.js";
export { PARKED_FILE_NAME, ParkedItems, parkedItemsFile } from "./budgets/parked.js";
export { type ReleaseInput, type ReleaseOutcome, releaseParkedItem } from "./budgets/release.js";
export {
  type AddBudgetInput,
  BUDGET_RELEASES_FILE_NAME,
  BudgetReleaseLog,
  budgetReleasesFile,
} from "./budgets/releases.js";
export { adviseStageStart, type WindowCrossingAdvice } from "./budgets/window-scheduling.js";
export { type ApprovalContext, ApprovalStore, type ApprovalStoreOptions } from "./capabilities/approvals.js";
export {
  type CapabilityFailureClass,
  type CapabilityGateInput,
  type CapabilityGateResult,
  evaluateCapabilityGate,
  type GateFinding,
} from "./capabilities/gate.js";
export {
  approvedGrant,
  type ExecutionCapabilitiesConfig,
  type GrantTarget,
  grantFingerprint,
  INTRINSIC_CAPABILITIES,
  policyDecision,
  resolveCapabilityGrants,
} from "./capabilities/grants.js";
export { parseUsageGovernanceConfig } from "./config-check.js";
export { type GovernanceEvaluation, UsageGovernance, type UsageGovernanceOptions } from "./governance.js";
export { costOfUsage, type EntryCost } from "./ledger/cost.js";
export { type LedgerEntryContext, ledgerEntryFor } from "./ledger/entry.js";
export { type RecordOptions, UsageLedger } from "./ledger/ledger.js";
export { type LedgerProblem, readLedgerChunk } from "./ledger/ledger-file.js";
export {
  type ReconcileOptions,
  type ReconcileReport,
  reconcileLedger,
  uncountedResults,
} from "./ledger/reconcile.js";
export { initialGovernanceState, readGovernanceState, writeGovernanceState } from "./state/state-file.js";
export { type GovernanceStep, type GovernanceTransition, nextGovernanceState } from "./state/transition.js";
export { type CodexTelemetry, codexHome, readCodexQuotaTelemetry } from "./subscription/codex-telemetry.js";
export { SubscriptionQuotaReader } from "./subscription/quota-reader.js";
export { UsageAggregates } from "./usage/aggregates.js";
export { CalendarWeeks } from "./usage/calendar-week.js";
export { UsageEvaluator } from "./usage/evaluator.js";
export { type UsageGrouping, type UsageReportInput, usageReport, windowStart } from "./usage/report.js";
export { DEGRADED_FAIL_CLOSED_RULE_ID, evaluateSubscriptionRules } from "./usage/subscription-rules.js";
export type {
  EvaluationContext,
  GovernanceVerdict,
  RuleEvaluation,
  UsageGovernanceConfig,
} from "./usage/types.js";

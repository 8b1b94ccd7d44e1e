import { type BudgetLimit, type BudgetScope, USAGE_METRICS, type UsageMetric } from "@millrace/contracts";
import type { UsageAggregates } from "../usage/aggregates.js";
import type { UsageGovernanceConfig } from "../usage/types.js";
import type { BudgetReleaseLog } from "./releases.js";

export interface BudgetSubject {
  readonly workItemId: string;
  /** Root of the work item's spec lineage, when it has one. */
  readonly lineageRootId?: string | null;
  /** The stage kind about to run. */
  readonly stageKindId?: string | null;
}

export interface BudgetBreach {
  readonly scope: BudgetScope;
  /** Work item id (work_item, stage_kind) or lineage root id (lineage). */
  readonly key: string;
  readonly stage_kind_id: string | null;
  readonly metric: UsageMetric;
  /** Configured limit plus every `add_budget` release. */
  readonly limit: number;
  readonly spent: number;
  /** The config key that sets this limit. */
  readonly config_key: string;
  /** How a person lets the item run again. */
  readonly release_hint: string;
}

export interface BudgetDecision {
  readonly park: boolean;
  readonly breaches: readonly BudgetBreach[];
  readonly reason?: string;
}

interface BudgetCheck {
  readonly scope: BudgetScope;
  readonly key: string;
  readonly stageKindId: string | null;
  readonly limit: BudgetLimit;
  readonly configKey: string;
  readonly spent: (metric: UsageMetric) => number;
}

/**
 * Whether a work item is over one of its budgets and must be parked before its next stage.
 * Budgets are per work item, per spec lineage, and per (work item, stage kind); spend comes from
 * the ledger aggregates, limits from `[usage_governance.budgets]` plus `add_budget` releases.
 */
export function checkBudget(
  subject: BudgetSubject,
  config: UsageGovernanceConfig,
  aggregates: UsageAggregates,
  releases?: BudgetReleaseLog,
): BudgetDecision {
  const budgets = config.budgets;
  const checks: BudgetCheck[] = [];
  const item = subject.workItemId;
  if (budgets.per_work_item) {
    checks.push({
      scope: "work_item",
      key: item,
      stageKindId: null,
      limit: budgets.per_work_item,
      configKey: "usage_governance.budgets.per_work_item",
      spent: (m) => aggregates.workItem(m, item),
    });
  }
  const lineage = subject.lineageRootId;
  if (budgets.per_lineage && lineage) {
    checks.push({
      scope: "lineage",
      key: lineage,
      stageKindId: null,
      limit: budgets.per_lineage,
      configKey: "usage_governance.budgets.per_lineage",
      spent: (m) => aggregates.lineage(m, lineage),
    });
  }
  const kind = subject.stageKindId;
  const kindLimit = kind ? budgets.per_stage_kind[kind] : undefined;
  if (kind && kindLimit) {
    checks.push({
      scope: "stage_kind",
      key: item,
      stageKindId: kind,
      limit: kindLimit,
      configKey: `usage_governance.budgets.per_stage_kind.${kind}`,
      spent: (m) => aggregates.workItemStageKind(m, item, kind),
    });
  }
  const breaches: BudgetBreach[] = [];
  for (const check of checks) {
    for (const metric of USAGE_METRICS) {
      const configured = check.limit[metric];
      if (configured === undefined) continue;
      const limit = configured + (releases?.released(check.scope, check.key, check.stageKindId, metric) ?? 0);
      const spent = check.spent(metric);
      if (spent < limit) continue;
      const target = check.stageKindId ? `${check.key} ${check.stageKindId} stages` : check.key;
      breaches.push({
        scope: check.scope,
        key: check.key,
        stage_kind_id: check.stageKindId,
        metric,
        limit,
        spent,
        config_key: `${check.configKey}.${metric}`,
        release_hint: `release it with add_budget (scope ${check.scope}, key ${target}, metric ${metric}, amount > ${spent - limit}), or raise ${check.configKey}.${metric}`,
      });
    }
  }
  if (breaches.length === 0) return { park: false, breaches };
  const reason = breaches
    .map(
      (b) =>
        `${b.scope} budget of ${b.stage_kind_id ? `${b.key}/${b.stage_kind_id}` : b.key}: ${b.metric} ${b.spent} >= ${b.limit}`,
    )
    .join("; ");
  return { park: true, breaches, reason: `over budget: ${reason}` };
}

import type {
  GovernanceBlocker,
  GovernanceBlockerSource,
  MillraceConfig,
  SubscriptionQuotaStatus,
  UsageMetric,
} from "@millrace/contracts";

export type UsageGovernanceConfig = MillraceConfig["usage_governance"];

/** One rule's reading at one evaluation. */
export interface RuleEvaluation {
  readonly source: GovernanceBlockerSource;
  readonly rule_id: string;
  readonly window: string;
  /** Null for subscription rules (they read a percentage). */
  readonly metric: UsageMetric | null;
  readonly observed: number;
  readonly threshold: number;
  readonly tripped: boolean;
  /** Tripped rules only: whether the rule clears by itself, and when. */
  readonly auto_resume_possible: boolean;
  readonly resume_at: Date | null;
  readonly detail: string;
}

/** What the engine's between-stage hook acts on. */
export interface GovernanceVerdict {
  readonly enabled: boolean;
  /** True when at least one rule blocks. */
  readonly pause: boolean;
  readonly reason?: string;
  /** When every blocker has cleared by itself; absent when any blocker needs a person. */
  readonly resumeAt?: Date;
  readonly rules: readonly RuleEvaluation[];
  readonly blockers: readonly GovernanceBlocker[];
  /** Subscription telemetry could not be read. */
  readonly degraded: boolean;
  readonly subscription: SubscriptionQuotaStatus;
  readonly evaluatedAt: Date;
}

export interface EvaluationContext {
  readonly now: Date;
  /** The daemon session doing the work; null for `run once` and direct control. */
  readonly daemonSessionId: string | null;
  /** The active run (one work item's activation); `per_run` rules count only its entries. */
  readonly runId?: string | null;
  /** The latest subscription-quota reading (see `SubscriptionQuotaReader`). */
  readonly subscription?: SubscriptionQuotaStatus;
}

import type { SubscriptionQuotaStatus } from "@millrace/contracts";
import type { RuleEvaluation, UsageGovernanceConfig } from "./types.js";

export const DEGRADED_FAIL_CLOSED_RULE_ID = "subscription-quota-degraded-fail-closed";

export function disabledSubscriptionStatus(config: UsageGovernanceConfig): SubscriptionQuotaStatus {
  const quota = config.subscription_quota_rules;
  return {
    enabled: false,
    provider: quota.provider,
    state: "disabled",
    degraded_policy: quota.degraded_policy,
    detail: null,
    last_refreshed_at: null,
    windows: {},
  };
}

/** Subscription-quota rules against the latest telemetry reading. */
export function evaluateSubscriptionRules(
  config: UsageGovernanceConfig,
  status: SubscriptionQuotaStatus,
  now: number,
): RuleEvaluation[] {
  const quota = config.subscription_quota_rules;
  if (!quota.enabled) return [];
  if (status.state !== "healthy") {
    if (quota.degraded_policy !== "fail_closed") return [];
    return [
      {
        source: "subscription_quota",
        rule_id: DEGRADED_FAIL_CLOSED_RULE_ID,
        window: "degraded",
        metric: null,
        observed: 100,
        threshold: 100,
        tripped: true,
        auto_resume_possible: false,
        resume_at: null,
        detail: `quota telemetry unavailable (${status.detail ?? "degraded"}) and degraded_policy is fail_closed`,
      },
    ];
  }
  return quota.rules.map((rule) => {
    const reading = status.windows[rule.window];
    const resetsAt = reading?.resets_at ? Date.parse(reading.resets_at) : null;
    const rolled = resetsAt !== null && resetsAt <= now;
    const observed = reading && !rolled ? reading.percent_used : 0;
    const tripped = observed >= rule.pause_at_percent_used;
    const detail = !reading
      ? `no ${rule.window} reading in the telemetry`
      : rolled
        ? `${rule.window} window reset at ${reading.resets_at} after the last reading`
        : `${rule.window} ${observed}% used (pause at ${rule.pause_at_percent_used}%)`;
    return {
      source: "subscription_quota" as const,
      rule_id: rule.rule_id,
      window: rule.window,
      metric: null,
      observed,
      threshold: rule.pause_at_percent_used,
      tripped,
      auto_resume_possible: tripped && resetsAt !== null,
      resume_at: tripped && resetsAt !== null ? new Date(resetsAt) : null,
      detail,
    };
  });
}

import { formatTimestamp, type GovernanceBlocker, type UsageLedgerEntry } from "@millrace/contracts";
import { UsageAggregates } from "./aggregates.js";
import { CalendarWeeks } from "./calendar-week.js";
import { METRIC_INDEX } from "./metrics.js";
import { disabledSubscriptionStatus, evaluateSubscriptionRules } from "./subscription-rules.js";
import type { EvaluationContext, GovernanceVerdict, RuleEvaluation, UsageGovernanceConfig } from "./types.js";

const FIVE_HOURS_MS = 5 * 3_600_000;

type TokenRule = UsageGovernanceConfig["runtime_token_rules"]["rules"][number];

function formatAmount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
}

/**
 * Evaluates the usage-governance rules over running aggregates. Feed it every ledger entry once
 * (`add`); `evaluate` then costs a few binary searches and map lookups, whatever the ledger's size.
 * Build a new evaluator when the config changes.
 */
export class UsageEvaluator {
  readonly config: UsageGovernanceConfig;
  readonly aggregates: UsageAggregates;

  constructor(config: UsageGovernanceConfig, entries: Iterable<UsageLedgerEntry> = []) {
    this.config = config;
    this.aggregates = new UsageAggregates(new CalendarWeeks(config.calendar_timezone));
    for (const entry of entries) this.aggregates.add(entry);
  }

  add(entry: UsageLedgerEntry): void {
    this.aggregates.add(entry);
  }

  evaluate(context: EvaluationContext): GovernanceVerdict {
    const now = context.now.getTime();
    const subscription = this.config.subscription_quota_rules.enabled
      ? (context.subscription ?? {
          ...disabledSubscriptionStatus(this.config),
          enabled: true,
          state: "degraded" as const,
          detail: "quota_telemetry_not_read",
        })
      : disabledSubscriptionStatus(this.config);
    if (!this.config.enabled) {
      return {
        enabled: false,
        pause: false,
        rules: [],
        blockers: [],
        degraded: false,
        subscription,
        evaluatedAt: context.now,
      };
    }
    const rules: RuleEvaluation[] = [];
    if (this.config.runtime_token_rules.enabled) {
      for (const rule of this.config.runtime_token_rules.rules)
        rules.push(this.evaluateTokenRule(rule, context, now));
    }
    rules.push(...evaluateSubscriptionRules(this.config, subscription, now));
    const tripped = rules.filter((rule) => rule.tripped);
    const blockers = tripped.map(toBlocker);
    const everyResumes = tripped.length > 0 && tripped.every((rule) => rule.resume_at !== null);
    const resumeAt = everyResumes
      ? new Date(Math.max(...tripped.map((rule) => rule.resume_at?.getTime() ?? 0)))
      : undefined;
    return {
      enabled: true,
      pause: tripped.length > 0,
      ...(tripped.length > 0
        ? {
            reason: `usage governance: ${tripped.map((rule) => `${rule.rule_id} (${rule.detail})`).join("; ")}`,
          }
        : {}),
      ...(resumeAt ? { resumeAt } : {}),
      rules,
      blockers,
      degraded: this.config.subscription_quota_rules.enabled && subscription.state === "degraded",
      subscription,
      evaluatedAt: context.now,
    };
  }

  private evaluateTokenRule(rule: TokenRule, context: EvaluationContext, now: number): RuleEvaluation {
    const { metric, threshold } = rule;
    const a = this.aggregates;
    let observed: number;
    let resumeAt: number | null = null;
    let scope: string;
    switch (rule.window) {
      case "rolling_5h": {
        const since = now - FIVE_HOURS_MS;
        observed = a.sinceTime(metric, since);
        if (observed >= threshold) {
          const releasing = a.series.releasingEntryTime(METRIC_INDEX[metric], since, threshold);
          // The window includes its left edge, so the entry has left it 1 ms after completed_at + 5 h.
          resumeAt = releasing === undefined ? null : releasing + FIVE_HOURS_MS + 1;
        }
        scope = "last 5 hours";
        break;
      }
      case "calendar_week":
        observed = a.week(metric, now);
        resumeAt = a.weeks.nextWeekStart(now);
        scope = `week from ${formatTimestamp(new Date(a.weeks.weekStart(now)))} (${a.weeks.timeZone})`;
        break;
      case "daemon_session":
        observed = a.session(metric, context.daemonSessionId);
        scope = context.daemonSessionId
          ? `daemon session ${context.daemonSessionId}`
          : "runs outside a daemon";
        break;
      case "per_run":
        observed = context.runId ? a.run(metric, context.runId) : 0;
        scope = context.runId ? `run ${context.runId}` : "no active run";
        break;
    }
    const tripped = observed >= threshold;
    const unknown =
      metric === "cost_usd" && a.unknownCostEntries > 0
        ? `; ${a.unknownCostEntries} ledger entries have no known cost`
        : "";
    return {
      source: "runtime_token",
      rule_id: rule.rule_id,
      window: rule.window,
      metric,
      observed,
      threshold,
      tripped,
      auto_resume_possible: tripped && resumeAt !== null,
      resume_at: tripped && resumeAt !== null ? new Date(resumeAt) : null,
      detail: `${metric} ${formatAmount(observed)} ${tripped ? ">=" : "<"} ${formatAmount(threshold)} over ${scope}${unknown}`,
    };
  }
}

function toBlocker(rule: RuleEvaluation): GovernanceBlocker {
  return {
    source: rule.source,
    rule_id: rule.rule_id,
    window: rule.window,
    observed: rule.observed,
    threshold: rule.threshold,
    metric: rule.metric,
    auto_resume_possible: rule.auto_resume_possible,
    next_auto_resume_at: rule.resume_at ? formatTimestamp(rule.resume_at) : null,
    detail: rule.detail,
  };
}

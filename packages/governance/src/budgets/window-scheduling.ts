import type { UsageEvaluator } from "../usage/evaluator.js";
import { METRIC_INDEX } from "../usage/metrics.js";

const FIVE_HOURS_MS = 5 * 3_600_000;

export interface WindowCrossingAdvice {
  /** Hold the stage until `until`: it would likely cross a limit whose window rolls soon. */
  readonly defer: boolean;
  readonly until?: Date;
  readonly rule_id?: string;
  /** The stage kind's median usage in the rule's metric (undefined with no history). */
  readonly expected_usage?: number;
  readonly reason: string;
}

/**
 * Quota-window scheduling (opt-in, `[usage_governance.quota_window_scheduling]`): a stage whose
 * median cost would push a rolling_5h or calendar_week rule over its threshold waits when that
 * window rolls enough within `horizon_minutes`, instead of starting and tripping the pause.
 */
export function adviseStageStart(
  evaluator: UsageEvaluator,
  stageKindId: string,
  now: Date,
): WindowCrossingAdvice {
  const config = evaluator.config;
  const scheduling = config.quota_window_scheduling;
  if (!config.enabled || !scheduling.enabled || !config.runtime_token_rules.enabled) {
    return { defer: false, reason: "quota-window scheduling is off" };
  }
  const a = evaluator.aggregates;
  const at = now.getTime();
  const horizon = scheduling.horizon_minutes * 60_000;
  let advice: WindowCrossingAdvice = { defer: false, reason: "no limit would be crossed" };
  for (const rule of config.runtime_token_rules.rules) {
    if (rule.window !== "rolling_5h" && rule.window !== "calendar_week") continue;
    const expected = a.medianStageUsage(rule.metric, stageKindId);
    if (expected === undefined) continue;
    let observed: number;
    let rollsAt: number | undefined;
    if (rule.window === "rolling_5h") {
      const since = at - FIVE_HOURS_MS;
      observed = a.sinceTime(rule.metric, since);
      const room = rule.threshold - expected;
      const releasing =
        room > 0 ? a.series.releasingEntryTime(METRIC_INDEX[rule.metric], since, room) : undefined;
      rollsAt = releasing === undefined ? undefined : releasing + FIVE_HOURS_MS + 1;
    } else {
      observed = a.week(rule.metric, at);
      rollsAt = a.weeks.nextWeekStart(at);
    }
    if (observed >= rule.threshold || observed + expected < rule.threshold) continue;
    if (rollsAt === undefined || rollsAt - at > horizon) continue;
    if (!advice.defer || (advice.until && rollsAt > advice.until.getTime())) {
      advice = {
        defer: true,
        until: new Date(rollsAt),
        rule_id: rule.rule_id,
        expected_usage: expected,
        reason: `${stageKindId} typically uses ${expected} ${rule.metric}; ${rule.rule_id} has ${rule.threshold - observed} left and its ${rule.window} window makes room at ${new Date(rollsAt).toISOString()}`,
      };
    }
  }
  return advice;
}

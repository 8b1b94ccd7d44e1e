import { formatTimestamp, type GovernanceBlocker, type UsageGovernanceState } from "@millrace/contracts";
import type { GovernanceVerdict, UsageGovernanceConfig } from "../usage/types.js";

/** Emitted once per change, never once per evaluation (DESIGN decision 10). */
export type GovernanceTransition =
  | {
      readonly kind: "paused";
      readonly blockers: readonly GovernanceBlocker[];
      readonly next_auto_resume_at: string | null;
    }
  | { readonly kind: "resumed"; readonly cleared_rules: readonly string[] }
  | { readonly kind: "degraded"; readonly policy: "fail_open" | "fail_closed"; readonly detail: string };

export interface GovernanceStep {
  readonly state: UsageGovernanceState;
  readonly transitions: readonly GovernanceTransition[];
  /** Whether the pause is held by governance after this evaluation (includes a sticky pause). */
  readonly paused: boolean;
  /** Something other than `last_evaluated_at` changed. */
  readonly changed: boolean;
}

function withoutTimestamp(state: UsageGovernanceState): string {
  return JSON.stringify({
    ...state,
    last_evaluated_at: "",
    subscription_quota_status: { ...state.subscription_quota_status, last_refreshed_at: "" },
  });
}

/**
 * Folds one verdict into the persisted state. With `auto_resume = false` a governance pause stays
 * once taken, until governance is disabled; blockers still show what is over.
 */
export function nextGovernanceState(input: {
  previous: UsageGovernanceState;
  verdict: GovernanceVerdict;
  config: UsageGovernanceConfig;
  daemonSessionId: string | null;
}): GovernanceStep {
  const { previous, verdict, config } = input;
  const sticky = config.enabled && !config.auto_resume && previous.paused_by_governance;
  const paused = verdict.enabled && (verdict.pause || sticky);
  const blockers = [...verdict.blockers];
  const allResumable = blockers.length > 0 && blockers.every((blocker) => blocker.auto_resume_possible);
  const state: UsageGovernanceState = {
    version: previous.version,
    enabled: config.enabled,
    auto_resume: config.auto_resume,
    auto_resume_possible: allResumable && config.auto_resume,
    evaluation_boundary: config.evaluation_boundary,
    calendar_timezone: config.calendar_timezone,
    daemon_session_id: input.daemonSessionId,
    last_evaluated_at: formatTimestamp(verdict.evaluatedAt),
    active_blockers: blockers,
    paused_by_governance: paused,
    next_auto_resume_at: verdict.resumeAt && config.auto_resume ? formatTimestamp(verdict.resumeAt) : null,
    subscription_quota_status: verdict.subscription,
  };
  const transitions: GovernanceTransition[] = [];
  if (paused && !previous.paused_by_governance) {
    transitions.push({ kind: "paused", blockers, next_auto_resume_at: state.next_auto_resume_at });
  } else if (!paused && previous.paused_by_governance) {
    transitions.push({
      kind: "resumed",
      cleared_rules: previous.active_blockers.map((blocker) => blocker.rule_id),
    });
  }
  const wasDegraded = previous.subscription_quota_status.state === "degraded";
  if (verdict.degraded && !wasDegraded) {
    transitions.push({
      kind: "degraded",
      policy: verdict.subscription.degraded_policy,
      detail: verdict.subscription.detail ?? "degraded",
    });
  }
  return { state, transitions, paused, changed: withoutTimestamp(state) !== withoutTimestamp(previous) };
}

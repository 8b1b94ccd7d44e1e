import type { RunnerAdapter, TokenUsage } from "@millrace/contracts";
import { createScriptedAdapter } from "@millrace/runners";

/**
 * The scripted runner, reporting token usage for every stage it runs: `tokensFor(stage,
 * workItemId)` decides the total (split half input, half output). The scripted runner itself
 * reports none, so governance scenarios wrap it.
 */
export function usageReportingScripted(
  tokensFor: (stage: string, workItemId: string | null) => number = () => 1000,
): RunnerAdapter {
  const base = createScriptedAdapter();
  return {
    ...base,
    async run(request, ctx) {
      const raw = await base.run(request, ctx);
      const total = tokensFor(request.stage, request.active_work_item_id ?? null);
      const usage: TokenUsage = {
        input_tokens: total / 2,
        cached_input_tokens: 0,
        output_tokens: total / 2,
        thinking_tokens: 0,
        total_tokens: total,
      };
      return { ...raw, token_usage: usage };
    },
  };
}

/** A clock the test moves by hand. */
export function manualClock(startIso: string) {
  let now = Date.parse(startIso);
  return {
    clock: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    set(iso: string) {
      now = Date.parse(iso);
    },
  };
}

/** `[usage_governance]` with one runtime-token rule. */
export function governanceConfig(
  rule: { id: string; window: string; threshold: number },
  extra = "",
): string {
  return `\n[usage_governance]\nenabled = true\n${extra}\n[[usage_governance.runtime_token_rules.rules]]\nrule_id = "${rule.id}"\nwindow = "${rule.window}"\nthreshold = ${rule.threshold}\n`;
}

import type { RunnerFailureClass } from "@millrace/contracts";

/** Maps a provider's error text to the runner-level failure class. */
export function classifyProviderMessage(message: string): RunnerFailureClass {
  if (
    /\b401\b|unauthori[sz]ed|invalid[ _-]?(x-)?api[ _-]?key|authentication|not logged in|no api key|missing environment variable/i.test(
      message,
    )
  ) {
    return "runner_auth_failure";
  }
  if (/\b429\b|rate[ _-]?limit|too many requests|quota/i.test(message)) return "runner_rate_limited";
  return "runner_provider_failure";
}

import type { RunnerFailureClass } from "@millrace/contracts";
import { exitCodeOf, stderrTail } from "../finish/process-verdict.js";
import { COMPLETED, type StageVerdict } from "../finish/verdict.js";
import type { ProcessOutcome } from "../process/run-process.js";
import { classifyProviderMessage } from "../provider-errors.js";
import type { ClaudeStreamState } from "./stream.js";

/** The failure class of an error `result`: the API status first, then the subtype, then the text. */
export function claudeFailureClass(
  result: Record<string, unknown>,
  assistantError: string | undefined,
): RunnerFailureClass {
  if (assistantError === "authentication_failed" || result.api_error_status === 401)
    return "runner_auth_failure";
  if (assistantError === "rate_limit" || result.api_error_status === 429) return "runner_rate_limited";
  if (result.subtype === "error_max_turns") return "runner_max_turns";
  if (result.subtype === "error_max_budget_usd") return "runner_budget_exhausted";
  const text = [result.result, ...(Array.isArray(result.errors) ? result.errors : [])]
    .filter((x) => typeof x === "string")
    .join(" ");
  return classifyProviderMessage(text);
}

/**
 * The verdict of a `claude -p` that ended by itself: an error `result` is a provider failure, a
 * non-zero exit a runner error, and a clean exit without a successful `result` an incomplete stream.
 */
export function claudeVerdict(
  state: ClaudeStreamState,
  outcome: ProcessOutcome,
  stderrPath: string,
): StageVerdict {
  const exitCode = exitCodeOf(outcome);
  const result = state.result;
  if (result && result.is_error === true) {
    const message = typeof result.result === "string" ? result.result : String(result.subtype ?? "error");
    return {
      exitKind: "provider_error",
      exitCode: exitCode === 0 ? 1 : exitCode,
      failureClass: claudeFailureClass(result, state.assistantError),
      note: `claude reported an error (${String(result.subtype)}): ${message}`,
    };
  }
  if (exitCode !== 0) {
    return {
      exitKind: "runner_error",
      exitCode,
      failureClass: "runner_non_zero_exit",
      note: `claude exited with status ${exitCode}${stderrTail(stderrPath)}`,
    };
  }
  if (result?.is_error !== false) {
    return {
      exitKind: "runner_error",
      exitCode: 1,
      failureClass: "runner_incomplete_stream",
      note: "claude exited 0 without a successful result message",
    };
  }
  return COMPLETED;
}

import { exitCodeOf, stderrTail } from "../finish/process-verdict.js";
import { COMPLETED, type StageVerdict } from "../finish/verdict.js";
import type { ProcessOutcome } from "../process/run-process.js";
import { classifyProviderMessage } from "../provider-errors.js";
import type { CodexStreamState } from "./stream.js";

/**
 * The verdict of a `codex exec` that ended by itself: a `turn.failed` event is a provider failure
 * (classified by its message), a non-zero exit a runner error, and a clean exit without
 * `turn.completed` an incomplete stream.
 */
export function codexVerdict(
  state: CodexStreamState,
  outcome: ProcessOutcome,
  stderrPath: string,
): StageVerdict {
  const exitCode = exitCodeOf(outcome);
  if (state.turnFailedMessage !== undefined) {
    return {
      exitKind: "provider_error",
      exitCode: exitCode === 0 ? 1 : exitCode,
      failureClass: classifyProviderMessage(state.turnFailedMessage),
      note: `turn failed: ${state.turnFailedMessage}`,
    };
  }
  if (exitCode !== 0) {
    return {
      exitKind: "runner_error",
      exitCode,
      failureClass: "runner_non_zero_exit",
      note: `codex exited with status ${exitCode}${stderrTail(stderrPath)}`,
    };
  }
  if (!state.turnCompleted) {
    return {
      exitKind: "runner_error",
      exitCode: 1,
      failureClass: "runner_incomplete_stream",
      note: "codex exited 0 without a turn.completed event",
    };
  }
  return COMPLETED;
}

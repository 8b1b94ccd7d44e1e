import { exitCodeOf } from "../finish/process-verdict.js";
import { COMPLETED, type StageVerdict } from "../finish/verdict.js";
import type { ProcessOutcome } from "../process/run-process.js";
import { classifyProviderMessage } from "../provider-errors.js";
import type { PiTerminal } from "./stream.js";

/** What the RPC conversation with Pi ended with. */
export interface PiRunEnd {
  readonly terminal: PiTerminal | undefined;
  /** The final assistant text ("" when none). */
  readonly text: string;
  readonly retries: number;
  /** Our deadline fired and `abort` was sent. */
  readonly abortSent: boolean;
  readonly deadlineMs: number;
  /** Pi's error when it rejected the prompt. */
  readonly rejected: string | undefined;
}

/** The verdict of a Pi RPC run whose process ended without process control stepping in. */
export function piVerdict(end: PiRunEnd, outcome: ProcessOutcome): StageVerdict {
  if (end.abortSent) {
    // Our deadline fired and Pi obeyed the abort before process control had to stop it: a timeout.
    return {
      exitKind: "timeout",
      exitCode: 124,
      failureClass: "runner_timeout",
      note: `exceeded ${end.deadlineMs / 1000} s; pi aborted the run`,
      reconcile: true,
    };
  }
  if (end.rejected !== undefined) {
    const auth = classifyProviderMessage(end.rejected) === "runner_auth_failure";
    return {
      exitKind: auth ? "provider_error" : "runner_error",
      exitCode: 1,
      failureClass: auth ? "runner_auth_failure" : "runner_rpc_rejected",
      note: `prompt rejected: ${end.rejected.split("\n")[0]}`,
    };
  }
  if (!end.terminal) {
    return {
      exitKind: "runner_error",
      exitCode: exitCodeOf(outcome) || 1,
      failureClass: "runner_incomplete_rpc_stream",
      note: "pi ended before the run finished (no final agent_end)",
    };
  }
  if (end.terminal.failed && end.text.trim().length === 0) {
    const message = end.terminal.message ?? "provider error";
    const cls = classifyProviderMessage(message);
    return {
      exitKind: "provider_error",
      exitCode: 1,
      failureClass: cls === "runner_provider_failure" && end.retries > 0 ? "runner_retry_exhausted" : cls,
      note: `provider failure: ${message}`,
    };
  }
  if (end.text.trim().length === 0) {
    return {
      exitKind: "runner_error",
      exitCode: 1,
      failureClass: "runner_empty_assistant_text",
      note: "pi finished without assistant text",
    };
  }
  return COMPLETED;
}

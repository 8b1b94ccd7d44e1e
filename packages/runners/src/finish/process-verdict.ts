import { readFileSync, writeFileSync } from "node:fs";
import type { ProcessOutcome } from "../process/run-process.js";
import type { StageVerdict } from "./verdict.js";

export interface ProcessVerdict extends StageVerdict {
  readonly note: string;
}

/**
 * The verdict process control alone can give (spawn failure, deadline, interruption, output cap),
 * or undefined when the process ended by itself and the protocol decides.
 */
export function processVerdict(
  outcome: ProcessOutcome,
  command: string,
  stderrPath: string,
): ProcessVerdict | undefined {
  if (outcome.spawnError) {
    const missing = outcome.spawnError.code === "ENOENT" || outcome.spawnError.code === "EACCES";
    const note = missing
      ? `runner binary not found: ${command}`
      : `runner process error: ${outcome.spawnError.message}`;
    writeFileSync(stderrPath, `${note}\n`, { flag: "a" });
    return missing
      ? {
          exitKind: "runner_error",
          exitCode: 127,
          failureClass: "runner_binary_not_found",
          note: "runner executable missing",
        }
      : { exitKind: "runner_error", exitCode: 1, failureClass: "runner_transport_failure", note };
  }
  const leaked =
    outcome.leakedKilled.length > 0 ? ` (killed ${outcome.leakedKilled.length} leftover process(es))` : "";
  switch (outcome.stopReason) {
    case "timeout":
      writeFileSync(stderrPath, `\nrunner timed out: ${outcome.stopDetail ?? ""}\n`, { flag: "a" });
      return {
        exitKind: "timeout",
        exitCode: 124,
        failureClass: "runner_timeout",
        note: `runner process exceeded its timeout${outcome.hardKilled ? "; SIGKILL was needed" : ""}${leaked}`,
      };
    case "interrupted":
      return {
        exitKind: "interrupted",
        exitCode: 130,
        failureClass: "runner_interrupted",
        note: `stage interrupted${leaked}`,
      };
    case "output_limit":
      return {
        exitKind: "runner_error",
        exitCode: 1,
        failureClass: "runner_output_limit",
        note: `runner output exceeded its cap: ${outcome.stopDetail ?? ""}`,
      };
    default:
      return undefined;
  }
}

/** Exit code of a process that ended by itself: signal deaths map to 128 + n like a shell. */
export function exitCodeOf(outcome: ProcessOutcome): number {
  if (outcome.exitCode !== null) return outcome.exitCode;
  const signals: Record<string, number> = { SIGTERM: 143, SIGKILL: 137, SIGINT: 130, SIGHUP: 129 };
  return outcome.signal ? (signals[outcome.signal] ?? 1) : 1;
}

/** The last stderr line, for notes (the captured stderr stays in its artifact). */
export function stderrTail(file: string): string {
  try {
    const lines = readFileSync(file, "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);
    const last = lines[lines.length - 1];
    return last ? `: ${last.slice(0, 300)}` : "";
  } catch {
    return "";
  }
}

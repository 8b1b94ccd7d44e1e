import type { StageVerdict } from "../finish/verdict.js";
import { COMPLETED } from "../finish/verdict.js";

/** A script's exit status: 0 is a completed stage, anything else a non-zero exit. */
export function scriptVerdict(exitCode: number): StageVerdict {
  return exitCode === 0
    ? COMPLETED
    : { exitKind: "runner_error", exitCode, failureClass: "runner_non_zero_exit" };
}

/** The verdict of an in-process script stopped early by the stage deadline or an interruption. */
export function stoppedScriptVerdict(reason: "timeout" | "interrupted" | undefined): StageVerdict {
  return reason === "timeout"
    ? {
        exitKind: "timeout",
        exitCode: 124,
        failureClass: "runner_timeout",
        note: "scripted stage exceeded its timeout",
      }
    : {
        exitKind: "interrupted",
        exitCode: 130,
        failureClass: "runner_interrupted",
        note: "stage interrupted",
      };
}

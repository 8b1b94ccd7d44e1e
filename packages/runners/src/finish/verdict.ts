import type { RunnerExitKind, RunnerFailureClass } from "@millrace/contracts";

/** How a stage ended, before it becomes a raw result. */
export interface StageVerdict {
  readonly exitKind: RunnerExitKind;
  readonly exitCode: number;
  readonly failureClass: RunnerFailureClass | null;
  /** Appended to the raw result's notes. */
  readonly note?: string;
  /**
   * A deadline verdict the runner reached itself: reconciled like a process timeout when the agent
   * had already printed its final legal marker.
   */
  readonly reconcile?: boolean;
}

export const COMPLETED: StageVerdict = { exitKind: "completed", exitCode: 0, failureClass: null };

/** Our own stop after the provider kept retrying past the adapter's budget. */
export function retryExhausted(count: number, what: string): StageVerdict {
  return {
    exitKind: "provider_error",
    exitCode: 1,
    failureClass: "runner_retry_exhausted",
    note: `stopped after ${count} ${what}`,
  };
}

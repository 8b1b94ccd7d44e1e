import type { RunnerRawResultInput, StageRunRequest } from "@millrace/contracts";
import { formatTimestamp } from "@millrace/contracts";

/** The identity and timing part of a raw result. */
export function rawBase(
  request: StageRunRequest,
  runnerName: string,
  outcome: { startedAt: Date; endedAt: Date },
): Pick<
  RunnerRawResultInput,
  | "request_id"
  | "run_id"
  | "stage"
  | "runner_name"
  | "model_name"
  | "model_reasoning_effort"
  | "thinking_level"
  | "started_at"
  | "ended_at"
> {
  return {
    request_id: request.request_id,
    run_id: request.run_id,
    stage: request.stage,
    runner_name: runnerName,
    model_name: request.model_name ?? null,
    model_reasoning_effort: request.model_reasoning_effort ?? null,
    thinking_level: request.thinking_level ?? null,
    started_at: formatTimestamp(outcome.startedAt),
    ended_at: formatTimestamp(outcome.endedAt),
  };
}

import {
  type RunnerAdapter,
  type RunnerContext,
  type RunnerRawResult,
  type RunnerRawResultInput,
  RunnerRawResultSchema,
  type StageRunRequest,
} from "@millrace/contracts";
import { rawBase } from "../finish/raw-base.js";

function syntheticFailure(
  request: StageRunRequest,
  runnerName: string,
  startedAt: Date,
  endedAt: Date,
  note: string,
): RunnerRawResult {
  return RunnerRawResultSchema.parse({
    ...rawBase(request, runnerName, { startedAt, endedAt: endedAt < startedAt ? startedAt : endedAt }),
    exit_kind: "runner_error",
    exit_code: 1,
    failure_class: "runner_transport_failure",
    notes: [note],
  } satisfies RunnerRawResultInput);
}

/**
 * Runs the adapter and validates what it returns: an exception or an invalid raw result becomes a
 * `runner_transport_failure` result, never an escape into the engine.
 */
export async function runAdapter(
  adapter: RunnerAdapter,
  runnerName: string,
  request: StageRunRequest,
  ctx: RunnerContext,
): Promise<RunnerRawResult> {
  const startedAt = ctx.clock();
  try {
    const produced = await adapter.run(request, ctx);
    const parsed = RunnerRawResultSchema.safeParse(produced);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    return syntheticFailure(
      request,
      runnerName,
      startedAt,
      ctx.clock(),
      `runner ${runnerName} returned an invalid raw result: ${issue?.path.join(".")}: ${issue?.message}`,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return syntheticFailure(
      request,
      runnerName,
      startedAt,
      ctx.clock(),
      `runner ${runnerName} failed: ${message}`,
    );
  }
}

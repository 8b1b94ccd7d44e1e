import type { StageResultEnvelope } from "@millrace/contracts";
import type { EngineContext } from "../state/context.js";
import { addPauseSource } from "../state/pause-sources.js";
import type { AppliedStage, RunnerHold, StageCompletion } from "./stage-completion.js";

/** The failure classes that say the agent never ran (or never got in): not the work's fault. */
export function runnerHoldOf(envelope: StageResultEnvelope): RunnerHold | null {
  const failureClass = envelope.metadata.failure_class;
  if (failureClass !== "runner_unavailable" && failureClass !== "runner_auth_failure") return null;
  return { runner: envelope.runner_name ?? "unknown", failureClass };
}

/**
 * Holds a stage whose runner could not start or authenticate: it is not routed (no recovery stage
 * would fare better with the same runner, and no counter moves), its run stays active at the same
 * node, and the runtime takes the `runner_unavailable` pause source. The engine lifts the pause once
 * the runner's preflight passes again, and the stage then runs again.
 */
export function holdForRunner(ctx: EngineContext, completion: StageCompletion): AppliedStage | null {
  const hold = runnerHoldOf(completion.envelope);
  if (!hold) return null;
  ctx.snapshot = addPauseSource(ctx.snapshot, "runner_unavailable");
  return { decision: null, runtimeErrorCode: null, runEnded: false, runnerHold: hold };
}

import { existsSync, renameSync } from "node:fs";
import { writeJsonAtomicSync } from "@millrace/workspace";
import type { StageCompletion } from "../apply/stage-completion.js";
import { parkActiveRun } from "../governance/park.js";
import { commit, type EngineContext } from "../state/context.js";
import { clearInflight } from "../state/inflight.js";
import type { LivenessStop } from "./stage-watch.js";

/** The parked item's reason, as status and `queue release` show it. */
export function livenessParkReason(stop: LivenessStop): string {
  return `liveness: ${stop.grade}: ${stop.reason}`;
}

/**
 * `pause_item`: the stopped stage's result is set aside (as an interrupted stage's is), and the
 * item is parked with the liveness reason: back in its queue folder, not claimed again until
 * `millrace queue release <id>`, resuming at the stage it was stopped in. Returns false when the run
 * has no work item to park; the caller then hands the stage to recovery instead.
 */
export function pauseItemForLiveness(
  ctx: EngineContext,
  completion: StageCompletion,
  stop: LivenessStop,
): boolean {
  const { plane, run } = completion;
  if (!run.work_item_id || !run.work_item_kind || !ctx.governance) return false;
  if (existsSync(completion.stageResultPath)) {
    renameSync(completion.stageResultPath, `${completion.stageResultPath}.interrupted`);
  }
  parkActiveRun(ctx, plane, livenessParkReason(stop), []);
  commit(ctx, { beforeAnnounce: () => clearInflight(ctx.paths, plane) });
  return true;
}

/**
 * `recovery_request`: the stopped stage becomes a failed result that says why, and is applied like
 * any failed stage, so the loop's own recovery path (the troubleshooter) takes the item now instead
 * of at the deadline. A hung stage is recorded as a timeout (it is one, called early); the liveness
 * verdict is kept in the metadata.
 */
export function recoveryCompletion(completion: StageCompletion, stop: LivenessStop): StageCompletion {
  const { envelope } = completion;
  const failureClass = stop.grade === "hung" ? "runner_timeout" : envelope.metadata.failure_class;
  const annotated = {
    ...envelope,
    notes: [...envelope.notes, `${livenessParkReason(stop)}; the stage was stopped and handed to recovery`],
    metadata: {
      ...envelope.metadata,
      failure_class: failureClass ?? "runner_transport_failure",
      liveness: { grade: stop.grade, response: stop.response, reason: stop.reason },
    },
  };
  writeJsonAtomicSync(completion.stageResultPath, annotated);
  return { ...completion, envelope: annotated };
}

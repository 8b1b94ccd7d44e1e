import { applyDeferredCuratorUpdates, recordCuratorUpdate } from "@millrace/compounding";
import { toWorkspaceRelative } from "@millrace/workspace";
import { type EngineContext, recordEvent } from "../state/context.js";
import { activePlanes } from "../state/planes.js";
import type { StageCompletion } from "./stage-completion.js";

function foregroundActive(ctx: EngineContext): boolean {
  return activePlanes(ctx).some((plane) => plane !== "learning");
}

/**
 * After a Curator CURATOR_COMPLETE whose artifacts include a skill update, records the candidate
 * (through @millrace/compounding): deferred while planning or execution work runs, applied
 * otherwise, and logs which.
 */
export function recordCuratorPromotion(ctx: EngineContext, completion: StageCompletion): void {
  const { run, envelope } = completion;
  if (run.plane !== "learning" || run.stage !== "curator" || envelope.terminal_result !== "CURATOR_COMPLETE")
    return;
  if (!run.work_item_id) return;
  const record = recordCuratorUpdate(ctx.paths, {
    runId: run.run_id,
    learningRequestId: run.work_item_id,
    stageResultPath: toWorkspaceRelative(ctx.paths, completion.stageResultPath),
    artifactPaths: envelope.artifact_paths,
    defer: foregroundActive(ctx),
    now: ctx.clock(),
  });
  if (!record) return;
  const data = {
    run_id: run.run_id,
    learning_request_id: run.work_item_id,
    artifact_paths: record.artifact_paths,
  };
  if (record.status === "deferred") recordEvent(ctx, "learning_curator_promotion_deferred", data);
  else recordEvent(ctx, "learning_curator_promotion_applied", data);
}

/** At a boundary with no foreground run, deferred candidates become applied (oldest first). */
export function applyDeferredPromotions(ctx: EngineContext): number {
  if (foregroundActive(ctx)) return 0;
  const moved = applyDeferredCuratorUpdates(ctx.paths, { now: ctx.clock() });
  for (const record of moved) {
    recordEvent(ctx, "learning_curator_promotion_applied", {
      run_id: record.run_id,
      learning_request_id: record.learning_request_id,
      artifact_paths: record.artifact_paths,
      deferred: true,
    });
  }
  return moved.length;
}

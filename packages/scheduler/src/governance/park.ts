import { DOCUMENT_KINDS, type DocumentKind, formatTimestamp, type Plane } from "@millrace/contracts";
import { type EngineContext, recordEvent } from "../state/context.js";
import { withActiveRun, withStatusMarker, writeStatusMarker } from "../state/state-store.js";

/**
 * Before a plane's next stage: a work item over one of its budgets is parked, not killed. Its
 * record (budget, spend, how to release, and where its run stood) is written first, then its
 * document goes back to its queue folder, unclaimable until released, and the plane is free for
 * other work. Returns true when the plane's run was parked.
 */
export function parkIfOverBudget(ctx: EngineContext, plane: Plane): boolean {
  const governance = ctx.governance;
  const run = ctx.snapshot.active_runs_by_plane[plane];
  if (!governance || !run?.work_item_id || !run.work_item_kind) return false;
  const id = run.work_item_id;
  const kind = run.work_item_kind;
  const decision = governance.checkBudget({
    workItemId: id,
    lineageRootId: governance.lineageOf(kind, id),
    stageKindId: run.stage_kind_id,
  });
  if (!decision.park) return false;
  const reason = decision.reason ?? "over budget";
  governance.park({
    work_item_kind: kind,
    work_item_id: id,
    plane,
    parked_at: formatTimestamp(ctx.clock()),
    reason,
    breaches: [...decision.breaches],
    resume: { run_id: run.run_id, node_id: run.node_id, stage: run.stage, stage_kind_id: run.stage_kind_id },
    released_at: null,
    released_by: null,
  });
  if (DOCUMENT_KINDS.includes(kind as DocumentKind) && ctx.queue.find(id)?.state === "active") {
    ctx.queue.requeue(kind as DocumentKind, id, `parked: ${reason}`, { actor: "runtime" });
  }
  ctx.snapshot = withActiveRun(ctx.snapshot, plane, undefined);
  writeStatusMarker(ctx.paths, plane, "### IDLE");
  ctx.snapshot = withStatusMarker(ctx.snapshot, plane, "### IDLE");
  recordEvent(ctx, "work_item_parked", {
    plane,
    work_item_kind: kind,
    work_item_id: id,
    run_id: run.run_id,
    reason,
  });
  return true;
}

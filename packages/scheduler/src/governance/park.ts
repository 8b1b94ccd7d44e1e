import {
  DOCUMENT_KINDS,
  type DocumentKind,
  formatTimestamp,
  type ParkedWorkItem,
  type Plane,
} from "@millrace/contracts";
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
  parkActiveRun(ctx, plane, decision.reason ?? "over budget", [...decision.breaches]);
  return true;
}

/**
 * Parks a plane's active run: the parked record (reason, breaches, where the run stood) first, then
 * the document back to its queue folder, unclaimable until `queue release`, and the plane idle.
 * Shared by budgets (before a stage) and liveness (a stopped stage). Returns false without a work item.
 */
export function parkActiveRun(
  ctx: EngineContext,
  plane: Plane,
  reason: string,
  breaches: ParkedWorkItem["breaches"],
): boolean {
  const governance = ctx.governance;
  const run = ctx.snapshot.active_runs_by_plane[plane];
  if (!governance || !run?.work_item_id || !run.work_item_kind) return false;
  const id = run.work_item_id;
  const kind = run.work_item_kind;
  governance.park({
    work_item_kind: kind,
    work_item_id: id,
    plane,
    parked_at: formatTimestamp(ctx.clock()),
    reason,
    breaches,
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

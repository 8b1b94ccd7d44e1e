import { rmSync } from "node:fs";
import { MillraceError } from "@millrace/contracts";
import { type EngineContext, recordEvent } from "../state/context.js";
import { graphOf } from "../state/planes.js";
import { counterTotals } from "../state/state-store.js";
import { applyDecision } from "./decision.js";
import { enqueueLearningRequests } from "./learning-triggers.js";
import { applyDeferredPromotions, recordCuratorPromotion } from "./promotions.js";
import { scheduleRepair } from "./repair.js";
import { type RouterDecision, routeStageResult } from "./router.js";
import { holdForRunner } from "./runner-hold.js";
import type { AppliedStage, StageCompletion } from "./stage-completion.js";

/**
 * The authoritative application of one stage result: learning triggers, routing, the status marker,
 * and the decision's moves and counters. A failure of the runtime itself after the stage ran is
 * routed to the plane's repair stage with an error report (learning-plane failures block the
 * request, since that plane has no repair stage).
 */
export function applyStageCompletion(ctx: EngineContext, completion: StageCompletion): AppliedStage {
  const { plane, run, envelope } = completion;
  const current = ctx.snapshot.active_runs_by_plane[plane];
  if (!current || current.run_id !== run.run_id || current.node_id !== run.node_id) {
    recordEvent(ctx, "stage_result_discarded", {
      plane,
      run_id: run.run_id,
      node_id: run.node_id,
      reason: "the run changed while the stage ran (retried or cleared by an operator)",
    });
    return { decision: null, runtimeErrorCode: null, runEnded: false };
  }
  const held = holdForRunner(ctx, completion);
  if (held) return held;
  const graph = graphOf(ctx.plan, plane);
  if (plane === "execution") {
    // New execution work changes what an Arbiter would see: held closure targets may be judged again.
    for (const root of ctx.closureHolds.keys()) ctx.closureHolds.set(root, "");
  }
  let decision: RouterDecision | null = null;
  try {
    if (!graph) throw new MillraceError("engine_state_invalid", `the compiled plan has no ${plane} graph`);
    enqueueLearningRequests(ctx, completion);
    decision = routeStageResult({
      graph,
      run,
      result: envelope,
      counters: counterTotals(ctx.counters, run.work_item_kind ?? null, run.work_item_id ?? null),
      currentFailureClass: ctx.snapshot.current_failure_class ?? null,
    });
    if (run.stage === "troubleshooter" || run.stage === "mechanic")
      rmSync(ctx.paths.runtimeErrorContext, { force: true });
    const runEnded = applyDecision(ctx, completion, decision);
    recordCuratorPromotion(ctx, completion);
    applyDeferredPromotions(ctx);
    return { decision, runtimeErrorCode: null, runEnded };
  } catch (error) {
    return scheduleRepair(ctx, completion, decision, error);
  }
}

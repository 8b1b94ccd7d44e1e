import type { ActiveRunState, DocumentKind } from "@millrace/contracts";
import { formatTimestamp } from "@millrace/contracts";
import { awaitOperatorInput, isOperatorQuestion } from "../questions/ask-operator.js";
import type { EngineContext } from "../state/context.js";
import {
  counterTotals,
  incrementCounters,
  resetCounters,
  withActiveRun,
  withAggregateCounters,
} from "../state/state-store.js";
import { applyBlueprintEffect } from "./blueprint/effects.js";
import { applyClosureDecision } from "./closure.js";
import { enqueueIncidentOnce, handoffIncident } from "./incidents.js";
import { applyReconEffect } from "./recon.js";
import type { RouterDecision } from "./router.js";
import { blockItem, completeItem, endRun, IDLE, marker, setPlaneMarker } from "./run-end.js";
import type { StageCompletion } from "./stage-completion.js";

/**
 * Carries out a router decision for a work item: the next stage with its counters, or the end of
 * the run (the document moves to done or blocked, a handoff opens an incident, recon hand-offs and
 * blueprint effects queue their generated work). Returns true when the plane's run ended.
 */
export function applyDecision(
  ctx: EngineContext,
  completion: StageCompletion,
  decision: RouterDecision,
): boolean {
  const { plane, run } = completion;
  if (run.request_kind === "closure_target") {
    applyClosureDecision(ctx, completion, decision);
    return true;
  }
  if (isOperatorQuestion(completion, decision)) return awaitOperatorInput(ctx, completion, decision);
  const kind = run.work_item_kind as DocumentKind;
  const id = run.work_item_id as string;
  if (decision.action === "run_stage") {
    const failureKey =
      decision.failureClass ??
      (decision.counterIncrements.includes("fix_cycle_count") ? "fix_cycle" : "recoverable_failure");
    ctx.counters = resetCounters(ctx.counters, kind, id, decision.counterResets);
    ctx.counters = incrementCounters(
      ctx.counters,
      kind,
      id,
      failureKey,
      decision.counterIncrements,
      ctx.clock(),
    );
    const next: ActiveRunState = {
      ...run,
      stage: decision.nextStage as string,
      node_id: decision.nextNodeId as string,
      stage_kind_id: decision.nextStageKindId as string,
      active_since: formatTimestamp(ctx.clock()),
    };
    ctx.snapshot = withActiveRun(ctx.snapshot, plane, next);
    ctx.snapshot = withAggregateCounters(
      { ...ctx.snapshot, current_failure_class: decision.failureClass },
      counterTotals(ctx.counters, kind, id),
    );
    setPlaneMarker(ctx, plane, marker(decision.statusToken), "router", run.run_id);
    return false;
  }
  switch (decision.terminalActionId) {
    case "complete_source_after_effect":
      applyBlueprintEffect(ctx, completion);
      completeItem(ctx, kind, id);
      break;
    case "recon_enqueue_task":
      applyReconEffect(ctx, completion, "task");
      completeItem(ctx, kind, id);
      break;
    case "recon_enqueue_spec":
      applyReconEffect(ctx, completion, "spec");
      completeItem(ctx, kind, id);
      break;
    default:
      if (decision.action === "idle") completeItem(ctx, kind, id);
      else if (decision.action === "handoff") {
        enqueueIncidentOnce(ctx, handoffIncident(ctx, completion, decision), run.run_id);
        blockItem(ctx, kind, id);
      } else blockItem(ctx, kind, id);
  }
  const after = decision.action === "idle" ? IDLE : marker(decision.statusToken);
  endRun(ctx, plane, run, after, decision.action === "idle" ? null : decision.failureClass);
  return true;
}

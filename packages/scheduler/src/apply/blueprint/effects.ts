import type { EngineContext } from "../../state/context.js";
import type { StageCompletion } from "../stage-completion.js";
import { enqueueApprovedTask } from "./approval-effect.js";
import { queueBlueprintDrafts } from "./manager-effect.js";
import { blueprintRefused } from "./refusal.js";

/**
 * The runtime-owned effect behind `complete_source_after_effect`, chosen by the stage kind that
 * finished: a Manager Blueprint queues its drafts, an Evaluator's approval queues its task. The
 * caller completes the source item only after the effect succeeded.
 */
export function applyBlueprintEffect(ctx: EngineContext, completion: StageCompletion): void {
  switch (completion.run.stage_kind_id) {
    case "manager_blueprint":
      queueBlueprintDrafts(ctx, completion);
      return;
    case "evaluator_blueprint":
      enqueueApprovedTask(ctx, completion);
      return;
    default:
      throw blueprintRefused(
        "blueprint effect",
        `stage kind ${completion.run.stage_kind_id} has no effect behind complete_source_after_effect`,
      );
  }
}

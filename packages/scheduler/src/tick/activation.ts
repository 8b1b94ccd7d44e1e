import type { Plane } from "@millrace/contracts";
import type { EngineContext } from "../state/context.js";
import { activePlanes } from "../state/planes.js";
import { claimAndActivate } from "./claim.js";
import { activateCompletionStage } from "./completion-stage.js";
import { canDispatch } from "./concurrency.js";

/**
 * Picks and activates foreground work (planning before execution) and, when the mode allows it,
 * learning beside it. Returns the planes that gained a run. With execution lanes, `claimLanes`
 * claims execution work into lanes instead of the plane slot.
 */
export function activateWork(ctx: EngineContext, claimLanes?: () => boolean): Plane[] {
  const started: Plane[] = [];
  const policy = ctx.plan.concurrency_policy;
  for (const plane of ["planning", "execution"] as const) {
    // Lanes add execution items beside running ones: only the other planes constrain them.
    const laned = plane === "execution" && claimLanes !== undefined;
    const active = laned ? activePlanes(ctx).filter((p) => p !== "execution") : activePlanes(ctx);
    if (!canDispatch(policy, active, plane)) continue;
    if (laned ? claimLanes() : claimAndActivate(ctx, plane)) {
      started.push(plane);
      break;
    }
  }
  if (started.length === 0 && activePlanes(ctx).length === 0 && activateCompletionStage(ctx)) {
    started.push("planning");
  }
  if (canDispatch(policy, activePlanes(ctx), "learning") && claimAndActivate(ctx, "learning")) {
    started.push("learning");
  }
  return started;
}

import type { CompiledRunPlan, FrozenGraphPlanePlan, Plane } from "@millrace/contracts";
import type { EngineContext } from "./context.js";

/** The plane's compiled graph, or null when the mode has no loop on that plane. */
export function graphOf(plan: CompiledRunPlan, plane: Plane): FrozenGraphPlanePlan | null {
  return plan.graphs_by_plane[plane] ?? null;
}

export function activePlanes(ctx: EngineContext): Plane[] {
  return (["planning", "execution", "learning"] as const).filter(
    (plane) => ctx.snapshot.active_runs_by_plane[plane],
  );
}

import type { ActiveRunState, CompiledRunPlan, FrozenGraphPlanePlan, Plane } from "@millrace/contracts";
import type { EngineContext } from "./context.js";

/** The plane's compiled graph, or null when the mode has no loop on that plane. */
export function graphOf(plan: CompiledRunPlan, plane: Plane): FrozenGraphPlanePlan | null {
  return plan.graphs_by_plane[plane] ?? null;
}

/** Planes with a run; execution also while lanes hold items (their runs are not in the plane slot). */
export function activePlanes(ctx: EngineContext): Plane[] {
  const lanes = (ctx.lanes?.count() ?? 0) > 0;
  return (["planning", "execution", "learning"] as const).filter(
    (plane) => ctx.snapshot.active_runs_by_plane[plane] || (plane === "execution" && lanes),
  );
}

/** Every run the engine owns: the plane slots' and the execution lanes'. */
export function ownedRuns(ctx: EngineContext): ActiveRunState[] {
  const slots = Object.values(ctx.snapshot.active_runs_by_plane).filter((run): run is ActiveRunState =>
    Boolean(run),
  );
  return [...slots, ...(ctx.lanes?.runs() ?? [])];
}

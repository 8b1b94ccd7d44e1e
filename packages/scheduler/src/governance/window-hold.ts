import type { Plane } from "@millrace/contracts";
import { type EngineContext, recordEvent } from "../state/context.js";

/**
 * Quota-window scheduling (opt-in): a plane's next stage waits when its kind's typical cost would
 * push a rolling or weekly rule over its threshold and that window makes room within the horizon.
 * The run stays active; the daemon sleeps until the window rolls. Returns true while it waits.
 */
export function holdForWindow(ctx: EngineContext, plane: Plane): boolean {
  const governance = ctx.governance;
  const run = ctx.snapshot.active_runs_by_plane[plane];
  if (!governance || !run) return false;
  const advice = governance.adviseStageStart(run.stage_kind_id);
  if (!advice.defer || !advice.until || advice.until.getTime() <= ctx.clock().getTime()) {
    governance.noteHold(plane, null);
    return false;
  }
  if (governance.noteHold(plane, advice.until)) {
    recordEvent(ctx, "usage_governance_stage_deferred", {
      plane,
      run_id: run.run_id,
      stage_kind_id: run.stage_kind_id,
      rule_id: advice.rule_id ?? null,
      until: advice.until.toISOString(),
      reason: advice.reason,
    });
  }
  return true;
}

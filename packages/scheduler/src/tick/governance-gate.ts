import type { StageBoundary } from "../ports.js";
import type { EngineContext } from "../state/context.js";
import { recordEvent } from "../state/context.js";

/**
 * Asks the between-stages port (usage governance) at a boundary and folds its verdict into the
 * pause sources. Returns true when the runtime is (now) paused, for whatever reason.
 */
export async function governanceGate(
  ctx: EngineContext,
  boundary: StageBoundary,
  stageResultPath: string | null,
): Promise<boolean> {
  const hook = ctx.hooks.betweenStages;
  if (hook) {
    const verdict = await hook({ boundary, snapshot: ctx.snapshot, stageResultPath });
    if (verdict) {
      const sources = new Set(ctx.snapshot.pause_sources);
      if (verdict.pause) sources.add("usage_governance");
      else sources.delete("usage_governance");
      const ordered = (["operator", "usage_governance"] as const).filter((source) => sources.has(source));
      if (ordered.join() !== ctx.snapshot.pause_sources.join()) {
        recordEvent(ctx, verdict.pause ? "usage_governance_paused" : "usage_governance_resumed", {
          reason: verdict.reason ?? null,
        });
      }
      ctx.snapshot = { ...ctx.snapshot, pause_sources: ordered, paused: ordered.length > 0 };
    }
  }
  return ctx.snapshot.paused;
}

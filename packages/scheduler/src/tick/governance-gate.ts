import type { BetweenStagesInfo, GovernanceVerdict, StageBoundary } from "../ports.js";
import type { EngineContext } from "../state/context.js";
import { recordEvent } from "../state/context.js";
import { addPauseSource, removePauseSource } from "../state/pause-sources.js";

/** Which port holds the `usage_governance` pause source (each lifts only its own hold). */
interface Holds {
  builtIn: boolean;
  embedder: boolean;
}
const holdsByContext = new WeakMap<EngineContext, Holds>();

/**
 * Both answers at a boundary: the engine's own usage governance, then the embedder's
 * `hooks.betweenStages`. Each port holds or lifts its own share of the `usage_governance` pause
 * source; a port that answers nothing leaves its share as it was. After a restart a pause found in
 * the snapshot is the built-in governance's (it re-evaluates at once); an embedder re-asserts its own.
 */
async function askPorts(ctx: EngineContext, info: BetweenStagesInfo): Promise<GovernanceVerdict | undefined> {
  let holds = holdsByContext.get(ctx);
  if (!holds) {
    holds = { builtIn: ctx.snapshot.pause_sources.includes("usage_governance"), embedder: false };
    if (!ctx.governance) holds = { builtIn: false, embedder: holds.builtIn };
    holdsByContext.set(ctx, holds);
  }
  const builtIn = ctx.governance?.between(info);
  const embedder = ctx.hooks.betweenStages ? await ctx.hooks.betweenStages(info) : undefined;
  if (!builtIn && !embedder) return undefined;
  if (builtIn) holds.builtIn = builtIn.pause;
  if (embedder) holds.embedder = embedder.pause;
  const reasons = [builtIn, embedder]
    .filter((verdict) => verdict?.pause && verdict.reason)
    .map((verdict) => verdict?.reason)
    .join("; ");
  if (!holds.builtIn && !holds.embedder) {
    const reason = builtIn?.reason ?? embedder?.reason;
    return { pause: false, ...(reason ? { reason } : {}) };
  }
  return { pause: true, ...(reasons ? { reason: reasons } : {}) };
}

/**
 * Asks the between-stages ports (usage governance) at a boundary and folds the verdict into the
 * pause sources. Returns true when the runtime is (now) paused, for whatever reason.
 */
export async function governanceGate(
  ctx: EngineContext,
  boundary: StageBoundary,
  stageResultPath: string | null,
): Promise<boolean> {
  const verdict = await askPorts(ctx, { boundary, snapshot: ctx.snapshot, stageResultPath });
  if (verdict) {
    const next = verdict.pause
      ? addPauseSource(ctx.snapshot, "usage_governance")
      : removePauseSource(ctx.snapshot, "usage_governance");
    if (next.pause_sources.join() !== ctx.snapshot.pause_sources.join()) {
      if (verdict.pause) {
        recordEvent(ctx, "usage_governance_paused", { reason: verdict.reason ?? null });
      } else {
        const cleared = ctx.governance?.takeClearedRules();
        recordEvent(ctx, "usage_governance_resumed", {
          reason: verdict.reason ?? null,
          ...(cleared ? { cleared_rules: cleared } : {}),
        });
      }
    }
    ctx.snapshot = next;
  }
  return ctx.snapshot.paused;
}

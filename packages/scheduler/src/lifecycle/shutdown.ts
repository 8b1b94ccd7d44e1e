import { commit, type EngineContext, recordEvent } from "../state/context.js";
import { activePlanes } from "../state/planes.js";

/**
 * A requested stop, once no stage runs: the runtime is marked stopped and the operator pause is
 * lifted (a usage-governance pause stays, it is not the operator's to lift).
 */
export function markStopped(ctx: EngineContext, reason: string): void {
  ctx.snapshot = {
    ...ctx.snapshot,
    process_running: false,
    stop_requested: false,
    paused: false,
    pause_sources: ctx.snapshot.pause_sources.filter((source) => source !== "operator"),
  };
  ctx.snapshot = { ...ctx.snapshot, paused: ctx.snapshot.pause_sources.length > 0 };
  recordEvent(ctx, "runtime_tick_stopped", { reason, active_planes: activePlanes(ctx) });
}

/** The last save of an engine's life: the runtime is marked not running, the lock release is logged. */
export function recordClose(ctx: EngineContext): void {
  ctx.snapshot = { ...ctx.snapshot, process_running: false };
  recordEvent(ctx, "runtime_closed", {
    mode_id: ctx.plan.mode_id,
    compiled_plan_id: ctx.plan.compiled_plan_id,
    process_running: false,
  });
  recordEvent(ctx, "runtime_daemon_lock_released", { session_id: ctx.sessionId });
  commit(ctx);
  // A clean close leaves the derived files durable and the journal empty.
  ctx.journal?.close();
  ctx.queue.close();
}

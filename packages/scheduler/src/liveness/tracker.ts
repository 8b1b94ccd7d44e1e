import type { StageCompletion } from "../apply/stage-completion.js";
import type { EngineContext } from "../state/context.js";
import { CompletionHistory } from "./history.js";
import { StageWatch, type StageWatchTarget } from "./stage-watch.js";

/**
 * The engine's liveness state: the recent stage results the history rules read, and the
 * notifications still in flight (awaited before the engine lets go of the workspace).
 */
export class LivenessTracker {
  readonly history = new CompletionHistory();
  private readonly inFlight = new Set<Promise<void>>();

  /** Starts watching a stage, or returns undefined when `[liveness] enabled = false`. */
  watch(ctx: EngineContext, target: StageWatchTarget): StageWatch | undefined {
    if (!ctx.config.liveness.enabled) return undefined;
    const watch = new StageWatch(ctx, target, this.history, (work) => {
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
    watch.begin();
    return watch;
  }

  /** Remembers an applied stage result for the looping and retry-storm rules. */
  recordCompletion(completion: StageCompletion): void {
    // A stage liveness stopped failed because we stopped it, not because the provider did; and the
    // stop answered the item's loop or storm, so its count starts afresh (a released or recovered
    // item is not stopped again at once for the same results).
    const stopped = completion.livenessStop !== undefined;
    if (stopped) this.history.forget(completion.run.work_item_id ?? null);
    this.history.add({
      workItemId: completion.run.work_item_id ?? null,
      stage: completion.run.stage,
      terminalResult: completion.envelope.terminal_result,
      failureClass: stopped ? null : ((completion.envelope.metadata.failure_class as string | null) ?? null),
      at: Date.now(),
    });
  }

  /** Waits for notifications still being sent (each has its own deadline). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

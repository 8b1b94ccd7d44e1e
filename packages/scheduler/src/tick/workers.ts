import { existsSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";
import { type ActiveRunState, formatTimestamp, type Plane, type StageRunRequest } from "@millrace/contracts";
import type { StageCompletion } from "../apply/stage-completion.js";
import type { StageWatch } from "../liveness/stage-watch.js";
import type { LivenessTracker } from "../liveness/tracker.js";
import { noteRunFolder } from "../read-models/newest-runs-record.js";
import { beforeShowingLastEvent, commit, type EngineContext, recordEvent } from "../state/context.js";
import { clearInflight, writeInflight } from "../state/inflight.js";
import { withStatusMarker, writeStatusMarker } from "../state/state-store.js";
import { dispatchRequest, syntheticResult } from "./dispatch.js";
import { buildRunRequest } from "./request.js";

/** A stage running on one plane. */
export interface Worker {
  plane: Plane;
  run: ActiveRunState;
  controller: AbortController;
  promise: Promise<StageCompletion>;
  settled: boolean;
  /** The stage's liveness watch (absent when liveness is disabled). */
  watch?: StageWatch;
  /** Resolves once the runner has been started (its agent process spawned) or the dispatch settled. */
  launched: Promise<void>;
  /** Whether `launched` has resolved. */
  isLaunched: boolean;
}

/**
 * The stages in flight, at most one per plane. Starting a worker records it as running (crash
 * journal, status marker, `stage_started`) before the runner is called; the result is applied
 * later by the engine, on its own thread of control, when the worker has settled.
 */
export class WorkerPool {
  private readonly workers = new Map<Plane, Worker>();

  /** `onSettled` is called when any stage finishes (the engine wakes up to apply it). */
  constructor(
    private readonly onSettled: () => void,
    private readonly liveness?: LivenessTracker,
  ) {}

  get size(): number {
    return this.workers.size;
  }

  has(plane: Plane): boolean {
    return this.workers.has(plane);
  }

  get(plane: Plane): Worker | undefined {
    return this.workers.get(plane);
  }

  delete(plane: Plane): void {
    this.workers.delete(plane);
  }

  planes(): Plane[] {
    return [...this.workers.keys()];
  }

  anySettled(): boolean {
    return [...this.workers.values()].some((worker) => worker.settled);
  }

  /**
   * Resolves once every stage started so far has reached its runner (a process runner's agent is
   * spawned) or finished; undefined when all have already.
   */
  launching(): Promise<void> | undefined {
    const pending = [...this.workers.values()].filter((worker) => !worker.isLaunched);
    if (pending.length === 0) return undefined;
    return Promise.all(pending.map((worker) => worker.launched)).then(() => undefined);
  }

  /** Starts a worker for a plane's active run: marks it running, then dispatches it asynchronously. */
  start(ctx: EngineContext, plane: Plane): void {
    const run = ctx.snapshot.active_runs_by_plane[plane];
    if (!run || this.workers.has(plane)) return;
    const requestId = ctx.ids.requestId();
    const request = buildRunRequest(ctx, run, requestId);
    const running = markRunning(ctx, plane, run, request);
    const controller = new AbortController();
    let launch = () => {};
    const worker: Worker = {
      plane,
      run: { ...run, running_status_marker: running },
      controller,
      settled: false,
      promise: Promise.resolve() as unknown as Promise<StageCompletion>,
      launched: new Promise<void>((resolve) => {
        launch = resolve;
      }),
      isLaunched: false,
    };
    const launched = () => {
      worker.isLaunched = true;
      launch();
    };
    const watch = this.liveness?.watch(ctx, { plane, run, request, abort: () => controller.abort() });
    if (watch) worker.watch = watch;
    // A stop decided before the start (the item is already looping) never starts the runner.
    const stop = watch?.stop;
    const dispatched = stop
      ? Promise.resolve().then(() =>
          syntheticResult(ctx, request, "interrupted", `liveness: ${stop.grade}: ${stop.reason}`),
        )
      : dispatchRequest(ctx, request, controller.signal, undefined, launched);
    worker.promise = dispatched.then(
      (result) => {
        watch?.end();
        launched();
        worker.settled = true;
        this.onSettled();
        return {
          plane,
          run: worker.run,
          request,
          envelope: result.envelope,
          stageResultPath: result.path,
          ...(watch?.stop ? { livenessStop: watch.stop } : {}),
        };
      },
      (error) => {
        watch?.end();
        launched();
        worker.settled = true;
        this.onSettled();
        throw error;
      },
    );
    worker.promise.catch(() => undefined);
    this.workers.set(plane, worker);
  }

  /** Cuts off running stages; their runs stay active and are dispatched again at the next start. */
  async interrupt(ctx: EngineContext): Promise<void> {
    for (const worker of this.workers.values()) {
      worker.watch?.end();
      worker.controller.abort();
    }
    for (const [plane, worker] of this.workers) {
      try {
        const completion = await worker.promise;
        if (existsSync(completion.stageResultPath)) {
          renameSync(completion.stageResultPath, `${completion.stageResultPath}.interrupted`);
        }
      } catch {
        // nothing to set aside
      }
      clearInflight(ctx.paths, plane);
      recordEvent(ctx, "stage_interrupted", {
        plane,
        run_id: worker.run.run_id,
        node_id: worker.run.node_id,
      });
      const previous = ctx.snapshot.status_markers_by_plane[plane];
      if (previous) writeStatusMarker(ctx.paths, plane, previous);
    }
    this.workers.clear();
    commit(ctx);
  }
}

/**
 * Records that a stage is starting: the crash journal, the running status marker and the
 * `stage_started` event. Returns the running marker.
 */
function markRunning(
  ctx: EngineContext,
  plane: Plane,
  run: ActiveRunState,
  request: StageRunRequest,
): string {
  const requestId = request.request_id;
  const stageResultPath = path.join(request.run_dir, "stage_results", `${requestId}.json`);
  // A new run folder joins the newest-runs record (a hint for `runs ls`; no fsync).
  if (mkdirSync(request.run_dir, { recursive: true }) !== undefined)
    noteRunFolder(ctx.paths, request.run_dir, true);
  writeInflight(ctx.paths, {
    plane,
    run_id: run.run_id,
    node_id: run.node_id,
    request_id: requestId,
    stage_result_path: stageResultPath,
    started_at: formatTimestamp(ctx.clock()),
    stage: run.stage,
    work_item_id: run.work_item_id ?? null,
    timeout_seconds: request.timeout_seconds,
  });
  const running = `### ${request.running_status_marker}`;
  ctx.snapshot = withStatusMarker(ctx.snapshot, plane, running);
  ctx.snapshot = {
    ...ctx.snapshot,
    active_runs_by_plane: {
      ...ctx.snapshot.active_runs_by_plane,
      [plane]: { ...run, running_status_marker: running },
    },
  };
  recordEvent(
    ctx,
    "stage_started",
    {
      request_id: requestId,
      stage: run.stage,
      node_id: run.node_id,
      stage_kind_id: run.stage_kind_id,
      plane,
      run_id: run.run_id,
      work_item_kind: run.work_item_kind ?? null,
      work_item_id: run.work_item_id ?? null,
      troubleshoot_report_path: request.preferred_troubleshoot_report_path ?? null,
      thinking_level: request.thinking_level ?? null,
    },
    { status: running.replace(/^### /, "") },
  );
  // The status file changes when `stage_started` is shown, after every event committed before it.
  beforeShowingLastEvent(ctx, () => writeStatusMarker(ctx.paths, plane, running));
  // Not durable: the cycle's closing commit shows it and makes it durable, or, when the cycle only
  // started stages, shows it and leaves it to the stage result's durable commit (engine.ts).
  // Traces of runs that ended wait too: the closing commit builds them after the runner started.
  commit(ctx, { counters: false, durable: false, deferTraces: true });
  return running;
}

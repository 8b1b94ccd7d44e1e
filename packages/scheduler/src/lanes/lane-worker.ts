import { mkdirSync } from "node:fs";
import path from "node:path";
import { formatTimestamp } from "@millrace/contracts";
import { laneBranchName } from "@millrace/git";
import type { StageCompletion } from "../apply/stage-completion.js";
import type { StageWatch } from "../liveness/stage-watch.js";
import type { LivenessTracker } from "../liveness/tracker.js";
import { noteRunFolder } from "../read-models/newest-runs-record.js";
import { commit, type EngineContext, recordEvent } from "../state/context.js";
import { withStatusMarker, writeStatusMarker } from "../state/state-store.js";
import { dispatchRequest, syntheticResult } from "../tick/dispatch.js";
import { buildRunRequest } from "../tick/request.js";
import type { LaneHost } from "./lane-host.js";
import type { LaneEntry } from "./lane-state.js";
import { writeRunLane } from "./run-lane.js";

/** A stage running in a lane. `settled` is the order it finished in (null while it runs). */
export interface LaneWorker {
  itemId: string;
  lane: number;
  controller: AbortController;
  promise: Promise<StageCompletion>;
  settled: number | null;
  /** The stage's liveness watch (absent when liveness is disabled). */
  watch?: StageWatch;
}

// Over 80 lines: the journal-before-start order is easiest to check when the steps sit in one body.
/**
 * Starts the lane's current stage with its worktree as the working directory. The lanes journal
 * names the stage (request id, result path) before the runner starts, as the plane's crash journal
 * does for a single lane, so a restart tells a cut-off stage from an unapplied result.
 */
export function startLaneStage(
  ctx: EngineContext,
  lanes: LaneHost,
  lane: LaneEntry,
  onSettled: () => void,
  liveness?: LivenessTracker,
): LaneWorker {
  const run = lane.run;
  if (!run) throw new Error(`lane ${lane.lane} has no run to start`);
  const requestId = ctx.ids.requestId();
  const request = buildRunRequest(ctx, run, requestId);
  const stageResultPath = path.join(request.run_dir, "stage_results", `${requestId}.json`);
  // A new run folder joins the newest-runs record (a hint for `runs ls`; no fsync).
  if (mkdirSync(request.run_dir, { recursive: true }) !== undefined)
    noteRunFolder(ctx.paths, request.run_dir, true);
  writeRunLane(request.run_dir, {
    lane: lane.lane,
    branch: laneBranchName(lane.item_id),
    worktree_path: lane.worktree_path,
  });
  const running = `### ${request.running_status_marker}`;
  const now = formatTimestamp(ctx.clock());
  lane.run = { ...run, running_status_marker: running };
  lane.inflight = {
    request_id: requestId,
    run_id: run.run_id,
    node_id: run.node_id,
    stage: run.stage,
    stage_result_path: stageResultPath,
    started_at: now,
    timeout_seconds: request.timeout_seconds ?? null,
  };
  lane.stage_started_at = now;
  lanes.save(ctx);
  writeStatusMarker(ctx.paths, "execution", running);
  ctx.snapshot = withStatusMarker(ctx.snapshot, "execution", running);
  recordEvent(
    ctx,
    "stage_started",
    {
      request_id: requestId,
      stage: run.stage,
      node_id: run.node_id,
      stage_kind_id: run.stage_kind_id,
      plane: "execution",
      run_id: run.run_id,
      work_item_kind: run.work_item_kind ?? null,
      work_item_id: run.work_item_id ?? null,
      troubleshoot_report_path: request.preferred_troubleshoot_report_path ?? null,
      thinking_level: request.thinking_level ?? null,
      lane: lane.lane,
    },
    { status: running.replace(/^### /, ""), lane: lane.lane },
  );
  commit(ctx, { counters: false, durable: false });
  const controller = new AbortController();
  const startedRun = lane.run;
  // Watched as a plane's stage is: the engine answers a liveness stop when it applies the result.
  const watch = liveness?.watch(ctx, {
    plane: "execution",
    run: startedRun,
    request,
    abort: () => controller.abort(),
  });
  const stop = watch?.stop;
  const dispatched = stop
    ? Promise.resolve().then(() =>
        syntheticResult(ctx, request, "interrupted", `liveness: ${stop.grade}: ${stop.reason}`),
      )
    : dispatchRequest(ctx, request, controller.signal, lane.worktree_path);
  const worker: LaneWorker = {
    itemId: lane.item_id,
    lane: lane.lane,
    controller,
    settled: null,
    ...(watch ? { watch } : {}),
    promise: dispatched.then(
      (result) => {
        watch?.end();
        onSettled();
        return {
          plane: "execution",
          run: startedRun,
          request,
          envelope: result.envelope,
          stageResultPath: result.path,
          ...(watch?.stop ? { livenessStop: watch.stop } : {}),
        };
      },
      (error) => {
        watch?.end();
        onSettled();
        throw error;
      },
    ),
  };
  worker.promise.catch(() => undefined);
  return worker;
}

import { existsSync } from "node:fs";
import type { MillraceConfig, StageLiveness, StatusLane, StatusLanes } from "@millrace/contracts";
import { LaneRecordStore, laneBranchName, laneRecordsDir } from "@millrace/git";
import type { WorkspacePaths } from "@millrace/workspace";
import { emptyLaneRuns, laneRunsFile, readLaneRuns } from "./lane-state.js";

/**
 * The lanes as `status` shows them, from the lanes journal and the lane records (read-only; no git
 * is run). Null when lanes are off and nothing of them is on disk, so a one-lane status is unchanged.
 */
export function lanesView(
  paths: WorkspacePaths,
  config: MillraceConfig | undefined,
  runtimeRunning: boolean,
  now: Date,
  /** The graded stages of the workspace's liveness report: each lane's own is shown with it. */
  graded: readonly StageLiveness[] = [],
): StatusLanes | null {
  const configured = config?.execution.lanes ?? 1;
  const hasJournal = existsSync(laneRunsFile(paths));
  const recordsDir = laneRecordsDir(paths);
  if (configured <= 1 && !hasJournal && !existsSync(recordsDir)) return null;
  let runs = emptyLaneRuns();
  try {
    runs = readLaneRuns(paths);
  } catch {
    // A broken journal is doctor's to report (and the engine refuses to start on it).
  }
  const inLanes = new Set(runs.lanes.map((lane) => lane.item_id));
  let kept: string[] = [];
  try {
    kept = new LaneRecordStore(recordsDir)
      .list()
      .map((record) => record.item_id)
      .filter((id) => !inLanes.has(id));
  } catch {
    // An unreadable record is doctor's to report; status still shows the lanes.
  }
  const active = runs.lanes.map((lane): StatusLane => {
    const out = lane.inflight !== null;
    const liveness =
      lane.phase === "landing" || lane.phase === "merging"
        ? "landing"
        : out
          ? runtimeRunning
            ? "running"
            : "orphaned"
          : "between_stages";
    const started = out && lane.stage_started_at ? Date.parse(lane.stage_started_at) : Number.NaN;
    return {
      lane: lane.lane,
      item_id: lane.item_id,
      phase: lane.phase,
      stage: lane.run?.stage ?? null,
      run_id: lane.run?.run_id ?? null,
      branch: laneBranchName(lane.item_id),
      worktree_path: lane.worktree_path || null,
      started_at: lane.started_at,
      stage_started_at: lane.stage_started_at,
      elapsed_seconds: Number.isNaN(started) ? null : Math.max(0, (now.getTime() - started) / 1000),
      liveness,
      stage_liveness:
        (out && graded.find((stage) => stage.lane === lane.lane && stage.run_id === lane.inflight?.run_id)) ||
        null,
      target_paths: lane.target_paths,
      touched_paths: lane.touched_paths,
    };
  });
  return {
    configured,
    landing: config?.execution.landing ?? "fast_forward",
    active,
    waiting: runs.waiting,
    kept,
  };
}

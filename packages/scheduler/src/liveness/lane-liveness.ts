import { statSync } from "node:fs";
import path from "node:path";
import type { WorkspacePaths } from "@millrace/workspace";
import { emptyLaneRuns, type LaneRuns, readLaneRuns } from "../lanes/lane-state.js";
import { runLaneFile } from "../lanes/run-lane.js";
import type { InflightRecord } from "../state/inflight.js";

/** A lane's stage out, in the shape the liveness reader grades a plane's stage by. */
export interface LaneStageRecord {
  lane: number;
  record: InflightRecord;
  /** When the stage was dispatched, in real time (ms). */
  startedAt: number;
}

/** A lane's run between two stages (nothing out): orphaned when the daemon that owned it is gone. */
export interface LaneRunBetweenStages {
  lane: number;
  run_id: string;
  stage: string;
  work_item_id: string;
}

function lanesOnDisk(paths: WorkspacePaths): LaneRuns {
  try {
    return readLaneRuns(paths);
  } catch {
    // A broken journal is doctor's to report; liveness grades what it can read.
    return emptyLaneRuns();
  }
}

/**
 * The lanes' stages out, from the lanes journal. The dispatch time is the write time of the run's
 * `lane.json` (written as the stage starts): the journal's own time comes from the engine clock and
 * its file is rewritten by every lane, so neither tells when this stage started.
 */
export function laneStageRecords(paths: WorkspacePaths): LaneStageRecord[] {
  return lanesOnDisk(paths).lanes.flatMap((lane) => {
    const inflight = lane.inflight;
    if (!inflight) return [];
    const runDir = path.dirname(path.dirname(inflight.stage_result_path));
    let startedAt: number;
    try {
      startedAt = statSync(runLaneFile(runDir)).mtimeMs;
    } catch {
      startedAt = Date.parse(inflight.started_at);
    }
    const record: InflightRecord = {
      plane: "execution",
      run_id: inflight.run_id,
      node_id: inflight.node_id,
      request_id: inflight.request_id,
      stage_result_path: inflight.stage_result_path,
      started_at: inflight.started_at,
      stage: inflight.stage,
      work_item_id: lane.item_id,
      ...(inflight.timeout_seconds === null ? {} : { timeout_seconds: inflight.timeout_seconds }),
    };
    return [{ lane: lane.lane, record, startedAt }];
  });
}

export function laneRunsBetweenStages(paths: WorkspacePaths): LaneRunBetweenStages[] {
  return lanesOnDisk(paths).lanes.flatMap((lane) =>
    lane.run && !lane.inflight
      ? [{ lane: lane.lane, run_id: lane.run.run_id, stage: lane.run.stage, work_item_id: lane.item_id }]
      : [],
  );
}

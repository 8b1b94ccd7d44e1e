import { statSync } from "node:fs";
import path from "node:path";
import {
  type LivenessConfig,
  LivenessConfigSchema,
  type LivenessReport,
  PLANES,
  type StageLiveness,
} from "@millrace/contracts";
import {
  inspectLock,
  loadConfig,
  requireInitialized,
  tailEvents,
  type WorkspacePaths,
} from "@millrace/workspace";
import { readSnapshotForDisplay } from "../read-models/snapshot-read.js";
import { type InflightRecord, inflightFile, readInflight } from "../state/inflight.js";
import { classifyStage, GRADE_URGENCY, moreUrgent, type StageEvidence } from "./classify.js";
import { lastOutputAt, stageProcessState } from "./evidence.js";
import { type CompletionRecord, completionsFromEvents } from "./history.js";
import { laneRunsBetweenStages, laneStageRecords } from "./lane-liveness.js";
import { livenessThresholds } from "./thresholds.js";

/** Recent events read for the history rules (only when a stage is active and its owner alive). */
const HISTORY_EVENTS = 500;

interface Holder {
  alive: boolean;
  /** The lock is still there but its owner died without releasing it (a killed daemon). */
  stale: boolean;
  detail: string;
}

function owner(paths: WorkspacePaths): Holder {
  const lock = inspectLock(paths);
  switch (lock.state) {
    case "active":
      return { alive: true, stale: false, detail: "" };
    case "stale":
      return {
        alive: false,
        stale: true,
        detail: `the daemon that owned the workspace (pid ${lock.lock.owner_pid}) is gone`,
      };
    case "absent":
      return { alive: false, stale: false, detail: "no process owns the workspace (no ownership lock)" };
    default:
      return { alive: false, stale: false, detail: `the ownership lock is unusable (${lock.reason})` };
  }
}

/** When the stage was dispatched, in real time (the journal's own write time, not the engine clock). */
function planeStartedAt(paths: WorkspacePaths, record: InflightRecord): number {
  try {
    return statSync(inflightFile(paths, record.plane)).mtimeMs;
  } catch {
    return Date.parse(record.started_at);
  }
}

/** A stage to grade: a plane's (from its dispatch journal) or a lane's (from the lanes journal). */
interface GradedStage {
  record: InflightRecord;
  startedAt: number;
  lane?: number;
}

function stageLiveness(
  paths: WorkspacePaths,
  config: LivenessConfig,
  { record, startedAt, lane }: GradedStage,
  holder: Holder,
  history: () => readonly CompletionRecord[],
  now: number,
): StageLiveness {
  const runDir = path.dirname(path.dirname(record.stage_result_path));
  const output = lastOutputAt(runDir, record.request_id);
  const evidence: StageEvidence = {
    ownerAlive: holder.alive,
    ownerDetail: holder.detail,
    process: stageProcessState(paths.runtimeRoot, runDir),
    startedAt,
    lastOutputAt: output,
    workItemId: record.work_item_id ?? null,
  };
  const thresholds = livenessThresholds(config, record.timeout_seconds);
  const verdict = classifyStage(evidence, holder.alive ? history() : [], thresholds, now);
  return {
    plane: record.plane,
    run_id: record.run_id,
    request_id: record.request_id,
    stage: record.stage ?? null,
    work_item_id: record.work_item_id ?? null,
    grade: verdict.grade,
    reason: verdict.reason,
    process: evidence.process,
    last_output_at: output === null ? null : new Date(output).toISOString(),
    silent_seconds: verdict.silentSeconds,
    quiet_after_seconds: thresholds.quietAfterSeconds,
    hang_after_seconds: thresholds.hangAfterSeconds,
    ...(lane === undefined ? {} : { lane }),
  };
}

/**
 * The active runs a killed daemon left between two stages (no stage dispatched, so no journal):
 * orphaned too, as nothing will move them until a runtime starts again.
 */
function leftBetweenStages(
  paths: WorkspacePaths,
  config: LivenessConfig,
  detail: string,
  now: Date,
): StageLiveness[] {
  const { snapshot } = readSnapshotForDisplay(paths, now);
  const thresholds = livenessThresholds(config, null);
  const lanes = laneRunsBetweenStages(paths).map(
    (lane): StageLiveness => ({
      plane: "execution",
      run_id: lane.run_id,
      request_id: null,
      stage: lane.stage,
      work_item_id: lane.work_item_id,
      grade: "orphaned",
      reason: `${detail}; its run was between stages in lane ${lane.lane}`,
      process: "none",
      last_output_at: null,
      silent_seconds: 0,
      quiet_after_seconds: thresholds.quietAfterSeconds,
      hang_after_seconds: thresholds.hangAfterSeconds,
      lane: lane.lane,
    }),
  );
  const planes = PLANES.flatMap((plane) => {
    const run = snapshot.active_runs_by_plane[plane];
    if (!run) return [];
    return [
      {
        plane,
        run_id: run.run_id,
        request_id: null,
        stage: run.stage,
        work_item_id: run.work_item_id ?? null,
        grade: "orphaned" as const,
        reason: `${detail}; its run was between stages`,
        process: "none" as const,
        last_output_at: null,
        silent_seconds: 0,
        quiet_after_seconds: thresholds.quietAfterSeconds,
        hang_after_seconds: thresholds.hangAfterSeconds,
      },
    ];
  });
  return [...planes, ...lanes];
}

/**
 * The liveness of a workspace's active stages, read from disk: the engine's dispatch journal names
 * the active stages, the run folders' output files say when each last wrote, the stage process
 * records say whether its agent lives, the ownership lock whether the daemon does, and the event
 * log's recent `stage_completed` events feed the looping and retry-storm rules. Read-only.
 */
export function livenessReport(paths: WorkspacePaths, config: LivenessConfig, now: Date): LivenessReport {
  const records: GradedStage[] = [
    ...PLANES.flatMap((plane) => {
      const record = readInflight(paths, plane);
      return record ? [{ record, startedAt: planeStartedAt(paths, record) }] : [];
    }),
    ...laneStageRecords(paths),
  ];
  const holder = owner(paths);
  if (records.length === 0) {
    const left = holder.stale ? leftBetweenStages(paths, config, holder.detail, now) : [];
    return left.length === 0
      ? { grade: "idle", summary: "no stage is running", stages: [] }
      : summarize(left);
  }
  let history: CompletionRecord[] | undefined;
  const readHistory = () => {
    history ??= completionsFromEvents(tailEvents(paths.runtimeEvents, HISTORY_EVENTS));
    return history;
  };
  const stages = records.map((stage) =>
    stageLiveness(paths, config, stage, holder, readHistory, now.getTime()),
  );
  return summarize(stages);
}

/** The most urgent stage names the workspace grade; stages are listed most urgent first. */
function summarize(stages: StageLiveness[]): LivenessReport {
  let worst: StageLiveness | undefined;
  for (const stage of stages) {
    if (!worst || moreUrgent(stage.grade, worst.grade) !== worst.grade) worst = stage;
  }
  const top = worst as StageLiveness;
  stages.sort((a, b) => GRADE_URGENCY.indexOf(a.grade) - GRADE_URGENCY.indexOf(b.grade));
  return {
    grade: top.grade,
    summary: `${top.grade}: ${top.plane}${top.lane === undefined ? "" : ` lane ${top.lane}`}/${top.stage ?? "stage"}: ${top.reason}`,
    stages,
  };
}

/**
 * `classifyLiveness(workspaceRoot, now)`: the liveness report of a workspace (for `status`, the
 * supervisor report, Sentinel). A config that does not load is judged by the default thresholds.
 */
export function classifyLiveness(workspaceRoot: string, now: Date = new Date()): LivenessReport {
  const paths = requireInitialized(workspaceRoot);
  let config: LivenessConfig;
  try {
    config = loadConfig(paths).liveness;
  } catch {
    config = LivenessConfigSchema.parse({});
  }
  return livenessReport(paths, config, now);
}

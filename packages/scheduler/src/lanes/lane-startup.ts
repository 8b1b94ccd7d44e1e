import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { StageResultEnvelopeSchema } from "@millrace/contracts";
import { laneRecordsDir, reconcileLaneWorktrees } from "@millrace/git";
import { loadPendingCompletion } from "../lifecycle/reconcile.js";
import { commit, type EngineContext, recordEvent } from "../state/context.js";
import { withActiveRun } from "../state/state-store.js";
import { buildRunRequest } from "../tick/request.js";
import { laneCleanupFile } from "./lane-clear.js";
import { blockUnlanded, finishLane, landLane } from "./lane-landing.js";
import { continueMerge } from "./lane-merge-stage.js";
import type { ApplyOne, LaneRunner } from "./lane-runner.js";
import type { LaneEntry } from "./lane-state.js";

/**
 * Before the engine's own startup reconciliation: a kill between a lane result's commit and the
 * lanes journal save leaves the lane's (newer) run in the execution slot. The slot's run wins and
 * goes back to its lane; its stage was applied, so the lane has nothing in flight.
 */
export function adoptSlotRun(ctx: EngineContext, lanes: LaneRunner): void {
  const slot = ctx.snapshot.active_runs_by_plane.execution;
  const lane = slot?.work_item_id ? lanes.find(slot.work_item_id) : undefined;
  if (!slot || !lane) return;
  lane.run = slot;
  lane.inflight = null;
  ctx.snapshot = withActiveRun(ctx.snapshot, "execution", undefined);
  lanes.save(ctx);
  recordEvent(ctx, "lane_reconciled", { work_item_id: lane.item_id, outcome: "slot_run_adopted" });
}

/**
 * After the engine's startup reconciliation, deterministically, in lane order: worktrees are
 * converged (`reconcileLaneWorktrees`: creations finished, lost branches or folders restored,
 * cut-off landings finished), a conflicted landing cut off on its way to the merge stage is handed
 * over, a stage result written but not applied is applied, a cut-off stage is run again, and a
 * lane whose run ended lands (or is released). Lane-prefixed worktrees and
 * branches nobody records are left for `doctor` to report and `clear-stale-state` to remove.
 */
/** Lanes are configured, or something of them is on disk: startup has lanes to reconcile. */
export function lanesInUse(ctx: EngineContext, lanes: LaneRunner): boolean {
  return lanes.enabled(ctx) || existsSync(laneRecordsDir(ctx.paths));
}

export async function resumeLanes(ctx: EngineContext, lanes: LaneRunner, applyOne: ApplyOne): Promise<void> {
  if (!lanesInUse(ctx, lanes)) return;
  const git = await lanes.openGit(ctx);
  // `clear-stale-state` asked for leftovers (lane worktrees and branches no record names) to go.
  const cleanup = existsSync(laneCleanupFile(ctx.paths));
  const report = await reconcileLaneWorktrees(git, { removeLeftovers: cleanup });
  if (cleanup) {
    for (const leftover of [...report.leftovers.worktrees.map((w) => w.path), ...report.leftovers.branches]) {
      recordEvent(ctx, "lane_reconciled", { work_item_id: leftover, outcome: "leftover_removed" });
    }
    rmSync(laneCleanupFile(ctx.paths), { force: true });
  }
  const landed = new Set(
    report.actions.filter((action) => action.outcome === "landed").map((action) => action.item_id),
  );
  for (const action of report.actions) {
    if (action.outcome !== "intact") {
      recordEvent(ctx, "lane_reconciled", { work_item_id: action.item_id, outcome: action.outcome });
    }
  }
  // An operator retry the kill cut short: no stage of it runs any more, so it finishes now.
  await lanes.finishRetries(ctx);
  for (const lane of [...lanes.state.lanes].sort((a, b) => a.lane - b.lane)) {
    // A landing whose merge and removal finished (now, or before the kill: its record is gone).
    if (lane.phase === "landing" && (landed.has(lane.item_id) || !git.records.read(lane.item_id))) {
      lanes.remove(ctx, lane);
      recordEvent(ctx, "lane_reconciled", { work_item_id: lane.item_id, outcome: "landed" });
      continue;
    }
    if (!git.records.read(lane.item_id)) {
      lane.worktree_path = "";
      lanes.save(ctx);
    }
    // A conflicted landing cut off while being handed to the merge stage: finish handing it over.
    if (lane.phase === "merging") {
      const next = await continueMerge(ctx, lanes, lane);
      if (next === "landable") await landLane(ctx, lanes, lane);
      else if (next === false) {
        blockUnlanded(
          ctx,
          lanes,
          lane,
          lane.merge?.files ?? [],
          "the merge could not be started in the lane",
        );
      }
      continue;
    }
    if (lane.inflight) await resumeInflight(ctx, lanes, lane, applyOne);
    if (!lane.run) await finishLane(ctx, lanes, lane);
  }
  lanes.save(ctx);
  commit(ctx);
}

async function resumeInflight(
  ctx: EngineContext,
  lanes: LaneRunner,
  lane: LaneEntry,
  applyOne: ApplyOne,
): Promise<void> {
  const inflight = lane.inflight;
  if (!inflight) return;
  lane.inflight = null;
  const ref = ctx.queue.find(lane.item_id);
  if (ref?.state !== "active") {
    // The result was applied and ended the run (its document moved) before the journal was saved.
    lane.run = null;
    lanes.save(ctx);
    return;
  }
  const run = lane.run;
  const matches = run && run.run_id === inflight.run_id && run.node_id === inflight.node_id;
  if (matches && readable(inflight.stage_result_path)) {
    const completion = loadPendingCompletion(
      {
        plane: "execution",
        run,
        requestId: inflight.request_id,
        stageResultPath: inflight.stage_result_path,
      },
      (pendingRun, requestId) => buildRunRequest(ctx, pendingRun, requestId),
    );
    recordEvent(ctx, "lane_reconciled", { work_item_id: lane.item_id, outcome: "unapplied_stage_result" });
    await lanes.withSlotAsync(ctx, lane, () => applyOne(completion));
    return;
  }
  if (existsSync(inflight.stage_result_path)) {
    renameSync(inflight.stage_result_path, `${inflight.stage_result_path}.torn`);
  }
  recordEvent(ctx, "lane_reconciled", { work_item_id: lane.item_id, outcome: "interrupted_stage" });
  lanes.save(ctx);
}

function readable(file: string): boolean {
  try {
    return StageResultEnvelopeSchema.safeParse(JSON.parse(readFileSync(file, "utf8"))).success;
  } catch {
    return false;
  }
}

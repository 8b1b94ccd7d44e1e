import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  type CompiledNode,
  type DocumentKind,
  formatTimestamp,
  LANE_MERGE_STAGE_KIND,
  type LandResult,
  MillraceError,
} from "@millrace/contracts";
import { type LaneMergeStart, laneBranchName } from "@millrace/git";
import { runDir, writeJsonAtomicSync } from "@millrace/workspace";
import { commit, type EngineContext, recordEvent } from "../state/context.js";
import { graphOf } from "../state/planes.js";
import type { LaneHost } from "./lane-host.js";
import type { LaneEntry } from "./lane-state.js";

/** Merge-stage rounds per landing: a branch that conflicts again after this many is blocked. */
export const LANE_MERGE_ROUNDS = 2;

/** `runs/<run_id>/merge_conflict.json`: what the merge stage is asked to resolve. */
export function mergeConflictFile(ctx: EngineContext, runId: string): string {
  return path.join(runDir(ctx.paths, runId), "merge_conflict.json");
}

/** The execution graph's merge node, when the compiled mode has one. */
export function laneMergeNode(ctx: EngineContext): CompiledNode | undefined {
  return graphOf(ctx.plan, "execution")?.nodes.find((node) => node.stage_kind_id === LANE_MERGE_STAGE_KIND);
}

/**
 * A landing conflicted: hand the lane to the merge stage when the mode has one and the rounds are
 * not spent. The journal says `merging` (with the merge's run id) before git or the queue change,
 * so a kill anywhere after converges through `continueMerge`. Returns false when the caller blocks
 * the item instead (no merge node, rounds spent, or git refused to start the merge); `landable` when git merged without conflicts and the caller lands again.
 */
export async function startMergeRound(
  ctx: EngineContext,
  lanes: LaneHost,
  lane: LaneEntry,
  result: LandResult,
): Promise<"handed_over" | "landable" | false> {
  const round = (lane.merge?.round ?? 0) + 1;
  if (!laneMergeNode(ctx) || round > LANE_MERGE_ROUNDS || result.conflicts.length === 0) return false;
  lane.phase = "merging";
  lane.run = null;
  lane.merge = {
    round,
    files: [...result.conflicts],
    merged_sha: result.head_before,
    target_branch: result.target_branch,
    run_id: ctx.ids.runId(),
  };
  lanes.save(ctx);
  return continueMerge(ctx, lanes, lane);
}

/**
 * The steps after the journal says `merging`, each idempotent: merge the workspace branch's commit
 * into the lane's worktree (conflicts stay, with their markers), write the merge context, give the
 * lane the merge stage's run, move the document back to `active/`, then hand over (`running`).
 * The run is saved before the document moves, so an active document always has an owner.
 */
export async function continueMerge(
  ctx: EngineContext,
  lanes: LaneHost,
  lane: LaneEntry,
): Promise<"handed_over" | "landable" | false> {
  const merge = lane.merge;
  const node = laneMergeNode(ctx);
  if (!merge || !node) return false;
  const git = await lanes.openGit(ctx);
  const branch = laneBranchName(lane.item_id);
  let started: LaneMergeStart;
  try {
    started = await git.startMerge(lane.item_id, merge.merged_sha, {
      mergeMessage: `millrace: merge ${merge.target_branch} into ${branch} (lane ${lane.lane})`,
    });
  } catch (error) {
    // The lane's record is gone, or someone else's merge is in progress in its worktree: block.
    if (MillraceError.isInstance(error)) return false;
    throw error;
  }
  if (started.outcome !== "conflict" && ctx.queue.find(lane.item_id)?.state === "done") {
    lane.phase = "running";
    lanes.save(ctx);
    return "landable";
  }
  const files = started.conflicts.length > 0 ? started.conflicts : merge.files;
  const file = mergeConflictFile(ctx, merge.run_id);
  mkdirSync(path.dirname(file), { recursive: true });
  writeJsonAtomicSync(file, {
    item_id: lane.item_id,
    branch,
    target_branch: merge.target_branch,
    merged_sha: merge.merged_sha,
    files,
    round: merge.round,
    worktree_path: lane.worktree_path,
  });
  lane.run ??= {
    plane: "execution",
    stage: node.stage,
    node_id: node.node_id,
    stage_kind_id: node.stage_kind_id,
    run_id: merge.run_id,
    request_kind: "active_work_item",
    work_item_kind: lane.work_item_kind as DocumentKind,
    work_item_id: lane.item_id,
    active_since: formatTimestamp(ctx.clock()),
  };
  lanes.save(ctx);
  if (ctx.queue.find(lane.item_id)?.state === "done") {
    ctx.queue.reopenDone(lane.work_item_kind as DocumentKind, lane.item_id);
  }
  lane.phase = "running";
  lane.merge = { ...merge, files };
  lanes.save(ctx);
  recordEvent(ctx, "lane_merge_started", {
    lane: lane.lane,
    work_item_id: lane.item_id,
    branch,
    files,
    round: merge.round,
    merged_sha: merge.merged_sha,
    run_id: merge.run_id,
  });
  commit(ctx);
  return "handed_over";
}

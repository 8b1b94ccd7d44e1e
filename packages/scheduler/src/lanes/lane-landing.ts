import { type DocumentKind, formatTimestamp, type LandResult, MillraceError } from "@millrace/contracts";
import { laneBranchName } from "@millrace/git";
import { enqueueIncidentOnce, hex8, type IncidentDocumentInput } from "../apply/incidents.js";
import { type EngineContext, recordEvent } from "../state/context.js";
import type { LaneHost } from "./lane-host.js";
import { startMergeRound } from "./lane-merge-stage.js";
import type { LaneEntry } from "./lane-state.js";

/**
 * A lane whose run ended: a finished item (its document in done/) lands; any other ending
 * (blocked, parked, requeued by an operator) releases the lane and keeps the worktree and branch,
 * so the work is there when the item runs again.
 */
export async function finishLane(ctx: EngineContext, lanes: LaneHost, lane: LaneEntry): Promise<void> {
  const ref = ctx.queue.find(lane.item_id);
  if (ref?.state === "done" && ref.kind === lane.work_item_kind) {
    await landLane(ctx, lanes, lane);
    return;
  }
  if (ref?.state === "blocked" && lane.merge) {
    // The merge stage reported BLOCKED (or recovery gave up on it): the landing stays unlanded.
    blockUnlanded(
      ctx,
      lanes,
      lane,
      lane.merge.files,
      `the merge stage did not resolve ${lane.merge.files.join(", ")}`,
    );
    return;
  }
  lanes.remove(ctx, lane);
  recordEvent(ctx, "lane_released", {
    lane: lane.lane,
    work_item_id: lane.item_id,
    document_state: ref?.state ?? "missing",
  });
}

/**
 * Lands a finished lane on the workspace branch (callers apply one result at a time, so landings
 * are serialised). The journal says `landing` first; landing is idempotent (an already merged
 * branch is `already_landed`), so a restart lands it again safely. A conflict goes to the merge
 * stage (`startMergeRound`) while the mode has one and rounds are left; otherwise it, or a
 * workspace that refuses the merge, blocks the item with an incident naming the files; the
 * worktree stays. After a merge stage, its work is checked before the lane lands again.
 */
export async function landLane(ctx: EngineContext, lanes: LaneHost, lane: LaneEntry): Promise<void> {
  // Again only when git merged the workspace branch into the lane without conflicts (bounded by rounds).
  while ((await landOnce(ctx, lanes, lane)) === "again");
}

async function landOnce(ctx: EngineContext, lanes: LaneHost, lane: LaneEntry): Promise<"done" | "again"> {
  const git = await lanes.openGit(ctx);
  lane.phase = "landing";
  lanes.save(ctx);
  const branch = laneBranchName(lane.item_id);
  let result: LandResult;
  try {
    if (lane.merge && !(await mergeConcluded(ctx, lanes, lane))) return "done";
    result = await git.land(lane.item_id, {
      mode: ctx.config.execution.landing === "merge_commit" ? "no-ff" : "ff",
      commitMessage: `millrace: work of ${lane.item_id} left uncommitted in its lane`,
      mergeMessage: `millrace: land ${lane.item_id} (lane ${lane.lane})`,
    });
  } catch (error) {
    if (!MillraceError.isInstance(error)) throw error;
    const details = (error.details ?? {}) as { files?: string[] };
    blockUnlanded(ctx, lanes, lane, details.files ?? [], `${error.code}: ${error.message}`);
    return "done";
  }
  if (result.outcome === "conflict" || result.outcome === "not_fast_forward") {
    const handed = result.outcome === "conflict" ? await startMergeRound(ctx, lanes, lane, result) : false;
    if (handed === "landable") return "again";
    if (handed === false) {
      blockUnlanded(ctx, lanes, lane, result.conflicts, `merge ${result.outcome} on ${result.target_branch}`);
    }
    return "done";
  }
  await git.remove(lane.item_id);
  lanes.remove(ctx, lane);
  recordEvent(ctx, "lane_landed", {
    lane: lane.lane,
    work_item_id: lane.item_id,
    branch,
    outcome: result.outcome,
    head_after: result.head_after,
  });
  return "done";
}

/** After a merge stage: its work is checked (and what it left uncommitted committed), or the item blocks. */
async function mergeConcluded(ctx: EngineContext, lanes: LaneHost, lane: LaneEntry): Promise<boolean> {
  const merge = lane.merge;
  if (!merge) return true;
  const git = await lanes.openGit(ctx);
  const problem = await git.concludeMerge(lane.item_id, merge.merged_sha, merge.files, {
    commitMessage: `millrace: merge of ${merge.target_branch} into ${laneBranchName(lane.item_id)} concluded`,
  });
  if (!problem) return true;
  const files = problem.files.length > 0 ? problem.files : merge.files;
  blockUnlanded(ctx, lanes, lane, files, `the merge stage left ${problem.problem.replace(/_/g, " ")}`);
  return false;
}

/** Blocks a lane's finished item that could not land: an incident names the files; the worktree stays. */
export function blockUnlanded(
  ctx: EngineContext,
  lanes: LaneHost,
  lane: LaneEntry,
  files: readonly string[],
  reason: string,
): void {
  const kind = lane.work_item_kind as DocumentKind;
  const ref = ctx.queue.find(lane.item_id);
  if (ref?.state === "done") ctx.queue.blockDone(kind, lane.item_id);
  const incidentId = `incident-${lane.item_id}-land-${hex8(`${lane.item_id}:${files.join(",")}:${reason}`)}`;
  const listed = files.length > 0 ? files.join(", ") : "(no file list)";
  const incident = {
    kind: "incident",
    incident_id: incidentId,
    title: `Landing ${kind} ${lane.item_id} failed`,
    summary: `Branch ${laneBranchName(lane.item_id)} could not land: ${listed}`,
    ...(kind === "task" ? { source_task_id: lane.item_id } : {}),
    source_stage: lane.merge ? "merge" : "updater",
    source_plane: "execution",
    failure_class: "lane_merge_conflict",
    severity: "high",
    needs_planning: true,
    trigger_reason: reason,
    consultant_decision: "needs_planning",
    observed_symptoms: files.map((file) => `conflict: ${file}`),
    evidence_paths: [lane.worktree_path],
    related_run_ids: [],
    opened_at: formatTimestamp(ctx.clock()),
    opened_by: "runtime",
  } as IncidentDocumentInput;
  enqueueIncidentOnce(ctx, incident, lane.run?.run_id ?? lane.item_id);
  lane.phase = "running";
  lanes.remove(ctx, lane);
  recordEvent(ctx, "lane_merge_conflict", {
    lane: lane.lane,
    work_item_id: lane.item_id,
    branch: laneBranchName(lane.item_id),
    files: [...files],
    incident_id: incidentId,
    reason,
  });
}

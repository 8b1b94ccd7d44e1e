import type { LaneRecord } from "@millrace/contracts";
import { removeTempLitter } from "@millrace/workspace";
import { isAncestor, mergeHead, resolveCommit } from "../repo/repo-state.js";
import { LANE_BRANCH_PREFIX } from "./lane-branch.js";
import {
  branchCommit,
  clearStaleIndexLock,
  deleteBranch,
  ensureBranch,
  ensureWorktree,
  laneGitState,
  removeWorktree,
} from "./lane-git.js";
import type { LaneWorktrees } from "./lane-worktrees.js";
import { comparablePath, listWorktrees } from "./worktree-list.js";

/**
 * What reconciliation did for one record:
 * - `created`: a creation cut short was finished (the lane is `active`);
 * - `intact`: an active lane had its branch and worktree;
 * - `restored`: an active lane's missing branch (at its base commit) or worktree was recreated;
 * - `needs_landing`: a landing was cut short before the merge (any half-done merge aborted); land it again;
 * - `landed`: a landing had merged; its worktree, branch and record are now removed;
 * - `removed`: a removal cut short was finished.
 */
export type LaneReconcileOutcome = "created" | "intact" | "restored" | "needs_landing" | "landed" | "removed";

export interface LaneReconcileAction {
  readonly item_id: string;
  readonly phase_before: LaneRecord["phase"];
  readonly outcome: LaneReconcileOutcome;
}

/** Worktrees and branches under the lane prefix that no record names. */
export interface LaneLeftovers {
  readonly worktrees: Array<{ path: string; branch: string | null }>;
  readonly branches: string[];
}

export interface LaneReconcileReport {
  readonly actions: LaneReconcileAction[];
  readonly leftovers: LaneLeftovers;
  /** True when the leftovers were removed (`removeLeftovers`). */
  readonly leftoversRemoved: boolean;
}

/**
 * Brings every recorded lane to a stable state, in item-id order, whatever step a crash cut short:
 * `creating` finishes the creation, `active` restores what is missing, `landing` finishes the
 * removal when the branch is already merged (else aborts our half-done merge and asks for a
 * new landing), `removing` finishes the removal. Leftovers are reported, and removed only when
 * asked: with no record they may hold work nobody has decided to drop.
 */
export async function reconcileLaneWorktrees(
  lanes: LaneWorktrees,
  options: { records?: readonly LaneRecord[]; removeLeftovers?: boolean } = {},
): Promise<LaneReconcileReport> {
  const records = [...(options.records ?? lanes.records.list())].sort((a, b) =>
    a.item_id < b.item_id ? -1 : a.item_id > b.item_id ? 1 : 0,
  );
  // A kill inside an atomic record write leaves its temp file; the record itself is old or new.
  removeTempLitter([lanes.records.dir]);
  const actions: LaneReconcileAction[] = [];
  for (const record of records) {
    actions.push({
      item_id: record.item_id,
      phase_before: record.phase,
      outcome: await reconcileOne(lanes, record),
    });
  }
  const leftovers = await findLaneLeftovers(lanes, lanes.records.list());
  if (options.removeLeftovers) await removeLaneLeftovers(lanes, leftovers);
  return { actions, leftovers, leftoversRemoved: options.removeLeftovers === true };
}

async function reconcileOne(lanes: LaneWorktrees, record: LaneRecord): Promise<LaneReconcileOutcome> {
  const ctx = lanes.context;
  await clearStaleIndexLock(ctx, record);
  switch (record.phase) {
    case "creating":
      await lanes.finishCreate(record);
      return "created";
    case "active": {
      const restoredBranch = await ensureBranch(ctx, record);
      const restoredWorktree = await ensureWorktree(ctx, record);
      return restoredBranch || restoredWorktree ? "restored" : "intact";
    }
    case "landing": {
      const tip = await branchCommit(ctx, record.branch);
      if ((await mergeHead(ctx.git, ctx.repoRoot)) === tip && tip !== null) {
        await ctx.git.run(["merge", "--abort"], { cwd: ctx.repoRoot });
      }
      const head = await resolveCommit(ctx.git, ctx.repoRoot, "HEAD");
      const dirty =
        (await laneGitState(ctx, record)).worktreePresent && (await hasUncommitted(lanes, record));
      if (tip !== null && head !== null && !dirty && (await isAncestor(ctx.git, ctx.repoRoot, tip, head))) {
        await lanes.finishRemove(lanes.writeRecord(record, "removing"));
        return "landed";
      }
      await ensureBranch(ctx, record);
      await ensureWorktree(ctx, record);
      return "needs_landing";
    }
    case "removing":
      await lanes.finishRemove(record);
      return "removed";
  }
}

async function hasUncommitted(lanes: LaneWorktrees, record: LaneRecord): Promise<boolean> {
  const result = await lanes.context.git.run(
    ["--no-optional-locks", "status", "--porcelain", "--untracked-files=all"],
    {
      cwd: record.worktree_path,
    },
  );
  return result.stdout.trim().length > 0;
}

/** Lane-prefixed branches and lane worktrees (by branch or by folder) that no record names. */
export async function findLaneLeftovers(
  lanes: LaneWorktrees,
  records: readonly LaneRecord[],
): Promise<LaneLeftovers> {
  const ctx = lanes.context;
  const namedBranches = new Set(records.map((r) => r.branch));
  const namedPaths = new Set(records.map((r) => r.worktree_path));
  const refs = await ctx.git.text(
    ["for-each-ref", "--format=%(refname:short)", `refs/heads/${LANE_BRANCH_PREFIX.replace(/\/$/, "")}`],
    { cwd: ctx.repoRoot },
  );
  const branches = refs
    .split("\n")
    .filter((b) => b.startsWith(LANE_BRANCH_PREFIX) && !namedBranches.has(b))
    .sort();
  const worktrees: LaneLeftovers["worktrees"] = [];
  for (const entry of await listWorktrees(ctx.git, ctx.repoRoot)) {
    const branch = entry.branchRef?.replace(/^refs\/heads\//, "") ?? null;
    const ours = (branch?.startsWith(LANE_BRANCH_PREFIX) ?? false) || lanes.ownsPath(entry.path);
    const named = [...namedPaths].some((p) => comparablePath(p) === comparablePath(entry.path));
    if (ours && !named && !(branch !== null && namedBranches.has(branch)))
      worktrees.push({ path: entry.path, branch });
  }
  worktrees.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { worktrees, branches };
}

/** Removes leftover worktrees (discarding their files), then leftover branches (discarding their commits). */
export async function removeLaneLeftovers(lanes: LaneWorktrees, leftovers: LaneLeftovers): Promise<void> {
  for (const worktree of leftovers.worktrees) await removeWorktree(lanes.context, worktree.path);
  for (const branch of leftovers.branches) await deleteBranch(lanes.context, branch);
}

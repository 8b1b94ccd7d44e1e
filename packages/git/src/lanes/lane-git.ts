import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { type LaneRecord, MillraceError } from "@millrace/contracts";
import { firstLine, type GitRunner } from "../process/run-git.js";
import { resolveCommit } from "../repo/repo-state.js";
import { comparablePath, listWorktrees, type WorktreeEntry } from "./worktree-list.js";

/** The repository a lane manager works on. */
export interface LaneContext {
  readonly git: GitRunner;
  readonly repoRoot: string;
}

/** What git has for a lane right now. */
export interface LaneGitState {
  readonly branchSha: string | null;
  /** git knows the worktree and its folder is there. */
  readonly worktreePresent: boolean;
  /** git knows the worktree but its folder is gone. */
  readonly worktreeStale: boolean;
}

export async function branchCommit(ctx: LaneContext, branch: string): Promise<string | null> {
  return resolveCommit(ctx.git, ctx.repoRoot, `refs/heads/${branch}`);
}

export function findWorktree(
  entries: readonly WorktreeEntry[],
  worktreePath: string,
): WorktreeEntry | undefined {
  const wanted = comparablePath(worktreePath);
  return entries.find((entry) => comparablePath(entry.path) === wanted);
}

export async function laneGitState(ctx: LaneContext, record: LaneRecord): Promise<LaneGitState> {
  const entry = findWorktree(await listWorktrees(ctx.git, ctx.repoRoot), record.worktree_path);
  const folderThere = existsSync(path.join(record.worktree_path, ".git"));
  return {
    branchSha: await branchCommit(ctx, record.branch),
    worktreePresent: entry !== undefined && folderThere,
    worktreeStale: entry !== undefined && !folderThere,
  };
}

/** Creates the lane branch at the record's base commit when it does not exist. */
export async function ensureBranch(ctx: LaneContext, record: LaneRecord): Promise<boolean> {
  if ((await branchCommit(ctx, record.branch)) !== null) return false;
  await ctx.git.run(["branch", "--no-track", record.branch, record.base_sha], { cwd: ctx.repoRoot });
  return true;
}

/**
 * Adds the lane worktree on its branch when it is not there. A folder git does not know (a crash
 * inside `worktree add`) is ours by its recorded path and is cleared first; a registration whose
 * folder is gone is pruned.
 */
export async function ensureWorktree(ctx: LaneContext, record: LaneRecord): Promise<boolean> {
  const state = await laneGitState(ctx, record);
  if (state.worktreePresent) return false;
  if (state.worktreeStale) await ctx.git.run(["worktree", "prune"], { cwd: ctx.repoRoot });
  rmSync(record.worktree_path, { recursive: true, force: true });
  mkdirSync(path.dirname(record.worktree_path), { recursive: true });
  await ctx.git.run(["worktree", "add", "--quiet", record.worktree_path, record.branch], {
    cwd: ctx.repoRoot,
  });
  return true;
}

/**
 * A git command killed inside a lane worktree leaves its `index.lock` behind, and every later git
 * command there fails. Reconciliation runs before any runner or landing touches the lane (the
 * runtime is its single writer), so a lock found then is stale and ours to remove.
 */
export async function clearStaleIndexLock(ctx: LaneContext, record: LaneRecord): Promise<boolean> {
  if (!existsSync(path.join(record.worktree_path, ".git"))) return false;
  const gitDir = await ctx.git.text(["rev-parse", "--absolute-git-dir"], { cwd: record.worktree_path });
  const lock = path.join(gitDir, "index.lock");
  if (!existsSync(lock)) return false;
  rmSync(lock, { force: true });
  return true;
}

/**
 * Creates branch and worktree in one git call (`worktree add -b`), the common case for a new
 * lane. Returns false when git refuses (a leftover in the way), so the caller takes the
 * step-by-step path; git creates the branch before the worktree, a state reconciliation handles.
 */
export async function addBranchAndWorktree(ctx: LaneContext, record: LaneRecord): Promise<boolean> {
  mkdirSync(path.dirname(record.worktree_path), { recursive: true });
  const args = ["worktree", "add", "--quiet", "-b", record.branch, record.worktree_path, record.base_sha];
  const result = await ctx.git.run(args, { cwd: ctx.repoRoot, okExitCodes: [128, 255] });
  return result.exitCode === 0;
}

/** Removes the lane worktree (discarding uncommitted files) when git knows it; clears a stray folder. */
export async function removeWorktree(ctx: LaneContext, worktreePath: string): Promise<boolean> {
  if (existsSync(path.join(worktreePath, ".git"))) {
    const quick = await ctx.git.run(["worktree", "remove", "--force", worktreePath], {
      cwd: ctx.repoRoot,
      okExitCodes: [128],
    });
    if (quick.exitCode === 0 && !existsSync(worktreePath)) return true;
  }
  const entry = findWorktree(await listWorktrees(ctx.git, ctx.repoRoot), worktreePath);
  let removed = false;
  if (entry && existsSync(path.join(worktreePath, ".git"))) {
    await ctx.git.run(["worktree", "remove", "--force", worktreePath], { cwd: ctx.repoRoot });
    removed = true;
  } else if (entry) {
    await ctx.git.run(["worktree", "prune"], { cwd: ctx.repoRoot });
    removed = true;
  }
  if (existsSync(worktreePath)) {
    rmSync(worktreePath, { recursive: true, force: true });
    removed = true;
  }
  return removed;
}

/** Deletes a branch; false when it was already gone. */
export async function deleteBranch(ctx: LaneContext, branch: string): Promise<boolean> {
  const result = await ctx.git.run(["branch", "-D", branch], { cwd: ctx.repoRoot, okExitCodes: [1] });
  if (result.exitCode === 0) return true;
  if ((await branchCommit(ctx, branch)) === null) return false;
  throw new MillraceError(
    "git_command_failed",
    `git branch -D ${branch} failed: ${firstLine(result.stderr)}`,
    {
      details: { branch, stderr: result.stderr },
    },
  );
}

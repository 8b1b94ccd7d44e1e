import { existsSync } from "node:fs";
import path from "node:path";
import { type LandMode, type LandResult, MillraceError } from "@millrace/contracts";
import type { GitIdentity } from "../process/git-env.js";
import { type GitOptions, GitRunner } from "../process/run-git.js";
import { mergeBase, type RepoHead, readMergeHead, readRepoHead, resolveCommit } from "../repo/repo-state.js";
import { commitAllChanges } from "./commit-all.js";

export interface LandBranchOptions extends GitOptions {
  /** The workspace checkout whose current branch receives the merge. */
  readonly repoRoot: string;
  /** The branch to land (short name, e.g. `millrace/task-1`). */
  readonly branch: string;
  /** The branch's worktree: its uncommitted work is committed first. */
  readonly worktreePath?: string | null;
  /** `ff` (default): fast-forward when possible, else a merge commit; `no-ff`: always a merge commit; `ff-only`. */
  readonly mode?: LandMode;
  /** Author and committer of the worktree commit and the merge commit; default: the repository's git config. */
  readonly author?: GitIdentity;
  /** Message of the commit made of uncommitted worktree work. */
  readonly commitMessage?: string;
  /** Message of a merge commit (default `Merge branch '<branch>'`). */
  readonly mergeMessage?: string;
  /** Test seam: called after the worktree commit, before the merge (crash tests throw here). */
  readonly beforeMerge?: () => void;
}

/**
 * Merges a branch into the workspace's current branch. The caller serialises landings (one at a
 * time per repository). Idempotent: a branch whose tip the workspace branch already contains is
 * reported `already_landed` and nothing is written, so a retry after a crash never makes a second
 * merge commit. A conflict is aborted, leaving the workspace branch and its files as they were.
 */
export async function landBranch(options: LandBranchOptions): Promise<LandResult> {
  const git = new GitRunner(options);
  const cwd = options.repoRoot;
  const head = await readRepoHead(git, cwd);
  if (head.branch === null) {
    throw new MillraceError(
      "git_detached_head",
      `cannot land ${options.branch}: ${cwd} has a detached HEAD`,
      {
        details: { repo_root: cwd, branch: options.branch },
      },
    );
  }
  await clearOwnInterruptedMerge(git, head, cwd, options.branch);
  let committed = false;
  if (options.worktreePath && existsSync(path.join(options.worktreePath, ".git"))) {
    const message = options.commitMessage ?? `millrace: uncommitted work of ${options.branch}`;
    committed = await commitAllChanges(git, options.worktreePath, message, options.author);
  }
  options.beforeMerge?.();
  const tip = await resolveCommit(git, cwd, `refs/heads/${options.branch}`);
  if (tip === null) {
    throw new MillraceError(
      "git_command_failed",
      `cannot land ${options.branch}: the branch does not exist`,
      {
        hint: "Check the branch name; a lane's branch is millrace/<item-id>.",
        details: { repo_root: cwd, branch: options.branch },
      },
    );
  }
  const base = {
    branch: options.branch,
    target_branch: head.branch,
    branch_sha: tip,
    head_before: head.sha,
    // The worktree has the branch checked out, so its new commit is the branch tip.
    worktree_commit_sha: committed ? tip : null,
    conflicts: [] as string[],
  };
  const common = await mergeBase(git, cwd, head.sha, tip);
  if (common === tip) return { ...base, outcome: "already_landed", head_after: head.sha };
  const fastForward = common === head.sha;
  const mode = options.mode ?? "ff";
  if (mode === "ff-only" && !fastForward)
    return { ...base, outcome: "not_fast_forward", head_after: head.sha };
  return runMerge(git, options, head, base, mode, fastForward);
}

type LandBase = Omit<LandResult, "outcome" | "head_after">;

async function runMerge(
  git: GitRunner,
  options: LandBranchOptions,
  head: RepoHead,
  base: LandBase,
  mode: LandMode,
  fastForward: boolean,
): Promise<LandResult> {
  const cwd = options.repoRoot;
  const message = options.mergeMessage ?? `Merge branch '${options.branch}'`;
  const flag = mode === "no-ff" ? "--no-ff" : mode === "ff-only" ? "--ff-only" : "--ff";
  const args = ["merge", "--quiet", "--no-edit", flag, "-m", message, `refs/heads/${options.branch}`];
  const result = await git.run(args, { cwd, identity: options.author, okExitCodes: [1, 2, 128] });
  if (result.exitCode === 0) {
    const after = await resolveCommit(git, cwd, "HEAD");
    if (after === null) throw new Error(`HEAD is missing after merging ${options.branch}`);
    const outcome = fastForward && mode !== "no-ff" ? "fast_forward" : "merge_commit";
    return { ...base, outcome, head_after: after };
  }
  const conflicts = await conflictedPaths(git, cwd);
  if (readMergeHead(head.gitDir) !== null) await git.run(["merge", "--abort"], { cwd });
  if (conflicts.length > 0) return { ...base, outcome: "conflict", head_after: base.head_before, conflicts };
  throw mergeRefused(options.branch, cwd, result.stdout + result.stderr);
}

async function conflictedPaths(git: GitRunner, cwd: string): Promise<string[]> {
  const result = await git.run(["diff", "--name-only", "-z", "--diff-filter=U"], { cwd });
  return result.stdout.split("\0").filter((p) => p.length > 0);
}

/**
 * A merge left half-done by a crash in this function shows as `MERGE_HEAD` equal to our branch's
 * tip: abort it so the retry starts clean. Any other merge in progress belongs to someone else.
 */
async function clearOwnInterruptedMerge(
  git: GitRunner,
  head: RepoHead,
  cwd: string,
  branch: string,
): Promise<void> {
  const pending = readMergeHead(head.gitDir);
  if (pending === null) return;
  const tip = await resolveCommit(git, cwd, `refs/heads/${branch}`);
  if (pending === tip) {
    await git.run(["merge", "--abort"], { cwd });
    return;
  }
  throw new MillraceError("git_merge_in_progress", `${cwd} is in the middle of another merge`, {
    details: { repo_root: cwd, merge_head: pending, branch },
  });
}

function mergeRefused(branch: string, cwd: string, output: string): MillraceError {
  const files = listedFiles(output);
  if (/Please tell me who you are|empty ident name|unable to auto-detect email/.test(output)) {
    return new MillraceError(
      "git_identity_missing",
      `cannot make the merge commit for ${branch}: no author identity`,
      {
        details: { repo_root: cwd, branch, output },
      },
    );
  }
  if (/would be overwritten by merge|untracked working tree files would be/.test(output)) {
    return new MillraceError(
      "land_blocked_by_local_changes",
      `landing ${branch} would overwrite uncommitted workspace changes: ${files.join(", ") || "(see details)"}`,
      { details: { repo_root: cwd, branch, files, output } },
    );
  }
  const line = output.split("\n").find((l) => l.trim().length > 0) ?? "(no message)";
  return new MillraceError("git_command_failed", `merging ${branch} into ${cwd} failed: ${line.trim()}`, {
    details: { repo_root: cwd, branch, output },
  });
}

/** The tab-indented file lines git prints under "would be overwritten by merge:". */
function listedFiles(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("\t"))
    .map((line) => line.trim());
}

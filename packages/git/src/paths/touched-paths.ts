import { existsSync } from "node:fs";
import path from "node:path";
import { uncommittedPaths } from "../land/commit-all.js";
import { type GitOptions, GitRunner } from "../process/run-git.js";

export interface TouchedPathsOptions extends GitOptions {
  /** The workspace checkout. */
  readonly repoRoot: string;
  /** The branch whose changes are wanted. */
  readonly branch: string;
  /** Compared against (default `HEAD`, the workspace's current commit): changes since their merge base. */
  readonly base?: string;
  /** The branch's worktree: its uncommitted and untracked files count too. */
  readonly worktreePath?: string | null;
}

/**
 * Paths a branch touched: `git diff --name-only <base>...<branch>` (changes on the branch since it
 * left the base, renames as both names) plus the uncommitted changes in its worktree. Sorted, unique.
 */
export async function pathsTouchedByBranch(options: TouchedPathsOptions): Promise<string[]> {
  const git = new GitRunner(options);
  const range = `${options.base ?? "HEAD"}...refs/heads/${options.branch}`;
  const diff = await git.run(["diff", "--name-only", "-z", "--no-renames", range, "--"], {
    cwd: options.repoRoot,
  });
  const touched = new Set(diff.stdout.split("\0").filter((p) => p.length > 0));
  if (options.worktreePath && existsSync(path.join(options.worktreePath, ".git"))) {
    for (const p of await uncommittedPaths(git, options.worktreePath)) touched.add(p.replace(/\/$/, ""));
  }
  return [...touched].sort();
}

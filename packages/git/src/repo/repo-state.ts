import { readFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import type { GitRunner } from "../process/run-git.js";

/** What the workspace repository has checked out. */
export interface RepoHead {
  readonly sha: string;
  /** Short branch name (`main`), or `null` for a detached HEAD. */
  readonly branch: string | null;
  /** This worktree's own git folder, absolute (where `MERGE_HEAD` lives). */
  readonly gitDir: string;
}

/** The top folder of the working tree containing `cwd`, or `null` when `cwd` is not in one. */
export async function workTreeTopLevel(git: GitRunner, cwd: string): Promise<string | null> {
  const result = await git.run(["rev-parse", "--show-toplevel"], { cwd, okExitCodes: [128] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/** The commit a ref names, or `null` when it does not exist. */
export async function resolveCommit(git: GitRunner, cwd: string, ref: string): Promise<string | null> {
  const result = await git.run(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
    cwd,
    okExitCodes: [1, 128],
  });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/** The branch `HEAD` points at (short name), or `null` when detached. Works on an unborn branch too. */
export async function currentBranch(git: GitRunner, cwd: string): Promise<string | null> {
  const result = await git.run(["symbolic-ref", "--quiet", "--short", "HEAD"], {
    cwd,
    okExitCodes: [1, 128],
  });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/**
 * HEAD of a repository that must have at least one commit (lanes branch from it, landings merge
 * into it), in one git call: top level, git folder, commit, and the full name HEAD points at.
 */
export async function readRepoHead(git: GitRunner, cwd: string): Promise<RepoHead> {
  const result = await git.run(
    ["rev-parse", "--show-toplevel", "--absolute-git-dir", "HEAD", "--symbolic-full-name", "HEAD"],
    { cwd, okExitCodes: [128] },
  );
  const [top, gitDir, sha, ref] = result.stdout.split("\n");
  if (!top || !gitDir) {
    throw new MillraceError("git_not_a_repository", `${cwd} is not inside a git working tree`, {
      details: { cwd },
    });
  }
  if (result.exitCode !== 0 || !sha || !ref) {
    throw new MillraceError("git_not_a_repository", `the repository at ${cwd} has no commit yet`, {
      details: { cwd },
    });
  }
  return { sha, gitDir, branch: ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null };
}

/** True when `MERGE_HEAD` exists in a worktree's git folder (read from disk, no git call). */
export function readMergeHead(gitDir: string): string | null {
  try {
    return readFileSync(path.join(gitDir, "MERGE_HEAD"), "utf8").trim() || null;
  } catch {
    return null;
  }
}

/** The merge base of two commits, or `null` when they share no history. */
export async function mergeBase(git: GitRunner, cwd: string, a: string, b: string): Promise<string | null> {
  const result = await git.run(["merge-base", a, b], { cwd, okExitCodes: [1] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/** True when `ancestor` is reachable from `descendant` (a branch already merged, a fast-forward possible). */
export async function isAncestor(
  git: GitRunner,
  cwd: string,
  ancestor: string,
  descendant: string,
): Promise<boolean> {
  const result = await git.run(["merge-base", "--is-ancestor", ancestor, descendant], {
    cwd,
    okExitCodes: [1],
  });
  return result.exitCode === 0;
}

/** The shared `.git` folder (the same for every worktree of the repository), absolute. */
export async function commonGitDir(git: GitRunner, cwd: string): Promise<string> {
  return git.text(["rev-parse", "--path-format=absolute", "--git-common-dir"], { cwd });
}

/** The commit of an in-progress merge in this worktree, or `null`. */
export async function mergeHead(git: GitRunner, cwd: string): Promise<string | null> {
  return resolveCommit(git, cwd, "MERGE_HEAD");
}

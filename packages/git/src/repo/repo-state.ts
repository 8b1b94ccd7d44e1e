import { MillraceError } from "@millrace/contracts";
import type { GitRunner } from "../process/run-git.js";

/** What the workspace repository has checked out. */
export interface RepoHead {
  readonly sha: string;
  /** Short branch name (`main`), or `null` for a detached HEAD. */
  readonly branch: string | null;
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

/** HEAD of a repository that must have at least one commit (lanes branch from it, landings merge into it). */
export async function readRepoHead(git: GitRunner, cwd: string): Promise<RepoHead> {
  if ((await workTreeTopLevel(git, cwd)) === null) {
    throw new MillraceError("git_not_a_repository", `${cwd} is not inside a git working tree`, {
      details: { cwd },
    });
  }
  const sha = await resolveCommit(git, cwd, "HEAD");
  if (sha === null) {
    throw new MillraceError("git_not_a_repository", `the repository at ${cwd} has no commit yet`, {
      details: { cwd },
    });
  }
  return { sha, branch: await currentBranch(git, cwd) };
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

import { existsSync } from "node:fs";
import path from "node:path";
import type { PublishPreflightReport, PublishSkipReason } from "@millrace/contracts";
import { uncommittedPaths } from "../land/commit-all.js";
import { comparablePath } from "../lanes/worktree-list.js";
import { type GitOptions, GitRunner } from "../process/run-git.js";
import { currentBranch, workTreeTopLevel } from "../repo/repo-state.js";

export const DEFAULT_PUBLISH_MESSAGE = "Millrace staging sync";

export interface PublishPreflightOptions extends GitOptions {
  readonly stagingDir: string;
  readonly message?: string;
  /** Whether a push is wanted (default false: never push unless asked). */
  readonly push?: boolean;
}

/** The staging repository as git sees it: the facts preflight and commit decide on. */
export interface StagingRepoFacts {
  readonly present: boolean;
  readonly valid: boolean;
  readonly branch: string | null;
  readonly originConfigured: boolean;
  readonly changedPaths: string[];
}

/**
 * Present: the folder has its own `.git`. Valid: git agrees the folder is the top of a working tree
 * (a staging folder inside the workspace repository without its own `.git` is not).
 */
export async function inspectStagingRepo(git: GitRunner, stagingDir: string): Promise<StagingRepoFacts> {
  const none = { branch: null, originConfigured: false, changedPaths: [] };
  if (!existsSync(path.join(stagingDir, ".git"))) return { present: false, valid: false, ...none };
  const top = await workTreeTopLevel(git, stagingDir);
  if (top === null || comparablePath(top) !== comparablePath(stagingDir))
    return { present: true, valid: false, ...none };
  const remotes = await git.text(["remote"], { cwd: stagingDir });
  return {
    present: true,
    valid: true,
    branch: await currentBranch(git, stagingDir),
    originConfigured: remotes.split("\n").includes("origin"),
    changedPaths: (await uncommittedPaths(git, stagingDir)).sort(),
  };
}

/**
 * Why publishing would stop short, checked in this order: no repository, not its own repository,
 * nothing to commit, push not asked, no `origin`, detached HEAD. `null` when a commit and a push
 * would both go ahead.
 */
export function publishSkipReason(facts: StagingRepoFacts, push: boolean): PublishSkipReason | null {
  if (!facts.present) return "missing_git_worktree";
  if (!facts.valid) return "invalid_git_worktree";
  if (facts.changedPaths.length === 0) return "no_changes";
  return pushSkipReason(facts, push);
}

/** The reasons a made commit is not pushed. */
export function pushSkipReason(facts: StagingRepoFacts, push: boolean): PublishSkipReason | null {
  if (!push) return "push_disabled";
  if (!facts.originConfigured) return "missing_origin";
  if (facts.branch === null) return "detached_head";
  return null;
}

/** Read-only: what `publishCommit` would do with the same arguments. */
export async function publishPreflight(options: PublishPreflightOptions): Promise<PublishPreflightReport> {
  const git = new GitRunner(options);
  const stagingDir = path.resolve(options.stagingDir);
  const push = options.push ?? false;
  const facts = await inspectStagingRepo(git, stagingDir);
  const reason = publishSkipReason(facts, push);
  const commitAllowed = facts.valid && facts.changedPaths.length > 0;
  return {
    staging_dir: stagingDir,
    status: reason === null ? "ready" : reason === "no_changes" ? "no_changes" : "skip_publish",
    skip_reason: reason,
    git_worktree_present: facts.present,
    git_worktree_valid: facts.valid,
    branch: facts.branch,
    origin_configured: facts.originConfigured,
    changed_paths: facts.changedPaths,
    push_requested: push,
    commit_allowed: commitAllowed,
    publish_allowed: commitAllowed && reason === null,
    message: options.message ?? DEFAULT_PUBLISH_MESSAGE,
  };
}

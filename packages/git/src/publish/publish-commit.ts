import path from "node:path";
import { MillraceError, type PublishCommitResult } from "@millrace/contracts";
import { commitAllChanges } from "../land/commit-all.js";
import type { GitIdentity } from "../process/git-env.js";
import { firstLine, GitRunner } from "../process/run-git.js";
import { resolveCommit } from "../repo/repo-state.js";
import {
  DEFAULT_PUBLISH_MESSAGE,
  inspectStagingRepo,
  type PublishPreflightOptions,
  pushSkipReason,
} from "./publish-preflight.js";

export interface PublishCommitOptions extends PublishPreflightOptions {
  readonly author?: GitIdentity;
  /** Time limit of the push in ms (default 300 000). */
  readonly pushTimeoutMs?: number;
}

const PUSH_TIMEOUT_MS = 300_000;

/**
 * `git add -A` and commit in the staging repository, then push to `origin` only when `push` is
 * true (and there is an origin and a branch). A failed push leaves the commit in place and throws
 * `publish_push_failed` naming it.
 */
export async function publishCommit(options: PublishCommitOptions): Promise<PublishCommitResult> {
  const git = new GitRunner(options);
  const stagingDir = path.resolve(options.stagingDir);
  const message = options.message ?? DEFAULT_PUBLISH_MESSAGE;
  const facts = await inspectStagingRepo(git, stagingDir);
  if (!facts.valid) {
    throw new MillraceError(
      "staging_repo_invalid",
      facts.present
        ? `${stagingDir} is not the top of its own git repository`
        : `${stagingDir} has no git repository (.git is missing)`,
      {
        details: {
          staging_dir: stagingDir,
          skip_reason: facts.present ? "invalid_git_worktree" : "missing_git_worktree",
        },
      },
    );
  }
  const base = { staging_dir: stagingDir, branch: facts.branch, message };
  const committed = await commitAllChanges(git, stagingDir, message, options.author);
  const sha = committed ? await resolveCommit(git, stagingDir, "HEAD") : null;
  if (sha === null)
    return {
      ...base,
      status: "no_changes",
      commit_sha: null,
      skip_reason: "no_changes",
      marker: "NO_CHANGES",
    };
  const skip = pushSkipReason(facts, options.push ?? false);
  if (skip !== null) {
    return {
      ...base,
      status: "committed",
      commit_sha: sha,
      skip_reason: skip,
      marker: `SKIP_PUBLISH reason=${skip}`,
    };
  }
  const branch = facts.branch as string;
  const pushed = await git.run(["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`], {
    cwd: stagingDir,
    okExitCodes: [1, 128],
    timeoutMs: options.pushTimeoutMs ?? PUSH_TIMEOUT_MS,
  });
  if (pushed.exitCode !== 0) {
    throw new MillraceError(
      "publish_push_failed",
      `committed ${sha.slice(0, 12)} but the push to origin failed: ${firstLine(pushed.stderr)}`,
      {
        details: { staging_dir: stagingDir, commit_sha: sha, branch, stderr: pushed.stderr },
      },
    );
  }
  return {
    ...base,
    status: "pushed",
    commit_sha: sha,
    skip_reason: null,
    marker: `PUSH_OK remote=origin branch=${branch}`,
  };
}

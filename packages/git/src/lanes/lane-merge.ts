import { readFileSync } from "node:fs";
import path from "node:path";
import { type LaneRecord, MillraceError } from "@millrace/contracts";
import { commitAllChanges, uncommittedPaths } from "../land/commit-all.js";
import type { GitIdentity } from "../process/git-env.js";
import type { GitRunner } from "../process/run-git.js";
import { isAncestor, mergeHead, resolveCommit } from "../repo/repo-state.js";

/** How bringing a commit into a lane's branch went. */
export interface LaneMergeStart {
  /**
   * `conflict`: the merge is in progress in the worktree with conflict markers in `conflicts`;
   * `merged`: git merged it cleanly (committed); `already_merged`: the branch contains it already.
   */
  readonly outcome: "conflict" | "merged" | "already_merged";
  readonly conflicts: string[];
}

/** Why a merge stage's result cannot be landed (null: it can). */
export interface LaneMergeProblem {
  readonly problem: "unmerged_paths" | "conflict_markers" | "commit_missing";
  readonly files: string[];
}

/**
 * Starts merging `sha` (the workspace branch's commit) into the lane's branch in its worktree,
 * leaving conflicts for the merge stage. Idempotent, so a restart after a kill anywhere in it
 * converges: a branch that contains `sha` is `already_merged`; a merge of `sha` already in
 * progress is reported again (its files still unmerged); a merge of anything else in progress is
 * not ours and is refused. Landing committed the worktree's work before it conflicted, so
 * uncommitted files here can only be a merge of ours cut off before git recorded it: they go.
 */
export async function startLaneMerge(
  git: GitRunner,
  record: LaneRecord,
  sha: string,
  options: { message: string; author?: GitIdentity },
): Promise<LaneMergeStart> {
  const cwd = record.worktree_path;
  const pending = await mergeHead(git, cwd);
  if (pending === sha) return { outcome: "conflict", conflicts: await unmergedPaths(git, cwd) };
  if (pending !== null) {
    throw new MillraceError(
      "git_merge_in_progress",
      `the worktree of ${record.item_id} is in the middle of another merge`,
      {
        hint: `Finish or abort that merge in ${cwd}, then requeue the item.`,
        details: { item_id: record.item_id, merge_head: pending, expected: sha },
      },
    );
  }
  if (await isAncestor(git, cwd, sha, "HEAD")) return { outcome: "already_merged", conflicts: [] };
  if ((await uncommittedPaths(git, cwd)).length > 0) {
    await git.run(["reset", "--hard", "--quiet", "HEAD"], { cwd });
  }
  const args = ["merge", "--quiet", "--no-ff", "--no-edit", "-m", options.message, sha];
  const result = await git.run(args, { cwd, identity: options.author, okExitCodes: [1] });
  if (result.exitCode === 0) return { outcome: "merged", conflicts: [] };
  const conflicts = await unmergedPaths(git, cwd);
  if (conflicts.length === 0 && (await mergeHead(git, cwd)) === null) {
    throw new MillraceError(
      "git_command_failed",
      `merging ${sha.slice(0, 12)} into ${record.branch} failed: ${(result.stderr || result.stdout).trim().split("\n")[0] ?? ""}`,
      { hint: "Check the lane's worktree with git status.", details: { item_id: record.item_id } },
    );
  }
  return { outcome: "conflict", conflicts };
}

/**
 * After the merge stage: refuses while a file is still unmerged or a conflict marker is left in
 * one of `files` (or any file git lists as conflicted); otherwise commits what the stage left
 * uncommitted (which concludes a merge it left staged) and checks the branch contains `sha`.
 */
export async function concludeLaneMerge(
  git: GitRunner,
  record: LaneRecord,
  sha: string,
  files: readonly string[],
  options: { commitMessage: string; author?: GitIdentity },
): Promise<LaneMergeProblem | null> {
  const cwd = record.worktree_path;
  const unmerged = await unmergedPaths(git, cwd);
  const marked = [...new Set([...files, ...unmerged])].filter((file) => hasConflictMarkers(cwd, file));
  if (marked.length > 0) return { problem: "conflict_markers", files: marked };
  // Unmerged entries whose files are clean: the stage resolved them without `git add`.
  await commitAllChanges(git, cwd, options.commitMessage, options.author);
  const still = await unmergedPaths(git, cwd);
  if (still.length > 0) return { problem: "unmerged_paths", files: still };
  const tip = await resolveCommit(git, cwd, "HEAD");
  if (tip === null || !(await isAncestor(git, cwd, sha, tip))) {
    return { problem: "commit_missing", files: [] };
  }
  return null;
}

async function unmergedPaths(git: GitRunner, cwd: string): Promise<string[]> {
  const result = await git.run(["diff", "--name-only", "-z", "--diff-filter=U"], { cwd });
  return [...new Set(result.stdout.split("\0").filter((p) => p.length > 0))];
}

/** Git's conflict markers at the start of a line (`=======` alone is too common to count). */
const MARKER = /^(<{7}|>{7}|\|{7})( |$)/m;

function hasConflictMarkers(cwd: string, file: string): boolean {
  let text: string;
  try {
    text = readFileSync(path.join(cwd, file), "utf8");
  } catch {
    return false;
  }
  return MARKER.test(text);
}

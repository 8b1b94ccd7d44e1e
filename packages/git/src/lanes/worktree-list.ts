import { realpathSync } from "node:fs";
import path from "node:path";
import type { GitRunner } from "../process/run-git.js";

/** One entry of `git worktree list`. */
export interface WorktreeEntry {
  readonly path: string;
  readonly head: string | null;
  /** Full ref (`refs/heads/millrace/x`), or `null` when detached or bare. */
  readonly branchRef: string | null;
  readonly bare: boolean;
  readonly detached: boolean;
  /** git's note that the folder is gone (its admin data can be pruned). */
  readonly prunable: boolean;
}

/** Parses `git worktree list --porcelain -z`: attribute lines separated by NUL, entries by an empty one. */
export function parseWorktreeList(output: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let current: { -readonly [K in keyof WorktreeEntry]: WorktreeEntry[K] } | null = null;
  for (const field of output.split("\0")) {
    if (field === "") {
      if (current) entries.push(current);
      current = null;
      continue;
    }
    const space = field.indexOf(" ");
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? "" : field.slice(space + 1);
    if (key === "worktree") {
      if (current) entries.push(current);
      current = { path: value, head: null, branchRef: null, bare: false, detached: false, prunable: false };
    } else if (current) {
      if (key === "HEAD") current.head = value;
      else if (key === "branch") current.branchRef = value;
      else if (key === "bare") current.bare = true;
      else if (key === "detached") current.detached = true;
      else if (key === "prunable") current.prunable = true;
    }
  }
  if (current) entries.push(current);
  return entries;
}

export async function listWorktrees(git: GitRunner, cwd: string): Promise<WorktreeEntry[]> {
  const result = await git.run(["worktree", "list", "--porcelain", "-z"], { cwd });
  return parseWorktreeList(result.stdout);
}

/** A path in a comparable form: resolved through symlinks when it exists (git stores real paths). */
export function comparablePath(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    const parent = path.dirname(p);
    if (parent === p) return p;
    return path.join(comparablePath(parent), path.basename(p));
  }
}

import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { formatTimestamp } from "@millrace/contracts";
import { fsyncDirSync, type WorkspacePaths, writeJsonAtomicSync } from "@millrace/workspace";
import { laneRunsFile, readLaneRuns } from "./lane-state.js";

/** `state/lanes_cleanup.json`: asks the next engine start to remove lane leftovers (see `resumeLanes`). */
export function laneCleanupFile(paths: WorkspacePaths): string {
  return path.join(paths.state, "lanes_cleanup.json");
}

/**
 * The lanes part of `clear-stale-state` (the caller has requeued every active item): the lanes
 * journal is dropped, and the next start is asked to remove lane worktrees and branches no record
 * names. Recorded lanes keep their worktree and branch: a requeued item resumes its work there when
 * it is claimed again. Returns the number of lanes dropped, or null when lanes were never used.
 */
export function clearLaneJournal(paths: WorkspacePaths, now: Date, issuer: string): number | null {
  const journal = laneRunsFile(paths);
  if (!existsSync(journal) && !existsSync(path.join(paths.state, "lanes"))) return null;
  let dropped = 0;
  try {
    dropped = readLaneRuns(paths).lanes.length;
  } catch {
    dropped = 1;
  }
  writeJsonAtomicSync(laneCleanupFile(paths), { requested_at: formatTimestamp(now), issuer });
  if (existsSync(journal)) {
    rmSync(journal, { force: true });
    fsyncDirSync(paths.state);
  }
  return dropped;
}

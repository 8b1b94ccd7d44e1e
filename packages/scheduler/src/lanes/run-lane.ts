import { readFileSync } from "node:fs";
import path from "node:path";
import type { RunSummary } from "@millrace/contracts";
import { writeJsonAtomicSync } from "@millrace/workspace";

/** `runs/<run_id>/lane.json`: the lane a run's stages ran in, for `runs` (evidence, not state). */
export function runLaneFile(runDir: string): string {
  return path.join(runDir, "lane.json");
}

export function writeRunLane(runDir: string, lane: NonNullable<RunSummary["lane"]>): void {
  writeJsonAtomicSync(runLaneFile(runDir), lane, { durable: false });
}

/** The run's lane, or null when it ran without lanes (or the file is unreadable). */
export function readRunLane(runDir: string): RunSummary["lane"] {
  try {
    const data = JSON.parse(readFileSync(runLaneFile(runDir), "utf8")) as Record<string, unknown>;
    if (
      typeof data.lane !== "number" ||
      typeof data.branch !== "string" ||
      typeof data.worktree_path !== "string"
    )
      return null;
    return { lane: data.lane, branch: data.branch, worktree_path: data.worktree_path };
  } catch {
    return null;
  }
}

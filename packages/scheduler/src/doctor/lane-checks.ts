import { existsSync } from "node:fs";
import type { FullDoctorCheck, MillraceConfig } from "@millrace/contracts";
import { findLaneLeftovers, LaneWorktrees, laneRecordsDir } from "@millrace/git";
import { toWorkspaceRelative, type WorkspacePaths } from "@millrace/workspace";
import { laneRunsFile, readLaneRuns } from "../lanes/lane-state.js";
import { DOCTOR_CHECK_CODES, type DoctorCheckCode } from "./codes.js";

function check(code: DoctorCheckCode, message: string, file: string | null = null): FullDoctorCheck {
  const entry = DOCTOR_CHECK_CODES[code];
  return {
    code,
    group: "queue",
    status: entry.status,
    path: file,
    message,
    hint: entry.status === "ok" ? null : entry.action,
  };
}

/**
 * Lanes: the journal reads, the workspace is a repository lanes can use, and no lane worktree or
 * branch is left that no record names. Read-only git (`for-each-ref`, `worktree list`). Nothing
 * is checked when lanes are off and none were ever used.
 */
export async function laneChecks(
  paths: WorkspacePaths,
  config: MillraceConfig | undefined,
): Promise<FullDoctorCheck[]> {
  const recordsDir = laneRecordsDir(paths);
  const journal = laneRunsFile(paths);
  if ((config?.execution.lanes ?? 1) <= 1 && !existsSync(recordsDir) && !existsSync(journal)) return [];
  const found: FullDoctorCheck[] = [];
  let inLanes = new Set<string>();
  try {
    inLanes = new Set(readLaneRuns(paths).lanes.map((lane) => lane.item_id));
  } catch (error) {
    found.push(check("lane_journal_invalid", (error as Error).message, toWorkspaceRelative(paths, journal)));
  }
  let git: LaneWorktrees;
  try {
    git = await LaneWorktrees.open({ repoRoot: paths.root, recordsDir });
  } catch (error) {
    return [...found, check("lane_repository_unusable", (error as Error).message)];
  }
  let records: ReturnType<typeof git.records.list> = [];
  try {
    records = git.records.list();
  } catch (error) {
    found.push(
      check("lane_journal_invalid", (error as Error).message, toWorkspaceRelative(paths, recordsDir)),
    );
  }
  for (const record of records) {
    if (!inLanes.has(record.item_id)) {
      found.push(
        check(
          "lane_kept",
          `${record.item_id}: branch ${record.branch} and worktree ${record.worktree_path} are kept`,
        ),
      );
    }
  }
  const leftovers = await findLaneLeftovers(git, records);
  for (const worktree of leftovers.worktrees) {
    found.push(
      check(
        "lane_leftover",
        `worktree ${worktree.path} (${worktree.branch ?? "detached"}) has no lane record`,
      ),
    );
  }
  for (const branch of leftovers.branches)
    found.push(check("lane_leftover", `branch ${branch} has no lane record`));
  return found.length > 0 ? found : [check("lanes_consistent", `${records.length} lane records checked`)];
}

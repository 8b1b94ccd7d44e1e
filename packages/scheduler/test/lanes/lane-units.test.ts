import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { initWorkspace, workspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { LANE_MERGE_ROUNDS, laneMergeNode, startMergeRound } from "../../src/lanes/lane-merge-stage.js";
import { declaredPaths, firstBlockingLane } from "../../src/lanes/lane-paths.js";
import { type LaneEntry, laneRunsFile, readLaneRuns, writeLaneRuns } from "../../src/lanes/lane-state.js";
import type { EngineContext } from "../../src/state/context.js";

function lane(n: number, item: string, targets: string[], touched: string[] = []): LaneEntry {
  return {
    lane: n,
    item_id: item,
    work_item_kind: "task",
    run: null,
    target_paths: targets,
    touched_paths: touched,
    worktree_path: "",
    phase: "running",
    inflight: null,
    started_at: "2026-04-28T10:00:00Z",
    stage_started_at: null,
    merge: null,
    retry: null,
  };
}

describe("lane path conflicts", () => {
  it("finds the first lane whose declared or touched paths overlap, by path segment", () => {
    const lanes = [lane(2, "task-b", ["docs/"], ["src/util.ts"]), lane(1, "task-a", ["src/api/"])];
    expect(firstBlockingLane("task-c", ["src2/"], lanes)).toBeNull();
    expect(firstBlockingLane("task-c", ["src/api/x.ts"], lanes)).toEqual({
      item_id: "task-c",
      waits_for_lane: 1,
      waits_for_item: "task-a",
      overlaps: ["src/api/x.ts ~ src/api/"],
    });
    // Touched paths reserve too, once a lane's branch shows them.
    expect(firstBlockingLane("task-c", ["src/util.ts"], lanes)?.waits_for_lane).toBe(2);
  });

  it("treats no target paths, or `.`, as the whole repository", () => {
    expect(declaredPaths([])).toEqual([""]);
    expect(firstBlockingLane("task-x", declaredPaths([]), [lane(1, "task-a", ["a/"])])?.overlaps).toEqual([
      "* ~ a/",
    ]);
    expect(firstBlockingLane("task-x", ["."], [lane(1, "task-a", ["a/"])])).not.toBeNull();
    expect(firstBlockingLane("task-x", ["b/"], [lane(1, "task-a", ["."])])).not.toBeNull();
  });
});

describe("lanes journal", () => {
  it("round-trips, reads a missing file as empty, and refuses a broken one with the fix", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "millrace-lanes-journal-"));
    initWorkspace(root);
    const paths = workspacePaths(root);
    expect(readLaneRuns(paths)).toEqual({ schema_version: "1", lanes: [], waiting: [] });
    writeLaneRuns(paths, {
      schema_version: "1",
      lanes: [lane(2, "task-b", ["b/"]), lane(1, "task-a", ["a/"])],
      waiting: [],
    });
    expect(readLaneRuns(paths).lanes.map((entry) => entry.lane)).toEqual([1, 2]);
    writeFileSync(laneRunsFile(paths), "{ not json");
    let error: unknown;
    try {
      readLaneRuns(paths);
    } catch (caught) {
      error = caught;
    }
    expect(MillraceError.isInstance(error)).toBe(true);
    expect((error as MillraceError).code).toBe("engine_state_invalid");
    expect((error as MillraceError).hint).toContain("clear-stale-state");
  });
});

describe("lanes journal from before the merge stage", () => {
  it("reads a lane entry without `merge` as none, and refuses a merge entry with a bad round", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "millrace-lanes-journal-"));
    initWorkspace(root);
    const paths = workspacePaths(root);
    const { merge: _merge, ...old } = lane(1, "task-a", ["a/"]);
    writeFileSync(laneRunsFile(paths), JSON.stringify({ schema_version: "1", lanes: [old], waiting: [] }));
    expect(readLaneRuns(paths).lanes[0]?.merge).toBeNull();
    const bad = {
      ...old,
      phase: "merging",
      merge: { round: 0, files: [], merged_sha: "x", target_branch: "main", run_id: "r" },
    };
    writeFileSync(laneRunsFile(paths), JSON.stringify({ schema_version: "1", lanes: [bad], waiting: [] }));
    expect(() => readLaneRuns(paths)).toThrow(/not a valid lane state file/);
  });
});

describe("handing a conflicted landing to the merge stage", () => {
  const conflict = {
    outcome: "conflict" as const,
    branch: "millrace/task-a",
    target_branch: "main",
    branch_sha: "a".repeat(40),
    head_before: "b".repeat(40),
    head_after: "b".repeat(40),
    worktree_commit_sha: null,
    conflicts: ["shared.txt"],
  };
  const withMerge = {
    plan: { graphs_by_plane: { execution: { nodes: [{ node_id: "merge", stage_kind_id: "merge" }] } } },
  } as unknown as EngineContext;
  const host = {
    save: () => {
      throw new Error("nothing may be written when the merge stage is refused");
    },
    remove: () => undefined,
    openGit: () => Promise.reject(new Error("no git")),
  };

  it("is refused (the caller blocks) without a merge node, without files, or once the rounds are spent", async () => {
    const noMerge = { plan: { graphs_by_plane: { execution: { nodes: [] } } } } as unknown as EngineContext;
    expect(laneMergeNode(noMerge)).toBeUndefined();
    expect(laneMergeNode(withMerge)?.node_id).toBe("merge");
    expect(await startMergeRound(noMerge, host, lane(1, "task-a", ["a/"]), conflict)).toBe(false);
    expect(
      await startMergeRound(withMerge, host, lane(1, "task-a", ["a/"]), { ...conflict, conflicts: [] }),
    ).toBe(false);
    const spent = {
      ...lane(1, "task-a", ["a/"]),
      merge: {
        round: LANE_MERGE_ROUNDS,
        files: ["shared.txt"],
        merged_sha: "c",
        target_branch: "main",
        run_id: "r",
      },
    };
    expect(await startMergeRound(withMerge, host, spent, conflict)).toBe(false);
    expect(spent.phase).toBe("running");
  });
});

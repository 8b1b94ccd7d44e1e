import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { initWorkspace, workspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { declaredPaths, firstBlockingLane } from "../../src/lanes/lane-paths.js";
import { type LaneEntry, laneRunsFile, readLaneRuns, writeLaneRuns } from "../../src/lanes/lane-state.js";

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

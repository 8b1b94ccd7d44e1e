import { describe, expect, it } from "vitest";
import {
  explainInvalidLaneId,
  findPathOverlaps,
  laneBranchName,
  normalizeRepoPath,
  pathSetsOverlap,
  pathsOverlap,
} from "../src/index.js";
import { parseStatusZ } from "../src/land/commit-all.js";
import { parseWorktreeList } from "../src/lanes/worktree-list.js";

describe("path overlap", () => {
  it("is prefix-aware by path segment", () => {
    expect(pathsOverlap("src/", "src/a.ts")).toBe(true);
    expect(pathsOverlap("src", "src/a.ts")).toBe(true);
    expect(pathsOverlap("src/a.ts", "./src/a.ts")).toBe(true);
    expect(pathsOverlap("src", "src2/a.ts")).toBe(false);
    expect(pathsOverlap("src/a.ts", "src/b.ts")).toBe(false);
    expect(pathsOverlap(".", "anything")).toBe(true);
    expect(pathsOverlap("a\\b", "a/b/c")).toBe(true);
    expect(normalizeRepoPath("./src//a/")).toBe("src/a");
  });

  it("lists the overlapping pairs between two sets", () => {
    expect(findPathOverlaps(["src/", "docs/x.md"], ["src/a.ts", "lib/", "docs"])).toEqual([
      ["src/", "src/a.ts"],
      ["docs/x.md", "docs"],
    ]);
    expect(pathSetsOverlap(["a/"], ["b/", "c"])).toBe(false);
    expect(pathSetsOverlap([], ["b"])).toBe(false);
  });
});

describe("lane ids", () => {
  it("accepts safe ids and refuses what git or the filesystem would not take", () => {
    expect(laneBranchName("task-2026.01_a")).toBe("millrace/task-2026.01_a");
    expect(explainInvalidLaneId("x.lock")).toMatch(/\.lock/);
    expect(explainInvalidLaneId("x.")).toMatch(/'\.'/);
    expect(explainInvalidLaneId("../x")).toBeDefined();
    expect(explainInvalidLaneId("ok")).toBeUndefined();
  });
});

describe("git output parsers", () => {
  it("reads status -z with renames as both names", () => {
    expect(parseStatusZ(" M a.txt\0R  new.txt\0old.txt\0?? dir/u.txt\0")).toEqual([
      "a.txt",
      "new.txt",
      "old.txt",
      "dir/u.txt",
    ]);
    expect(parseStatusZ("")).toEqual([]);
  });

  it("reads worktree list --porcelain -z", () => {
    const out =
      "worktree /r\0HEAD aaaa\0branch refs/heads/main\0\0worktree /r/.git/l/x\0HEAD bbbb\0detached\0prunable gitdir file points to non-existent location\0\0";
    expect(parseWorktreeList(out)).toEqual([
      {
        path: "/r",
        head: "aaaa",
        branchRef: "refs/heads/main",
        bare: false,
        detached: false,
        prunable: false,
      },
      { path: "/r/.git/l/x", head: "bbbb", branchRef: null, bare: false, detached: true, prunable: true },
    ]);
  });
});

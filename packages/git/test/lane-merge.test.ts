import { writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { LaneWorktrees } from "../src/index.js";
import { commitFile, makeRepo, type Sandbox, sandbox } from "./helpers.js";

/** A lane on task-1 and the workspace branch, both changing `shared.txt`: landing conflicts. */
async function conflicted(box: Sandbox) {
  const repo = makeRepo(box, "work", { "shared.txt": "base\n", "README.md": "hello\n" });
  const lanes = await LaneWorktrees.open({
    ...box.options,
    repoRoot: repo,
    recordsDir: path.join(box.root, "records"),
  });
  const record = await lanes.create("task-1");
  commitFile(box, record.worktree_path, "shared.txt", "lane\n");
  const head = commitFile(box, repo, "shared.txt", "main\n");
  const land = await lanes.land("task-1", { mode: "no-ff" });
  expect(land.outcome).toBe("conflict");
  return { repo, lanes, record, head };
}

describe("merging the workspace branch into a lane", () => {
  it("leaves a conflicting merge in progress, reports it again on a retry, then concludes and lands", async () => {
    const box = sandbox();
    const { repo, lanes, record, head } = await conflicted(box);

    const started = await lanes.startMerge("task-1", head);
    expect(started).toEqual({ outcome: "conflict", conflicts: ["shared.txt"] });
    expect(box.git(record.worktree_path, "rev-parse", "MERGE_HEAD")).toBe(head);
    // A restart that starts it again finds the same merge in progress and does not start another.
    expect(await lanes.startMerge("task-1", head)).toEqual({
      outcome: "conflict",
      conflicts: ["shared.txt"],
    });

    // Markers left: refused, nothing committed.
    expect(await lanes.concludeMerge("task-1", head, ["shared.txt"])).toEqual({
      problem: "conflict_markers",
      files: ["shared.txt"],
    });
    // Resolved in the file but never `git add`ed: the runtime commits it, concluding the merge.
    writeFileSync(path.join(record.worktree_path, "shared.txt"), "lane\nmain\n");
    expect(await lanes.concludeMerge("task-1", head, ["shared.txt"])).toBeNull();
    expect(box.git(record.worktree_path, "rev-list", "--parents", "-n", "1", "HEAD").split(" ")).toHaveLength(
      3,
    );
    expect(await lanes.startMerge("task-1", head)).toEqual({ outcome: "already_merged", conflicts: [] });

    const land = await lanes.land("task-1");
    expect(land.outcome).toBe("fast_forward");
    expect(box.git(repo, "show", "main:shared.txt")).toBe("lane\nmain");
  });

  it("refuses a concluded stage whose branch lacks the merged commit (the merge was aborted)", async () => {
    const box = sandbox();
    const { lanes, record, head } = await conflicted(box);
    await lanes.startMerge("task-1", head);
    box.git(record.worktree_path, "merge", "--abort");
    expect(await lanes.concludeMerge("task-1", head, ["shared.txt"])).toEqual({
      problem: "commit_missing",
      files: [],
    });
  });

  it("merges cleanly when nothing conflicts", async () => {
    const box = sandbox();
    const repo = makeRepo(box, "work", { "a.txt": "a\n", "b.txt": "b\n" });
    const lanes = await LaneWorktrees.open({
      ...box.options,
      repoRoot: repo,
      recordsDir: path.join(box.root, "records"),
    });
    const record = await lanes.create("task-1");
    commitFile(box, record.worktree_path, "a.txt", "lane\n");
    const head = commitFile(box, repo, "b.txt", "main\n");
    expect(await lanes.startMerge("task-1", head)).toEqual({ outcome: "merged", conflicts: [] });
    expect(box.git(record.worktree_path, "show", "HEAD:b.txt")).toBe("main");
  });

  it("refuses to start when a different merge is in progress in the worktree", async () => {
    const box = sandbox();
    const { lanes, record, head, repo } = await conflicted(box);
    const later = commitFile(box, repo, "README.md", "later\n");
    let failed = false;
    try {
      box.git(record.worktree_path, "merge", "--no-edit", head);
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
    const error = await lanes.startMerge("task-1", later).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(MillraceError.isInstance(error) && error.code).toBe("git_merge_in_progress");
  });
});

describe("a merge into a lane cut off before git recorded it", () => {
  it("discards the half-written files and merges again", async () => {
    const box = sandbox();
    const { lanes, record, head } = await conflicted(box);
    // What a kill inside `git merge` can leave: changed files, no MERGE_HEAD.
    writeFileSync(path.join(record.worktree_path, "shared.txt"), "half\n");
    writeFileSync(path.join(record.worktree_path, "README.md"), "half\n");
    expect(await lanes.startMerge("task-1", head)).toEqual({
      outcome: "conflict",
      conflicts: ["shared.txt"],
    });
    expect(box.git(record.worktree_path, "show", "HEAD:README.md")).toBe("hello");
    expect(box.git(record.worktree_path, "diff", "--name-only", "--", "README.md")).toBe("");
  });
});

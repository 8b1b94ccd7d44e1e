import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { LaneRecordSchema, MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { findLaneLeftovers, LaneWorktrees, laneBranchName, reconcileLaneWorktrees } from "../src/index.js";
import { AUTHOR, commitFile, makeRepo, type Sandbox, sandbox, tempDir, write } from "./helpers.js";

async function openLanes(box: Sandbox, repo: string) {
  return LaneWorktrees.open({ ...box.options, repoRoot: repo, recordsDir: path.join(box.root, "records") });
}

async function caught(promise: Promise<unknown>): Promise<MillraceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!MillraceError.isInstance(error)) throw new Error(`expected a MillraceError, got ${String(error)}`);
  return error;
}

describe("lane worktrees", () => {
  it("creates a worktree on millrace/<id> from HEAD, records it, lists and inspects it", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const head = box.git(repo, "rev-parse", "HEAD");
    const lanes = await openLanes(box, repo);
    const record = await lanes.create("task-1");
    expect(record).toMatchObject({
      item_id: "task-1",
      branch: "millrace/task-1",
      base_sha: head,
      base_branch: "main",
    });
    expect(record.phase).toBe("active");
    expect(record.worktree_path).toBe(
      path.join(box.git(repo, "rev-parse", "--absolute-git-dir"), "millrace-lanes", "task-1"),
    );
    expect(box.git(record.worktree_path, "rev-parse", "--abbrev-ref", "HEAD")).toBe("millrace/task-1");
    expect(readFileSync(path.join(record.worktree_path, "README.md"), "utf8")).toBe("hello\n");
    // The worktree lives inside .git, so the workspace's own status stays clean.
    expect(box.git(repo, "status", "--porcelain")).toBe("");
    const onDisk = JSON.parse(readFileSync(path.join(box.root, "records", "task-1.json"), "utf8"));
    expect(LaneRecordSchema.parse(onDisk)).toEqual(record);
    const [info] = await lanes.list();
    expect(info).toMatchObject({ branchSha: head, worktreePresent: true, worktreeStale: false });
    expect((await lanes.inspect("task-1")).record.item_id).toBe("task-1");
  });

  it("reports the paths a lane touched, committed or not, for overlap checks", async () => {
    const box = sandbox();
    const repo = makeRepo(box, "work", { "README.md": "x\n", "src/old.ts": "old\n" });
    const lanes = await openLanes(box, repo);
    const { worktree_path: wt } = await lanes.create("task-1");
    commitFile(box, wt, "src/a.ts", "a\n");
    mkdirSync(path.join(wt, "lib"));
    box.git(wt, "mv", "src/old.ts", "lib/old.ts");
    write(path.join(wt, "docs/new.md"), "untracked\n");
    // The workspace moving on does not count as the lane's change.
    commitFile(box, repo, "other.txt", "main moved\n");
    expect(await lanes.touchedPaths("task-1")).toEqual([
      "docs/new.md",
      "lib/old.ts",
      "src/a.ts",
      "src/old.ts",
    ]);
  });

  it("lands a lane and removes it: worktree, branch and record gone", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const lanes = await openLanes(box, repo);
    const { worktree_path: wt } = await lanes.create("task-1");
    write(path.join(wt, "out.txt"), "done\n");
    const result = await lanes.land("task-1", { author: AUTHOR, commitMessage: "task-1 work" });
    expect(result.outcome).toBe("fast_forward");
    expect((await lanes.inspect("task-1")).record.phase).toBe("landing");
    await lanes.remove("task-1");
    expect(existsSync(wt)).toBe(false);
    expect(box.git(repo, "branch", "--list", "millrace/*")).toBe("");
    expect(lanes.records.list()).toEqual([]);
    expect(readFileSync(path.join(repo, "out.txt"), "utf8")).toBe("done\n");
  });

  it("keeps a lane whose landing conflicts, back in the active phase", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const lanes = await openLanes(box, repo);
    const { worktree_path: wt } = await lanes.create("task-1");
    commitFile(box, wt, "README.md", "lane\n");
    commitFile(box, repo, "README.md", "main\n");
    const result = await lanes.land("task-1");
    expect(result).toMatchObject({ outcome: "conflict", conflicts: ["README.md"] });
    expect((await lanes.inspect("task-1")).record.phase).toBe("active");
    expect(existsSync(wt)).toBe(true);
  });

  it("refuses to remove unlanded work unless told to discard it", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const lanes = await openLanes(box, repo);
    const { worktree_path: wt } = await lanes.create("task-1");
    write(path.join(wt, "draft.txt"), "uncommitted\n");
    const dirty = await caught(lanes.remove("task-1"));
    expect(dirty.code).toBe("lane_unlanded");
    expect(dirty.details.uncommitted).toEqual(["draft.txt"]);
    commitFile(box, wt, "draft.txt", "committed\n");
    const unmerged = await caught(lanes.remove("task-1"));
    expect(unmerged.code).toBe("lane_unlanded");
    expect(unmerged.message).toContain("commits not on the workspace branch");
    expect((await lanes.inspect("task-1")).record.phase).toBe("active");
    await lanes.remove("task-1", { discard: true });
    expect(existsSync(wt)).toBe(false);
    expect(box.git(repo, "branch", "--list", "millrace/*")).toBe("");
  });

  it("refuses bad item ids before touching disk or git", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const lanes = await openLanes(box, repo);
    for (const bad of [
      "../escape",
      "a/b",
      "",
      " x",
      "x.lock",
      "x.",
      "-x",
      ".hidden",
      "a..b",
      "a b",
      "a~1",
      "a^",
    ]) {
      const error = await caught(lanes.create(bad));
      expect(error.code, bad).toBe("invalid_id");
      expect(error.exitStatus).toBe(2);
    }
    expect(() => laneBranchName("ok.lock")).toThrow(/\.lock/);
    expect(existsSync(path.join(box.root, "records"))).toBe(false);
    expect(box.git(repo, "branch", "--list", "millrace/*")).toBe("");
  });

  it("refuses a second lane for the same item, and a branch nobody recorded", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const lanes = await openLanes(box, repo);
    await lanes.create("task-1");
    expect((await caught(lanes.create("task-1"))).code).toBe("lane_exists");
    box.git(repo, "branch", "millrace/task-2");
    const leftover = await caught(lanes.create("task-2"));
    expect(leftover.code).toBe("lane_exists");
    expect(leftover.hint).toContain("leftover");
    expect(lanes.records.read("task-2")).toBeNull();
  });

  it("refuses unknown lanes and repositories without a commit", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const lanes = await openLanes(box, repo);
    expect((await caught(lanes.inspect("nope"))).code).toBe("lane_not_found");
    expect((await caught(lanes.land("nope"))).code).toBe("lane_not_found");
    expect((await caught(lanes.remove("nope"))).code).toBe("lane_not_found");
    const empty = path.join(box.root, "empty");
    box.git(box.root, "init", "--quiet", empty);
    const error = await caught(
      LaneWorktrees.open({ ...box.options, repoRoot: empty, recordsDir: tempDir() }),
    );
    expect(error.code).toBe("git_not_a_repository");
    expect(error.message).toContain("no commit");
  });

  it("finds leftovers (lane branches and worktrees no record names) and removes them only when asked", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const lanes = await openLanes(box, repo);
    await lanes.create("kept");
    box.git(repo, "branch", "millrace/orphan-branch");
    const stray = path.join(lanes.worktreesDir, "orphan-wt");
    box.git(repo, "worktree", "add", "--quiet", "-b", "millrace/orphan-wt", stray);
    box.git(repo, "branch", "feature/not-ours");
    const found = await findLaneLeftovers(lanes, lanes.records.list());
    expect(found.branches).toEqual(["millrace/orphan-branch", "millrace/orphan-wt"]);
    expect(found.worktrees).toEqual([{ path: stray, branch: "millrace/orphan-wt" }]);
    const report = await reconcileLaneWorktrees(lanes);
    expect(report.leftoversRemoved).toBe(false);
    expect(existsSync(stray)).toBe(true);
    const cleaned = await reconcileLaneWorktrees(lanes, { removeLeftovers: true });
    expect(cleaned.actions).toEqual([{ item_id: "kept", phase_before: "active", outcome: "intact" }]);
    expect(existsSync(stray)).toBe(false);
    expect(box.git(repo, "branch", "--list", "--format=%(refname:short)").split("\n").sort()).toEqual([
      "feature/not-ours",
      "main",
      "millrace/kept",
    ]);
    expect(readdirSync(lanes.worktreesDir)).toEqual(["kept"]);
  });
});

import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type LaneStep, LaneWorktrees, reconcileLaneWorktrees } from "../src/index.js";
import { AUTHOR, commitFile, makeRepo, type Sandbox, sandbox, write } from "./helpers.js";

class Crash extends Error {}

/** A lane manager whose process "dies" right after `at` (the seam throws; nothing after it runs). */
async function lanesCrashingAt(box: Sandbox, repo: string, at: LaneStep | null) {
  return LaneWorktrees.open({
    ...box.options,
    repoRoot: repo,
    recordsDir: path.join(box.root, "records"),
    afterStep: (step) => {
      if (step === at) throw new Crash(step);
    },
  });
}

async function expectCrash(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(Crash);
}

/** The lane as it must be after reconciliation of a creation: active, branch at base, worktree there. */
function expectActiveLane(box: Sandbox, repo: string, lanes: LaneWorktrees, id: string, base: string): void {
  const record = lanes.records.read(id);
  expect(record?.phase).toBe("active");
  expect(box.git(repo, "rev-parse", `refs/heads/millrace/${id}`)).toBe(base);
  expect(box.git(lanes.worktreePathFor(id), "rev-parse", "--abbrev-ref", "HEAD")).toBe(`millrace/${id}`);
}

function expectLaneGone(box: Sandbox, repo: string, lanes: LaneWorktrees, id: string): void {
  expect(lanes.records.read(id)).toBeNull();
  expect(existsSync(lanes.worktreePathFor(id))).toBe(false);
  expect(box.git(repo, "branch", "--list", "millrace/*")).toBe("");
  expect(box.git(repo, "worktree", "list", "--porcelain")).not.toContain("millrace-lanes");
}

const CREATE_STEPS: LaneStep[] = ["record_creating", "branch_created", "worktree_added", "record_active"];
const LAND_STEPS: LaneStep[] = ["record_landing", "worktree_committed", "merged"];
const REMOVE_STEPS: LaneStep[] = ["record_removing", "worktree_removed", "branch_deleted", "record_deleted"];

describe("lane crash safety: a kill after each step converges under reconciliation", () => {
  for (const step of CREATE_STEPS) {
    it(`create, killed after ${step}`, async () => {
      const box = sandbox();
      const repo = makeRepo(box);
      const base = box.git(repo, "rev-parse", "HEAD");
      await expectCrash((await lanesCrashingAt(box, repo, step)).create("t1"));
      const lanes = await lanesCrashingAt(box, repo, null);
      if (step !== "record_active") {
        // Until reconciled, an interrupted creation cannot be landed.
        await expect(lanes.land("t1")).rejects.toMatchObject({ code: "lane_interrupted" });
      }
      const report = await reconcileLaneWorktrees(lanes);
      const expected = step === "record_active" ? "intact" : "created";
      expect(report.actions).toEqual([
        { item_id: "t1", phase_before: expected === "intact" ? "active" : "creating", outcome: expected },
      ]);
      expect(report.leftovers).toEqual({ worktrees: [], branches: [] });
      expectActiveLane(box, repo, lanes, "t1", base);
      // Reconciling again changes nothing.
      expect((await reconcileLaneWorktrees(lanes)).actions[0]?.outcome).toBe("intact");
    });
  }

  for (const diverged of [false, true]) {
    for (const step of LAND_STEPS) {
      it(`land (${diverged ? "merge commit" : "fast-forward"}), killed after ${step}: landed exactly once`, async () => {
        const box = sandbox();
        const repo = makeRepo(box);
        const lanes = await lanesCrashingAt(box, repo, step);
        const { worktree_path: wt } = await lanes.create("t1");
        write(path.join(wt, "work.txt"), "agent output\n");
        if (diverged) commitFile(box, repo, "main.txt", "main moved\n");
        await expectCrash(lanes.land("t1", { author: AUTHOR }));
        const fresh = await lanesCrashingAt(box, repo, null);
        const report = await reconcileLaneWorktrees(fresh);
        if (step === "merged") {
          expect(report.actions[0]?.outcome).toBe("landed");
        } else {
          expect(report.actions[0]?.outcome).toBe("needs_landing");
          const again = await fresh.land("t1", { author: AUTHOR });
          expect(again.outcome).toBe(diverged ? "merge_commit" : "fast_forward");
          await fresh.remove("t1");
        }
        expectLaneGone(box, repo, fresh, "t1");
        expect(readFileSync(path.join(repo, "work.txt"), "utf8")).toBe("agent output\n");
        expect(box.git(repo, "rev-list", "--merges", "--count", "HEAD")).toBe(diverged ? "1" : "0");
        expect(box.git(repo, "log", "--format=%s", "--", "work.txt").split("\n")).toHaveLength(1);
        expect(box.git(repo, "status", "--porcelain")).toBe("");
      });
    }
  }

  for (const step of REMOVE_STEPS) {
    it(`remove, killed after ${step}`, async () => {
      const box = sandbox();
      const repo = makeRepo(box);
      const lanes = await lanesCrashingAt(box, repo, step);
      await lanes.create("t1");
      await expectCrash(lanes.remove("t1"));
      const fresh = await lanesCrashingAt(box, repo, null);
      const report = await reconcileLaneWorktrees(fresh);
      expect(report.actions).toEqual(
        step === "record_deleted" ? [] : [{ item_id: "t1", phase_before: "removing", outcome: "removed" }],
      );
      expectLaneGone(box, repo, fresh, "t1");
    });
  }
});

describe("lane reconciliation of states left on disk", () => {
  it("re-adds a worktree whose folder was deleted, keeping the branch's commits", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const lanes = await lanesCrashingAt(box, repo, null);
    const { worktree_path: wt } = await lanes.create("t1");
    const tip = commitFile(box, wt, "kept.txt", "committed\n");
    rmSync(wt, { recursive: true, force: true });
    expect((await lanes.inspect("t1")).worktreeStale).toBe(true);
    const report = await reconcileLaneWorktrees(lanes);
    expect(report.actions[0]?.outcome).toBe("restored");
    expect(box.git(wt, "rev-parse", "HEAD")).toBe(tip);
    expect(readFileSync(path.join(wt, "kept.txt"), "utf8")).toBe("committed\n");
  });

  it("recreates a lost branch at the base commit under a surviving worktree", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const base = box.git(repo, "rev-parse", "HEAD");
    const lanes = await lanesCrashingAt(box, repo, null);
    const { worktree_path: wt } = await lanes.create("t1");
    write(path.join(wt, "draft.txt"), "uncommitted\n");
    box.git(repo, "update-ref", "-d", "refs/heads/millrace/t1");
    const report = await reconcileLaneWorktrees(lanes);
    expect(report.actions[0]?.outcome).toBe("restored");
    expect(box.git(wt, "rev-parse", "HEAD")).toBe(base);
    expect(readFileSync(path.join(wt, "draft.txt"), "utf8")).toBe("uncommitted\n");
  });

  it("aborts its own merge left half-done in the workspace, then asks for a new landing", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const lanes = await lanesCrashingAt(box, repo, null);
    const { worktree_path: wt } = await lanes.create("t1");
    commitFile(box, wt, "work.txt", "lane\n");
    const head = commitFile(box, repo, "main.txt", "main\n");
    lanes.writeRecord(lanes.records.read("t1") ?? expect.fail("no record"), "landing");
    box.git(repo, "merge", "--quiet", "--no-commit", "--no-ff", "millrace/t1");
    const report = await reconcileLaneWorktrees(lanes);
    expect(report.actions[0]?.outcome).toBe("needs_landing");
    expect(existsSync(path.join(repo, ".git", "MERGE_HEAD"))).toBe(false);
    expect(box.git(repo, "rev-parse", "HEAD")).toBe(head);
    expect(box.git(repo, "status", "--porcelain")).toBe("");
    expect((await lanes.land("t1")).outcome).toBe("merge_commit");
  });

  it("clears a half-made worktree folder git never registered, and a stale index.lock", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const lanes = await lanesCrashingAt(box, repo, null);
    await expectCrash((await lanesCrashingAt(box, repo, "record_creating")).create("t1"));
    // Killed inside creation: the branch made, the worktree folder half written and unregistered.
    box.git(repo, "branch", "millrace/t1");
    write(path.join(lanes.worktreePathFor("t1"), "partial.txt"), "half a checkout\n");
    await reconcileLaneWorktrees(lanes);
    expect(existsSync(path.join(lanes.worktreePathFor("t1"), "partial.txt"))).toBe(false);
    const wt = lanes.worktreePathFor("t1");
    const lock = path.join(box.git(wt, "rev-parse", "--absolute-git-dir"), "index.lock");
    write(lock, "");
    const report = await reconcileLaneWorktrees(lanes);
    expect(report.actions[0]?.outcome).toBe("intact");
    expect(existsSync(lock)).toBe(false);
    write(path.join(wt, "x.txt"), "x\n");
    box.git(wt, "add", "x.txt");
  });

  it("recreates an active lane whose branch and worktree are both gone, and is deterministic over many records", async () => {
    const box = sandbox();
    const repo = makeRepo(box);
    const base = box.git(repo, "rev-parse", "HEAD");
    const lanes = await lanesCrashingAt(box, repo, null);
    for (const id of ["c", "a", "b"]) await lanes.create(id);
    box.git(repo, "worktree", "remove", "--force", lanes.worktreePathFor("b"));
    box.git(repo, "branch", "-D", "millrace/b");
    const report = await reconcileLaneWorktrees(lanes);
    expect(report.actions.map((a) => `${a.item_id}:${a.outcome}`)).toEqual([
      "a:intact",
      "b:restored",
      "c:intact",
    ]);
    expectActiveLane(box, repo, lanes, "b", base);
  });
});

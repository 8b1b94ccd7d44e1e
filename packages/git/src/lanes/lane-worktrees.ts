import { existsSync } from "node:fs";
import path from "node:path";
import { formatTimestamp, type LandResult, type LaneRecord, MillraceError } from "@millrace/contracts";
import { uncommittedPaths } from "../land/commit-all.js";
import { type LandBranchOptions, landBranch } from "../land/land-branch.js";
import { pathsTouchedByBranch } from "../paths/touched-paths.js";
import type { GitIdentity } from "../process/git-env.js";
import { type GitOptions, GitRunner } from "../process/run-git.js";
import { commonGitDir, isAncestor, readRepoHead } from "../repo/repo-state.js";
import { laneBranchName } from "./lane-branch.js";
import {
  addBranchAndWorktree,
  branchCommit,
  deleteBranch,
  ensureBranch,
  ensureWorktree,
  type LaneContext,
  type LaneGitState,
  laneGitState,
  removeWorktree,
} from "./lane-git.js";
import {
  concludeLaneMerge,
  type LaneMergeProblem,
  type LaneMergeStart,
  startLaneMerge,
} from "./lane-merge.js";
import { LaneRecordStore } from "./lane-records.js";
import { comparablePath } from "./worktree-list.js";

/** The points between the git steps of a lane's life; the crash-test seam fires after each. */
export type LaneStep =
  | "record_creating"
  | "branch_created"
  | "worktree_added"
  | "record_active"
  | "record_landing"
  | "worktree_committed"
  | "merged"
  | "record_removing"
  | "worktree_removed"
  | "branch_deleted"
  | "record_deleted";

export interface LaneWorktreesOptions extends GitOptions {
  /** The workspace checkout: lanes branch from its `HEAD` and land on its current branch. */
  readonly repoRoot: string;
  /** Where lane records are kept (the runtime's is `laneRecordsDir(paths)`). */
  readonly recordsDir: string;
  /** Parent folder of the worktrees (default `<.git>/millrace-lanes`, outside the working tree). */
  readonly worktreesDir?: string;
  readonly now?: () => Date;
  /** Test seam: called after each step; crash tests throw from here. */
  readonly afterStep?: (step: LaneStep, itemId: string) => void;
}

export interface LaneLandOptions {
  readonly mode?: LandBranchOptions["mode"];
  readonly author?: GitIdentity;
  readonly commitMessage?: string;
  readonly mergeMessage?: string;
}

/** A lane as recorded, with what git has for it right now. */
export interface LaneInfo extends LaneGitState {
  readonly record: LaneRecord;
}

/**
 * Lane worktrees of one repository: one worktree per item on branch `millrace/<item-id>`. Every
 * change is ordered record first (written atomically), then git, so a process killed between two
 * steps leaves a state `reconcileLaneWorktrees` finishes. Not safe for concurrent callers on the
 * same item: the runtime is the single writer.
 */
export class LaneWorktrees {
  readonly records: LaneRecordStore;
  /** @internal the git context reconciliation shares. */
  readonly context: LaneContext;

  private constructor(
    private readonly options: LaneWorktreesOptions,
    readonly worktreesDir: string,
  ) {
    this.records = new LaneRecordStore(options.recordsDir);
    this.context = { git: new GitRunner(options), repoRoot: options.repoRoot };
  }

  /** Checks that `repoRoot` is a repository with a commit and settles where worktrees go. */
  static async open(options: LaneWorktreesOptions): Promise<LaneWorktrees> {
    const git = new GitRunner(options);
    await readRepoHead(git, options.repoRoot);
    const dir =
      options.worktreesDir ?? path.join(await commonGitDir(git, options.repoRoot), "millrace-lanes");
    return new LaneWorktrees(options, path.resolve(dir));
  }

  worktreePathFor(itemId: string): string {
    return path.join(this.worktreesDir, laneBranchName(itemId).slice("millrace/".length));
  }

  /** @internal */
  step(step: LaneStep, itemId: string): void {
    this.options.afterStep?.(step, itemId);
  }

  /** @internal */
  writeRecord(record: LaneRecord, phase: LaneRecord["phase"]): LaneRecord {
    const next = { ...record, phase, updated_at: this.timestamp() };
    this.records.write(next);
    return next;
  }

  private timestamp(): string {
    return formatTimestamp(this.options.now?.() ?? new Date());
  }

  /** Creates the item's branch from the workspace's current `HEAD` and a worktree on it. */
  async create(itemId: string): Promise<LaneRecord> {
    const branch = laneBranchName(itemId);
    const worktreePath = this.worktreePathFor(itemId);
    if (this.records.read(itemId)) {
      throw new MillraceError("lane_exists", `a lane for ${itemId} is already recorded`, {
        details: { item_id: itemId },
      });
    }
    const head = await readRepoHead(this.context.git, this.context.repoRoot);
    const at = this.timestamp();
    const draft: LaneRecord = {
      schema_version: "1",
      item_id: itemId,
      branch,
      worktree_path: worktreePath,
      base_sha: head.sha,
      base_branch: head.branch,
      phase: "creating",
      created_at: at,
      updated_at: at,
    };
    if ((await branchCommit(this.context, branch)) !== null || existsSync(worktreePath)) {
      throw new MillraceError(
        "lane_exists",
        `branch ${branch} or its worktree already exists with no lane record`,
        {
          hint: "It is a leftover: reconcile lanes with leftover removal, or delete it by hand.",
          details: { item_id: itemId, branch, worktree_path: worktreePath },
        },
      );
    }
    this.records.write(draft);
    this.step("record_creating", itemId);
    return this.finishCreate(draft, true);
  }

  /**
   * @internal Branch, worktree, then the record says `active`. A fresh lane takes one git call for
   * both; otherwise (or when git refuses that) each step skips what is already there.
   */
  async finishCreate(record: LaneRecord, fresh = false): Promise<LaneRecord> {
    if (fresh && (await addBranchAndWorktree(this.context, record))) {
      this.step("branch_created", record.item_id);
    } else {
      await ensureBranch(this.context, record);
      this.step("branch_created", record.item_id);
      await ensureWorktree(this.context, record);
    }
    this.step("worktree_added", record.item_id);
    const active = this.writeRecord(record, "active");
    this.step("record_active", record.item_id);
    return active;
  }

  async inspect(itemId: string): Promise<LaneInfo> {
    const record = this.requireRecord(itemId);
    return { record, ...(await laneGitState(this.context, record)) };
  }

  async list(): Promise<LaneInfo[]> {
    const lanes: LaneInfo[] = [];
    for (const record of this.records.list())
      lanes.push({ record, ...(await laneGitState(this.context, record)) });
    return lanes;
  }

  /** Paths the lane's branch changed since it left the workspace branch, plus its uncommitted files. */
  async touchedPaths(itemId: string): Promise<string[]> {
    const record = this.requireRecord(itemId);
    return pathsTouchedByBranch({
      ...this.options,
      branch: record.branch,
      worktreePath: record.worktree_path,
    });
  }

  /**
   * Lands the lane: commits its uncommitted work, then merges its branch into the workspace branch.
   * The record says `landing` until the caller removes the lane; on `conflict` or `not_fast_forward`
   * it goes back to `active` (the worktree stays for whoever resolves it).
   */
  async land(itemId: string, options: LaneLandOptions = {}): Promise<LandResult> {
    const record = this.requireRecord(itemId);
    if (record.phase === "creating" || record.phase === "removing") {
      throw new MillraceError(
        "lane_interrupted",
        `the lane of ${itemId} is ${record.phase}, not ready to land`,
        {
          details: { item_id: itemId, phase: record.phase },
        },
      );
    }
    const landing = record.phase === "landing" ? record : this.writeRecord(record, "landing");
    this.step("record_landing", itemId);
    const result = await landBranch({
      ...this.options,
      ...options,
      branch: record.branch,
      worktreePath: record.worktree_path,
      beforeMerge: () => this.step("worktree_committed", itemId),
    });
    this.step("merged", itemId);
    if (result.outcome === "conflict" || result.outcome === "not_fast_forward")
      this.writeRecord(landing, "active");
    return result;
  }

  /**
   * Brings `sha` (the workspace branch's commit a landing conflicted with) into the lane's branch,
   * in its worktree: a conflicting merge is left in progress, with its markers, for the merge
   * stage to resolve. Idempotent (see `startLaneMerge`); call it only right after a conflicted
   * `land`, which committed the worktree's work (uncommitted files here are discarded).
   */
  async startMerge(itemId: string, sha: string, options: LaneLandOptions = {}): Promise<LaneMergeStart> {
    const record = this.requireRecord(itemId);
    return startLaneMerge(this.context.git, record, sha, {
      message: options.mergeMessage ?? `millrace: merge ${sha.slice(0, 12)} into ${record.branch}`,
      ...(options.author ? { author: options.author } : {}),
    });
  }

  /**
   * Checks a merge stage's work before landing: nothing unmerged, no conflict marker left in
   * `files`, and the branch contains `sha` once what the stage left uncommitted is committed.
   * Returns the problem, or null when the lane may land.
   */
  async concludeMerge(
    itemId: string,
    sha: string,
    files: readonly string[],
    options: LaneLandOptions = {},
  ): Promise<LaneMergeProblem | null> {
    const record = this.requireRecord(itemId);
    return concludeLaneMerge(this.context.git, record, sha, files, {
      commitMessage: options.commitMessage ?? `millrace: merge of ${record.branch} concluded`,
      ...(options.author ? { author: options.author } : {}),
    });
  }

  /**
   * Removes the lane's worktree and branch, then its record. Refuses when the branch holds commits
   * the workspace branch lacks or the worktree has uncommitted files, unless `discard` is set.
   */
  async remove(itemId: string, options: { discard?: boolean } = {}): Promise<void> {
    const record = this.requireRecord(itemId);
    if (!options.discard && record.phase !== "removing") await this.assertNothingUnlanded(record);
    const removing = record.phase === "removing" ? record : this.writeRecord(record, "removing");
    this.step("record_removing", itemId);
    await this.finishRemove(removing);
  }

  /** @internal */
  async finishRemove(record: LaneRecord): Promise<void> {
    await removeWorktree(this.context, record.worktree_path);
    this.step("worktree_removed", record.item_id);
    await deleteBranch(this.context, record.branch);
    this.step("branch_deleted", record.item_id);
    this.records.delete(record.item_id);
    this.step("record_deleted", record.item_id);
  }

  private async assertNothingUnlanded(record: LaneRecord): Promise<void> {
    const { git, repoRoot } = this.context;
    const tip = await branchCommit(this.context, record.branch);
    const present = existsSync(path.join(record.worktree_path, ".git"));
    const dirty = present ? await uncommittedPaths(git, record.worktree_path) : [];
    const unmerged = tip !== null && !(await isAncestor(git, repoRoot, tip, "HEAD"));
    if (dirty.length > 0 || unmerged) {
      throw new MillraceError(
        "lane_unlanded",
        `the lane of ${record.item_id} has ${unmerged ? "commits not on the workspace branch" : "uncommitted files"}`,
        { details: { item_id: record.item_id, branch: record.branch, uncommitted: dirty, unmerged } },
      );
    }
  }

  private requireRecord(itemId: string): LaneRecord {
    const record = this.records.read(itemId);
    if (!record) {
      throw new MillraceError("lane_not_found", `no lane is recorded for ${itemId}`, {
        details: { item_id: itemId },
      });
    }
    return record;
  }

  /** True when `p` is inside this manager's worktrees folder. */
  ownsPath(p: string): boolean {
    const dir = comparablePath(this.worktreesDir);
    const candidate = comparablePath(p);
    return candidate.startsWith(`${dir}${path.sep}`);
  }
}

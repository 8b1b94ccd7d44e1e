import { existsSync, renameSync } from "node:fs";
import { type ActiveRunState, IDLE_MARKER } from "@millrace/contracts";
import { LaneWorktrees, laneBranchName, laneRecordsDir } from "@millrace/git";
import type { StageCompletion } from "../apply/stage-completion.js";
import type { LivenessTracker } from "../liveness/tracker.js";
import { commit, type EngineContext, type LaneView, recordEvent } from "../state/context.js";
import { withActiveRun, withStatusMarker, writeStatusMarker } from "../state/state-store.js";
import { claimAndActivate } from "../tick/claim.js";
import type { LaneHost } from "./lane-host.js";
import { finishLane } from "./lane-landing.js";
import { declaredPaths, firstBlockingLane, type LaneWait } from "./lane-paths.js";
import { type LaneControl, requeueRetriedLane } from "./lane-retry.js";
import { type LaneEntry, type LaneRuns, readLaneRuns, writeLaneRuns } from "./lane-state.js";
import { type LaneWorker, startLaneStage } from "./lane-worker.js";

/** Applies one finished stage through the engine's own path (router, commit, governance). */
export type ApplyOne = (completion: StageCompletion) => Promise<void>;

/**
 * The execution lanes: up to `[execution] lanes` items at once, each in its own git worktree on
 * branch `millrace/<item-id>`. Runners run concurrently; results are applied one at a time, in
 * completion order, through the engine's one apply path: the lane's run is put in the execution
 * slot for the application and taken out again, so the router and every recovery rule see the
 * same state as with one lane. The lanes journal (`state/lane_runs.json`) is written before each
 * step it describes; startup reconciles it (see `lane-startup.ts`).
 */
export class LaneRunner implements LaneView, LaneHost {
  state: LaneRuns = { schema_version: "1", lanes: [], waiting: [] };
  git: LaneWorktrees | undefined;
  readonly workers = new Map<string, LaneWorker>();
  private readonly targets = new Map<string, string[]>();
  private settledSeq = 0;

  constructor(
    private readonly onSettled: () => void,
    private readonly liveness?: LivenessTracker,
  ) {}

  count(): number {
    return this.state.lanes.length;
  }

  runs(): ActiveRunState[] {
    return this.state.lanes.flatMap((lane) => (lane.run ? [lane.run] : []));
  }

  get running(): number {
    return this.workers.size;
  }

  anySettled(): boolean {
    return [...this.workers.values()].some((worker) => worker.settled !== null);
  }

  find(itemId: string): LaneEntry | undefined {
    return this.state.lanes.find((lane) => lane.item_id === itemId);
  }

  /** Lanes in use: configured above one, or items still held from a run that had them. */
  enabled(ctx: EngineContext): boolean {
    return ctx.config.execution.lanes > 1 || this.state.lanes.length > 0;
  }

  save(ctx: EngineContext): void {
    writeLaneRuns(ctx.paths, this.state);
  }

  /** Loads the lanes journal and registers the lanes with the context (before startup reconciliation). */
  load(ctx: EngineContext): void {
    this.state = readLaneRuns(ctx.paths);
    ctx.lanes = this;
  }

  async openGit(ctx: EngineContext): Promise<LaneWorktrees> {
    this.git ??= await LaneWorktrees.open({
      repoRoot: ctx.paths.root,
      recordsDir: laneRecordsDir(ctx.paths),
      now: ctx.clock,
    });
    return this.git;
  }

  /** An item's declared target paths, read once per item. */
  private targetsOf(ctx: EngineContext, itemId: string): string[] {
    let targets = this.targets.get(itemId);
    if (!targets) {
      const ref = ctx.queue.find(itemId);
      const doc = ref ? ctx.queue.readDocument(ref) : undefined;
      targets = doc && "target_paths" in doc ? [...(doc.target_paths as string[])] : [];
      this.targets.set(itemId, targets);
    }
    return targets;
  }

  /** Queued execution items whose paths overlap a running lane's, and which lane each waits for. */
  private waits(ctx: EngineContext): LaneWait[] {
    if (this.state.lanes.length === 0) return [];
    const waits: LaneWait[] = [];
    for (const item of ctx.queue.list({ kind: "task", state: "queue" })) {
      if (item.error !== null) continue;
      const paths = declaredPaths(this.targetsOf(ctx, item.id));
      const wait = firstBlockingLane(item.id, paths, this.state.lanes);
      if (wait) waits.push(wait);
    }
    return waits;
  }

  /**
   * Claims execution work into free lanes (the `activateWork` hook): the oldest eligible item whose
   * paths overlap no running lane. While lanes run and planning work waits under a mode that keeps
   * the planes apart, no new lane opens, so the lanes drain and planning gets its turn.
   */
  claim(ctx: EngineContext): boolean {
    const max = ctx.config.execution.lanes;
    if (max <= 1 || ctx.snapshot.active_runs_by_plane.execution) return false;
    if (this.state.lanes.length > 0 && planningWaits(ctx)) return false;
    let claimed = false;
    while (this.state.lanes.length < max) {
      const waits = this.waits(ctx);
      this.recordWaits(ctx, waits);
      const run = this.claimOne(ctx, max, waits);
      if (!run) break;
      claimed = true;
    }
    return claimed;
  }

  private recordWaits(ctx: EngineContext, waits: LaneWait[]): void {
    if (JSON.stringify(waits) === JSON.stringify(this.state.waiting)) return;
    this.state = { ...this.state, waiting: waits };
    this.save(ctx);
  }

  private claimOne(ctx: EngineContext, max: number, waits: LaneWait[]): ActiveRunState | undefined {
    const skipIds = new Set(waits.map((wait) => wait.item_id));
    // Each lane holds at most one active document, so the plane may hold `max` at once.
    const run = claimAndActivate(ctx, "execution", { skipIds, maxActive: max });
    if (!run?.work_item_id) return undefined;
    ctx.snapshot = withActiveRun(ctx.snapshot, "execution", undefined);
    const itemId = run.work_item_id;
    const targets = this.targetsOf(ctx, itemId);
    const entry: LaneEntry = {
      lane: freeLaneNumber(this.state.lanes),
      item_id: itemId,
      work_item_kind: run.work_item_kind ?? "task",
      run,
      target_paths: targets,
      touched_paths: [],
      worktree_path: "",
      phase: "running",
      inflight: null,
      started_at: run.active_since,
      stage_started_at: null,
      merge: null,
      retry: null,
    };
    this.state = {
      ...this.state,
      lanes: [...this.state.lanes, entry],
      waiting: this.state.waiting.filter((wait) => wait.item_id !== itemId),
    };
    this.save(ctx);
    return run;
  }

  /**
   * Opens the worktree of every lane that has none yet, then starts a stage for each lane whose run
   * is not running. The gates (budget parking, quota windows, capability approvals) see the lane's
   * run in the execution slot, exactly as they would with one lane.
   */
  async startReady(ctx: EngineContext, gate: () => boolean): Promise<void> {
    if (this.state.lanes.length === 0) return;
    const git = await this.openGit(ctx);
    for (const lane of [...this.state.lanes].sort((a, b) => a.lane - b.lane)) {
      if (!lane.run || lane.phase !== "running" || lane.retry || this.workers.has(lane.item_id)) continue;
      if (!lane.worktree_path) await this.openWorktree(ctx, git, lane);
      if (!this.withSlot(ctx, lane, gate)) continue;
      if (!lane.run) {
        await finishLane(ctx, this, lane);
        continue;
      }
      const worker = startLaneStage(
        ctx,
        this,
        lane,
        () => {
          worker.settled = ++this.settledSeq;
          this.onSettled();
        },
        this.liveness,
      );
      this.workers.set(lane.item_id, worker);
    }
  }

  private async openWorktree(ctx: EngineContext, git: LaneWorktrees, lane: LaneEntry): Promise<void> {
    const record = git.records.read(lane.item_id) ?? (await git.create(lane.item_id));
    lane.worktree_path = record.worktree_path;
    this.save(ctx);
    recordEvent(ctx, "lane_opened", {
      lane: lane.lane,
      work_item_id: lane.item_id,
      branch: laneBranchName(lane.item_id),
      worktree_path: record.worktree_path,
      target_paths: lane.target_paths,
    });
    commit(ctx, { counters: false, durable: false });
  }

  /**
   * Runs `fn` with the lane's run in the execution slot, then takes the slot's run back into the
   * lane (null when the run ended) and saves the lanes journal. Returns what `fn` returned.
   */
  withSlot<T>(ctx: EngineContext, lane: LaneEntry, fn: () => T): T {
    ctx.snapshot = withActiveRun(ctx.snapshot, "execution", lane.run ?? undefined);
    try {
      return fn();
    } finally {
      this.takeSlot(ctx, lane);
    }
  }

  async withSlotAsync(ctx: EngineContext, lane: LaneEntry, fn: () => Promise<void>): Promise<void> {
    ctx.snapshot = withActiveRun(ctx.snapshot, "execution", lane.run ?? undefined);
    try {
      await fn();
    } finally {
      this.takeSlot(ctx, lane);
    }
  }

  private takeSlot(ctx: EngineContext, lane: LaneEntry): void {
    const after = ctx.snapshot.active_runs_by_plane.execution;
    lane.run = after && after.work_item_id === lane.item_id ? after : null;
    ctx.snapshot = withActiveRun(ctx.snapshot, "execution", undefined);
    this.save(ctx);
  }

  /**
   * Applies finished lane stages in the order they finished (all of them, waiting, with
   * `waitForAll`). After a stage, the lane's touched paths are refreshed from its branch; a run
   * that ended lands (terminal success) or releases its lane.
   */
  async applyFinished(ctx: EngineContext, applyOne: ApplyOne, waitForAll: boolean): Promise<number> {
    let applied = 0;
    // A retried lane's stage is never applied: its retry is finished first.
    if (this.retrying()) await this.finishRetries(ctx);
    for (;;) {
      if (waitForAll && this.workers.size > 0 && !this.anySettled()) {
        await Promise.race([...this.workers.values()].map((worker) => worker.promise.catch(() => undefined)));
      }
      const next = [...this.workers.values()]
        .filter((worker) => worker.settled !== null)
        .sort((a, b) => (a.settled ?? 0) - (b.settled ?? 0))[0];
      if (!next) return applied;
      this.workers.delete(next.itemId);
      const completion = await next.promise;
      const lane = this.find(next.itemId);
      if (!lane) continue;
      lane.inflight = null;
      await this.withSlotAsync(ctx, lane, () => applyOne(completion));
      applied += 1;
      if (lane.run) await this.refreshTouched(ctx, lane);
      else await finishLane(ctx, this, lane);
      commit(ctx);
    }
  }

  private async refreshTouched(ctx: EngineContext, lane: LaneEntry): Promise<void> {
    const git = await this.openGit(ctx);
    lane.touched_paths = await git.touchedPaths(lane.item_id);
    this.save(ctx);
  }

  remove(ctx: EngineContext, lane: LaneEntry): void {
    this.state = { ...this.state, lanes: this.state.lanes.filter((entry) => entry !== lane) };
    this.targets.delete(lane.item_id);
    this.save(ctx);
  }

  /**
   * `retry-active` in a daemon: the retry is marked in the journal (durably, before the mailbox file
   * is archived), and the lanes' running stages are stopped as `interrupt` stops them; the engine
   * finishes the retry right after the mailbox drain (`finishRetries`), or the next start does.
   */
  control(ctx: EngineContext): LaneControl {
    return {
      entries: () => this.state.lanes,
      requestRetry: (lanes, retry) => {
        for (const lane of lanes) lane.retry = retry;
        this.save(ctx);
        for (const lane of lanes) {
          const worker = this.workers.get(lane.item_id);
          worker?.watch?.end();
          worker?.controller.abort();
        }
      },
    };
  }

  retrying(): boolean {
    return this.state.lanes.some((lane) => lane.retry !== null);
  }

  /**
   * Finishes every retry the journal holds: waits for the lane's stopped stage, sets its result
   * aside, requeues the item and releases the lane. The state is committed before the journal
   * forgets the lane, so a kill in between repeats an idempotent retry at the next start.
   */
  async finishRetries(ctx: EngineContext): Promise<number> {
    let finished = 0;
    for (const lane of this.state.lanes.filter((entry) => entry.retry !== null)) {
      const worker = this.workers.get(lane.item_id);
      if (worker) {
        this.workers.delete(lane.item_id);
        const completion = await worker.promise.catch(() => undefined);
        if (completion && existsSync(completion.stageResultPath)) {
          renameSync(completion.stageResultPath, `${completion.stageResultPath}.interrupted`);
        }
        if (lane.run) {
          recordEvent(ctx, "stage_interrupted", {
            plane: "execution",
            run_id: lane.run.run_id,
            node_id: lane.run.node_id,
          });
        }
      }
      this.liveness?.history.forget(lane.item_id);
      requeueRetriedLane(ctx, lane);
      commit(ctx);
      this.remove(ctx, lane);
      finished += 1;
    }
    if (finished > 0 && this.state.lanes.length === 0) {
      writeStatusMarker(ctx.paths, "execution", IDLE_MARKER);
      ctx.snapshot = withStatusMarker(ctx.snapshot, "execution", IDLE_MARKER);
      commit(ctx);
    }
    return finished;
  }

  /**
   * Cuts off running lane stages; their runs stay in the journal and run again at the next start.
   * As with a plane's stage, the cut-off result is set aside (`.interrupted`), never applied.
   */
  async interrupt(ctx: EngineContext): Promise<void> {
    for (const worker of this.workers.values()) {
      worker.watch?.end();
      worker.controller.abort();
    }
    for (const worker of this.workers.values()) {
      const completion = await worker.promise.catch(() => undefined);
      if (completion && existsSync(completion.stageResultPath)) {
        renameSync(completion.stageResultPath, `${completion.stageResultPath}.interrupted`);
      }
      const lane = this.find(worker.itemId);
      if (!lane?.run) continue;
      lane.inflight = null;
      lane.stage_started_at = null;
      recordEvent(ctx, "stage_interrupted", {
        plane: "execution",
        run_id: lane.run.run_id,
        node_id: lane.run.node_id,
      });
    }
    this.workers.clear();
    this.save(ctx);
    commit(ctx);
  }
}

function freeLaneNumber(lanes: readonly LaneEntry[]): number {
  const used = new Set(lanes.map((lane) => lane.lane));
  let n = 1;
  while (used.has(n)) n += 1;
  return n;
}

/** Queued planning work under a mode that does not run planning beside execution. */
function planningWaits(ctx: EngineContext): boolean {
  const policy = ctx.plan.concurrency_policy;
  const together = policy?.may_run_concurrently.some(
    (group) => group.includes("planning") && group.includes("execution"),
  );
  return !together && ctx.queue.depths().planning > 0;
}

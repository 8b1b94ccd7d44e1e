import { MillraceError, type Plane } from "@millrace/contracts";
import { reapOrphanedStageProcesses, stageSecrets } from "@millrace/runners";
import { type AcquiredLock, loadConfig, requireInitialized } from "@millrace/workspace";
import { applyAndCommit } from "./apply/record-completion.js";
import { RunTraceRecorder } from "./apply/run-trace-recorder.js";
import type { AppliedStage, StageCompletion } from "./apply/stage-completion.js";
import { acquireLockPatiently } from "./control/control-lock.js";
import { drainMailbox } from "./control/mailbox-drain.js";
import type { DaemonOptions, DaemonReport, EngineOptions, TickOutcome } from "./engine-options.js";
import { gateCapabilities, planeWaitsForApproval, waitingForApproval } from "./governance/capability-gate.js";
import { EngineGovernance } from "./governance/engine-governance.js";
import { parkIfOverBudget } from "./governance/park.js";
import { holdForWindow } from "./governance/window-hold.js";
import { LaneRunner } from "./lanes/lane-runner.js";
import { adoptSlotRun, lanesInUse, resumeLanes } from "./lanes/lane-startup.js";
import { ConfigReloader } from "./lifecycle/config-reload.js";
import { recordReapedOrphans } from "./lifecycle/orphans.js";
import { preflightAtStart, RunnerAvailability } from "./lifecycle/runner-pause.js";
import { markStopped, recordClose } from "./lifecycle/shutdown.js";
import { announceStart, createEngineContext, reconcileAndResume } from "./lifecycle/start.js";
import { WatcherSession } from "./lifecycle/watchers.js";
import { pauseItemForLiveness, recoveryCompletion } from "./liveness/stop.js";
import { LivenessTracker } from "./liveness/tracker.js";
import { MonitorHub, type MonitorListener } from "./monitor/monitor-events.js";
import { nextRetryDelayMs, requeueDueRetries } from "./recovery/auto-retry.js";
import { commit, type EngineContext, flushEvents, recordEvent } from "./state/context.js";
import type { PendingEvent } from "./state/event-journal.js";
import { activePlanes } from "./state/planes.js";
import { activateWork } from "./tick/activation.js";
import { canDispatch, PLANE_ORDER } from "./tick/concurrency.js";
import { governanceGate } from "./tick/governance-gate.js";
import { intakeIdeas } from "./tick/idea-intake.js";
import { WorkerPool } from "./tick/workers.js";

export type {
  DaemonOptions,
  DaemonReport,
  EngineOptions,
  TickOutcome,
  TickReason,
} from "./engine-options.js";

/**
 * The engine: owns one workspace while it runs, and moves its work forward one stage at a time.
 * Create it with {@link createEngine}; `start()` takes the ownership lock, loads or recompiles the
 * plan and reconciles; `tick()` runs one stage (what `run once` does); `runDaemon()` keeps going,
 * sleeping without polling when there is nothing to do; `close()` releases the workspace.
 *
 * The class only sequences the steps; each step lives in the folder named for it: `lifecycle/`
 * (start, reload, stop), `tick/` (activation, dispatch, workers), `apply/` (stage results),
 * `control/` (mailbox and operator commands).
 */
// Over 400 lines: the class is the one sequencer of every step (planes and lanes); the steps live in their folders.
export class Engine {
  private ctx: EngineContext | undefined;
  private lock: AcquiredLock | undefined;
  private readonly liveness = new LivenessTracker();
  private readonly workers = new WorkerPool(() => this.wake?.(), this.liveness);
  private readonly lanes = new LaneRunner(() => this.wake?.(), this.liveness);
  private readonly monitorHub = new MonitorHub();
  private readonly traces = new RunTraceRecorder();
  private readonly reloader: ConfigReloader;
  private readonly runnerAvailability = new RunnerAvailability();
  private watchers: WatcherSession | undefined;
  private wake: (() => void) | undefined;
  private lastIdle = false;
  /** A wake-up that arrived while a cycle waited for its stages to launch: the next sleep is skipped. */
  private wokenEarly = false;
  private lastPaused = false;
  private closed = false;

  constructor(private readonly options: EngineOptions) {
    if (options.monitor) this.monitorHub.subscribe(options.monitor);
    this.reloader = new ConfigReloader(options);
  }

  /** Observe typed monitor events; returns an unsubscribe function. */
  onMonitor(listener: MonitorListener): () => void {
    return this.monitorHub.subscribe(listener);
  }

  get context(): EngineContext {
    if (!this.ctx)
      throw new MillraceError("control_refused", "the engine is not started", {
        hint: "Call start() first.",
      });
    return this.ctx;
  }

  get started(): boolean {
    return this.ctx !== undefined && !this.closed;
  }

  async start(): Promise<void> {
    if (this.ctx) return;
    const paths = requireInitialized(this.options.workspace);
    const clock = this.options.clock ?? (() => new Date());
    const config = loadConfig(paths);
    // A control command applied directly holds the lock for milliseconds: wait for it, not fail.
    this.lock = acquireLockPatiently(paths, { now: clock, runtime: true });
    try {
      // Agents a killed daemon left running are ended before anything is reconciled or re-dispatched,
      // so one task never has two writers.
      const orphans = await reapOrphanedStageProcesses(paths.runtimeRoot);
      const { ctx, compiled } = createEngineContext(this.options, paths, config, this.lock, this.monitorHub);
      this.ctx = ctx;
      if (this.options.preflight !== false) await preflightAtStart(ctx);
      recordReapedOrphans(ctx, orphans, stageSecrets(this.options.env ?? process.env, config));
      const daemonSession = (this.options.runtimeMode ?? "daemon") === "daemon" ? ctx.sessionId : null;
      ctx.governance = EngineGovernance.open(ctx, daemonSession);
      this.lanes.load(ctx);
      adoptSlotRun(ctx, this.lanes);
      const signals = reconcileAndResume(ctx, (completion) => this.applyCompletion(completion));
      if (lanesInUse(ctx, this.lanes))
        await resumeLanes(ctx, this.lanes, (completion) => this.applyOne("execution", completion, null));
      announceStart(ctx, this.options, compiled, signals);
      if (this.options.watch && config.watchers.enabled) {
        this.watchers = new WatcherSession(paths, config, () => this.wake?.());
        await this.watchers.ready();
      }
    } catch (error) {
      await this.watchers?.close();
      this.watchers = undefined;
      if (this.ctx) flushEvents(this.ctx);
      this.ctx?.journal?.close();
      this.ctx = undefined;
      this.lock.release();
      this.lock = undefined;
      throw error;
    }
  }

  private applyCompletion(completion: StageCompletion): AppliedStage {
    return applyAndCommit(this.context, this.traces, completion);
  }

  /** Applies every finished worker, planning first. */
  private async applyFinishedWorkers(outcome: TickOutcome, waitForAll: boolean): Promise<void> {
    for (const plane of PLANE_ORDER) {
      const worker = this.workers.get(plane);
      if (!worker || (!worker.settled && !waitForAll)) continue;
      let completion: StageCompletion;
      try {
        completion = await worker.promise;
      } finally {
        this.workers.delete(plane);
      }
      await this.applyOne(plane, completion, outcome);
    }
    // Only with lanes in use: an await here would reorder a one-lane tick (no lanes, no yield).
    if (this.lanes.running > 0) {
      await this.lanes.applyFinished(
        this.context,
        (completion) => this.applyOne("execution", completion, outcome),
        waitForAll,
      );
    }
  }

  /** Applies one finished stage (a plane's, or a lane's with its run in the slot) and records it in `outcome`. */
  private async applyOne(
    plane: Plane,
    finished: StageCompletion,
    outcome: TickOutcome | null,
  ): Promise<void> {
    let completion = finished;
    const stop = completion.livenessStop;
    if (stop?.response === "pause_item" && pauseItemForLiveness(this.context, completion, stop)) {
      this.liveness.history.forget(completion.run.work_item_id ?? null);
      return;
    }
    if (stop) completion = recoveryCompletion(completion, stop);
    this.liveness.recordCompletion(completion);
    const applied = this.applyCompletion(completion);
    if (applied.runnerHold)
      await this.runnerAvailability.recordHold(this.context, completion, applied.runnerHold);
    if (await governanceGate(this.context, "after_stage", completion.stageResultPath))
      commit(this.context, { counters: false });
    if (!outcome) return;
    outcome.applied.push({
      plane,
      stage: completion.run.stage,
      terminalResult: completion.envelope.terminal_result,
      failureClass: (completion.envelope.metadata.failure_class as string | null) ?? null,
      action: applied.decision?.action ?? null,
    });
    if (applied.runtimeErrorCode) outcome.reason = "runtime_error_scheduled";
  }

  /** Stages running now, on the planes and in the lanes. */
  private get running(): number {
    return this.workers.size + this.lanes.running;
  }

  private anySettled(): boolean {
    return this.workers.anySettled() || this.lanes.anySettled();
  }

  /** Planes with a stage running (execution while any lane runs one). */
  private busyPlanes(): Plane[] {
    const planes = this.workers.planes();
    return this.lanes.running > 0 && !planes.includes("execution") ? [...planes, "execution"] : planes;
  }

  /**
   * One scheduling cycle: apply finished stages, drain the mailbox and watchers, honour stop and
   * pause, then start stages for active runs and newly claimed work (as many planes as the mode's
   * concurrency policy allows). Does not wait for stages to finish.
   */
  private async cycle(outcome: TickOutcome): Promise<void> {
    const ctx = this.context;
    await this.applyFinishedWorkers(outcome, false);
    drainMailbox(ctx, {
      workersActive: this.running > 0,
      // Lanes between stages still hold their items in memory: commands that need an idle plane wait.
      busyPlanes:
        this.lanes.count() > 0
          ? [...new Set([...this.busyPlanes(), "execution" as const])]
          : this.busyPlanes(),
      requestReload: () => this.requestReload(),
      maxEnvelopeBytes: ctx.config.limits.max_mailbox_envelope_bytes,
      lanes: this.lanes.control(ctx),
    });
    // A retry-active that reached lanes: their stages were stopped; requeue their items now.
    if (this.lanes.retrying()) await this.lanes.finishRetries(ctx);
    if (this.watchers) this.watchers.consume(ctx);
    intakeIdeas(ctx, ctx.ideasSeen, ctx.config.limits.max_idea_bytes);
    if (this.watchers?.takeConfigChange()) this.requestReload();
    this.reloader.applyPending(ctx, this.busyPlanes());
    ctx.snapshot = { ...ctx.snapshot, queue_depths_by_plane: ctx.queue.depths() };
    if (ctx.snapshot.stop_requested) {
      if (this.running === 0) {
        markStopped(ctx, "stop_requested");
        outcome.reason = "stop_requested";
      } else {
        outcome.reason = "stopping";
      }
      commit(ctx);
      return;
    }
    await this.runnerAvailability.recheck(ctx);
    if (await governanceGate(ctx, "before_stage", null)) {
      this.reportPaused(outcome);
      commit(ctx);
      return;
    }
    this.lastPaused = false;
    ctx.snapshot = { ...ctx.snapshot, process_running: true };
    requeueDueRetries(ctx);
    this.startReadyPlanes();
    if (this.lanes.count() > 0) await this.startReadyLanes();
    // New work only when no finished result is waiting to be applied.
    if (!this.anySettled()) {
      activateWork(ctx, this.lanes.enabled(ctx) ? () => this.lanes.claim(ctx) : undefined);
      this.startReadyPlanes();
      if (this.lanes.count() > 0) await this.startReadyLanes();
    }
    this.reportIdleOrWorking(outcome);
    const recordedMeanwhile = await this.untilStagesLaunched();
    // A cycle that only started stages (the results it applied were committed durably): the starts
    // are shown now and become durable with the stages' results, one fsync per handoff. A power
    // loss before that dispatches the stage again, as for any start that was cut off.
    const onlyStarts = ctx.pendingEvents.length === 0 && ctx.journal?.unsyncedOnly("stage_started") === true;
    commit(ctx, onlyStarts ? { durable: false, announce: true } : {});
    ctx.pendingEvents.push(...recordedMeanwhile);
  }

  /**
   * Waits until the stages this cycle started have reached their runners (a process runner's agent
   * is spawned) before the cycle's closing commit. Each start is on record before its dispatch
   * (inflight record, journal record, stage process record); what the closing commit does (the event
   * lines, the snapshot file, the running status marker, showing `stage_started`) is for observers
   * and can follow the spawn, so it runs while the agent starts instead of before. Events the
   * dispatches record meanwhile (prompt-context selection) are left to the next commit, as before.
   * A wake-up (a settled stage, a watched file, an abort) ends the wait; it is kept for the sleep.
   * Returns the events recorded while it waited (taken out of this cycle's commit).
   */
  private async untilStagesLaunched(): Promise<PendingEvent[]> {
    const launching = this.workers.launching();
    if (!launching) return [];
    const ctx = this.context;
    const own = ctx.pendingEvents.length;
    await new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        this.wokenEarly = true;
        resolve();
      };
      launching.then(resolve, resolve);
    });
    this.wake = undefined;
    return ctx.pendingEvents.splice(own);
  }

  /** Starts a worker for every plane with an active run that the concurrency policy lets run now. */
  private startReadyPlanes(): void {
    const ctx = this.context;
    const policy = ctx.plan.concurrency_policy;
    for (const plane of PLANE_ORDER) {
      if (
        ctx.snapshot.active_runs_by_plane[plane] &&
        !this.workers.has(plane) &&
        canDispatch(policy, this.workers.planes(), plane) &&
        !parkIfOverBudget(ctx, plane) &&
        !holdForWindow(ctx, plane) &&
        !gateCapabilities(ctx, plane)
      ) {
        this.workers.start(ctx, plane);
      }
    }
  }

  /** Starts the stages of lanes whose runs wait, through the same gates as a plane's stage. */
  private async startReadyLanes(): Promise<void> {
    const ctx = this.context;
    await this.lanes.startReady(
      ctx,
      () =>
        !parkIfOverBudget(ctx, "execution") &&
        !holdForWindow(ctx, "execution") &&
        !gateCapabilities(ctx, "execution"),
    );
  }

  /** A paused runtime is announced once per pause, when nothing is running any more. */
  private reportPaused(outcome: TickOutcome): void {
    const ctx = this.context;
    if (this.running === 0 && !this.lastPaused) {
      recordEvent(ctx, "runtime_tick_paused", { pause_sources: ctx.snapshot.pause_sources });
    }
    this.lastPaused = this.running === 0;
    outcome.reason = this.running > 0 ? "working" : "paused";
  }

  /** Idle is announced once per idle spell. */
  private reportIdleOrWorking(outcome: TickOutcome): void {
    const ctx = this.context;
    if (this.running === 0 && activePlanes(ctx).length === 0) {
      outcome.reason = outcome.applied.length > 0 ? "stage_completed" : "no_work";
      if (!this.lastIdle) {
        recordEvent(ctx, "runtime_tick_idle", {});
      }
      this.lastIdle = true;
    } else {
      this.lastIdle = false;
      if (outcome.reason === "no_work") outcome.reason = "working";
    }
  }

  /** `run once`: one scheduling cycle, waiting for the stages it started and applying their results. */
  async tick(): Promise<TickOutcome> {
    await this.start();
    const outcome: TickOutcome = { reason: "no_work", applied: [] };
    await this.cycle(outcome);
    if (this.running > 0) {
      await this.applyFinishedWorkers(outcome, true);
      if (outcome.reason !== "runtime_error_scheduled") outcome.reason = "stage_completed";
      commit(this.context);
    }
    return outcome;
  }

  /** Runs until stopped (mailbox stop, max ticks, idle with `untilIdle`, or the abort signal). */
  async runDaemon(options: DaemonOptions = {}): Promise<DaemonReport> {
    await this.start();
    const ctx = this.context;
    let ticks = 0;
    let stopReason: DaemonReport["stopReason"] = "not_running";
    const abort = options.signal;
    const onAbort = () => this.wake?.();
    abort?.addEventListener("abort", onAbort);
    try {
      for (;;) {
        // One turn of the event loop per cycle: an in-process stage can start, finish and wake this
        // loop within microtasks, and a loop that never yields never runs a SIGTERM handler, a
        // timer or a watcher callback.
        await new Promise((resolve) => setImmediate(resolve));
        if (abort?.aborted) {
          stopReason = "interrupted";
          break;
        }
        const outcome: TickOutcome = { reason: "no_work", applied: [] };
        await this.cycle(outcome);
        ticks += 1;
        if (outcome.reason === "stop_requested") {
          stopReason = "stop_requested";
          break;
        }
        if (options.maxTicks !== undefined && ticks >= options.maxTicks) {
          stopReason = "max_ticks";
          break;
        }
        // A run waiting for an approval is idle work: `untilIdle` stops rather than wait for a person.
        // A scheduled automatic retry is work still to come: `untilIdle` waits for it.
        const idle =
          this.running === 0 &&
          activePlanes(ctx).every((plane) => planeWaitsForApproval(ctx, plane)) &&
          nextRetryDelayMs(ctx) === null;
        if (options.untilIdle && idle && outcome.reason !== "paused") {
          stopReason = "idle";
          break;
        }
        const held = this.running === 0 ? this.holdDelay() : null;
        // A stage waiting for an approval sleeps like idle work: the decision arrives by mailbox.
        const resting = idle || held !== null || outcome.reason === "paused" || waitingForApproval(ctx);
        await this.waitForWork(
          resting ? ctx.config.runtime.idle_sleep_seconds : 0,
          outcome.reason === "paused" ? this.governanceResumeDelay() : held,
        );
      }
      if (stopReason === "interrupted") {
        await this.workers.interrupt(ctx);
        await this.lanes.interrupt(ctx);
      } else if (this.running > 0) {
        const outcome: TickOutcome = { reason: "working", applied: [] };
        await this.applyFinishedWorkers(outcome, true);
        commit(ctx);
      }
    } finally {
      abort?.removeEventListener("abort", onAbort);
    }
    return { ticks, stopReason };
  }

  /**
   * Sleeps until something happens: a stage finishes, a watched file changes, or (with watchers
   * off, or as a safety net) the idle interval passes. With nothing running and watchers on, the
   * interval is long: the engine does not poll.
   */
  private waitForWork(idleSeconds: number, resumeDelayMs: number | null = null): Promise<void> {
    const woken = this.wokenEarly;
    this.wokenEarly = false;
    if (woken || this.anySettled()) return Promise.resolve();
    const working = this.running > 0;
    const watching = this.watchers !== undefined;
    let ms = working
      ? 60_000
      : watching
        ? Math.max(idleSeconds * 1000, 30_000)
        : Math.max(idleSeconds * 1000, 10);
    // A governance pause that lifts by itself: sleep until then (watchers still wake us for the
    // mailbox); without watchers the idle interval stays the upper bound, as the mailbox needs it.
    if (resumeDelayMs !== null && !working) ms = watching ? resumeDelayMs : Math.min(ms, resumeDelayMs);
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
      if (this.watchers?.hasPending()) done();
    });
  }

  /**
   * Milliseconds until a pause may lift by itself (the next runner availability check, or the end of
   * a governance pause), or null (an operator pause that only a person lifts).
   */
  private governanceResumeDelay(): number | null {
    const ctx = this.context;
    if (ctx.snapshot.pause_sources.includes("operator")) return null;
    const runnerCheck = this.runnerAvailability.delayMs(ctx);
    const at = ctx.governance?.nextResumeAt();
    const governance = at ? Math.max(at.getTime() - ctx.clock().getTime(), 0) + 1 : null;
    if (runnerCheck === null || governance === null) return runnerCheck ?? governance;
    return Math.min(runnerCheck, governance);
  }

  /** Milliseconds until the first held stage may start or the next automatic retry is due, or null. */
  private holdDelay(): number | null {
    const at = this.context.governance?.nextHoldEndsAt();
    const hold = at ? Math.max(at.getTime() - this.context.clock().getTime(), 0) + 1 : null;
    // An automatic retry's due time wakes the daemon like the end of a hold: sleep until then.
    const retry = nextRetryDelayMs(this.context);
    if (hold === null || retry === null) return hold ?? retry;
    return Math.min(hold, retry);
  }

  /** Asks for the config to be reloaded at the next safe boundary (no stage running). */
  requestReload(): void {
    this.reloader.request(this.context);
  }

  /** Releases the workspace: cuts off running stages (they resume at the next start), saves, unlocks. */
  async close(): Promise<void> {
    if (!this.ctx || this.closed) return;
    const ctx = this.ctx;
    if (this.workers.size > 0) await this.workers.interrupt(ctx);
    if (this.lanes.running > 0) await this.lanes.interrupt(ctx);
    await this.liveness.drain();
    await this.watchers?.close();
    this.watchers = undefined;
    recordClose(ctx);
    this.lock?.release();
    this.lock = undefined;
    this.closed = true;
  }
}

export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

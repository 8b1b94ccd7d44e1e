import { existsSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";
import { ensureCompiledPlan } from "@millrace/compiler";
import {
  type ActiveRunState,
  formatTimestamp,
  type MillraceConfig,
  MillraceError,
  type Plane,
  type RunnerRawResult,
  typedJson,
} from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import {
  createRunnerRegistry,
  dispatchStage,
  normalizeStageResult,
  type RunnerAdapter,
  type RunnerRegistry,
} from "@millrace/runners";
import {
  type AcquiredLock,
  acquireLock,
  ensureRuntimeStateFiles,
  loadConfig,
  readManifest,
  requireInitialized,
  runDir,
  toWorkspaceRelative,
  writeFileAtomicSync,
  writeJsonAtomicSync,
} from "@millrace/workspace";
import { activateWork, activePlanes, graphOf } from "./activation.js";
import {
  type AppliedStage,
  applyStageCompletion,
  matchingRuntimeError,
  type StageCompletion,
} from "./apply.js";
import { loadTarget } from "./closure-targets.js";
import { canDispatch, PLANE_ORDER } from "./concurrency.js";
import {
  commit,
  type EngineContext,
  type EngineHooks,
  emitMonitor,
  flushEvents,
  recordEvent,
} from "./context.js";
import { intakeIdeas } from "./ideas.js";
import { type IdFactory, randomIds } from "./ids.js";
import { clearInflight, writeInflight } from "./inflight.js";
import { drainMailbox } from "./mailbox.js";
import { MonitorHub, type MonitorListener } from "./monitor.js";
import { buildRunTrace, RUN_TRACE_FILE_NAME, type RunTraceDecision } from "./read-models/index.js";
import { loadPendingCompletion, reconcileAtStartup } from "./reconcile.js";
import { buildStageRunRequest, type ClosureTargetRequestContext } from "./request-builder.js";
import { loadCounters, loadSnapshot, withStatusMarker, writeStatusMarker } from "./state-store.js";
import { WatcherSession } from "./watchers.js";

export interface EngineOptions {
  /** The workspace root (the repository), not `millrace-agents/`. */
  workspace: string;
  /** Pin a mode for the engine's lifetime (otherwise `runtime.default_mode`). */
  mode?: string;
  clock?: () => Date;
  ids?: IdFactory;
  /** Runner adapters to add to (or replace in) the built-in registry. */
  runners?: readonly RunnerAdapter[];
  /** A complete registry to use instead of the built-in one. */
  registry?: RunnerRegistry;
  /** Environment for runner processes (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  hooks?: EngineHooks;
  /** Watch the ideas inbox, mailbox, queues and config with chokidar (daemon). Default false. */
  watch?: boolean;
  /** How this engine runs, recorded in the snapshot. Default `daemon`. */
  runtimeMode?: "once" | "daemon";
  monitor?: MonitorListener;
  /** Packaged baseline root override (tests). */
  packagedAssetsRoot?: string;
}

export type TickReason =
  | "stage_completed"
  | "no_work"
  | "paused"
  | "stop_requested"
  | "stopping"
  | "working"
  | "runtime_error_scheduled";

export interface TickOutcome {
  reason: TickReason;
  /** The stages whose results were applied in this tick. */
  applied: Array<{
    plane: Plane;
    stage: string;
    terminalResult: string;
    failureClass: string | null;
    action: string | null;
  }>;
}

export interface DaemonOptions {
  /** Stop after this many cycles (then finish in-flight stages). */
  maxTicks?: number;
  /** Stop as soon as there is nothing to do. */
  untilIdle?: boolean;
  /** Abort: running stages are cut off and resumed at the next start. */
  signal?: AbortSignal;
}

export interface DaemonReport {
  ticks: number;
  stopReason: "stop_requested" | "max_ticks" | "idle" | "interrupted" | "not_running";
}

interface Worker {
  plane: Plane;
  run: ActiveRunState;
  controller: AbortController;
  promise: Promise<StageCompletion>;
  settled: boolean;
}

/**
 * The engine: owns one workspace while it runs, and moves its work forward one stage at a time.
 * Create it with {@link createEngine}; `start()` takes the ownership lock, loads or recompiles the
 * plan and reconciles; `tick()` runs one stage (what `run once` does); `runDaemon()` keeps going,
 * sleeping without polling when there is nothing to do; `close()` releases the workspace.
 */
export class Engine {
  private ctx: EngineContext | undefined;
  private lock: AcquiredLock | undefined;
  private readonly workers = new Map<Plane, Worker>();
  private readonly monitorHub = new MonitorHub();
  private watchers: WatcherSession | undefined;
  private wake: (() => void) | undefined;
  private lastIdle = false;
  private lastPaused = false;
  private closed = false;

  constructor(private readonly options: EngineOptions) {
    if (options.monitor) this.monitorHub.subscribe(options.monitor);
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
    this.lock = acquireLock(paths, { now: clock() });
    try {
      ensureRuntimeStateFiles(paths, clock());
      const compiled = ensureCompiledPlan(paths.root, config, {
        ...(this.options.mode ? { mode: this.options.mode, preview: false } : {}),
        now: clock,
        ...(this.options.packagedAssetsRoot ? { packagedRoot: this.options.packagedAssetsRoot } : {}),
      });
      const registry = this.options.registry ?? createRunnerRegistry();
      for (const adapter of this.options.runners ?? []) registry.register(adapter, { replace: true });
      const ctx: EngineContext = {
        paths,
        config,
        plan: compiled.plan,
        snapshot: loadSnapshot(paths),
        counters: loadCounters(paths),
        queue: openQueueStore(paths, { clock }),
        registry,
        clock,
        ids: this.options.ids ?? randomIds,
        monitor: this.monitorHub,
        env: this.options.env ?? process.env,
        hooks: this.options.hooks ?? {},
        sessionId: this.lock.lock.owner_session_id,
        pendingEvents: [],
        closureHolds: new Map(),
        ideasSeen: new Set(),
      };
      this.ctx = ctx;
      recordEvent(ctx, "runtime_daemon_lock_acquired", {
        session_id: ctx.sessionId,
        replaced: this.lock.replaced,
      });
      const reconciliation = reconcileAtStartup(ctx);
      for (const pending of reconciliation.pending) {
        const completion = loadPendingCompletion(pending, (run, requestId) =>
          this.buildRequest(run, requestId),
        );
        this.applyCompletion(completion);
        clearInflight(paths, pending.plane);
      }
      const depths = ctx.queue.depths();
      const loops = ctx.plan.loop_ids_by_plane;
      ctx.snapshot = {
        ...ctx.snapshot,
        runtime_mode: this.options.runtimeMode ?? "daemon",
        process_running: true,
        stop_requested: false,
        active_mode_id: ctx.plan.mode_id,
        compiled_plan_id: ctx.plan.compiled_plan_id,
        compiled_plan_path: toWorkspaceRelative(paths, paths.compiledPlan),
        execution_loop_id: loops.execution ?? ctx.snapshot.execution_loop_id,
        planning_loop_id: loops.planning ?? ctx.snapshot.planning_loop_id,
        learning_loop_id: loops.learning ?? null,
        loop_ids_by_plane: { ...loops },
        queue_depths_by_plane: depths,
        config_version: compiled.plan.compile_input_fingerprint.config_fingerprint,
        watcher_mode: this.options.watch && config.watchers.enabled ? "watch" : "off",
        last_reload_outcome: null,
        last_reload_error: null,
        started_at: formatTimestamp(clock()),
      };
      recordEvent(ctx, "runtime_started", {
        mode_id: ctx.plan.mode_id,
        compiled_plan_id: ctx.plan.compiled_plan_id,
        process_running: true,
        reconciliation_signals: reconciliation.signals,
      });
      commit(ctx);
      const manifest = readManifest(paths);
      emitMonitor(ctx, {
        type: "runtime_started",
        at: clock(),
        modeId: ctx.plan.mode_id,
        compiledPlanId: ctx.plan.compiled_plan_id,
        currentness: compiled.reused ? "current" : "recompiled",
        baselineManifestId: manifest.state === "ok" ? manifest.manifest.manifest_id : null,
        seedPackageVersion: manifest.state === "ok" ? manifest.manifest.seed_package_version : null,
        loops: { ...loops },
        concurrency: ctx.plan.concurrency_policy
          ? {
              exclusive: ctx.plan.concurrency_policy.mutually_exclusive_planes,
              concurrent: ctx.plan.concurrency_policy.may_run_concurrently,
            }
          : null,
        schedulerMode: ctx.plan.concurrency_policy ? "plane-concurrent" : "serial",
        statusMarkers: {
          execution: ctx.snapshot.execution_status_marker,
          planning: ctx.snapshot.planning_status_marker,
          learning: ctx.snapshot.learning_status_marker,
        },
        queueDepths: depths,
      });
      if (this.options.watch && config.watchers.enabled) {
        this.watchers = new WatcherSession(paths, config, () => this.wake?.());
        await this.watchers.ready();
      }
    } catch (error) {
      await this.watchers?.close();
      this.watchers = undefined;
      if (this.ctx) flushEvents(this.ctx);
      this.ctx = undefined;
      this.lock.release();
      this.lock = undefined;
      throw error;
    }
  }

  /** Builds the request for a run's current node (used for dispatch and for re-applying a pending result). */
  private buildRequest(run: ActiveRunState, requestId: string) {
    const ctx = this.context;
    const graph = graphOf(ctx.plan, run.plane);
    const node = graph?.nodes.find((candidate) => candidate.node_id === run.node_id);
    if (!node) {
      throw new MillraceError(
        "engine_state_invalid",
        `the ${run.plane} run ${run.run_id} is at node ${run.node_id}, which the plan does not have`,
        {
          hint: "The plan changed under an active run; run `millrace retry-active` to restart the item.",
        },
      );
    }
    let closure: ClosureTargetRequestContext | undefined;
    if (run.request_kind === "closure_target" && run.closure_target_root_spec_id) {
      const target = loadTarget(ctx.paths, run.closure_target_root_spec_id);
      if (!target)
        throw new MillraceError(
          "closure_target_conflict",
          `closure target ${run.closure_target_root_spec_id} is missing`,
        );
      closure = {
        targetPath: path.join(ctx.paths.arbiterTargets, `${target.root_spec_id}.json`),
        rootSpecId: target.root_spec_id,
        rootIdeaId: target.root_idea_id,
        canonicalRootSpecPath: path.join(ctx.paths.root, target.root_spec_path),
        canonicalSeedIdeaPath: path.join(ctx.paths.root, target.root_idea_path),
        rubricPath: path.join(ctx.paths.root, target.rubric_path),
        verdictPath: target.latest_verdict_path
          ? path.join(ctx.paths.root, target.latest_verdict_path)
          : path.join(ctx.paths.arbiterVerdicts, `${target.root_spec_id}.json`),
      };
    }
    const runtimeError = matchingRuntimeError(ctx, run);
    return buildStageRunRequest({
      paths: ctx.paths,
      plan: ctx.plan,
      node,
      run,
      requestId,
      ...(closure ? { closure } : {}),
      ...(runtimeError ? { runtimeError } : {}),
      skillRevisionEvidence: Boolean(ctx.plan.learning_graph),
    });
  }

  /** Starts a worker for a plane's active run: marks it running, then dispatches it asynchronously. */
  private startWorker(plane: Plane): void {
    const ctx = this.context;
    const run = ctx.snapshot.active_runs_by_plane[plane];
    if (!run || this.workers.has(plane)) return;
    const requestId = ctx.ids.requestId();
    const request = this.buildRequest(run, requestId);
    const stageResultPath = path.join(request.run_dir, "stage_results", `${requestId}.json`);
    mkdirSync(request.run_dir, { recursive: true });
    writeInflight(ctx.paths, {
      plane,
      run_id: run.run_id,
      node_id: run.node_id,
      request_id: requestId,
      stage_result_path: stageResultPath,
      started_at: formatTimestamp(ctx.clock()),
    });
    const running = `### ${request.running_status_marker}`;
    const previous = ctx.snapshot.status_markers_by_plane[plane] ?? "### IDLE";
    writeStatusMarker(ctx.paths, plane, running);
    ctx.snapshot = withStatusMarker(ctx.snapshot, plane, running);
    ctx.snapshot = {
      ...ctx.snapshot,
      active_runs_by_plane: {
        ...ctx.snapshot.active_runs_by_plane,
        [plane]: { ...run, running_status_marker: running },
      },
    };
    recordEvent(ctx, "stage_started", {
      request_id: requestId,
      stage: run.stage,
      node_id: run.node_id,
      stage_kind_id: run.stage_kind_id,
      plane,
      run_id: run.run_id,
      work_item_kind: run.work_item_kind ?? null,
      work_item_id: run.work_item_id ?? null,
      troubleshoot_report_path: request.preferred_troubleshoot_report_path ?? null,
    });
    // The stage-start save only records the running marker; the decision's save is the durable one.
    commit(ctx, { counters: false, durable: false });
    emitMonitor(ctx, {
      type: "stage_started",
      at: ctx.clock(),
      plane,
      stage: run.stage,
      nodeId: run.node_id,
      stageKindId: run.stage_kind_id,
      runId: run.run_id,
      requestId,
      workItemKind: run.work_item_kind ?? null,
      workItemId: run.work_item_id ?? null,
      status: running.replace(/^### /, ""),
    });
    if (previous !== running) {
      // status change caused by a stage start is implied by the stage line; no separate monitor line.
    }
    const controller = new AbortController();
    const worker: Worker = {
      plane,
      run: { ...run, running_status_marker: running },
      controller,
      settled: false,
      promise: Promise.resolve(),
    } as unknown as Worker;
    worker.promise = this.dispatch(request, controller.signal).then(
      (envelopeAndPath) => {
        worker.settled = true;
        this.wake?.();
        return {
          plane,
          run: worker.run,
          request,
          envelope: envelopeAndPath.envelope,
          stageResultPath: envelopeAndPath.path,
        };
      },
      (error) => {
        worker.settled = true;
        this.wake?.();
        throw error;
      },
    );
    worker.promise.catch(() => undefined);
    this.workers.set(plane, worker);
  }

  private async dispatch(request: ReturnType<Engine["buildRequest"]>, signal: AbortSignal) {
    const ctx = this.context;
    const promptContext = ctx.hooks.promptContext
      ? await ctx.hooks.promptContext({
          plane: request.plane,
          stage: request.stage,
          nodeId: request.node_id,
          workItemId: request.active_work_item_id ?? null,
        })
      : [];
    const stageResultPath = path.join(request.run_dir, "stage_results", `${request.request_id}.json`);
    try {
      const result = await dispatchStage(request, {
        registry: ctx.registry,
        config: ctx.config,
        workspaceRoot: ctx.paths.root,
        promptContext,
        clock: ctx.clock,
        env: ctx.env,
        signal,
      });
      return { envelope: result.envelope, path: result.stageResultPath ?? stageResultPath };
    } catch (error) {
      // The dispatcher itself failed (e.g. an unknown runner): the stage fails as a transport failure.
      const now = formatTimestamp(ctx.clock());
      const raw: RunnerRawResult = {
        request_id: request.request_id,
        run_id: request.run_id,
        stage: request.stage,
        runner_name: request.runner_name ?? "unknown",
        exit_kind: "runner_error",
        exit_code: 1,
        notes: [`dispatch failed: ${(error as Error).message}`],
        started_at: now,
        ended_at: now,
      };
      const envelope = normalizeStageResult(request, raw);
      mkdirSync(path.dirname(stageResultPath), { recursive: true });
      writeJsonAtomicSync(stageResultPath, envelope);
      return { envelope, path: stageResultPath };
    }
  }

  private readonly runDecisions = new Map<string, RunTraceDecision[]>();

  /** Records the run's trace (`runs/<id>/run_trace.json`) when a run ends. */
  private recordTrace(completion: StageCompletion, applied: AppliedStage): void {
    const ctx = this.context;
    const runId = completion.run.run_id;
    const decisions = this.runDecisions.get(runId) ?? [];
    if (applied.decision) {
      decisions.push({
        request_id: completion.request.request_id,
        edge_kind: applied.decision.action === "run_stage" ? "normal" : "terminal",
        target_node_id: applied.decision.nextNodeId,
        terminal_state_id: applied.decision.terminalStateId,
        decision_reason: applied.decision.reason,
        decided_at: formatTimestamp(ctx.clock()),
      });
    }
    this.runDecisions.set(runId, decisions);
    if (!applied.runEnded) return;
    this.runDecisions.delete(runId);
    const action = applied.decision?.action;
    const status = action === "idle" ? "complete" : action === "handoff" ? "handoff" : "blocked";
    try {
      const trace = buildRunTrace(runDir(ctx.paths, runId), {
        active: false,
        plan: ctx.plan,
        decisions,
        status,
        clock: ctx.clock,
      });
      writeFileAtomicSync(path.join(runDir(ctx.paths, runId), RUN_TRACE_FILE_NAME), typedJson(trace));
    } catch (error) {
      recordEvent(ctx, "run_trace_failed", { run_id: runId, error: (error as Error).message });
    }
  }

  private applyCompletion(completion: StageCompletion): AppliedStage {
    const ctx = this.context;
    const applied = applyStageCompletion(ctx, completion);
    this.recordTrace(completion, applied);
    const { envelope, plane, run } = completion;
    ctx.snapshot = {
      ...ctx.snapshot,
      last_terminal_result: envelope.terminal_result,
      last_stage_result_path: toWorkspaceRelative(ctx.paths, completion.stageResultPath),
      queue_depths_by_plane: ctx.queue.depths(),
    };
    const failureClass = (envelope.metadata.failure_class as string | null) ?? null;
    recordEvent(ctx, "stage_completed", {
      request_id: completion.request.request_id,
      stage: run.stage,
      node_id: run.node_id,
      stage_kind_id: run.stage_kind_id,
      plane,
      run_id: run.run_id,
      work_item_kind: run.work_item_kind ?? null,
      work_item_id: run.work_item_id ?? null,
      terminal_result: envelope.terminal_result,
      result_class: envelope.result_class,
      failure_class: failureClass,
      duration_seconds: envelope.duration_seconds,
      token_usage: envelope.token_usage ?? null,
      troubleshoot_report_path: completion.request.preferred_troubleshoot_report_path ?? null,
    });
    if (applied.decision) {
      recordEvent(ctx, "router_decision", {
        action: applied.decision.action,
        plane,
        run_id: run.run_id,
        next_stage: applied.decision.nextStage,
        next_node_id: applied.decision.nextNodeId,
        next_stage_kind_id: applied.decision.nextStageKindId,
        terminal_state_id: applied.decision.terminalStateId,
        reason: applied.decision.reason,
        failure_class: applied.decision.failureClass,
        policy_id: applied.decision.policyId,
      });
    }
    commit(ctx);
    clearInflight(ctx.paths, plane);
    emitMonitor(ctx, {
      type: "stage_completed",
      at: ctx.clock(),
      plane,
      stage: run.stage,
      nodeId: run.node_id,
      stageKindId: run.stage_kind_id,
      runId: run.run_id,
      requestId: completion.request.request_id,
      workItemKind: run.work_item_kind ?? null,
      workItemId: run.work_item_id ?? null,
      terminalResult: envelope.terminal_result,
      status: envelope.terminal_result,
      durationSeconds: envelope.duration_seconds,
      tokenUsage: envelope.token_usage ?? null,
      failureClass,
    });
    if (applied.decision) {
      emitMonitor(ctx, {
        type: "router_decision",
        at: ctx.clock(),
        plane,
        runId: run.run_id,
        action: applied.decision.action,
        nextStage: applied.decision.nextStage,
        nextNodeId: applied.decision.nextNodeId,
        reason: applied.runtimeErrorCode
          ? `runtime_exception:${applied.runtimeErrorCode}`
          : applied.decision.reason,
      });
    }
    return applied;
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
      const applied = this.applyCompletion(completion);
      if (await this.governanceGate("after_stage", completion.stageResultPath))
        commit(this.context, { counters: false });
      outcome.applied.push({
        plane,
        stage: completion.run.stage,
        terminalResult: completion.envelope.terminal_result,
        failureClass: (completion.envelope.metadata.failure_class as string | null) ?? null,
        action: applied.decision?.action ?? null,
      });
      if (applied.runtimeErrorCode) outcome.reason = "runtime_error_scheduled";
    }
  }

  /** The governance port: before a stage may start. Returns true when the runtime is (now) paused. */
  private async governanceGate(
    boundary: "before_stage" | "after_stage",
    stageResultPath: string | null,
  ): Promise<boolean> {
    const ctx = this.context;
    const hook = ctx.hooks.betweenStages;
    if (hook) {
      const verdict = await hook({ boundary, snapshot: ctx.snapshot, stageResultPath });
      if (verdict) {
        const sources = new Set(ctx.snapshot.pause_sources);
        if (verdict.pause) sources.add("usage_governance");
        else sources.delete("usage_governance");
        const ordered = (["operator", "usage_governance"] as const).filter((source) => sources.has(source));
        if (ordered.join() !== ctx.snapshot.pause_sources.join()) {
          recordEvent(ctx, verdict.pause ? "usage_governance_paused" : "usage_governance_resumed", {
            reason: verdict.reason ?? null,
          });
        }
        ctx.snapshot = { ...ctx.snapshot, pause_sources: ordered, paused: ordered.length > 0 };
      }
    }
    return ctx.snapshot.paused;
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
      workersActive: this.workers.size > 0,
      busyPlanes: [...this.workers.keys()],
      requestReload: () => this.requestReload(),
    });
    if (this.watchers) this.watchers.consume(ctx);
    intakeIdeas(ctx, ctx.ideasSeen);
    this.applyPendingReload();
    ctx.snapshot = { ...ctx.snapshot, queue_depths_by_plane: ctx.queue.depths() };
    if (ctx.snapshot.stop_requested) {
      if (this.workers.size === 0) {
        this.stopNow("stop_requested");
        outcome.reason = "stop_requested";
      } else {
        outcome.reason = "stopping";
      }
      commit(ctx);
      return;
    }
    if (await this.governanceGate("before_stage", null)) {
      if (this.workers.size === 0 && !this.lastPaused) {
        recordEvent(ctx, "runtime_tick_paused", { pause_sources: ctx.snapshot.pause_sources });
        emitMonitor(ctx, {
          type: "runtime_paused",
          at: ctx.clock(),
          reason: ctx.snapshot.pause_sources.join(","),
        });
      }
      this.lastPaused = this.workers.size === 0;
      outcome.reason = this.workers.size > 0 ? "working" : "paused";
      commit(ctx);
      return;
    }
    this.lastPaused = false;
    ctx.snapshot = { ...ctx.snapshot, process_running: true };
    const policy = ctx.plan.concurrency_policy;
    const busy = () => [...this.workers.keys()];
    for (const plane of PLANE_ORDER) {
      if (
        ctx.snapshot.active_runs_by_plane[plane] &&
        !this.workers.has(plane) &&
        canDispatch(policy, busy(), plane)
      ) {
        this.startWorker(plane);
      }
    }
    // New work only when no finished result is waiting to be applied.
    if (![...this.workers.values()].some((worker) => worker.settled)) {
      activateWork(ctx);
      for (const plane of PLANE_ORDER) {
        if (
          ctx.snapshot.active_runs_by_plane[plane] &&
          !this.workers.has(plane) &&
          canDispatch(policy, busy(), plane)
        ) {
          this.startWorker(plane);
        }
      }
    }
    if (this.workers.size === 0 && activePlanes(ctx).length === 0) {
      outcome.reason = outcome.applied.length > 0 ? "stage_completed" : "no_work";
      if (!this.lastIdle) {
        recordEvent(ctx, "runtime_tick_idle", {});
        emitMonitor(ctx, { type: "runtime_idle", at: ctx.clock(), reason: "no_work" });
      }
      this.lastIdle = true;
    } else {
      this.lastIdle = false;
      if (outcome.reason === "no_work") outcome.reason = "working";
    }
    commit(ctx);
  }

  /** `run once`: one scheduling cycle, waiting for the stages it started and applying their results. */
  async tick(): Promise<TickOutcome> {
    await this.start();
    const outcome: TickOutcome = { reason: "no_work", applied: [] };
    await this.cycle(outcome);
    if (this.workers.size > 0) {
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
        const idle = this.workers.size === 0 && activePlanes(ctx).length === 0;
        if (options.untilIdle && idle && outcome.reason !== "paused") {
          stopReason = "idle";
          break;
        }
        await this.waitForWork(
          idle || outcome.reason === "paused" ? ctx.config.runtime.idle_sleep_seconds : 0,
        );
      }
      if (stopReason === "interrupted") await this.interruptWorkers();
      else if (this.workers.size > 0) {
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
  private waitForWork(idleSeconds: number): Promise<void> {
    const anySettled = [...this.workers.values()].some((worker) => worker.settled);
    if (anySettled) return Promise.resolve();
    const working = this.workers.size > 0;
    const watching = this.watchers !== undefined;
    const ms = working
      ? 60_000
      : watching
        ? Math.max(idleSeconds * 1000, 30_000)
        : Math.max(idleSeconds * 1000, 10);
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

  /** Cuts off running stages; their runs stay active and are dispatched again at the next start. */
  private async interruptWorkers(): Promise<void> {
    const ctx = this.context;
    for (const worker of this.workers.values()) worker.controller.abort();
    for (const [plane, worker] of this.workers) {
      try {
        const completion = await worker.promise;
        if (existsSync(completion.stageResultPath)) {
          renameSync(completion.stageResultPath, `${completion.stageResultPath}.interrupted`);
        }
      } catch {
        // nothing to set aside
      }
      clearInflight(ctx.paths, plane);
      recordEvent(ctx, "stage_interrupted", {
        plane,
        run_id: worker.run.run_id,
        node_id: worker.run.node_id,
      });
      const previous = ctx.snapshot.status_markers_by_plane[plane];
      if (previous) writeStatusMarker(ctx.paths, plane, previous);
    }
    this.workers.clear();
    commit(ctx);
  }

  private stopNow(reason: string): void {
    const ctx = this.context;
    ctx.snapshot = {
      ...ctx.snapshot,
      process_running: false,
      stop_requested: false,
      paused: false,
      pause_sources: ctx.snapshot.pause_sources.filter((source) => source !== "operator"),
    };
    ctx.snapshot = { ...ctx.snapshot, paused: ctx.snapshot.pause_sources.length > 0 };
    recordEvent(ctx, "runtime_tick_stopped", { reason, active_planes: activePlanes(ctx) });
    emitMonitor(ctx, { type: "runtime_stopped", at: ctx.clock(), reason });
  }

  private pendingReload: MillraceConfig | undefined;

  /** A reload that failed keeps the running config and plan; the snapshot and the log say why. */
  private recordReloadFailure(error: unknown): void {
    const ctx = this.context;
    const message = (error as Error).message;
    ctx.snapshot = {
      ...ctx.snapshot,
      last_reload_outcome: "failed_retained_previous_plan",
      last_reload_error: message,
    };
    recordEvent(ctx, "runtime_config_reload_failed", { retained_previous_plan: true, error: message });
  }

  /** Asks for the config to be reloaded at the next safe boundary (no stage running). */
  requestReload(): void {
    const ctx = this.context;
    try {
      this.pendingReload = loadConfig(ctx.paths);
    } catch (error) {
      this.recordReloadFailure(error);
    }
  }

  private applyPendingReload(): void {
    const ctx = this.context;
    if (this.watchers?.takeConfigChange()) this.requestReload();
    if (!this.pendingReload) return;
    if (this.workers.size > 0) {
      emitMonitor(ctx, {
        type: "reload_deferred",
        at: ctx.clock(),
        reason: "stage running",
        activePlanes: [...this.workers.keys()],
      });
      return;
    }
    const config = this.pendingReload;
    this.pendingReload = undefined;
    try {
      const compiled = ensureCompiledPlan(ctx.paths.root, config, {
        ...(this.options.mode ? { mode: this.options.mode, preview: false } : {}),
        now: ctx.clock,
        ...(this.options.packagedAssetsRoot ? { packagedRoot: this.options.packagedAssetsRoot } : {}),
      });
      const planChanged = compiled.plan.compiled_plan_id !== ctx.plan.compiled_plan_id;
      ctx.config = config;
      ctx.plan = compiled.plan;
      ctx.snapshot = {
        ...ctx.snapshot,
        compiled_plan_id: compiled.plan.compiled_plan_id,
        config_version: compiled.plan.compile_input_fingerprint.config_fingerprint,
        last_reload_outcome: "applied",
        last_reload_error: null,
      };
      recordEvent(ctx, "runtime_config_reloaded", {
        compiled_plan_id: compiled.plan.compiled_plan_id,
        recompiled: !compiled.reused,
        plan_changed: planChanged,
      });
    } catch (error) {
      this.recordReloadFailure(error);
    }
  }

  /** Releases the workspace: cuts off running stages (they resume at the next start), saves, unlocks. */
  async close(): Promise<void> {
    if (!this.ctx || this.closed) return;
    const ctx = this.ctx;
    if (this.workers.size > 0) await this.interruptWorkers();
    await this.watchers?.close();
    this.watchers = undefined;
    ctx.snapshot = { ...ctx.snapshot, process_running: false };
    recordEvent(ctx, "runtime_closed", {
      mode_id: ctx.plan.mode_id,
      compiled_plan_id: ctx.plan.compiled_plan_id,
      process_running: false,
    });
    recordEvent(ctx, "runtime_daemon_lock_released", { session_id: ctx.sessionId });
    commit(ctx);
    ctx.queue.close();
    this.lock?.release();
    this.lock = undefined;
    this.closed = true;
  }
}

export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

export { runDir };

import { ensureCompiledPlan } from "@millrace/compiler";
import { formatTimestamp, type MillraceConfig, normalizeRuntimeSnapshot } from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import { createRunnerRegistry } from "@millrace/runners";
import {
  type AcquiredLock,
  ensureRuntimeStateFiles,
  readManifest,
  toWorkspaceRelative,
  type WorkspacePaths,
} from "@millrace/workspace";
import type { StageCompletion } from "../apply/stage-completion.js";
import type { EngineOptions } from "../engine-options.js";
import { sealCapabilityGrants } from "../governance/stage-grants.js";
import { randomIds } from "../ids.js";
import type { MonitorHub } from "../monitor/monitor-events.js";
import { CommitJournal } from "../state/commit-journal.js";
import { commit, type EngineContext, recordEvent } from "../state/context.js";
import { clearInflight } from "../state/inflight.js";
import { recoverCommitJournal } from "../state/journal-recovery.js";
import { loadCounters, loadSnapshot } from "../state/state-store.js";
import { buildRunRequest } from "../tick/request.js";
import { loadPendingCompletion, reconcileAtStartup } from "./reconcile.js";

type CompiledPlanResult = ReturnType<typeof ensureCompiledPlan>;

/** Loads the current plan, recompiling it when its inputs changed (the mode pinned by the options wins). */
export function compilePlan(
  options: EngineOptions,
  root: string,
  config: MillraceConfig,
  clock: () => Date,
): CompiledPlanResult {
  return ensureCompiledPlan(root, config, {
    ...(options.mode ? { mode: options.mode, preview: false } : {}),
    now: clock,
    sealGrants: sealCapabilityGrants,
    ...(options.packagedAssetsRoot ? { packagedRoot: options.packagedAssetsRoot } : {}),
  });
}

/** Builds the engine's shared state for a workspace whose lock this engine now holds. */
export function createEngineContext(
  options: EngineOptions,
  paths: WorkspacePaths,
  config: MillraceConfig,
  lock: AcquiredLock,
  monitor: MonitorHub,
): { ctx: EngineContext; compiled: CompiledPlanResult } {
  const clock = options.clock ?? (() => new Date());
  // Before anything reads the state: the files a killed life left stale are rebuilt from its journal.
  const recovered = recoverCommitJournal(paths);
  ensureRuntimeStateFiles(paths, clock());
  const compiled = compilePlan(options, paths.root, config, clock);
  const registry = options.registry ?? createRunnerRegistry();
  for (const adapter of options.runners ?? []) registry.register(adapter, { replace: true });
  const ctx: EngineContext = {
    paths,
    config,
    plan: compiled.plan,
    snapshot: loadSnapshot(paths),
    counters: loadCounters(paths),
    // Asked at each read (never during open), so a reloaded [limits] table applies at once.
    queue: openQueueStore(paths, { clock, maxDocumentBytes: () => ctx.config.limits.max_document_bytes }),
    registry,
    clock,
    ids: options.ids ?? randomIds,
    monitor,
    env: options.env ?? process.env,
    hooks: options.hooks ?? {},
    sessionId: lock.lock.owner_session_id,
    pendingEvents: [],
    closureHolds: new Map(),
    ideasSeen: new Set(),
    journal: CommitJournal.open(paths, recovered.nextSeq),
    pendingFiles: [],
    pendingTraces: [],
    unannounced: [],
  };
  recordEvent(ctx, "runtime_daemon_lock_acquired", { session_id: ctx.sessionId, replaced: lock.replaced });
  return { ctx, compiled };
}

/**
 * Startup reconciliation, then the results a crash left written but unapplied are applied (through
 * `apply`, the engine's one commit path). Returns the reconciliation signals.
 */
export function reconcileAndResume(
  ctx: EngineContext,
  apply: (completion: StageCompletion) => void,
): string[] {
  const reconciliation = reconcileAtStartup(ctx);
  for (const pending of reconciliation.pending) {
    apply(loadPendingCompletion(pending, (run, requestId) => buildRunRequest(ctx, run, requestId)));
    clearInflight(ctx.paths, pending.plane);
  }
  return reconciliation.signals;
}

/** Marks the runtime as running in the snapshot, logs `runtime_started` and announces it. */
export function announceStart(
  ctx: EngineContext,
  options: EngineOptions,
  compiled: CompiledPlanResult,
  signals: string[],
): void {
  const depths = ctx.queue.depths();
  const loops = ctx.plan.loop_ids_by_plane;
  ctx.snapshot = {
    ...ctx.snapshot,
    runtime_mode: options.runtimeMode ?? "daemon",
    process_running: true,
    stop_requested: false,
    active_mode_id: ctx.plan.mode_id,
    compiled_plan_id: ctx.plan.compiled_plan_id,
    compiled_plan_path: toWorkspaceRelative(ctx.paths, ctx.paths.compiledPlan),
    execution_loop_id: loops.execution ?? ctx.snapshot.execution_loop_id,
    planning_loop_id: loops.planning ?? ctx.snapshot.planning_loop_id,
    learning_loop_id: loops.learning ?? null,
    loop_ids_by_plane: { ...loops },
    queue_depths_by_plane: depths,
    config_version: compiled.plan.compile_input_fingerprint.config_fingerprint,
    watcher_mode: options.watch && ctx.config.watchers.enabled ? "watch" : "off",
    last_reload_outcome: null,
    last_reload_error: null,
    started_at: formatTimestamp(ctx.clock()),
  };
  const manifest = readManifest(ctx.paths);
  // The markers as the save below will write them (the scalar fields follow the per-plane map).
  const markers = normalizeRuntimeSnapshot(ctx.snapshot);
  recordEvent(
    ctx,
    "runtime_started",
    {
      mode_id: ctx.plan.mode_id,
      compiled_plan_id: ctx.plan.compiled_plan_id,
      process_running: true,
      reconciliation_signals: signals,
    },
    {
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
        execution: markers.execution_status_marker,
        planning: markers.planning_status_marker,
        learning: markers.learning_status_marker,
      },
      queueDepths: depths,
    },
  );
  commit(ctx);
}

import type { CompiledRunPlan, MillraceConfig, RecoveryCounters, RuntimeSnapshot } from "@millrace/contracts";
import type { QueueStore } from "@millrace/queue-store";
import type { RunnerRegistry } from "@millrace/runners";
import { appendRuntimeEvents, type WorkspacePaths } from "@millrace/workspace";
import type { IdFactory } from "../ids.js";
import type { MonitorEvent, MonitorHub } from "../monitor/monitor-events.js";
import type { EngineHooks } from "../ports.js";
import { saveCounters, saveSnapshot } from "./state-store.js";

/** A persisted runtime event waiting to be appended to `logs/runtime_events.jsonl`. */
export interface PendingEvent {
  event_type: string;
  data: Record<string, unknown>;
  occurred_at: Date;
}

/**
 * Everything the engine's steps share. One owner mutates it, one step at a time (the single-writer
 * rule), so the steps are plain functions over this object.
 */
export interface EngineContext {
  readonly paths: WorkspacePaths;
  config: MillraceConfig;
  plan: CompiledRunPlan;
  snapshot: RuntimeSnapshot;
  counters: RecoveryCounters;
  readonly queue: QueueStore;
  readonly registry: RunnerRegistry;
  readonly clock: () => Date;
  readonly ids: IdFactory;
  readonly monitor: MonitorHub;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly hooks: EngineHooks;
  /** The daemon lock's session id, when this engine owns the workspace. */
  sessionId: string | null;
  /** Events recorded since the last flush. */
  readonly pendingEvents: PendingEvent[];
  /**
   * Closure targets whose Arbiter already judged the current state (root spec id → that Arbiter
   * run id, or "" once known to be free). The Arbiter runs again only after an execution stage
   * completes, so a gap it cannot close is not re-judged in a loop.
   */
  readonly closureHolds: Map<string, string>;
  /** Idea files already considered by this engine (intake reads specs only for new ones). */
  readonly ideasSeen: Set<string>;
  /** The counters as last saved, so unchanged counters are not written again. */
  savedCounters?: string;
}

/** Records a runtime event (persisted on the next flush). */
export function recordEvent(ctx: EngineContext, eventType: string, data: Record<string, unknown> = {}): void {
  ctx.pendingEvents.push({ event_type: eventType, data, occurred_at: ctx.clock() });
}

export function emitMonitor(ctx: EngineContext, event: MonitorEvent): void {
  ctx.monitor.emit(event);
}

/** Appends pending events to the log with one fsync. */
export function flushEvents(ctx: EngineContext): void {
  if (ctx.pendingEvents.length === 0) return;
  const events = ctx.pendingEvents.splice(0);
  appendRuntimeEvents(ctx.paths.runtimeEvents, events);
}

/** Saves snapshot and counters and flushes events: the commit point of a step. */
export function commit(ctx: EngineContext, options: { counters?: boolean; durable?: boolean } = {}): void {
  // Events first: a kill before the snapshot save then replays the step and logs it twice (readers
  // de-duplicate on request_id), where the other order could lose the step's events for good.
  flushEvents(ctx);
  if (options.counters !== false) {
    const counters = JSON.stringify(ctx.counters);
    if (counters !== ctx.savedCounters) {
      saveCounters(ctx.paths, ctx.counters);
      ctx.savedCounters = counters;
    }
  }
  ctx.snapshot = saveSnapshot(ctx.paths, ctx.snapshot, ctx.clock(), { durable: options.durable !== false });
}

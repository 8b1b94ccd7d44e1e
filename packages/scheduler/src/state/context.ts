import type {
  ActiveRunState,
  CompiledRunPlan,
  MillraceConfig,
  RecoveryCounters,
  RuntimeSnapshot,
} from "@millrace/contracts";
import type { QueueStore } from "@millrace/queue-store";
import type { RunnerRegistry } from "@millrace/runners";
import { appendRuntimeEvents, type WorkspacePaths } from "@millrace/workspace";
import type { EngineGovernancePort } from "../governance/governance-port.js";
import type { IdFactory } from "../ids.js";
import type { MonitorEvent, MonitorHub } from "../monitor/monitor-events.js";
import type { EngineHooks } from "../ports.js";
import type { PendingEvent } from "./event-journal.js";
import { saveCounters, saveSnapshot } from "./state-store.js";

export { recordEvent } from "./event-journal.js";

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
  /** The engine's own usage governance (budgets and pause rules); absent in control-only contexts. */
  governance?: EngineGovernancePort;
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
  /** The execution lanes, when the engine runs them (`[execution] lanes`, docs/lanes.md). */
  lanes?: LaneView;
  /** The counters as last saved, so unchanged counters are not written again. */
  savedCounters?: string;
}

/** What the rest of the engine sees of the execution lanes (their runs live outside the plane slot). */
export interface LaneView {
  /** Items held by lanes (running, or waiting to land). */
  count(): number;
  /** The lanes' runs: their documents are owned, not stranded. */
  runs(): readonly ActiveRunState[];
}

/** Shows a monitor-only event (one with no log line: status marker changes, deferred reloads). */
export function emitMonitor(ctx: EngineContext, event: MonitorEvent): void {
  ctx.monitor.emit(event);
}

/** Appends pending events to the log with one fsync; returns them (their monitor views are not shown yet). */
export function flushEvents(ctx: EngineContext): PendingEvent[] {
  if (ctx.pendingEvents.length === 0) return [];
  const events = ctx.pendingEvents.splice(0);
  appendRuntimeEvents(ctx.paths.runtimeEvents, events);
  return events;
}

export interface CommitOptions {
  /** Save the recovery counters too (default true). */
  counters?: boolean;
  /** Fsync the snapshot (default true). */
  durable?: boolean;
  /** Runs after the save, before the step's events are shown on the monitor. */
  beforeAnnounce?: () => void;
}

/**
 * The commit point of a step: flushes its events to the log, saves counters and snapshot, then
 * shows the events' monitor views. Observers therefore never see a step that is not yet durable.
 */
export function commit(ctx: EngineContext, options: CommitOptions = {}): void {
  // Events first: a kill before the snapshot save then replays the step and logs it twice (readers
  // de-duplicate on request_id), where the other order could lose the step's events for good.
  const events = flushEvents(ctx);
  if (options.counters !== false) {
    const counters = JSON.stringify(ctx.counters);
    if (counters !== ctx.savedCounters) {
      saveCounters(ctx.paths, ctx.counters);
      ctx.savedCounters = counters;
    }
  }
  ctx.snapshot = saveSnapshot(ctx.paths, ctx.snapshot, ctx.clock(), { durable: options.durable !== false });
  options.beforeAnnounce?.();
  for (const event of events) if (event.monitor) ctx.monitor.emit(event.monitor);
}

import type {
  ActiveRunState,
  CompiledRunPlan,
  MillraceConfig,
  RecoveryCounters,
  RuntimeSnapshot,
} from "@millrace/contracts";
import type { QueueStore } from "@millrace/queue-store";
import type { RunnerRegistry } from "@millrace/runners";
import {
  appendRuntimeEvents,
  formatRuntimeEventLine,
  type WorkspacePaths,
  writeFileAtomicSync,
} from "@millrace/workspace";
import type { EngineGovernancePort } from "../governance/governance-port.js";
import type { IdFactory } from "../ids.js";
import type { MonitorEvent, MonitorHub } from "../monitor/monitor-events.js";
import type { EngineHooks } from "../ports.js";
import type { CommitJournal, DeferredTrace, StepFile, TraceMarker } from "./commit-journal.js";
import type { PendingEvent } from "./event-journal.js";
import { traced } from "./handoff-trace.js";
import { saveCounters, saveSnapshot, snapshotFileText } from "./state-store.js";

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
  /** The snapshot as last committed to the journal (same object while nothing changed it since). */
  committedSnapshot?: RuntimeSnapshot;
  /** The counters as last saved, so unchanged counters are not written again. */
  savedCounters?: string;
  /** The group-commit journal of this engine life (absent in control-only contexts: they save directly). */
  journal?: CommitJournal;
  /** Files the current step wrote or asks its commit to write (stage results, run traces). */
  readonly pendingFiles: StepFile[];
  /** Traces of ended runs, built by the next commit that does not defer them. */
  readonly pendingTraces: DeferredTrace[];
  /** Monitor views of committed steps not yet durable, in order: shown at the next durable commit. */
  readonly unannounced: Announcement[];
}

/** One event of a committed step, waiting to be shown: its monitor view, and what must precede it. */
export interface Announcement {
  view?: MonitorEvent;
  /** Runs right before the view is shown (a file observers read alongside the event). */
  before?: () => void;
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

/**
 * Runs `action` right before the monitor shows the event recorded last, and not before the events
 * committed ahead of it are shown (with no journal: now). A stage start writes its running status
 * marker this way, so observers of every earlier event see the status file as it was then.
 */
export function beforeShowingLastEvent(ctx: EngineContext, action: () => void): void {
  const last = ctx.pendingEvents.at(-1);
  if (!ctx.journal || !last) {
    action();
    return;
  }
  const previous = last.beforeShow;
  last.beforeShow = previous
    ? () => {
        previous();
        action();
      }
    : action;
}

/** Shows the announcements of every step committed so far, in order. */
function announce(ctx: EngineContext): void {
  for (const { view, before } of ctx.unannounced.splice(0)) {
    before?.();
    if (view) ctx.monitor.emit(view);
  }
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
  /**
   * Make the step durable now (default true). A step committed with `false` is written (a kill
   * loses nothing) and becomes durable with the next durable commit, which also shows its events on
   * the monitor (the stage start's record rides on the cycle's closing commit this way).
   */
  durable?: boolean;
  /** Runs after the save, before the step's events are shown on the monitor. */
  beforeAnnounce?: () => void;
  /**
   * With `durable: false`: write the derived files and show every event committed so far now, before
   * the step is durable (a cycle that only started stages: their records become durable with the
   * next durable commit, the stage's result; a power loss before it dispatches the stage again).
   */
  announce?: boolean;
  /**
   * Leave the snapshot file to the next commit that writes derived files (the journal record holds
   * it; a kill before then is recovered from the record). Only for a step that is always followed
   * by another commit in the same cycle: the stage result's, before the cycle's closing commit.
   */
  deferSnapshot?: boolean;
  /**
   * Leave the traces of runs that ended to a later commit (the record keeps their markers, so a
   * kill before then is recovered): the stage result's commit and the next start's, so the traces
   * are built after the next stage's runner has started (engine.ts).
   */
  deferTraces?: boolean;
}

/** Builds the deferred traces (into `pendingFiles`), or records the markers of new ones. */
function takeTraces(ctx: EngineContext, defer: boolean): { markers: TraceMarker[]; built: number } {
  if (ctx.pendingTraces.length === 0) return { markers: [], built: 0 };
  if (defer) {
    const markers: TraceMarker[] = [];
    for (const trace of ctx.pendingTraces) {
      if (trace.recorded) continue;
      trace.recorded = true;
      markers.push(trace.marker);
    }
    return { markers, built: 0 };
  }
  const traces = ctx.pendingTraces.splice(0);
  for (const trace of traces) trace.build();
  return { markers: [], built: traces.filter((trace) => trace.recorded).length };
}

/**
 * The commit point of a step: one journal record holding its events, counters, snapshot and files
 * (commit-journal.ts), then the files other readers use; then, once durable, the monitor views of
 * every step committed so far. Observers therefore see a step only once it is durable, except a
 * stage start shown with `announce` (it becomes durable with the stage's result).
 */
export function commit(ctx: EngineContext, options: CommitOptions = {}): void {
  if (!ctx.journal) {
    commitWithoutJournal(ctx, options);
    return;
  }
  const durable = options.durable !== false;
  const traces = takeTraces(ctx, options.deferTraces === true);
  const events = ctx.pendingEvents.splice(0);
  let countersText: string | undefined;
  if (options.counters !== false) {
    const counters = JSON.stringify(ctx.counters);
    if (counters !== ctx.savedCounters) {
      countersText = `${JSON.stringify(ctx.counters, null, 2)}\n`;
      ctx.savedCounters = counters;
    }
  }
  const journal = ctx.journal;
  if (
    !durable &&
    options.announce === true &&
    events.length === 0 &&
    countersText === undefined &&
    ctx.pendingFiles.length === 0 &&
    traces.markers.length === 0 &&
    ctx.snapshot === ctx.committedSnapshot
  ) {
    // Nothing new since the last record (a cycle that only started stages, closing right after the
    // start's own record): no second record of the same state, only the derived files and the views.
    traced("commit.journal", () => journal.writeDerived());
    options.beforeAnnounce?.();
    announce(ctx);
    return;
  }
  if (
    events.length === 0 &&
    countersText === undefined &&
    ctx.pendingFiles.length === 0 &&
    traces.markers.length === 0 &&
    journal.caughtUp() &&
    sameSnapshotState(ctx.snapshot, ctx.committedSnapshot)
  ) {
    // A cycle that changed nothing (an idle or paused daemon, once per idle_sleep_seconds): the
    // state on disk is already this one, durably. No record, no fsync, no snapshot rewrite, so the
    // snapshot's updated_at stays the time the state last changed.
    options.beforeAnnounce?.();
    if (durable || options.announce === true) announce(ctx);
    return;
  }
  const saved = snapshotFileText(ctx.snapshot, ctx.clock());
  traced("commit.journal", () =>
    journal.commit(
      {
        snapshotText: saved.text,
        ...(countersText !== undefined ? { countersText } : {}),
        eventsText: events.map((event) => formatRuntimeEventLine(event)).join(""),
        files: ctx.pendingFiles.splice(0),
        traces: traces.markers,
        tracesBuilt: traces.built,
      },
      durable,
      options.announce === true,
      options.deferSnapshot === true,
    ),
  );
  ctx.snapshot = saved.snapshot;
  ctx.committedSnapshot = saved.snapshot;
  options.beforeAnnounce?.();
  for (const event of events) {
    if (event.monitor || event.beforeShow)
      ctx.unannounced.push({
        ...(event.monitor ? { view: event.monitor } : {}),
        ...(event.beforeShow ? { before: event.beforeShow } : {}),
      });
  }
  if (durable || options.announce === true) announce(ctx);
}

/** The save of a context with no journal: each file written durably, as before the journal. */
/** Whether two snapshots hold the same state, their `updated_at` aside. */
function sameSnapshotState(a: RuntimeSnapshot, b: RuntimeSnapshot | undefined): boolean {
  if (a === b) return true;
  if (b === undefined) return false;
  return JSON.stringify({ ...a, updated_at: "" }) === JSON.stringify({ ...b, updated_at: "" });
}

function commitWithoutJournal(ctx: EngineContext, options: CommitOptions): void {
  // Events first: a kill before the snapshot save then replays the step and logs it twice (readers
  // de-duplicate on request_id), where the other order could lose the step's events for good.
  takeTraces(ctx, false);
  const events = traced("commit.events", () => flushEvents(ctx));
  for (const file of ctx.pendingFiles.splice(0)) if (!file.written) writeFileAtomicSync(file.path, file.text);
  if (options.counters !== false) {
    const counters = JSON.stringify(ctx.counters);
    if (counters !== ctx.savedCounters) {
      traced("commit.counters", () => saveCounters(ctx.paths, ctx.counters));
      ctx.savedCounters = counters;
    }
  }
  ctx.snapshot = traced("commit.snapshot", () =>
    saveSnapshot(ctx.paths, ctx.snapshot, ctx.clock(), { durable: options.durable !== false }),
  );
  options.beforeAnnounce?.();
  announce(ctx);
  for (const event of events) {
    event.beforeShow?.();
    if (event.monitor) ctx.monitor.emit(event.monitor);
  }
}

import {
  ClearStaleStatePayloadSchema,
  type DocumentKind,
  emptyRecoveryCounters,
  IDLE_MARKER,
  MillraceError,
  type Plane,
  projectSnapshotFields,
  type RetryActivePayloadSchema,
  type RuntimeSnapshot,
} from "@millrace/contracts";
import type { z } from "zod";
import { clearLaneJournal } from "../lanes/lane-clear.js";
import { selectRetryLanes } from "../lanes/lane-retry.js";
import { addPauseSource, removePauseSource } from "../state/pause-sources.js";
import {
  clearItemCounters,
  withActiveRun,
  withStatusMarker,
  writeStatusMarker,
} from "../state/state-store.js";
import {
  type ControlOutcome,
  type ControlState,
  DeferCommand,
  event,
  type HandlerEnvironment,
} from "./control-state.js";
import { laneControlFor, retryLanes } from "./lane-retry-command.js";

/** Adds or removes the operator pause source (usage governance and runner availability keep their own). */
export function setPause(state: ControlState, operator: boolean): void {
  state.snapshot = operator
    ? addPauseSource(state.snapshot, "operator")
    : removePauseSource(state.snapshot, "operator");
}

function idleEverything(state: ControlState): void {
  let snapshot: RuntimeSnapshot = projectSnapshotFields({
    ...state.snapshot,
    active_runs_by_plane: {},
    current_failure_class: null,
  });
  for (const plane of ["execution", "planning", "learning"] as const) {
    writeStatusMarker(state.paths, plane, IDLE_MARKER);
    snapshot = withStatusMarker(snapshot, plane, IDLE_MARKER);
  }
  state.snapshot = {
    ...snapshot,
    fix_cycle_count: 0,
    troubleshoot_attempt_count: 0,
    mechanic_attempt_count: 0,
    consultant_invocations: 0,
  };
}

/** Requeues every active item and resets the runtime to idle (once no stage runs). */
export function clearStaleState(
  state: ControlState,
  payload: Record<string, unknown>,
  env: HandlerEnvironment,
): ControlOutcome {
  if ((env.busyPlanes ?? []).length > 0) throw new DeferCommand("stages are running");
  const { reason } = ClearStaleStatePayloadSchema.parse(payload);
  const requeued = state.queue.requeueAllActive(reason?.trim() || "operator clear-stale-state", {
    actor: env.issuer,
  });
  const lanes = clearLaneJournal(state.paths, state.clock(), env.issuer);
  const hadRuns = Object.keys(state.snapshot.active_runs_by_plane).length > 0 || (lanes ?? 0) > 0;
  const hadCounters = state.counters.entries.length > 0;
  // A snapshot that still says "running" with no daemon, or a failure class left behind, is stale too.
  const hadStaleFlags =
    (env.mode === "direct" && state.snapshot.process_running) ||
    Boolean(state.snapshot.current_failure_class);
  idleEverything(state);
  state.counters = emptyRecoveryCounters();
  state.snapshot = {
    ...removePauseSource(state.snapshot, "operator"),
    stop_requested: false,
    process_running: env.mode === "mailbox",
  };
  event(state, "runtime_stale_state_cleared", {
    requeued: requeued.map((ref) => ref.id),
    issuer: env.issuer,
  });
  // With lanes in use, a leftover cleanup is scheduled for the next start: that is a change too.
  const changed = requeued.length > 0 || hadRuns || hadCounters || hadStaleFlags || lanes !== null;
  return {
    applied: changed,
    detail: changed
      ? `requeued ${requeued.length} active item(s) and reset runtime state to idle${lanes === null ? "" : `; dropped ${lanes} lane(s), lane leftovers are removed at the next start`}`
      : "nothing stale to clear",
  };
}

type RetryActivePayload = z.infer<typeof RetryActivePayloadSchema>;

/**
 * Puts the active item of one plane back in its queue and ends the run. With execution lanes, the
 * execution plane's items are in lanes: every lane's item is retried, or the one named by `lane` or
 * `item` (see `lane-retry-command.ts`).
 */
export function retryActive(
  state: ControlState,
  payload: RetryActivePayload,
  env: HandlerEnvironment,
): ControlOutcome {
  const lanes = laneControlFor(state, env);
  if (payload.lane !== undefined || payload.item !== undefined) {
    if (payload.scope && payload.scope !== "execution") {
      throw new MillraceError(
        "usage_invalid_argument",
        `--lane and --item name execution lanes, not the ${payload.scope} plane`,
        { hint: "Drop --scope, or use --scope execution." },
      );
    }
    return retryLanes(state, lanes, selectRetryLanes(lanes.entries(), payload), payload.reason, env);
  }
  const runs = Object.entries(state.snapshot.active_runs_by_plane).filter(
    ([, run]) => run !== undefined,
  ) as Array<[Plane, NonNullable<RuntimeSnapshot["active_runs_by_plane"][Plane]>]>;
  const laneItems = runs.some(([plane]) => plane === "execution") ? [] : lanes.entries();
  const active: Plane[] = [
    ...runs.map(([plane]) => plane),
    ...(laneItems.length > 0 ? ["execution" as const] : []),
  ];
  const candidates = payload.scope ? active.filter((plane) => plane === payload.scope) : active;
  if (candidates.length === 0) {
    return {
      applied: false,
      detail: payload.scope
        ? `no active ${payload.scope} work item to retry`
        : "no active work item to retry",
    };
  }
  if (candidates.length > 1) {
    event(state, "retry_active_skipped", { reason: "multiple_active_planes" });
    return {
      applied: false,
      detail: "multiple active planes; retry-active needs --scope execution|planning|learning",
    };
  }
  const match = runs.find(([plane]) => plane === candidates[0]);
  if (!match) return retryLanes(state, lanes, laneItems, payload.reason, env);
  const [plane, run] = match;
  if ((env.busyPlanes ?? []).includes(plane)) throw new DeferCommand(`a ${plane} stage is running`);
  if (run.request_kind === "closure_target" || !run.work_item_kind || !run.work_item_id) {
    event(state, "retry_active_skipped", { reason: "non_retryable_active_run", plane });
    return { applied: false, detail: "the active run is an Arbiter closure run; it cannot be retried" };
  }
  const reason = payload.reason?.trim() || "operator retry-active";
  if (state.queue.find(run.work_item_id)?.state === "active") {
    state.queue.requeue(run.work_item_kind as DocumentKind, run.work_item_id, reason, { actor: env.issuer });
  }
  state.counters = clearItemCounters(state.counters, run.work_item_kind, run.work_item_id);
  state.snapshot = withActiveRun(state.snapshot, plane, undefined);
  state.snapshot = { ...state.snapshot, current_failure_class: null };
  if (Object.keys(state.snapshot.active_runs_by_plane).length === 0) idleEverything(state);
  else {
    writeStatusMarker(state.paths, plane, IDLE_MARKER);
    state.snapshot = withStatusMarker(state.snapshot, plane, IDLE_MARKER);
  }
  event(state, "retry_active_applied", {
    plane,
    work_item_kind: run.work_item_kind,
    work_item_id: run.work_item_id,
    reason,
  });
  return { applied: true, detail: `requeued ${run.work_item_kind} ${run.work_item_id} (${reason})` };
}

import { existsSync } from "node:fs";
import { formatTimestamp, IDLE_MARKER } from "@millrace/contracts";
import {
  type LaneControl,
  type LaneRetryTarget,
  requeueRetriedLane,
  retryBlocker,
  selectRetryLanes,
} from "../lanes/lane-retry.js";
import {
  type LaneEntry,
  type LaneRuns,
  laneRunsFile,
  readLaneRuns,
  writeLaneRuns,
} from "../lanes/lane-state.js";
import { saveCounters, withStatusMarker, writeStatusMarker } from "../state/state-store.js";
import type { ControlOutcome, ControlState, HandlerEnvironment } from "./control-state.js";

/** The lanes a retry reaches: the daemon's own, or (no daemon) the lanes journal on disk. */
export function laneControlFor(state: ControlState, env: HandlerEnvironment): LaneControl {
  return env.lanes ?? directLaneControl(state);
}

/**
 * Retries the items of the given lanes (those not landing or already being retried). With a
 * daemon, their running stages are stopped and the items requeued right after the mailbox drain;
 * without one, nothing runs, so the items are requeued now.
 */
export function retryLanes(
  state: ControlState,
  control: LaneControl,
  lanes: readonly LaneEntry[],
  reasonText: string | undefined,
  env: HandlerEnvironment,
): ControlOutcome {
  const reason = reasonText?.trim() || "operator retry-active";
  const ready = lanes.filter((lane) => retryBlocker(lane) === null);
  const skipped = lanes
    .filter((lane) => retryBlocker(lane) !== null)
    .map((lane) => `lane ${lane.lane} (${lane.item_id}) is ${retryBlocker(lane)}`);
  if (ready.length === 0) return { applied: false, detail: skipped.join("; ") };
  control.requestRetry(ready, {
    reason,
    issuer: env.issuer,
    requested_at: formatTimestamp(state.clock()),
  });
  const names = ready.map((lane) => `${lane.work_item_kind} ${lane.item_id} (lane ${lane.lane})`).join(", ");
  const done =
    env.mode === "mailbox"
      ? `retrying ${names}: running stages are stopped, then the items are requeued (${reason})`
      : `requeued ${names} (${reason})`;
  return { applied: true, detail: [done, ...skipped].join("; ") };
}

/**
 * No daemon: the journal is marked first, then each lane's retry is carried out and the lane
 * dropped, its counters saved before the journal forgets it (a kill leaves the rest to the next start).
 */
function directLaneControl(state: ControlState): LaneControl {
  let runs: LaneRuns | undefined;
  const load = (): LaneRuns => {
    runs ??= existsSync(laneRunsFile(state.paths))
      ? readLaneRuns(state.paths)
      : { schema_version: "1", lanes: [], waiting: [] };
    return runs;
  };
  return {
    entries: () => load().lanes,
    requestRetry(lanes, retry) {
      const journal = load();
      for (const lane of lanes) lane.retry = retry;
      writeLaneRuns(state.paths, journal);
      for (const lane of lanes) {
        requeueRetriedLane(state, lane);
        saveCounters(state.paths, state.counters);
        journal.lanes = journal.lanes.filter((entry) => entry !== lane);
        writeLaneRuns(state.paths, journal);
      }
      if (journal.lanes.length === 0) {
        writeStatusMarker(state.paths, "execution", IDLE_MARKER);
        state.snapshot = withStatusMarker(state.snapshot, "execution", IDLE_MARKER);
      }
    },
  };
}

/**
 * Read-only check of a `retry_active` target before it is queued or applied: a `lane` or `item`
 * the lanes journal does not hold is refused (`lane_not_found`) with the lanes in use as the hint.
 * The handler checks again when it applies the command.
 */
export function checkLaneRetryTarget(paths: ControlState["paths"], target: LaneRetryTarget): void {
  if (target.lane === undefined && target.item === undefined) return;
  const lanes = existsSync(laneRunsFile(paths)) ? readLaneRuns(paths).lanes : [];
  selectRetryLanes(lanes, target);
}

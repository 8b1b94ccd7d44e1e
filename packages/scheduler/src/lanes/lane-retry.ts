import { existsSync, renameSync } from "node:fs";
import { type DocumentKind, MillraceError, type RecoveryCounters } from "@millrace/contracts";
import type { QueueStore } from "@millrace/queue-store";
import type { WorkspacePaths } from "@millrace/workspace";
import { type EventSink, recordEvent } from "../state/event-journal.js";
import { clearItemCounters } from "../state/state-store.js";
import type { LaneEntry, LaneRetry } from "./lane-state.js";

/**
 * How `retry-active` reaches the lanes: the lanes holding items, and the retry itself. The retry
 * is written to the lanes journal first (so a kill at any later point leaves it to the next start),
 * then carried out: at once with no daemon; by the engine once the lanes' running stages, which it
 * stops, have ended (`LaneRunner.finishRetries`).
 */
export interface LaneControl {
  entries(): readonly LaneEntry[];
  requestRetry(lanes: readonly LaneEntry[], retry: LaneRetry): void;
}

/** What carrying out a retry touches: the same state a control handler and the engine own. */
export interface LaneRetryState extends EventSink {
  readonly paths: WorkspacePaths;
  readonly queue: QueueStore;
  counters: RecoveryCounters;
}

export interface LaneRetryTarget {
  lane?: number | undefined;
  item?: string | undefined;
}

/** The lanes an operator's retry names: one lane, the lane holding one item, or every lane. */
export function selectRetryLanes(lanes: readonly LaneEntry[], target: LaneRetryTarget): LaneEntry[] {
  if (target.lane !== undefined) {
    const found = lanes.find((lane) => lane.lane === target.lane);
    if (!found) {
      throw new MillraceError("lane_not_found", `no item is in execution lane ${target.lane}`, {
        hint: lanesHint(lanes),
      });
    }
    if (target.item !== undefined && found.item_id !== target.item) {
      throw new MillraceError(
        "lane_not_found",
        `execution lane ${target.lane} holds ${found.item_id}, not ${target.item}`,
        { hint: lanesHint(lanes) },
      );
    }
    return [found];
  }
  if (target.item !== undefined) {
    const found = lanes.find((lane) => lane.item_id === target.item);
    if (!found) {
      throw new MillraceError("lane_not_found", `${target.item} is not in an execution lane`, {
        hint: lanesHint(lanes),
      });
    }
    return [found];
  }
  return [...lanes];
}

function lanesHint(lanes: readonly LaneEntry[]): string {
  const held = [...lanes]
    .sort((a, b) => a.lane - b.lane)
    .map((lane) => `${lane.lane} (${lane.item_id})`)
    .join(", ");
  return held
    ? `Lanes in use: ${held}; \`millrace status\` lists them on its \`lane:\` lines.`
    : "No execution lane holds an item now; `millrace status` lists the lanes on its `lane:` lines.";
}

/** Why a lane's item cannot be retried now, or null when it can. */
export function retryBlocker(lane: LaneEntry): string | null {
  if (lane.retry) return "already being retried";
  if (lane.phase !== "running" || !lane.run) return "landing; its item finished its run";
  return null;
}

/**
 * Carries out a lane's retry once no stage of it runs (idempotent, so a restart may repeat it): the
 * cut-off stage's result is set aside (`.interrupted`, never applied), the document goes back to its
 * queue (when still active), the item's recovery counters are cleared, and the lane is released.
 * The worktree and branch are kept, as for any item that ends its run without landing: the item
 * starts over in them, as a plane's retried item starts over in the workspace. The caller drops the
 * lane from the journal after the state this writes is saved.
 */
export function requeueRetriedLane(state: LaneRetryState, lane: LaneEntry): void {
  const retry = lane.retry;
  if (!retry) return;
  const result = lane.inflight?.stage_result_path;
  if (result && existsSync(result)) renameSync(result, `${result}.interrupted`);
  const kind = lane.work_item_kind as DocumentKind;
  if (state.queue.find(lane.item_id)?.state === "active") {
    state.queue.requeue(kind, lane.item_id, retry.reason, { actor: retry.issuer });
  }
  state.counters = clearItemCounters(state.counters, kind, lane.item_id);
  recordEvent(state, "retry_active_applied", {
    plane: "execution",
    work_item_kind: lane.work_item_kind,
    work_item_id: lane.item_id,
    reason: retry.reason,
    lane: lane.lane,
  });
  recordEvent(state, "lane_released", {
    lane: lane.lane,
    work_item_id: lane.item_id,
    document_state: state.queue.find(lane.item_id)?.state ?? "missing",
  });
}

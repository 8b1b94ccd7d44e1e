import type { SupervisorSentinel } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { sentinelPaths } from "../sentinel/paths.js";
import { readSentinelState } from "../sentinel/state-store.js";

export const NO_SENTINEL: SupervisorSentinel = {
  available: false,
  status: null,
  reason: "no-persisted-sentinel-state",
  last_check_at: null,
  next_check_at: null,
  recovery_requests_queued: 0,
  last_recovery_request_id: null,
  soft_cap_reached: false,
  hard_cap_reached: false,
  acknowledgment_required: false,
};

/** Sentinel's persisted state as the report shows it; a damaged file is reported, not thrown. */
export function readSentinelSummary(paths: WorkspacePaths): SupervisorSentinel {
  let state: ReturnType<typeof readSentinelState>;
  try {
    state = readSentinelState(sentinelPaths(paths));
  } catch {
    return { ...NO_SENTINEL, reason: "sentinel-state-unreadable" };
  }
  if (!state) return { ...NO_SENTINEL };
  return {
    available: true,
    status: state.status,
    reason: state.reason,
    last_check_at: state.last_check_at,
    next_check_at: state.next_check_at,
    recovery_requests_queued: state.recovery_requests_queued,
    last_recovery_request_id: state.last_recovery_request_id,
    soft_cap_reached: state.soft_cap_reached,
    hard_cap_reached: state.hard_cap_reached,
    acknowledgment_required: state.acknowledgment_required,
  };
}

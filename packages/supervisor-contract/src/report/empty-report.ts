import { formatTimestamp, type SupervisorHealth, type SupervisorReport } from "@millrace/contracts";
import { NO_SENTINEL } from "./sentinel-summary.js";

const idlePlane = {
  status_marker: "### IDLE",
  queue_depth: 0,
  active_documents: 0,
  run_id: null,
  stage: null,
  active_since: null,
};

/** A report with nothing known beyond health: the base of every report, and the whole of a missing one. */
export function emptyReport(
  workspace: string,
  now: Date,
  health: SupervisorHealth,
  stalledAfterSeconds: number,
): SupervisorReport {
  return {
    schema_version: "1.0",
    kind: "supervisor_report",
    workspace,
    generated_at: formatTimestamp(now),
    bootstrapped: false,
    health,
    liveness: { grade: null, lock_state: "absent", owner_pid: null, summary: "no runtime is running" },
    process_running: false,
    paused: false,
    pause_sources: [],
    stop_requested: false,
    planes: { execution: { ...idlePlane }, planning: { ...idlePlane } },
    active_work: [],
    next_work: [],
    backlog: { execution: 0, planning: 0, learning: 0, total: 0, blocked: 0 },
    mailbox: { pending_count: 0, oldest_issued_at: null, newest_issued_at: null, commands: [], issuers: [] },
    current_run_id: null,
    current_stage: null,
    time_in_status_seconds: null,
    last_activity_at: null,
    stalled_after_seconds: stalledAfterSeconds,
    governance: { paused: false, blocker_count: 0, next_auto_resume_at: null, parked_count: 0 },
    attention_reason: "not_bootstrapped",
    attention_summary: "workspace is not initialized",
    allowed_actions: [],
    sentinel: { ...NO_SENTINEL },
    lanes: null,
    recent_events: [],
  };
}

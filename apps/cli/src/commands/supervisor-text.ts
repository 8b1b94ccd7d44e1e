import type { SupervisorReport } from "@millrace/contracts";
import { keyValueLines } from "../command.js";

function planeLine(plane: SupervisorReport["planes"]["execution"]): string {
  const run = plane.run_id ? ` run=${plane.run_id} stage=${plane.stage} since=${plane.active_since}` : "";
  return `${plane.status_marker} queue=${plane.queue_depth} active=${plane.active_documents}${run}`;
}

function workLine(item: SupervisorReport["next_work"][number]): string {
  return `${item.plane} ${item.work_item_kind ?? "-"} ${item.work_item_id ?? "-"}${item.title ? ` ${JSON.stringify(item.title)}` : ""}`;
}

/** The text form of one report: the attention block first (what an agent acts on), then the facts. */
export function supervisorLines(report: SupervisorReport): string {
  const head = keyValueLines({
    workspace: report.workspace,
    attention_reason: report.attention_reason,
    attention_summary: report.attention_summary,
  });
  const actions = report.allowed_actions.map((action) => `allowed_action: ${action.text}\n`).join("");
  const { health, backlog, mailbox, governance } = report;
  const facts = keyValueLines({
    health: `${health.status} (${health.total_checks} checks, ${health.failed_checks} failed, ${health.warning_checks} warnings)`,
    liveness: report.liveness.grade
      ? `${report.liveness.grade}: ${report.liveness.summary}`
      : report.liveness.summary,
    process_running: report.process_running,
    paused: report.paused ? `yes (${report.pause_sources.join(", ")})` : "no",
    execution: planeLine(report.planes.execution),
    planning: planeLine(report.planes.planning),
    active_work: report.active_work.map(workLine).join("; "),
    next_work: report.next_work.map(workLine).join("; "),
    backlog: `execution=${backlog.execution} planning=${backlog.planning} learning=${backlog.learning} blocked=${backlog.blocked}`,
    mailbox_pending: `${mailbox.pending_count}${mailbox.issuers.length > 0 ? ` (from ${mailbox.issuers.join(", ")})` : ""}`,
    current_run: report.current_run_id,
    current_stage: report.current_stage,
    time_in_status_seconds:
      report.time_in_status_seconds === null ? null : Math.round(report.time_in_status_seconds),
    last_activity_at: report.last_activity_at,
    sentinel: report.sentinel.available
      ? `${report.sentinel.status} (${report.sentinel.reason}) queued=${report.sentinel.recovery_requests_queued}${report.sentinel.acknowledgment_required ? " acknowledgment required" : ""}`
      : report.sentinel.reason,
    governance: `paused=${governance.paused} blockers=${governance.blocker_count} parked=${governance.parked_count}${governance.next_auto_resume_at ? ` resumes_at=${governance.next_auto_resume_at}` : ""}`,
  });
  const lanes = (report.lanes?.active ?? [])
    .map(
      (lane) =>
        `lane: ${lane.lane} item=${lane.item_id} stage=${lane.stage ?? "-"} elapsed=${lane.elapsed_seconds === null ? "-" : `${Math.round(lane.elapsed_seconds)}s`} liveness=${lane.liveness}${lane.stage_liveness ? ` grade=${lane.stage_liveness.grade}` : ""}\n`,
    )
    .join("");
  const events = report.recent_events
    .map((event) => `event: ${event.occurred_at} ${event.event_type}\n`)
    .join("");
  return head + actions + facts + lanes + events;
}

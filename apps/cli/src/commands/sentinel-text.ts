import type { SentinelCheck, SentinelState } from "@millrace/contracts";

/** Text forms of Sentinel's outputs (the `--json` forms are the schemas themselves). */

export function checkLine(check: SentinelCheck): string {
  const parts = [
    `${check.checked_at} sentinel ${check.status}: ${check.reason}`,
    `progress=${check.progress}`,
    `queued=${check.state.recovery_requests_queued}`,
  ];
  if (check.recovery_request_id) parts.push(`recovery=${check.recovery_request_id} (${check.recovery_mode})`);
  if (check.notification) parts.push(`notified=${check.notification.ok ? "ok" : "failed"}`);
  parts.push(`next=${check.next_check_at ?? "none"}`);
  return `${parts.join("  ")}\n`;
}

export function stateLines(state: SentinelState): string {
  const lines = [
    `status: ${state.status}`,
    `reason: ${state.reason}`,
    `checks performed: ${state.checks_performed}`,
    `last check: ${state.last_check_at ?? "never"}`,
    `next check: ${state.next_check_at ?? "none scheduled"}`,
    `recovery requests queued without progress: ${state.recovery_requests_queued}`,
    `last recovery request: ${state.last_recovery_request_id ?? "none"}`,
    `soft cap reached: ${state.soft_cap_reached ? "yes" : "no"}`,
    `hard cap reached: ${state.hard_cap_reached ? "yes" : "no"}`,
    `acknowledgment required: ${state.acknowledgment_required ? "yes (millrace sentinel acknowledge --reason R)" : "no"}`,
  ];
  if (state.last_notification) {
    const n = state.last_notification;
    lines.push(`last notification: ${n.trigger} at ${n.at} (${n.ok ? "ok" : "failed"})`);
  }
  return `${lines.join("\n")}\n`;
}

import { ApprovalStore } from "@millrace/governance";
import {
  type ControlOutcome,
  type ControlState,
  event,
  type HandlerEnvironment,
  requireString,
} from "./control-state.js";

/**
 * `approve_execution_capability` / `deny_execution_capability`: decides a pending approval under
 * `approvals/pending/`, recording the issuer and the reason (the resolved copy goes to
 * `approvals/resolved/`). An unknown, already-decided or expired approval is refused.
 */
export function decideApproval(
  state: ControlState,
  command: "approve_execution_capability" | "deny_execution_capability",
  payload: Record<string, unknown>,
  env: HandlerEnvironment,
): ControlOutcome {
  const id = requireString(payload, "approval_id");
  const reason = typeof payload.reason === "string" ? payload.reason : "";
  const store = new ApprovalStore(state.paths, { now: state.clock });
  const approve = command === "approve_execution_capability";
  const decided = approve ? store.approve(id, env.issuer, reason) : store.deny(id, env.issuer, reason);
  event(state, "execution_capability_decided", {
    approval_id: id,
    decision: approve ? "approved" : "denied",
    capability_id: decided.capability_id,
    issuer: env.issuer,
  });
  return {
    applied: true,
    detail: `${decided.status} ${id} (${decided.capability_id} for ${decided.stage_kind_id} in ${decided.run_id}) by ${env.issuer}`,
  };
}

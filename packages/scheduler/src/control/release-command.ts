import { MillraceError } from "@millrace/contracts";
import {
  type ControlOutcome,
  type ControlState,
  event,
  type HandlerEnvironment,
  requireString,
} from "./control-state.js";

/**
 * `release_work_item`: a parked work item may be claimed again, with `add_budget` more for each
 * budget it is over (or with none when the config was raised). The issuer is recorded in the
 * budget-release journal and the event.
 */
export function releaseWorkItem(
  state: ControlState,
  payload: Record<string, unknown>,
  env: HandlerEnvironment,
): ControlOutcome {
  const id = requireString(payload, "work_item_id");
  const amount = payload.add_budget;
  if (amount !== undefined && amount !== null && typeof amount !== "number") {
    throw new MillraceError("mailbox_command_invalid", "payload.add_budget must be a number");
  }
  if (!state.governance) {
    throw new MillraceError("control_refused", "usage governance is not available to release work items");
  }
  const outcome = state.governance.release({
    workItemId: id,
    ...(typeof amount === "number" ? { addBudget: amount } : {}),
    issuer: env.issuer,
    ...(typeof payload.reason === "string" ? { reason: payload.reason } : {}),
    now: state.clock(),
  });
  event(state, "work_item_released", {
    work_item_id: id,
    issuer: env.issuer,
    added_budget: outcome.addedBudget,
  });
  const added = outcome.addedBudget === null ? "" : ` with ${outcome.addedBudget} more budget`;
  return { applied: true, detail: `released ${id}${added}; it is claimed again at the next free slot` };
}

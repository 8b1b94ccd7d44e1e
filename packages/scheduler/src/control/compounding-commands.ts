import path from "node:path";
import { compoundingPaths, deprecateItem, promoteItem } from "@millrace/compounding";
import { CompoundingGovernPayloadSchema, type LifecycleChange, MillraceError } from "@millrace/contracts";
import { toWorkspaceRelative } from "@millrace/workspace";
import { type ControlOutcome, type ControlState, event, type HandlerEnvironment } from "./control-state.js";

export type CompoundingGovernCommand = "promote_compounding_item" | "deprecate_compounding_item";

function payloadOf(command: CompoundingGovernCommand, payload: Record<string, unknown>) {
  const parsed = CompoundingGovernPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MillraceError(
      "mailbox_command_invalid",
      `${command}: payload.${issue?.path.join(".") || "root"} ${issue?.message ?? "is invalid"}`,
    );
  }
  if (command === "promote_compounding_item" && parsed.data.replacement_id) {
    throw new MillraceError("mailbox_command_invalid", `${command}: a replacement is only for deprecate`);
  }
  return parsed.data;
}

/**
 * `promote_compounding_item` / `deprecate_compounding_item`: a lifecycle record for a workspace
 * procedure or context fact, with the issuer and the reason (@millrace/compounding decides and
 * writes it). Idempotent: an item already in that state is `applied: false`, nothing written.
 */
export function governCompoundingItem(
  state: ControlState,
  command: CompoundingGovernCommand,
  payload: Record<string, unknown>,
  env: HandlerEnvironment,
): ControlOutcome {
  const input = payloadOf(command, payload);
  const request = {
    kind: input.item_kind,
    id: input.item_id,
    issuer: env.issuer,
    reason: input.reason,
    now: state.clock(),
  };
  const change: LifecycleChange =
    command === "promote_compounding_item"
      ? promoteItem(state.paths, request)
      : deprecateItem(state.paths, { ...request, replacementId: input.replacement_id ?? null });
  const target = change.state === "promoted" ? "promoted" : "deprecated";
  event(state, "compounding_item_governed", {
    item_kind: change.item_kind,
    item_id: change.item_id,
    state: target,
    issuer: env.issuer,
    reason: input.reason,
    replacement_id: input.replacement_id ?? null,
    applied: change.applied,
  });
  const replacement = input.replacement_id ? ` (replaced by ${input.replacement_id})` : "";
  return change.applied && change.record
    ? {
        applied: true,
        detail: `${change.item_kind} ${change.item_id} ${target}${replacement} by ${env.issuer}: ${input.reason}`,
        artifactPath: toWorkspaceRelative(
          state.paths,
          path.join(compoundingPaths(state.paths).lifecycle, `${change.record.record_id}.json`),
        ),
      }
    : { applied: false, detail: `${change.item_kind} ${change.item_id} is already ${target}${replacement}` };
}

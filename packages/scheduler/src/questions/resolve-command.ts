import { MillraceError, QuestionResolutionSchema } from "@millrace/contracts";
import {
  type ControlOutcome,
  type ControlState,
  event,
  type HandlerEnvironment,
  requireString,
} from "../control/control-state.js";
import { resolveQuestion } from "./question-store.js";

/**
 * `resolve_operator_question`: answers, accepts the recommendation for, or skips a pending question,
 * recording the issuer. The item is claimed again at the next free slot and continues at the
 * question edge's target with the answer in its prompt.
 */
export function resolveOperatorQuestion(
  state: ControlState,
  payload: Record<string, unknown>,
  env: HandlerEnvironment,
): ControlOutcome {
  const id = requireString(payload, "question_id");
  const resolution = QuestionResolutionSchema.safeParse(payload.resolution);
  if (!resolution.success) {
    throw new MillraceError(
      "mailbox_command_invalid",
      "payload.resolution must be one of answered, accepted, skipped",
    );
  }
  const answer = typeof payload.answer === "string" ? payload.answer : null;
  const resolved = resolveQuestion(state.paths, id, {
    resolution: resolution.data,
    answer,
    issuer: env.issuer,
    now: state.clock(),
  });
  event(state, "operator_question_resolved", {
    question_id: id,
    work_item_id: resolved.work_item_id,
    resolution: resolution.data,
    issuer: env.issuer,
  });
  return {
    applied: true,
    detail: `${resolution.data} ${id} by ${env.issuer}; ${resolved.work_item_kind} ${resolved.work_item_id} continues at ${resolved.resume_node_id} at the next free slot`,
  };
}

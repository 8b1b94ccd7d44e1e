import type { FrozenGraphPlanePlan } from "@millrace/contracts";
import { type EngineContext, recordEvent } from "../state/context.js";
import { listQuestions, markResumed, pendingQuestions } from "./question-store.js";

/** Work items that wait for an operator answer: claims skip them. */
export function questionHeldIds(ctx: EngineContext): Set<string> {
  return new Set(pendingQuestions(ctx.paths).map((question) => question.work_item_id));
}

/** Ids claims must skip: the governance port's parked items and items awaiting an operator answer. */
export function heldWorkItemIds(ctx: EngineContext): Set<string> {
  const held = questionHeldIds(ctx);
  for (const id of ctx.governance?.heldIds() ?? []) held.add(id);
  return held;
}

/**
 * True when the lineage of `rootSpecId` waits for an operator answer. Its closure target stays
 * open, but claims are not narrowed to it meanwhile, so unrelated work keeps flowing.
 */
export function lineageAwaitsOperator(ctx: EngineContext, rootSpecId: string): boolean {
  return pendingQuestions(ctx.paths).some(
    (question) => question.root_spec_id === rootSpecId || question.work_item_id === rootSpecId,
  );
}

/**
 * When a claimed item's question was resolved and the item has not resumed since, the node (and
 * run id) it continues at: the question edge's target, with the answer in its prompt context.
 */
export function takeQuestionResume(
  ctx: EngineContext,
  graph: FrozenGraphPlanePlan,
  workItemId: string,
): { node_id: string; run_id: string } | undefined {
  const waiting = listQuestions(ctx.paths, { workItemId }).filter(
    (question) => question.status === "resolved" && question.resumed_at === null,
  );
  const latest = waiting.at(-1);
  if (!latest) return undefined;
  for (const question of waiting) markResumed(ctx.paths, question, ctx.clock());
  if (!graph.nodes.some((node) => node.node_id === latest.resume_node_id)) return undefined;
  recordEvent(ctx, "operator_question_resumed", {
    question_id: latest.question_id,
    work_item_id: workItemId,
    run_id: latest.run_id,
    node_id: latest.resume_node_id,
  });
  return { node_id: latest.resume_node_id, run_id: latest.run_id };
}

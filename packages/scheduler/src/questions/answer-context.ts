import type { StageRunRequest, StoredQuestionResolution } from "@millrace/contracts";
import type { PromptContextBlock } from "@millrace/runners";
import type { EngineContext } from "../state/context.js";
import { listQuestions } from "./question-store.js";

const RESOLUTION_TEXT = {
  answered: "answered by the operator",
  accepted: "the operator accepted the recommended answer",
  skipped: "skipped by the operator: proceed on your own best judgement and record the assumption",
  // The item left the queue; should it ever run again (a retry), nobody answered the question.
  withdrawn: "withdrawn when the item left the queue: no answer was given",
} as const satisfies Record<StoredQuestionResolution, string>;

/**
 * The operator's answers for this work item, one block per resolved question, so every later stage
 * of the item (not only the one right after the answer) works from the same decisions.
 */
export function operatorAnswerBlocks(ctx: EngineContext, request: StageRunRequest): PromptContextBlock[] {
  const id = request.active_work_item_id;
  if (!id) return [];
  return listQuestions(ctx.paths, { workItemId: id })
    .filter((question) => question.status === "resolved")
    .map((question) => ({
      title: `Operator answer to question ${question.question_id}`,
      body: [
        `Question: ${question.question}`,
        `Why it matters: ${question.why_it_matters}`,
        `Resolution: ${question.resolution ? RESOLUTION_TEXT[question.resolution] : "resolved"}`,
        `Answer: ${question.answer ?? "none"}`,
      ].join("\n"),
    }));
}

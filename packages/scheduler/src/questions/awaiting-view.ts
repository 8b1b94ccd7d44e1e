import type { StatusAwaitingOperator } from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";
import { pendingQuestions } from "./question-store.js";

/** The status read model's view of the work items that wait for an operator answer. */
export function awaitingOperatorView(paths: WorkspacePaths): StatusAwaitingOperator[] {
  return pendingQuestions(paths).map((question) => ({
    question_id: question.question_id,
    work_item_kind: question.work_item_kind,
    work_item_id: question.work_item_id,
    asked_by_stage_kind_id: question.asked_by_stage_kind_id,
    asked_at: question.asked_at,
  }));
}

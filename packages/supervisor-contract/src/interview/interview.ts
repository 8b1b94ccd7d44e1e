import type { OperatorQuestion, QuestionResolution } from "@millrace/contracts";
import { listQuestions, readQuestion } from "@millrace/scheduler";
import { requireInitialized } from "@millrace/workspace";
import { type ControlResult, type SubmitControlOptions, submitControl } from "../control/submit-control.js";

/**
 * `millrace interview`: the operator questions stages asked, and their resolution through the one
 * control path (mailbox when a daemon runs, direct under the ownership lock otherwise).
 */

export type InterviewAction = "answer" | "accept" | "skip";

const RESOLUTION_OF: Record<InterviewAction, QuestionResolution> = {
  answer: "answered",
  accept: "accepted",
  skip: "skipped",
};

export function listInterviewQuestions(
  workspace: string,
  options: { status?: OperatorQuestion["status"] } = {},
): OperatorQuestion[] {
  const all = listQuestions(requireInitialized(workspace));
  return options.status ? all.filter((question) => question.status === options.status) : all;
}

export function showInterviewQuestion(workspace: string, questionId: string): OperatorQuestion {
  return readQuestion(requireInitialized(workspace), questionId);
}

export interface InterviewResolveInput {
  questionId: string;
  action: InterviewAction;
  /** The operator's answer (`answer` only). */
  answer?: string | undefined;
}

/** Answers, accepts or skips one pending question through the supervisor contract's control path. */
export function resolveInterviewQuestion(
  workspace: string,
  input: InterviewResolveInput,
  options: SubmitControlOptions = {},
): ControlResult {
  const payload: Record<string, unknown> = {
    question_id: input.questionId,
    resolution: RESOLUTION_OF[input.action],
    ...(input.action === "answer" ? { answer: input.answer ?? "" } : {}),
  };
  return submitControl(workspace, "resolve_operator_question", payload, options);
}

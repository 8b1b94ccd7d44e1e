import type { AllowedAction, ControlRequest, OperatorQuestion } from "@millrace/contracts";

/** The attention of a workspace whose stages wait for operator answers, or undefined when none do. */
export function questionAttention(
  pending: readonly OperatorQuestion[],
): { reason: "awaiting_operator_input"; summary: string } | undefined {
  const first = pending[0];
  if (!first) return undefined;
  const question = first.question.length > 120 ? `${first.question.slice(0, 117)}...` : first.question;
  const more = pending.length > 1 ? ` (and ${pending.length - 1} more)` : "";
  return {
    reason: "awaiting_operator_input",
    summary: `${first.work_item_kind} ${first.work_item_id} waits for an answer to question ${first.question_id}${more}: ${question}`,
  };
}

type ActionBuilder = (
  name: string,
  description: string,
  args: string[],
  request: ControlRequest | null,
  mutating?: boolean,
) => AllowedAction;

/** The interview commands for the first pending question: show, answer, accept (with a recommendation) and skip. */
export function interviewActions(
  question: OperatorQuestion | undefined,
  action: ActionBuilder,
): AllowedAction[] {
  if (!question) return [];
  const id = question.question_id;
  const resolve = (resolution: "accepted" | "skipped"): ControlRequest => ({
    command: "resolve_operator_question",
    payload: { question_id: id, resolution },
  });
  return [
    action(
      "interview_show",
      `Show question ${id}, why it matters and the recommendation`,
      ["interview", "show", id],
      null,
    ),
    action(
      "interview_answer",
      `Answer question ${id} (replace <answer>)`,
      ["interview", "answer", id, "--text", "<answer>"],
      null,
      true,
    ),
    ...(question.recommended_answer
      ? [
          action(
            "interview_accept",
            `Accept the recommended answer to ${id}`,
            ["interview", "accept", id],
            resolve("accepted"),
          ),
        ]
      : []),
    action(
      "interview_skip",
      `Skip ${id}: the stage proceeds on its own judgement`,
      ["interview", "skip", id],
      resolve("skipped"),
    ),
  ];
}

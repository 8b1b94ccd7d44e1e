import { MillraceError, QuestionResolutionSchema } from "@millrace/contracts";
import { checkResolution, readQuestion } from "@millrace/scheduler";
import type { WorkspacePaths } from "@millrace/workspace";

/**
 * Refuses a `resolve_operator_question` request before anything is written: an unknown or resolved
 * question, an empty answer, or an accept without a recommendation is a one-line error here, not a
 * failed mailbox command later.
 */
export function checkQuestionRequest(paths: WorkspacePaths, payload: Record<string, unknown>): void {
  const id = payload.question_id;
  if (typeof id !== "string" || id.trim() === "") {
    throw new MillraceError("usage_invalid_argument", "resolve_operator_question needs payload.question_id", {
      hint: "Run `millrace interview list` to see the question ids.",
    });
  }
  const resolution = QuestionResolutionSchema.safeParse(payload.resolution);
  if (!resolution.success) {
    throw new MillraceError(
      "usage_invalid_argument",
      "resolve_operator_question needs payload.resolution: answered, accepted or skipped",
    );
  }
  checkResolution(readQuestion(paths, id), {
    resolution: resolution.data,
    answer: typeof payload.answer === "string" ? payload.answer : null,
  });
}

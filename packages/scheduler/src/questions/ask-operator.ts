import path from "node:path";
import {
  type DocumentKind,
  formatTimestamp,
  MillraceError,
  OPERATOR_QUESTION_FILE,
  OPERATOR_QUESTION_MAX_BYTES,
  OPERATOR_QUESTION_OUTCOME,
  type OperatorQuestion,
  OperatorQuestionFileSchema,
  type SpecDocument,
} from "@millrace/contracts";
import { describeReadProblem, readRegularFile } from "@millrace/workspace";
import type { RouterDecision } from "../apply/router.js";
import { endRun, findDocument, marker } from "../apply/run-end.js";
import type { StageCompletion } from "../apply/stage-completion.js";
import { closureRootOf } from "../state/closure-targets.js";
import { type EngineContext, recordEvent } from "../state/context.js";
import { listQuestions, writePendingQuestion } from "./question-store.js";

/** True when a stage asked the operator a question and the graph routes the question to a stage. */
export function isOperatorQuestion(completion: StageCompletion, decision: RouterDecision): boolean {
  return (
    completion.envelope.terminal_result === OPERATOR_QUESTION_OUTCOME &&
    decision.action === "run_stage" &&
    completion.run.work_item_kind != null &&
    completion.run.work_item_id != null
  );
}

function questionInvalid(message: string): MillraceError {
  return new MillraceError("work_document_invalid", `operator question refused: ${message}`, {
    hint: `The stage must write ${OPERATOR_QUESTION_FILE} ({"question", "why_it_matters", "recommended_answer"}) into its run folder before printing the marker.`,
  });
}

function readQuestionFile(completion: StageCompletion) {
  const file = path.join(completion.request.run_dir, OPERATOR_QUESTION_FILE);
  const read = readRegularFile(file, { maxBytes: OPERATOR_QUESTION_MAX_BYTES, plainText: true });
  if (read.kind !== "ok") throw questionInvalid(`${OPERATOR_QUESTION_FILE} ${describeReadProblem(read)}`);
  let raw: unknown;
  try {
    raw = JSON.parse(read.text);
  } catch (error) {
    throw questionInvalid(`${OPERATOR_QUESTION_FILE} is not JSON: ${(error as Error).message}`);
  }
  const parsed = OperatorQuestionFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw questionInvalid(
      `${OPERATOR_QUESTION_FILE}: ${issue?.path.join(".") || "file"} ${issue?.message ?? "is invalid"}`,
    );
  }
  return parsed.data;
}

function lineageRoot(ctx: EngineContext, kind: DocumentKind, id: string): string | null {
  const doc = findDocument(ctx, kind, id) as { root_spec_id?: string | null } | undefined;
  if (doc?.root_spec_id) return doc.root_spec_id;
  if (kind === "spec" && doc) return closureRootOf(doc as SpecDocument)?.rootSpecId ?? null;
  return null;
}

/**
 * The effect of a question: the question is stored pending (once per request, so a replayed result
 * asks nothing twice), the work item goes back to its queue folder where claims skip it until the
 * question is resolved, and the plane is free for other work. Returns true (the run ended).
 */
export function awaitOperatorInput(
  ctx: EngineContext,
  completion: StageCompletion,
  decision: RouterDecision,
): boolean {
  const { plane, run } = completion;
  const kind = run.work_item_kind as DocumentKind;
  const id = run.work_item_id as string;
  const existing = listQuestions(ctx.paths, { workItemId: id }).find(
    (q) => q.request_id === completion.request.request_id,
  );
  const question = existing ?? newQuestion(ctx, completion, decision, readQuestionFile(completion));
  if (!existing) writePendingQuestion(ctx.paths, question);
  if (ctx.queue.find(id)?.state === "active") {
    ctx.queue.requeue(kind, id, `awaiting operator input: question ${question.question_id}`, {
      actor: "runtime",
    });
  }
  if (!existing) {
    recordEvent(ctx, "operator_question_asked", {
      question_id: question.question_id,
      plane,
      work_item_kind: kind,
      work_item_id: id,
      run_id: run.run_id,
      node_id: run.node_id,
      resume_node_id: question.resume_node_id,
    });
  }
  endRun(ctx, plane, run, marker(OPERATOR_QUESTION_OUTCOME), null);
  return true;
}

function newQuestion(
  ctx: EngineContext,
  completion: StageCompletion,
  decision: RouterDecision,
  asked: ReturnType<typeof readQuestionFile>,
): OperatorQuestion {
  const { run } = completion;
  const kind = run.work_item_kind as DocumentKind;
  const id = run.work_item_id as string;
  const taken = new Set(listQuestions(ctx.paths, { workItemId: id }).map((q) => q.question_id));
  let n = 1;
  while (taken.has(`${id}-q${n}`)) n += 1;
  return {
    schema_version: "1.0",
    kind: "operator_question",
    question_id: `${id}-q${n}`,
    status: "pending",
    question: asked.question,
    why_it_matters: asked.why_it_matters,
    recommended_answer: asked.recommended_answer ?? null,
    plane: completion.plane,
    work_item_kind: kind,
    work_item_id: id,
    root_spec_id: lineageRoot(ctx, kind, id),
    run_id: run.run_id,
    request_id: completion.request.request_id,
    asked_by_node_id: run.node_id,
    asked_by_stage_kind_id: run.stage_kind_id,
    resume_node_id: decision.nextNodeId as string,
    asked_at: formatTimestamp(ctx.clock()),
    resolution: null,
    answer: null,
    resolved_by: null,
    resolved_at: null,
    resumed_at: null,
  };
}

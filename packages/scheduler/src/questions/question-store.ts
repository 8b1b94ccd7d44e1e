import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import {
  compareCodeUnits,
  explainUnsafeId,
  findControlChar,
  formatTimestamp,
  MillraceError,
  OPERATOR_ANSWER_MAX_CHARS,
  OPERATOR_QUESTION_MAX_BYTES,
  type OperatorQuestion,
  OperatorQuestionSchema,
  type QuestionResolution,
} from "@millrace/contracts";
import {
  describeReadProblem,
  fsyncDirSync,
  readRegularFile,
  type WorkspacePaths,
  writeJsonAtomicSync,
} from "@millrace/workspace";

/**
 * Operator questions under `millrace-agents/questions/pending/` and `questions/resolved/`, one JSON
 * file each, written atomically. Resolving writes the resolved copy first and then deletes the
 * pending one, so a crash in between leaves the answer on record (the resolved copy wins).
 * Files are read with the safe-read helpers: a link, a FIFO or an oversized file is skipped.
 */
export interface QuestionDirs {
  pending: string;
  resolved: string;
}

export function questionDirs(paths: WorkspacePaths): QuestionDirs {
  const root = path.join(paths.runtimeRoot, "questions");
  return { pending: path.join(root, "pending"), resolved: path.join(root, "resolved") };
}

function readQuestionFile(file: string): OperatorQuestion | undefined {
  const read = readRegularFile(file, { maxBytes: OPERATOR_QUESTION_MAX_BYTES, plainText: true });
  if (read.kind !== "ok") return undefined;
  try {
    const parsed = OperatorQuestionSchema.safeParse(JSON.parse(read.text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function readDir(dir: string, namePrefix = ""): OperatorQuestion[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json") && name.startsWith(namePrefix));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const question = readQuestionFile(path.join(dir, name));
    return question && `${question.question_id}.json` === name ? [question] : [];
  });
}

const byAge = (a: OperatorQuestion, b: OperatorQuestion) =>
  compareCodeUnits(a.asked_at, b.asked_at) || compareCodeUnits(a.question_id, b.question_id);

/**
 * Every readable question (or one work item's: question ids start with the item's id), the
 * resolved copy winning over a leftover pending one; oldest first.
 */
export function listQuestions(
  paths: WorkspacePaths,
  options: { workItemId?: string } = {},
): OperatorQuestion[] {
  const dirs = questionDirs(paths);
  const prefix = options.workItemId ? `${options.workItemId}-q` : "";
  const byId = new Map<string, OperatorQuestion>();
  for (const question of readDir(dirs.pending, prefix)) byId.set(question.question_id, question);
  for (const question of readDir(dirs.resolved, prefix)) byId.set(question.question_id, question);
  const all = [...byId.values()].sort(byAge);
  return options.workItemId ? all.filter((q) => q.work_item_id === options.workItemId) : all;
}

/** Questions still waiting for an operator (read on every claim, so only the pending folder is read). */
export function pendingQuestions(paths: WorkspacePaths): OperatorQuestion[] {
  const dirs = questionDirs(paths);
  return readDir(dirs.pending)
    .filter((question) => !existsSync(path.join(dirs.resolved, `${question.question_id}.json`)))
    .sort(byAge);
}

/** One question by id; an unsafe id, an unknown id or an unreadable file is a one-line error. */
export function readQuestion(paths: WorkspacePaths, questionId: string): OperatorQuestion {
  const problem = explainUnsafeId(questionId);
  if (problem) {
    throw new MillraceError("invalid_id", `invalid question id ${JSON.stringify(questionId)}: ${problem}`, {
      hint: "Run `millrace interview list` to see the question ids.",
    });
  }
  const dirs = questionDirs(paths);
  for (const dir of [dirs.resolved, dirs.pending]) {
    const file = path.join(dir, `${questionId}.json`);
    const read = readRegularFile(file, { maxBytes: OPERATOR_QUESTION_MAX_BYTES, plainText: true });
    if (read.kind === "missing") continue;
    const question = read.kind === "ok" ? readQuestionFile(file) : undefined;
    if (!question) {
      const why = read.kind === "ok" ? "is not a valid question record" : describeReadProblem(read);
      throw new MillraceError("question_not_found", `question ${questionId}: ${file} ${why}`);
    }
    return question;
  }
  throw new MillraceError("question_not_found", `no operator question ${questionId}`);
}

/** Writes a new pending question (the asking stage's effect). */
export function writePendingQuestion(paths: WorkspacePaths, question: OperatorQuestion): void {
  const dirs = questionDirs(paths);
  mkdirSync(dirs.pending, { recursive: true });
  writeJsonAtomicSync(path.join(dirs.pending, `${question.question_id}.json`), question);
}

export interface QuestionResolutionInput {
  resolution: QuestionResolution;
  /** The operator's text (answered only). */
  answer?: string | null | undefined;
  issuer: string;
  now: Date;
}

/**
 * Checks a resolution against a question without writing anything: the question must be pending,
 * an answer must be non-empty plain text within the cap, and `accepted` needs a recommended answer.
 * Returns the answer the next stages will see (null when skipped).
 */
export function checkResolution(
  question: OperatorQuestion,
  input: Omit<QuestionResolutionInput, "issuer" | "now">,
): string | null {
  if (question.status !== "pending") {
    throw new MillraceError(
      "question_already_resolved",
      `question ${question.question_id} was already ${question.resolution ?? "resolved"} by ${question.resolved_by ?? "someone"} at ${question.resolved_at ?? "an earlier time"}`,
    );
  }
  if (input.resolution === "skipped") return null;
  if (input.resolution === "accepted") {
    if (!question.recommended_answer) {
      throw new MillraceError(
        "question_answer_invalid",
        `question ${question.question_id} has no recommended answer to accept`,
        { hint: "Answer it with `millrace interview answer ID --text ...`, or skip it." },
      );
    }
    return question.recommended_answer;
  }
  const answer = (input.answer ?? "").trim();
  if (answer === "") {
    throw new MillraceError("question_answer_invalid", `the answer to ${question.question_id} is empty`);
  }
  const control = findControlChar(answer);
  if (control) {
    throw new MillraceError(
      "question_answer_invalid",
      `the answer to ${question.question_id} holds the control character ${control.name} at offset ${control.index}`,
    );
  }
  if (answer.length > OPERATOR_ANSWER_MAX_CHARS) {
    throw new MillraceError(
      "question_answer_invalid",
      `the answer to ${question.question_id} has ${answer.length} characters (at most ${OPERATOR_ANSWER_MAX_CHARS})`,
    );
  }
  return answer;
}

/** Resolves a pending question: the resolved copy first, then the pending file goes. */
export function resolveQuestion(
  paths: WorkspacePaths,
  questionId: string,
  input: QuestionResolutionInput,
): OperatorQuestion {
  const question = readQuestion(paths, questionId);
  const answer = checkResolution(question, input);
  const resolved: OperatorQuestion = {
    ...question,
    status: "resolved",
    resolution: input.resolution,
    answer,
    resolved_by: input.issuer,
    resolved_at: formatTimestamp(input.now),
  };
  const dirs = questionDirs(paths);
  mkdirSync(dirs.resolved, { recursive: true });
  writeJsonAtomicSync(path.join(dirs.resolved, `${questionId}.json`), resolved);
  rmSync(path.join(dirs.pending, `${questionId}.json`), { force: true });
  fsyncDirSync(dirs.pending);
  return resolved;
}

/** Records that a resolved question's item was claimed again (so it resumes only once). */
export function markResumed(paths: WorkspacePaths, question: OperatorQuestion, now: Date): void {
  const dirs = questionDirs(paths);
  writeJsonAtomicSync(path.join(dirs.resolved, `${question.question_id}.json`), {
    ...question,
    resumed_at: formatTimestamp(now),
  });
}

/**
 * Withdraws the pending questions of an item that left the queue (cancelled, archived,
 * superseded): each moves to `resolved/` with resolution `withdrawn`, so nothing waits for an
 * answer nobody needs. Returns the withdrawn questions.
 */
export function withdrawQuestionsOf(
  paths: WorkspacePaths,
  workItemId: string,
  issuer: string,
  now: Date,
): OperatorQuestion[] {
  const withdrawn: OperatorQuestion[] = [];
  for (const question of pendingQuestions(paths)) {
    if (question.work_item_id !== workItemId) continue;
    const resolved: OperatorQuestion = {
      ...question,
      status: "resolved",
      resolution: "withdrawn",
      answer: null,
      resolved_by: issuer,
      resolved_at: formatTimestamp(now),
    };
    const dirs = questionDirs(paths);
    mkdirSync(dirs.resolved, { recursive: true });
    writeJsonAtomicSync(path.join(dirs.resolved, `${question.question_id}.json`), resolved);
    rmSync(path.join(dirs.pending, `${question.question_id}.json`), { force: true });
    fsyncDirSync(dirs.pending);
    withdrawn.push(resolved);
  }
  return withdrawn;
}

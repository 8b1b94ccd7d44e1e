import path from "node:path";
import { MillraceError, type OperatorQuestion } from "@millrace/contracts";
import { keyValueLines, type MillraceCommand } from "../command.js";
import { emitControl, issuerOption } from "./control-output.js";

const ACTIONS = ["list", "show", "answer", "accept", "skip"] as const;

interface InterviewArgs {
  action: (typeof ACTIONS)[number];
  id?: string;
  text?: string;
  file?: string;
  status?: "pending" | "resolved";
  issuer?: string;
}

function line(question: OperatorQuestion): string {
  const resolution = question.resolution ? ` ${question.resolution} by=${question.resolved_by}` : "";
  return `${question.status} ${question.question_id} ${question.work_item_kind}=${question.work_item_id} stage=${question.asked_by_stage_kind_id}${resolution}: ${question.question}`;
}

function requireId(args: InterviewArgs): string {
  if (!args.id) {
    throw new MillraceError("usage_invalid_argument", `interview ${args.action} needs a question id`, {
      hint: "Run `millrace interview list` to see the question ids.",
    });
  }
  return args.id;
}

async function answerText(args: InterviewArgs, cwd: string): Promise<string> {
  if (args.text !== undefined && args.file !== undefined) {
    throw new MillraceError("usage_invalid_argument", "interview answer takes --text or --file, not both");
  }
  if (args.file !== undefined) {
    const { readBodyFile } = await import("@millrace/queue-store");
    return readBodyFile(path.resolve(cwd, args.file));
  }
  if (args.text === undefined) {
    throw new MillraceError("question_answer_invalid", "interview answer needs the answer", {
      hint: "Pass --text 'your answer' or --file answer.md (or use `interview accept` / `interview skip`).",
    });
  }
  return args.text;
}

export const interviewCommand: MillraceCommand<InterviewArgs> = {
  command: "interview <action> [id]",
  describe:
    "List and show the questions stages asked the operator; answer, accept the recommendation or skip (through the daemon when one runs)",
  builder: (yargs) =>
    yargs
      .positional("action", { choices: ACTIONS, describe: "What to do" })
      .positional("id", { type: "string", describe: "The question id (show, answer, accept, skip)" })
      .option("status", { choices: ["pending", "resolved"] as const, describe: "list: only these questions" })
      .option("text", { type: "string", describe: "answer: the answer text" })
      .option("file", { type: "string", describe: "answer: read the answer from this file" })
      .option("issuer", issuerOption),
  examples: [
    ["$0 interview list --status pending", "What the stages wait for"],
    ["$0 interview answer spec-1-q1 --text 'Use PostgreSQL'", "Answer one question"],
    ["$0 interview accept spec-1-q1", "Take the stage's recommended answer"],
    ["$0 interview skip spec-1-q1", "Let the stage proceed on its own judgement"],
  ],
  async handler(args, ctx) {
    const contract = await import("@millrace/supervisor-contract");
    switch (args.action) {
      case "list": {
        const questions = contract.listInterviewQuestions(ctx.workspace, {
          ...(args.status ? { status: args.status } : {}),
        });
        ctx.emit(() => (questions.length === 0 ? "no questions\n" : `${questions.map(line).join("\n")}\n`), {
          questions,
        });
        return 0;
      }
      case "show": {
        const question = contract.showInterviewQuestion(ctx.workspace, requireId(args));
        ctx.emit(() => keyValueLines({ ...question }), question);
        return 0;
      }
      default: {
        const id = requireId(args);
        contract.normalizeIssuer(args.issuer);
        const answer = args.action === "answer" ? await answerText(args, ctx.io.cwd) : undefined;
        const result = contract.resolveInterviewQuestion(
          ctx.workspace,
          { questionId: id, action: args.action, ...(answer !== undefined ? { answer } : {}) },
          { issuer: args.issuer },
        );
        return emitControl(ctx, result);
      }
    }
  },
};

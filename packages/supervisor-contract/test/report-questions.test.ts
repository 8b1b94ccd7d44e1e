import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError, type OperatorQuestion } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { listInterviewQuestions, resolveInterviewQuestion, submitControl } from "../src/index.js";
import { demoWorkspace, type TestWorkspace } from "./helpers.js";
import { blockedTask, expectReason, takeActions } from "./report-helpers.js";

function pendingQuestion(ws: TestWorkspace, id: string, recommended: string | null): void {
  const question: OperatorQuestion = {
    schema_version: "1.0",
    kind: "operator_question",
    question_id: id,
    status: "pending",
    question: "Export from the replica or the primary?",
    why_it_matters: "The replica lags; the primary is exact.",
    recommended_answer: recommended,
    plane: "planning",
    work_item_kind: "spec",
    work_item_id: id.replace(/-q\d+$/, ""),
    root_spec_id: null,
    run_id: "run-1",
    request_id: `request-${id}`,
    asked_by_node_id: "spec_interview",
    asked_by_stage_kind_id: "spec_interview",
    resume_node_id: "spec_interview",
    asked_at: "2026-04-28T10:00:00Z",
    resolution: null,
    answer: null,
    resolved_by: null,
    resolved_at: null,
    resumed_at: null,
  };
  const dir = path.join(ws.paths.runtimeRoot, "questions", "pending");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(question));
}

describe("supervisor report: awaiting_operator_input", () => {
  it("ranks before blocked and offers the interview commands; accept resolves it", async () => {
    const ws = demoWorkspace();
    blockedTask(ws, "task-stuck");
    pendingQuestion(ws, "spec-a-q1", "The replica");
    const report = await expectReason(
      ws,
      "awaiting_operator_input",
      /spec spec-a waits for an answer to question spec-a-q1: Export/,
      {
        issuer: "ops-agent",
      },
    );
    expect(report.allowed_actions.map((a) => a.action)).toEqual([
      "interview_show",
      "interview_answer",
      "interview_accept",
      "interview_skip",
    ]);
    expect(report.allowed_actions[1]?.argv.slice(0, 6)).toEqual([
      "millrace",
      "interview",
      "answer",
      "spec-a-q1",
      "--text",
      "<answer>",
    ]);
    // The first request-carrying action (accept) resolves the question; skip is then refused.
    const [accept, skip] = report.allowed_actions.filter((a) => a.request);
    expect(takeActions(ws, [accept!])).toEqual(["interview_accept:direct"]);
    expect(() => submitControl(ws.root, skip!.request!.command, skip!.request!.payload)).toThrow(
      /already accepted by ops-agent/,
    );
    expect(listInterviewQuestions(ws.root)).toMatchObject([
      { resolution: "accepted", answer: "The replica" },
    ]);
    await expectReason(ws, "blocked", /execution/);
  });

  it("offers no accept without a recommendation, and refuses bad requests before writing anything", async () => {
    const ws = demoWorkspace();
    pendingQuestion(ws, "spec-b-q1", null);
    const report = await expectReason(ws, "awaiting_operator_input", /spec-b-q1/);
    expect(report.allowed_actions.map((a) => a.action)).toEqual([
      "interview_show",
      "interview_answer",
      "interview_skip",
    ]);
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return MillraceError.isInstance(error) ? error.code : String(error);
      }
      return "none";
    };
    const resolve = (questionId: string, action: "answer" | "accept" | "skip", answer?: string) =>
      codeOf(() => resolveInterviewQuestion(ws.root, { questionId, action, answer }));
    expect(resolve("spec-b-q1", "accept")).toBe("question_answer_invalid");
    expect(resolve("spec-b-q1", "answer", "")).toBe("question_answer_invalid");
    expect(resolve("spec-b-q1", "answer", "bad\u001b[2J")).toBe("question_answer_invalid");
    expect(resolve("spec-zz-q1", "skip")).toBe("question_not_found");
    expect(resolve("../etc", "skip")).toBe("invalid_id");
    expect(readdirSync(path.join(ws.paths.runtimeRoot, "questions"))).toEqual(["pending"]);
    expect(listInterviewQuestions(ws.root, { status: "pending" })).toHaveLength(1);
  });
});

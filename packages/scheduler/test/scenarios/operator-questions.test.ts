import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { applyControlDirect } from "../../src/index.js";
import { questionDirs } from "../../src/questions/question-store.js";
import { enqueueTask, runUntilIdle, type TestWorkspace } from "../fixtures.js";
import {
  completedStages,
  eventsOfType,
  idsIn,
  type ScriptRuleInput,
  scenarioWorkspace,
  seedRootSpec,
  statusMarker,
} from "./helpers.js";

const ROOT_SPEC = "spec-goal";
const ROOT_IDEA = "idea-goal";
const QUESTION_ID = `${ROOT_SPEC}-q1`;

const GOALSPEC_STAGES = [
  "recon",
  "goal_intake",
  "objective_profile",
  "completion_manifest",
  "spec_synthesis",
  "spec_interview",
  "spec_review",
  "task_decomposition",
  "mechanic",
  "auditor",
  "arbiter",
  "builder",
  "checker",
  "fixer",
  "doublechecker",
  "updater",
  "troubleshooter",
  "consultant",
  "merge",
];

const QUESTION = {
  question: "Which database should the export read from?",
  why_it_matters: "The replica lags by minutes; the primary is exact but busy.",
  recommended_answer: "The replica",
};

function interviewRules(question: Record<string, unknown> | null = QUESTION): ScriptRuleInput[] {
  const ask: ScriptRuleInput = {
    stage: "spec_interview",
    attempt: 1,
    actions: [
      ...(question
        ? [
            {
              type: "write_file" as const,
              base: "run_dir" as const,
              path: "operator_question.json",
              template: JSON.stringify(question),
            },
          ]
        : []),
      { type: "marker", token: "NEEDS_OPERATOR_INPUT" },
    ],
  };
  return [
    ask,
    { stage: "spec_interview", attempt: 2, actions: [{ type: "marker", token: "SPEC_INTERVIEW_COMPLETE" }] },
    {
      stage: "task_decomposition",
      actions: [
        {
          type: "write_file",
          base: "runtime",
          path: "tasks/queue/{{work_item_id}}-task-1.md",
          overwrite: false,
          template: `# Export the report\n\nTask-ID: {{work_item_id}}-task-1\nTitle: Export the report\nSummary: Export it\nRoot-Idea-ID: ${ROOT_IDEA}\nRoot-Spec-ID: ${ROOT_SPEC}\nSpec-ID: ${ROOT_SPEC}\nCreated-At: {{now}}\nCreated-By: task_decomposition\n\nTarget-Paths:\n- src/\n\nAcceptance:\n- it exports\n\nRequired-Checks:\n- true\n\nReferences:\n- none\n\nRisk:\n- low\n`,
        },
        { type: "marker", token: "TASK_DECOMPOSITION_COMPLETE" },
      ],
    },
    {
      stage: "arbiter",
      actions: [
        { type: "write_file", base: "run_dir", path: "arbiter_report.md", template: "# Arbiter report\n" },
        {
          type: "write_file",
          base: "runtime",
          path: `arbiter/verdicts/${ROOT_SPEC}.json`,
          template: `{"root_spec_id":"${ROOT_SPEC}","verdict":"ARBITER_COMPLETE","run_id":"{{run_id}}"}\n`,
        },
        { type: "marker", token: "ARBITER_COMPLETE" },
      ],
    },
  ];
}

function goalspecWorkspace(question: Record<string, unknown> | null = QUESTION): TestWorkspace {
  const stages = GOALSPEC_STAGES.map((stage) => `[stages.${stage}]\nrunner = "scripted"\n`).join("\n");
  const ws = scenarioWorkspace({ rules: interviewRules(question) }, stages);
  seedRootSpec(ws, ROOT_SPEC, ROOT_IDEA);
  return ws;
}

const run = (ws: TestWorkspace) => runUntilIdle(ws, { mode: "goalspec_codex" }, 120);

function resolve(ws: TestWorkspace, payload: Record<string, unknown>, issuer = "alice") {
  return applyControlDirect(ws.paths, "resolve_operator_question", payload, {
    issuer,
    clock: () => new Date("2026-04-28T11:00:00Z"),
    commandId: `cmd-${issuer}`,
  });
}

function questionFiles(ws: TestWorkspace): string[] {
  const dirs = questionDirs(ws.paths);
  return [dirs.pending, dirs.resolved].flatMap((dir) =>
    existsSync(dir) ? readdirSync(dir).map((name) => `${path.basename(dir)}/${name}`) : [],
  );
}

function promptsOf(ws: TestWorkspace, runId: string): string {
  const dir = path.join(ws.paths.runtimeRoot, "runs", runId);
  return readdirSync(dir)
    .filter((name) => name.includes("prompt"))
    .map((name) => readFileSync(path.join(dir, name), "utf8"))
    .join("\n");
}

function expectError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(MillraceError.isInstance(error) && error.code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe("operator questions in the GoalSpec funnel", () => {
  it("cancelling the waiting spec withdraws its question: nothing waits for an answer nobody needs", async () => {
    const ws = goalspecWorkspace();
    await run(ws);
    expect(questionFiles(ws)).toEqual([`pending/${QUESTION_ID}.json`]);
    const outcome = applyControlDirect(
      ws.paths,
      "cancel_work_item",
      { id: ROOT_SPEC, kind: "spec", reason: "goal dropped" },
      { issuer: "bob", clock: () => new Date("2026-04-28T11:00:00Z"), commandId: "cmd-cancel" },
    );
    expect(outcome.applied).toBe(true);
    expect(questionFiles(ws)).toEqual([`resolved/${QUESTION_ID}.json`]);
    const stored = JSON.parse(
      readFileSync(path.join(questionDirs(ws.paths).resolved, `${QUESTION_ID}.json`), "utf8"),
    );
    expect(stored).toMatchObject({
      status: "resolved",
      resolution: "withdrawn",
      answer: null,
      resolved_by: "bob",
    });
    expect(eventsOfType(ws, "operator_question_withdrawn").map((event) => event.data)).toEqual([
      { question_id: QUESTION_ID, work_item_id: ROOT_SPEC, action: "cancel", issuer: "bob" },
    ]);
    // A withdrawn question cannot be answered any more.
    expectError(
      () => resolve(ws, { question_id: QUESTION_ID, resolution: "skipped" }),
      "question_already_resolved",
    );
  });

  it("the asking spec waits while an unrelated task completes, then continues after the answer", async () => {
    const ws = goalspecWorkspace();
    const first = await run(ws);
    expect(first.report.stopReason).toBe("idle");
    expect(idsIn(ws, "spec", "queue")).toEqual([ROOT_SPEC]);
    expect(questionFiles(ws)).toEqual([`pending/${QUESTION_ID}.json`]);
    const asked = eventsOfType(ws, "operator_question_asked");
    expect(asked.map((event) => event.data)).toEqual([
      expect.objectContaining({
        question_id: QUESTION_ID,
        work_item_id: ROOT_SPEC,
        node_id: "spec_interview",
        resume_node_id: "spec_interview",
      }),
    ]);
    expect(completedStages(ws, "planning")).toEqual([
      "goal_intake:GOAL_INTAKE_COMPLETE",
      "objective_profile:OBJECTIVE_PROFILE_COMPLETE",
      "completion_manifest:COMPLETION_MANIFEST_COMPLETE",
      "spec_synthesis:SPEC_SYNTHESIS_COMPLETE",
      "spec_interview:NEEDS_OPERATOR_INPUT",
    ]);
    expect(statusMarker(ws, "planning")).toBe("### NEEDS_OPERATOR_INPUT");

    // Unrelated work flows past the waiting lineage (its closure target is open) while the spec waits.
    enqueueTask(ws, "task-other");
    await run(ws);
    expect(idsIn(ws, "task", "done")).toEqual(["task-other"]);
    expect(idsIn(ws, "spec", "queue")).toEqual([ROOT_SPEC]);
    expect(completedStages(ws, "planning")).toHaveLength(5);
    expect(eventsOfType(ws, "operator_question_resumed")).toEqual([]);

    const outcome = resolve(ws, { question_id: QUESTION_ID, resolution: "answered", answer: "The primary" });
    expect(outcome.applied).toBe(true);
    expect(questionFiles(ws)).toEqual([`resolved/${QUESTION_ID}.json`]);
    expect(eventsOfType(ws, "operator_question_resolved").map((event) => event.data)).toEqual([
      { question_id: QUESTION_ID, work_item_id: ROOT_SPEC, resolution: "answered", issuer: "alice" },
    ]);

    const second = await run(ws);
    expect(second.report.stopReason).toBe("idle");
    expect(idsIn(ws, "spec", "done")).toEqual([ROOT_SPEC]);
    expect(idsIn(ws, "task", "done")).toEqual([`${ROOT_SPEC}-task-1`, "task-other"]);
    expect(completedStages(ws, "planning").slice(5)).toEqual([
      "spec_interview:SPEC_INTERVIEW_COMPLETE",
      "spec_review:SPEC_REVIEW_PASS",
      "task_decomposition:TASK_DECOMPOSITION_COMPLETE",
      "arbiter:ARBITER_COMPLETE",
    ]);
    // The same run continues, and the answer is in the prompt of every later stage.
    const runId = asked[0]?.data.run_id as string;
    expect(eventsOfType(ws, "operator_question_resumed").map((event) => event.data)).toEqual([
      { question_id: QUESTION_ID, work_item_id: ROOT_SPEC, run_id: runId, node_id: "spec_interview" },
    ]);
    const prompts = promptsOf(ws, runId);
    expect(prompts).toContain(`Operator answer to question ${QUESTION_ID}`);
    expect(prompts).toContain("Answer: The primary");
  });

  it("accept takes the recommended answer and skip proceeds without one", async () => {
    for (const [resolution, expected] of [
      ["accepted", "Answer: The replica"],
      ["skipped", "Answer: none"],
    ] as const) {
      const ws = goalspecWorkspace();
      await run(ws);
      resolve(ws, { question_id: QUESTION_ID, resolution });
      await run(ws);
      expect(idsIn(ws, "spec", "done")).toEqual([ROOT_SPEC]);
      const runId = eventsOfType(ws, "operator_question_asked")[0]?.data.run_id as string;
      expect(promptsOf(ws, runId)).toContain(expected);
    }
  });

  it("refuses an unknown id, a second answer, an empty answer and an accept without a recommendation, changing nothing", async () => {
    const ws = goalspecWorkspace({ question: QUESTION.question, why_it_matters: QUESTION.why_it_matters });
    await run(ws);
    const pending = path.join(questionDirs(ws.paths).pending, `${QUESTION_ID}.json`);
    const before = readFileSync(pending, "utf8");
    expectError(
      () => resolve(ws, { question_id: "spec-nope-q1", resolution: "skipped" }),
      "question_not_found",
    );
    expectError(() => resolve(ws, { question_id: "../x", resolution: "skipped" }), "invalid_id");
    expectError(
      () => resolve(ws, { question_id: QUESTION_ID, resolution: "answered", answer: "  " }),
      "question_answer_invalid",
    );
    expectError(
      () => resolve(ws, { question_id: QUESTION_ID, resolution: "accepted" }),
      "question_answer_invalid",
    );
    expect(readFileSync(pending, "utf8")).toBe(before);
    expect(eventsOfType(ws, "operator_question_resolved")).toEqual([]);

    resolve(ws, { question_id: QUESTION_ID, resolution: "answered", answer: "yes" });
    expectError(
      () => resolve(ws, { question_id: QUESTION_ID, resolution: "skipped" }, "bob"),
      "question_already_resolved",
    );
    expect(eventsOfType(ws, "operator_question_resolved")).toHaveLength(1);
  });

  it("a question outcome without a valid question file stores nothing and goes to repair", async () => {
    const ws = goalspecWorkspace(null);
    await run(ws);
    expect(questionFiles(ws)).toEqual([]);
    expect(eventsOfType(ws, "operator_question_asked")).toEqual([]);
    expect(completedStages(ws, "planning")).toContain("spec_interview:NEEDS_OPERATOR_INPUT");
    expect(completedStages(ws, "planning")).toContain("mechanic:MECHANIC_COMPLETE");
  });
});

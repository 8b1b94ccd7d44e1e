import { readFileSync } from "node:fs";
import path from "node:path";
import type { BlueprintDraftDocument, ClosureTargetState, TaskDocument } from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import { describe, expect, it } from "vitest";
import { runUntilIdle, type TestWorkspace } from "../fixtures.js";
import {
  completedStages,
  eventsOfType,
  idsIn,
  readCounters,
  readJson,
  readSnapshot,
  type ScriptActionInput,
  type ScriptRuleInput,
  scenarioWorkspace,
  seedRootSpec,
  taskMarkdown,
} from "./helpers.js";

const SPEC = "spec-blue";
const IDEA = "idea-blue";

/** Every stage of both blueprint modes on the scripted runner. */
const SCRIPTED = [
  "recon",
  "planner",
  "manager_blueprint",
  "contractor_blueprint",
  "evaluator_blueprint",
  "mechanic_blueprint",
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
  "analyst",
  "professor",
  "curator",
  "librarian",
]
  .map((stage) => `[stages.${stage}]\nrunner = "scripted"\n`)
  .join("\n");

/** Two drafts of the item the manager runs on; the second depends on the first. */
function draftsJson(drafts = 2): string {
  const list = Array.from({ length: drafts }, (_, index) => ({
    draft_id: `{{work_item_id}}-d${index + 1}`,
    manifest_id: "manifest-{{work_item_id}}",
    draft_index: index + 1,
    title: `Part ${index + 1} of {{work_item_id}}`,
    summary: `Build part ${index + 1}`,
    target_paths: [`src/part${index + 1}.ts`],
    acceptance_intent: [`part ${index + 1} works`],
    depends_on_draft_ids: index === 0 ? [] : [`{{work_item_id}}-d${index}`],
  }));
  return JSON.stringify(list, null, 2);
}

const writeRunFile = (file: string, template: string): ScriptActionInput => ({
  type: "write_file",
  base: "run_dir",
  path: file,
  template,
});
const markerAction = (token: string): ScriptActionInput => ({ type: "marker", token });

/** A Manager Blueprint writing `drafts` drafts and their manifest. */
const manager = (drafts = 2): ScriptRuleInput => ({
  stage: "manager_blueprint",
  actions: [
    writeRunFile("blueprint_drafts.json", draftsJson(drafts)),
    writeRunFile(
      "blueprint_manifest.json",
      JSON.stringify({
        manifest_id: "manifest-{{work_item_id}}",
        draft_ids: Array.from({ length: drafts }, (_, index) => `{{work_item_id}}-d${index + 1}`),
      }),
    ),
    markerAction("MANAGER_BLUEPRINT_COMPLETE"),
  ],
});
const contractor: ScriptRuleInput = {
  stage: "contractor_blueprint",
  actions: [
    writeRunFile("blueprint.md", "# Blueprint for {{work_item_id}}\n"),
    markerAction("BLUEPRINT_CANDIDATE_READY"),
  ],
};
/** The generated task's markdown, its id derived from the draft the evaluator approves. */
const generatedTask = taskMarkdown("TASKID", { created_by: "evaluator_blueprint" }).replaceAll(
  "TASKID",
  "{{work_item_id}}-task",
);
const evaluatorApproves: ScriptRuleInput = {
  stage: "evaluator_blueprint",
  actions: [
    writeRunFile("blueprint_evaluation.json", '{"decision": "approved"}'),
    writeRunFile("generated_task.md", generatedTask),
    markerAction("BLUEPRINT_APPROVED"),
  ],
};

function blueprintWorkspace(rules: ScriptRuleInput[]): TestWorkspace {
  const ws = scenarioWorkspace({ rules }, SCRIPTED);
  seedRootSpec(ws, SPEC, IDEA);
  return ws;
}

function readDraft(ws: TestWorkspace, id: string): BlueprintDraftDocument {
  const store = openQueueStore(ws.paths);
  try {
    return store.readDocument(store.locate(id)) as BlueprintDraftDocument;
  } finally {
    store.close();
  }
}

function readTask(ws: TestWorkspace, id: string): TaskDocument {
  const store = openQueueStore(ws.paths);
  try {
    return store.readDocument(store.locate(id)) as TaskDocument;
  } finally {
    store.close();
  }
}

function closureTarget(ws: TestWorkspace): ClosureTargetState {
  return readJson<ClosureTargetState>(path.join(ws.paths.arbiterTargets, `${SPEC}.json`));
}

function expectClosed(ws: TestWorkspace): void {
  expect(closureTarget(ws).closure_open).toBe(false);
  expect(completedStages(ws).at(-1)).toBe("arbiter:ARBITER_COMPLETE");
  expect(readSnapshot(ws).active_runs_by_plane).toEqual({});
  expect(readCounters(ws).entries).toEqual([]);
}

describe.each(["blueprint_codex", "blueprint_learning_codex"])("blueprint planning (%s)", (mode) => {
  it("queues the drafts, approves each into a task, runs the tasks and closes the spec", async () => {
    const ws = blueprintWorkspace([manager(), contractor, evaluatorApproves]);
    const { report } = await runUntilIdle(ws, { mode }, 120);
    expect(report.stopReason).toBe("idle");

    expect(completedStages(ws, "planning")).toEqual([
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_BLUEPRINT_COMPLETE",
      "manager:BLUEPRINT_CANDIDATE_READY",
      "manager:BLUEPRINT_APPROVED",
      "manager:BLUEPRINT_CANDIDATE_READY",
      "manager:BLUEPRINT_APPROVED",
      "arbiter:ARBITER_COMPLETE",
    ]);
    expect(idsIn(ws, "spec", "done")).toEqual([SPEC]);
    expect(idsIn(ws, "blueprint_draft", "done")).toEqual([`${SPEC}-d1`, `${SPEC}-d2`]);
    expect(idsIn(ws, "task", "done")).toEqual([`${SPEC}-d1-task`, `${SPEC}-d2-task`]);

    const draft = readDraft(ws, `${SPEC}-d2`);
    expect(draft).toMatchObject({
      source_kind: "spec",
      source_id: SPEC,
      source_spec_id: SPEC,
      root_spec_id: SPEC,
      root_idea_id: IDEA,
      manifest_id: `manifest-${SPEC}`,
      depends_on_draft_ids: [`${SPEC}-d1`],
    });
    expect(draft.references).toContain(`millrace-agents/specs/done/${SPEC}.md`);
    const task = readTask(ws, `${SPEC}-d1-task`);
    expect(task).toMatchObject({ root_spec_id: SPEC, root_idea_id: IDEA, spec_id: SPEC });
    expect(task.references).toContain(`millrace-agents/blueprints/drafts/done/${SPEC}-d1.md`);

    expect(eventsOfType(ws, "blueprint_drafts_queued").map((event) => event.data)).toEqual([
      expect.objectContaining({
        source_kind: "spec",
        source_id: SPEC,
        draft_ids: [`${SPEC}-d1`, `${SPEC}-d2`],
      }),
    ]);
    expect(eventsOfType(ws, "blueprint_task_enqueued")).toHaveLength(2);
    expectClosed(ws);
  });
});

describe("blueprint planning loops", () => {
  it("a rejected candidate goes back to the contractor on the same draft, then is approved", async () => {
    const ws = blueprintWorkspace([
      manager(1),
      contractor,
      {
        stage: "evaluator_blueprint",
        attempt: 1,
        actions: [
          writeRunFile("blueprint_critique.json", '{"items": ["name the tests"]}'),
          markerAction("BLUEPRINT_REJECTED"),
        ],
      },
      evaluatorApproves,
    ]);
    const { report } = await runUntilIdle(ws, { mode: "blueprint_codex" }, 120);
    expect(report.stopReason).toBe("idle");
    expect(completedStages(ws, "planning")).toEqual([
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_BLUEPRINT_COMPLETE",
      "manager:BLUEPRINT_CANDIDATE_READY",
      "manager:BLUEPRINT_REJECTED",
      "manager:BLUEPRINT_CANDIDATE_READY",
      "manager:BLUEPRINT_APPROVED",
      "arbiter:ARBITER_COMPLETE",
    ]);
    // The rework happened in the same run, on the same draft.
    const draftRuns = new Set(
      eventsOfType(ws, "stage_completed")
        .filter((event) => event.data.work_item_id === `${SPEC}-d1`)
        .map((event) => event.data.run_id),
    );
    expect(draftRuns.size).toBe(1);
    expect(idsIn(ws, "blueprint_draft", "done")).toEqual([`${SPEC}-d1`]);
    expect(idsIn(ws, "task", "done")).toEqual([`${SPEC}-d1-task`]);
    expectClosed(ws);
  });
});

describe("blueprint recovery", () => {
  it("a blocked contractor goes to mechanic_blueprint, then the planner re-drafts the draft and the spec closes", async () => {
    const ws = blueprintWorkspace([
      manager(),
      {
        stage: "contractor_blueprint",
        work_item_id: `${SPEC}-d1`,
        attempt: 1,
        actions: [writeRunFile("blueprint.md", "# Cannot design this\n"), markerAction("BLOCKED")],
      },
      contractor,
      evaluatorApproves,
    ]);
    const { report } = await runUntilIdle(ws, { mode: "blueprint_codex" }, 200);
    expect(report.stopReason).toBe("idle");
    expect(completedStages(ws, "planning").slice(0, 6)).toEqual([
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_BLUEPRINT_COMPLETE",
      "manager:BLOCKED",
      "mechanic:MECHANIC_BLUEPRINT_COMPLETE",
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_BLUEPRINT_COMPLETE",
    ]);
    // The stuck draft was split again (its pieces carry the lineage) and is done; every piece was approved.
    expect(idsIn(ws, "blueprint_draft", "done")).toEqual([
      `${SPEC}-d1`,
      `${SPEC}-d1-d1`,
      `${SPEC}-d1-d2`,
      `${SPEC}-d2`,
    ]);
    expect(readDraft(ws, `${SPEC}-d1-d1`)).toMatchObject({
      source_kind: "blueprint_draft",
      source_id: `${SPEC}-d1`,
      root_spec_id: SPEC,
      source_spec_id: SPEC,
    });
    expect(idsIn(ws, "task", "done")).toEqual([
      `${SPEC}-d1-d1-task`,
      `${SPEC}-d1-d2-task`,
      `${SPEC}-d2-task`,
    ]);
    expect(idsIn(ws, "blueprint_draft", "blocked")).toEqual([]);
    expectClosed(ws);
  });

  it("the mechanic may resume at the contractor (metadata resume_stage) on the same draft", async () => {
    const ws = blueprintWorkspace([
      manager(1),
      {
        stage: "contractor_blueprint",
        attempt: 1,
        actions: [markerAction("BLOCKED")],
      },
      contractor,
      {
        stage: "mechanic_blueprint",
        actions: [
          {
            type: "write_result_json",
            terminal_result: "MECHANIC_BLUEPRINT_COMPLETE",
            metadata: { resume_stage: "contractor_blueprint" },
          },
          markerAction("MECHANIC_BLUEPRINT_COMPLETE"),
        ],
      },
      evaluatorApproves,
    ]);
    const { report } = await runUntilIdle(ws, { mode: "blueprint_codex" }, 120);
    expect(report.stopReason).toBe("idle");
    expect(completedStages(ws, "planning")).toEqual([
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_BLUEPRINT_COMPLETE",
      "manager:BLOCKED",
      "mechanic:MECHANIC_BLUEPRINT_COMPLETE",
      "manager:BLUEPRINT_CANDIDATE_READY",
      "manager:BLUEPRINT_APPROVED",
      "arbiter:ARBITER_COMPLETE",
    ]);
    expect(idsIn(ws, "task", "done")).toEqual([`${SPEC}-d1-task`]);
    expectClosed(ws);
  });
});

describe("blueprint bad input", () => {
  const validThenBroken = JSON.stringify([
    JSON.parse(draftsJson(1))[0],
    {
      draft_id: "../escape",
      draft_index: 2,
      title: "Bad",
      summary: "Bad",
      target_paths: ["x"],
      acceptance_intent: ["y"],
    },
  ]);
  it.each([
    [
      "a traversal id after a valid draft",
      validThenBroken,
      /draft 2: draft_id "\.\.\/escape" is not a safe id/,
    ],
    [
      "a draft without acceptance_intent",
      JSON.stringify([{ draft_id: "d-1", draft_index: 1, title: "T", summary: "S", target_paths: ["x"] }]),
      /acceptance_intent is required but missing/,
    ],
    [
      "an oversized drafts file",
      `[${" ".repeat(300 * 1024)}]`,
      /blueprint_drafts.json is \d+ bytes; the limit is 262144 bytes/,
    ],
  ])(
    "refuses %s: nothing is queued, the spec ends blocked with the reason in the error report",
    async (_name, drafts, reason) => {
      const ws = blueprintWorkspace([
        {
          stage: "manager_blueprint",
          actions: [
            writeRunFile("blueprint_drafts.json", drafts),
            markerAction("MANAGER_BLUEPRINT_COMPLETE"),
          ],
        },
      ]);
      const { report } = await runUntilIdle(ws, { mode: "blueprint_codex" }, 60);
      expect(report.stopReason).toBe("idle");
      const recoveries = eventsOfType(ws, "runtime_post_stage_recovery_scheduled");
      expect(recoveries.length).toBeGreaterThan(0);
      for (const event of recoveries) {
        expect(event.data.error_code).toBe("blueprint_effect_invalid");
        expect(String(event.data.exception_message)).toMatch(reason);
      }
      // The first refusal went to the blueprint Mechanic; once the repair budget is spent the spec is blocked.
      expect(recoveries[0]?.data.repair_stage_kind_id).toBe("mechanic_blueprint");
      expect(idsIn(ws, "spec", "blocked")).toEqual([SPEC]);
      for (const state of ["queue", "active", "done", "blocked"] as const)
        expect(idsIn(ws, "blueprint_draft", state)).toEqual([]);
      expect(idsIn(ws, "task", "queue")).toEqual([]);
      expect(eventsOfType(ws, "blueprint_drafts_queued")).toEqual([]);
      const reportFile = path.join(ws.root, String(recoveries[0]?.data.report_path));
      expect(readFileSync(reportFile, "utf8")).toMatch(/Error-Code: blueprint_effect_invalid/);
      expect(closureTarget(ws).closure_open).toBe(true);
    },
  );

  it("refuses an approval whose task id is taken, and queues nothing", async () => {
    const ws = blueprintWorkspace([
      manager(1),
      contractor,
      {
        stage: "evaluator_blueprint",
        actions: [
          writeRunFile("generated_task.md", taskMarkdown(SPEC, { created_by: "evaluator_blueprint" })),
          markerAction("BLUEPRINT_APPROVED"),
        ],
      },
    ]);
    const { report } = await runUntilIdle(ws, { mode: "blueprint_codex" }, 80);
    expect(report.stopReason).toBe("idle");
    const recovery = eventsOfType(ws, "runtime_post_stage_recovery_scheduled")[0];
    expect(String(recovery?.data.exception_message)).toMatch(
      new RegExp(
        `blueprint approval refused: generated_task.md: Task-ID ${SPEC} is already taken by spec ${SPEC}`,
      ),
    );
    expect(idsIn(ws, "task", "queue")).toEqual([]);
    expect(idsIn(ws, "task", "done")).toEqual([]);
    expect(closureTarget(ws).closure_open).toBe(true);
  });
});

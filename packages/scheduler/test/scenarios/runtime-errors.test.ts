import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { RuntimeErrorContext } from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import { describe, expect, it } from "vitest";
import type { MonitorEvent } from "../../src/index.js";
import { enqueueTask, runUntilIdle, type TestWorkspace, testEngine } from "../fixtures.js";
import {
  completedStages,
  eventsOfType,
  locate,
  readCounters,
  readJson,
  readSnapshot,
  type ScriptRuleInput,
  scenarioWorkspace,
  specDocument,
  statusMarker,
  taskMarkdown,
} from "./helpers.js";

const marker = (token: string) => ({ type: "marker" as const, token });

/** Records, when each repair stage starts, whether the runtime-error context file is present. */
function contextProbe(ws: TestWorkspace, stage: string) {
  const seen: Array<RuntimeErrorContext | null> = [];
  const listener = (event: MonitorEvent) => {
    if (event.type === "stage_started" && event.stage === stage) {
      seen.push(
        existsSync(ws.paths.runtimeErrorContext)
          ? readJson<RuntimeErrorContext>(ws.paths.runtimeErrorContext)
          : null,
      );
    }
  };
  return { seen, listener };
}

function promptOf(ws: TestWorkspace, stage: string, nth = 0): string {
  const event = eventsOfType(ws, "stage_started").filter((candidate) => candidate.data.stage === stage)[nth];
  if (!event) throw new Error(`no ${stage} stage started`);
  return readFileSync(
    path.join(
      ws.paths.runs,
      event.data.run_id as string,
      `runner_prompt.${event.data.request_id as string}.md`,
    ),
    "utf8",
  );
}

/** The updater "finishes" its own task by writing it into tasks/done before the runtime moves it. */
const updaterWritesDoneCopy = (id: string): ScriptRuleInput => ({
  stage: "updater",
  attempt: 1,
  actions: [
    { type: "write_file", base: "runtime", path: `tasks/done/${id}.md`, template: taskMarkdown(id) },
    marker("UPDATE_COMPLETE"),
  ],
});

describe("scenario (i): a runtime error after a stage schedules the repair stage", () => {
  it("a completion conflict on execution runs the troubleshooter with runtime_error_code and an error report", async () => {
    const ws = scenarioWorkspace({
      rules: [
        updaterWritesDoneCopy("task-conflict"),
        { stage: "troubleshooter", actions: [marker("BLOCKED")] },
        { stage: "consultant", actions: [marker("BLOCKED")] },
      ],
    });
    enqueueTask(ws, "task-conflict");
    const probe = contextProbe(ws, "troubleshooter");
    const { report } = await runUntilIdle(ws, { monitor: probe.listener }, 100);
    expect(report.stopReason).toBe("idle");

    expect(completedStages(ws)).toEqual([
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
      "troubleshooter:BLOCKED",
      "troubleshooter:BLOCKED",
      "consultant:BLOCKED",
    ]);
    const scheduled = eventsOfType(ws, "runtime_post_stage_recovery_scheduled");
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]?.data).toMatchObject({
      error_code: "execution_work_item_completion_conflict",
      plane: "execution",
      failed_stage: "updater",
      repair_stage: "troubleshooter",
      router_action: "idle",
      terminal_result: "UPDATE_COMPLETE",
      work_item_id: "task-conflict",
    });
    const runId = eventsOfType(ws, "stage_completed")[0]?.data.run_id as string;
    const reportFile = path.join(ws.paths.runs, runId, "runtime_error_report.md");
    expect(readFileSync(reportFile, "utf8")).toContain("Error-Code: execution_work_item_completion_conflict");
    expect(scheduled[0]?.data.report_path).toBe(`millrace-agents/runs/${runId}/runtime_error_report.md`);

    // The first troubleshooter request carries the error code, report and catalog paths.
    const prompt = promptOf(ws, "troubleshooter", 0);
    expect(prompt).toContain("execution_work_item_completion_conflict");
    expect(prompt).toContain(reportFile);
    // The context file was there for the repair stage, matching it exactly, and is gone after it.
    expect(probe.seen[0]).toMatchObject({
      error_code: "execution_work_item_completion_conflict",
      repair_stage: "troubleshooter",
      run_id: runId,
      work_item_id: "task-conflict",
    });
    expect(probe.seen[1] ?? null).toBeNull();
    expect(promptOf(ws, "troubleshooter", 1)).not.toContain("execution_work_item_completion_conflict");
    expect(existsSync(ws.paths.runtimeErrorContext)).toBe(false);

    // Unrepairable: the budgets run out and the task is blocked (the agent's stray copy stays in done).
    expect(locate(ws, "task-conflict")).toEqual(["task/done", "task/blocked"]);
    expect(readCounters(ws).entries).toEqual([]);
    expect(readSnapshot(ws).active_runs_by_plane).toEqual({});
    expect(statusMarker(ws, "execution")).toBe("### BLOCKED");
  });

  it("a completion conflict on planning runs the mechanic with runtime_error_code; a spent mechanic budget blocks the spec", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "manager",
          attempt: 1,
          actions: [
            {
              type: "write_file",
              base: "runtime",
              path: "specs/done/spec-conflict.md",
              template: "# Spec spec-conflict\n\nSpec-ID: spec-conflict\n",
            },
            marker("MANAGER_COMPLETE"),
          ],
        },
        { stage: "mechanic", actions: [marker("BLOCKED")] },
      ],
    });
    const store = openQueueStore(ws.paths);
    store.enqueue(
      "spec",
      specDocument("spec-conflict", { source_type: "manual", parent_spec_id: "spec-parent" }) as never,
    );
    store.close();
    const probe = contextProbe(ws, "mechanic");
    await runUntilIdle(ws, { monitor: probe.listener }, 100);

    expect(completedStages(ws)).toEqual([
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_COMPLETE",
      "mechanic:BLOCKED",
      "mechanic:BLOCKED",
    ]);
    const scheduled = eventsOfType(ws, "runtime_post_stage_recovery_scheduled");
    expect(scheduled.map((event) => event.data.error_code)).toEqual([
      "planning_work_item_completion_conflict",
    ]);
    expect(promptOf(ws, "mechanic", 0)).toContain("planning_work_item_completion_conflict");
    expect(probe.seen[0]).toMatchObject({
      error_code: "planning_work_item_completion_conflict",
      repair_stage: "mechanic",
    });
    const runId = eventsOfType(ws, "stage_completed")[0]?.data.run_id as string;
    expect(existsSync(path.join(ws.paths.runs, runId, "runtime_error_report.md"))).toBe(true);
    expect(locate(ws, "spec-conflict")).toEqual(["spec/done", "spec/blocked"]);
    expect(eventsOfType(ws, "router_decision").at(-1)?.data).toMatchObject({
      action: "blocked",
      plane: "planning",
    });
    expect(readCounters(ws).entries).toEqual([]);
    expect(statusMarker(ws, "planning")).toBe("### BLOCKED");
  });

  // ENGINE BUG (reported): the execution graph declares runtime_failure_recovery {threshold 2,
  // exhausted_terminal_state_id "blocked"}, but scheduleRepair (src/apply.ts) never consults it:
  // a post-stage failure that the repair stage cannot remove (here a stray copy of the task in
  // tasks/done) sends the item updater → troubleshooter → builder → checker → updater → … forever.
  it("bounds repeated post-stage failures by runtime_failure_recovery and blocks the item", async () => {
    const ws = scenarioWorkspace({ rules: [updaterWritesDoneCopy("task-loop")] });
    enqueueTask(ws, "task-loop");
    const { report } = await runUntilIdle(ws, {}, 60);
    expect(report.stopReason).toBe("idle");
    expect(eventsOfType(ws, "runtime_post_stage_recovery_scheduled").length).toBeLessThanOrEqual(3);
    expect(locate(ws, "task-loop")).toContain("task/blocked");
  });

  it("a manager-written task document that does not parse is quarantined, not run", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "manager",
          actions: [
            {
              type: "write_file",
              base: "runtime",
              path: "tasks/queue/task-broken.md",
              template: "# Broken\n\nTask-ID: task-broken\nTitle: no other fields\n",
            },
            {
              type: "write_file",
              base: "runtime",
              path: "tasks/queue/task-fine.md",
              template: taskMarkdown("task-fine"),
            },
            marker("MANAGER_COMPLETE"),
          ],
        },
      ],
    });
    const store = openQueueStore(ws.paths);
    store.enqueue(
      "spec",
      specDocument("spec-writer", { source_type: "manual", parent_spec_id: "spec-parent" }) as never,
    );
    store.close();
    await runUntilIdle(ws, {}, 100);
    expect(locate(ws, "spec-writer")).toEqual(["spec/done"]);
    expect(locate(ws, "task-fine")).toEqual(["task/done"]);
    expect(locate(ws, "task-broken")).toEqual([]);
    expect(existsSync(path.join(ws.paths.queues.task.queue, "task-broken.md.invalid"))).toBe(true);
    expect(eventsOfType(ws, "stage_started").some((event) => event.data.work_item_id === "task-broken")).toBe(
      false,
    );
  });

  // ENGINE BUG (reported): an agent-written document whose id is already taken (here a task that is
  // already done) is claimed and run again, because claiming never checks the id against the other
  // folders (queue-store claimNext/tryClaim); its completion then conflicts with the done copy and,
  // with the unbounded repair loop above, the item cycles through troubleshooter → builder → … forever.
  it("a manager-written task whose id is already done is not run a second time", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "manager",
          actions: [
            {
              type: "write_file",
              base: "runtime",
              path: "tasks/queue/task-old.md",
              template: taskMarkdown("task-old"),
            },
            marker("MANAGER_COMPLETE"),
          ],
        },
      ],
    });
    enqueueTask(ws, "task-old");
    const first = testEngine(ws);
    await first.engine.runDaemon({ untilIdle: true, maxTicks: 60 });
    await first.engine.close();
    expect(locate(ws, "task-old")).toEqual(["task/done"]);
    // Later, planning for another spec writes a task under the finished task's id.
    const store = openQueueStore(ws.paths);
    store.enqueue(
      "spec",
      specDocument("spec-late", { source_type: "manual", parent_spec_id: "spec-parent" }) as never,
    );
    store.close();
    const { report } = await runUntilIdle(ws, {}, 60);
    expect(report.stopReason).toBe("idle");
    expect(
      eventsOfType(ws, "work_item_activated").filter((event) => event.data.work_item_id === "task-old"),
    ).toHaveLength(1);
    expect(locate(ws, "task-old")).toEqual(["task/done"]);
  });
});

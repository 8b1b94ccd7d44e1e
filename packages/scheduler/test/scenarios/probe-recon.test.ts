import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ClosureTargetState, SpecDocument, TaskDocument } from "@millrace/contracts";
import { openQueueStore, renderWorkDocument } from "@millrace/queue-store";
import { describe, expect, it } from "vitest";
import { runUntilIdle, type TestWorkspace, testEngine } from "../fixtures.js";
import {
  completedStages,
  eventsOfType,
  idsIn,
  locate,
  readCounters,
  readJson,
  readSnapshot,
  runFiles,
  type ScriptActionInput,
  scenarioWorkspace,
  seedRootSpec,
  specDocument,
  statusMarker,
  taskMarkdown,
} from "./helpers.js";

const PROBE = "probe-cache";

function enqueueProbe(ws: TestWorkspace, id = PROBE): void {
  const store = openQueueStore(ws.paths);
  store.enqueue("probe", {
    kind: "probe",
    probe_id: id,
    title: "Investigate stale cache reads",
    summary: "Reads return stale values after a write",
    request: "Find out why and queue the fix",
    target_paths: ["src/cache.ts"],
    constraints: ["no API change"],
    acceptance: ["reads after writes are fresh"],
    risk_notes: ["low"],
    references: ["none"],
    tags: ["cache"],
    created_at: "2026-04-28T08:00:00Z",
    created_by: "test",
  } as never);
  store.close();
}

const packet = (decision: string): ScriptActionInput => ({
  type: "write_file",
  base: "run_dir",
  path: "recon_packet.md",
  template: `# Recon packet\n\nProbe-ID: {{work_item_id}}\nDecision: ${decision}\n`,
});

/** The manager writes one task under `spec-rooted`; recon finds nothing to do. */
const ROOTED_MANAGER_NOOP_RECON = {
  rules: [
    {
      stage: "manager",
      actions: [
        {
          type: "write_file" as const,
          base: "runtime" as const,
          path: "tasks/queue/task-rooted.md",
          template: taskMarkdown("task-rooted", {
            root_spec_id: "spec-rooted",
            root_idea_id: "idea-rooted",
            spec_id: "spec-rooted",
          }),
        },
        { type: "marker" as const, token: "MANAGER_COMPLETE" },
      ],
    },
    { stage: "recon", actions: [packet("noop"), { type: "marker" as const, token: "RECON_NOOP" }] },
  ],
};

describe("scenario (g): probe → recon → task", () => {
  it("RECON_TO_EXECUTION enqueues the generated task with probe lineage; it runs to done and the probe is done", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "recon",
          actions: [
            packet("to_execution"),
            {
              type: "write_file",
              base: "run_dir",
              path: "generated_task.md",
              template: taskMarkdown("task-from-probe", { created_by: "recon" }),
            },
            { type: "marker", token: "RECON_TO_EXECUTION" },
          ],
        },
      ],
    });
    enqueueProbe(ws);
    const { report } = await runUntilIdle(ws, {}, 100);
    expect(report.stopReason).toBe("idle");

    expect(completedStages(ws)).toEqual([
      "recon:RECON_TO_EXECUTION",
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    expect(locate(ws, PROBE)).toEqual(["probe/done"]);
    expect(locate(ws, "task-from-probe")).toEqual(["task/done"]);
    const store = openQueueStore(ws.paths);
    const task = store.readDocument(store.locate("task-from-probe")) as TaskDocument;
    store.close();
    expect(task.root_intake_kind).toBe("probe");
    expect(task.root_intake_id).toBe(PROBE);
    expect(task.references).toContain(`millrace-agents/probes/active/${PROBE}.md`);
    // The recon packet is archived under recon/packets and referenced by the task.
    const packets = existsSync(ws.paths.reconPackets) ? readdirSync(ws.paths.reconPackets) : [];
    expect(packets).toHaveLength(1);
    expect(readFileSync(path.join(ws.paths.reconPackets, packets[0] as string), "utf8")).toContain(
      `Probe-ID: ${PROBE}`,
    );
    expect(task.references.some((reference) => reference.includes("recon/packets/"))).toBe(true);

    const handoff = eventsOfType(ws, "recon_handoff_enqueued");
    expect(handoff.map((event) => event.data)).toMatchObject([
      { probe_id: PROBE, kind: "task", id: "task-from-probe" },
    ]);
    const decision = eventsOfType(ws, "router_decision")[0];
    expect(decision?.data).toMatchObject({
      action: "idle",
      plane: "planning",
      terminal_state_id: "recon_to_execution",
    });
    expect(readSnapshot(ws).active_runs_by_plane).toEqual({});
    expect(readCounters(ws).entries).toEqual([]);
    expect(statusMarker(ws, "execution")).toBe("### IDLE");
    expect(statusMarker(ws, "planning")).toBe("### IDLE");
  });

  it("RECON_TO_PLANNING enqueues the generated spec as a probe-rooted lineage that plans, runs and closes", async () => {
    const spec = renderWorkDocument(
      specDocument("spec-from-probe", { source_type: "manual", created_by: "recon" }) as never,
    );
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "recon",
          actions: [
            packet("to_planning"),
            { type: "write_file", base: "run_dir", path: "generated_spec.md", template: spec },
            { type: "marker", token: "RECON_TO_PLANNING" },
          ],
        },
        {
          stage: "manager",
          actions: [
            {
              type: "write_file",
              base: "runtime",
              path: "tasks/queue/task-planned.md",
              template: taskMarkdown("task-planned", {
                root_spec_id: "spec-from-probe",
                spec_id: "spec-from-probe",
              }),
            },
            { type: "marker", token: "MANAGER_COMPLETE" },
          ],
        },
      ],
    });
    enqueueProbe(ws);
    const { report } = await runUntilIdle(ws, {}, 100);
    expect(report.stopReason).toBe("idle");
    expect(completedStages(ws)).toEqual([
      "recon:RECON_TO_PLANNING",
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_COMPLETE",
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
      "arbiter:ARBITER_COMPLETE",
    ]);
    expect(locate(ws, PROBE)).toEqual(["probe/done"]);
    expect(locate(ws, "spec-from-probe")).toEqual(["spec/done"]);
    expect(locate(ws, "task-planned")).toEqual(["task/done"]);
    const store = openQueueStore(ws.paths);
    const stamped = store.readDocument(store.locate("spec-from-probe")) as SpecDocument;
    store.close();
    expect(stamped).toMatchObject({
      source_type: "probe",
      source_id: PROBE,
      root_spec_id: "spec-from-probe",
      root_intake_kind: "probe",
      root_intake_id: PROBE,
    });
    const target = readJson<ClosureTargetState>(path.join(ws.paths.arbiterTargets, "spec-from-probe.json"));
    expect(target.closure_open).toBe(false);
  });

  it("RECON_NOOP completes the probe without enqueuing anything", async () => {
    const ws = scenarioWorkspace({
      rules: [{ stage: "recon", actions: [packet("noop"), { type: "marker", token: "RECON_NOOP" }] }],
    });
    enqueueProbe(ws);
    await runUntilIdle(ws, {}, 50);
    expect(completedStages(ws)).toEqual(["recon:RECON_NOOP"]);
    expect(locate(ws, PROBE)).toEqual(["probe/done"]);
    expect(idsIn(ws, "task", "queue")).toEqual([]);
    expect(idsIn(ws, "task", "done")).toEqual([]);
    expect(idsIn(ws, "spec", "queue")).toEqual([]);
    expect(eventsOfType(ws, "recon_handoff_enqueued")).toEqual([]);
    expect(statusMarker(ws, "planning")).toBe("### IDLE");
  });

  it("RECON_BLOCKED blocks the probe", async () => {
    const ws = scenarioWorkspace({
      rules: [{ stage: "recon", actions: [packet("blocked"), { type: "marker", token: "RECON_BLOCKED" }] }],
    });
    enqueueProbe(ws);
    await runUntilIdle(ws, {}, 50);
    expect(completedStages(ws)).toEqual(["recon:RECON_BLOCKED"]);
    expect(locate(ws, PROBE)).toEqual(["probe/blocked"]);
    expect(idsIn(ws, "task", "queue")).toEqual([]);
    expect(eventsOfType(ws, "router_decision")[0]?.data).toMatchObject({
      action: "blocked",
      terminal_state_id: "recon_blocked",
    });
    expect(statusMarker(ws, "planning")).toBe("### RECON_BLOCKED");
    expect(readSnapshot(ws).active_runs_by_plane).toEqual({});
  });

  it("RECON_TO_EXECUTION without a generated task is recon_handoff_invalid: the probe is blocked with an error report", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "recon",
          actions: [packet("to_execution"), { type: "marker", token: "RECON_TO_EXECUTION" }],
        },
      ],
    });
    enqueueProbe(ws);
    await runUntilIdle(ws, {}, 50);
    expect(completedStages(ws)).toEqual(["recon:RECON_TO_EXECUTION"]);
    expect(locate(ws, PROBE)).toEqual(["probe/blocked"]);
    const recovery = eventsOfType(ws, "runtime_post_stage_recovery_scheduled");
    expect(recovery).toHaveLength(1);
    expect(recovery[0]?.data).toMatchObject({
      error_code: "recon_handoff_invalid",
      failed_stage: "recon",
      work_item_id: PROBE,
    });
    const runId = eventsOfType(ws, "stage_completed")[0]?.data.run_id as string;
    expect(runFiles(ws, runId)).toContain("runtime_error_report.md");
    expect(readFileSync(path.join(ws.paths.runs, runId, "runtime_error_report.md"), "utf8")).toContain(
      "Error-Code: recon_handoff_invalid",
    );
    expect(idsIn(ws, "task", "queue")).toEqual([]);
    expect(statusMarker(ws, "planning")).toBe("### BLOCKED");
    expect(readSnapshot(ws).current_failure_class).toBe("recon_handoff_invalid");
  });

  // ENGINE GAP (reported): spec §10.1 requires run_dir/recon_packet.md for a hand-off, with
  // probe_id equal to the probe and a decision matching the outcome; violations are
  // recon_handoff_invalid. src/apply.ts applyReconEffect treats the packet as optional and never
  // reads it, so a packet about another probe (or none at all) still enqueues the task.
  it("refuses a hand-off whose recon packet names another probe", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "recon",
          actions: [
            {
              type: "write_file",
              base: "run_dir",
              path: "recon_packet.md",
              template: "# Recon packet\n\nProbe-ID: probe-other\nDecision: to_execution\n",
            },
            {
              type: "write_file",
              base: "run_dir",
              path: "generated_task.md",
              template: taskMarkdown("task-wrong-packet"),
            },
            { type: "marker", token: "RECON_TO_EXECUTION" },
          ],
        },
      ],
    });
    enqueueProbe(ws);
    await runUntilIdle(ws, {}, 50);
    expect(locate(ws, PROBE)).toEqual(["probe/blocked"]);
    expect(locate(ws, "task-wrong-packet")).toEqual([]);
    expect(eventsOfType(ws, "runtime_post_stage_recovery_scheduled")[0]?.data.error_code).toBe(
      "recon_handoff_invalid",
    );
  });

  it("probes compete with specs by age: an older probe is claimed before a younger root spec", async () => {
    const ws = scenarioWorkspace(ROOTED_MANAGER_NOOP_RECON);
    seedRootSpec(ws, "spec-rooted", "idea-rooted");
    enqueueProbe(ws);
    await runUntilIdle(ws, {}, 200);
    const stages = completedStages(ws);
    // Oldest first: the probe (08:00) is claimed before the root spec (09:00).
    expect(stages[0]).toBe("recon:RECON_NOOP");
    expect(locate(ws, PROBE)).toEqual(["probe/done"]);
    expect(locate(ws, "spec-rooted")).toEqual(["spec/done"]);
    expect(stages.at(-1)).toBe("arbiter:ARBITER_COMPLETE");
  });

  it("never claims a probe under an open closure target's root filter", async () => {
    const ws = scenarioWorkspace(ROOTED_MANAGER_NOOP_RECON);
    seedRootSpec(ws, "spec-rooted", "idea-rooted");
    // The probe arrives once the lineage is open (its target exists), while the task is queued.
    const { engine } = testEngine(ws, {
      monitor: (event) => {
        if (event.type === "stage_completed" && event.stage === "manager") enqueueProbe(ws);
      },
    });
    await engine.runDaemon({ untilIdle: true, maxTicks: 200 });
    await engine.close();
    expect(completedStages(ws)).toEqual([
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_COMPLETE",
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
      "arbiter:ARBITER_COMPLETE",
      "recon:RECON_NOOP",
    ]);
    expect(locate(ws, PROBE)).toEqual(["probe/done"]);
  });
});

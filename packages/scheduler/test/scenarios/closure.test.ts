import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ClosureTargetState, IncidentDocument, ScriptRule } from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import { describe, expect, it } from "vitest";
import { writeMailboxCommand } from "../../src/index.js";
import { demoWorkspace, testEngine } from "../fixtures.js";
import {
  allMarkersIdle,
  completedStages,
  eventsOfType,
  idsIn,
  locate,
  readCounters,
  readJson,
  readSnapshot,
  seedRootSpec,
  statusMarker,
  taskMarkdown,
} from "./helpers.js";

const ROOT_SPEC = "spec-root";
const ROOT_IDEA = "idea-root";
const LINEAGE = { root_spec_id: ROOT_SPEC, root_idea_id: ROOT_IDEA, spec_id: ROOT_SPEC };

const marker = (token: string) => ({ type: "marker" as const, token });

/** A Manager rule that writes one task document into tasks/queue, then completes. */
function managerWrites(taskId: string, match: Partial<ScriptRule> = {}): ScriptRule {
  return {
    stage: "manager",
    ...match,
    actions: [
      {
        type: "write_file",
        base: "runtime",
        path: `tasks/queue/${taskId}.md`,
        template: taskMarkdown(taskId, { ...LINEAGE, created_by: "manager" }),
        overwrite: false,
      },
      marker("MANAGER_COMPLETE"),
    ],
  };
}

/** An Arbiter rule that writes its report and verdict, then prints the outcome. */
function arbiter(outcome: "ARBITER_COMPLETE" | "REMEDIATION_NEEDED", attempt?: number): ScriptRule {
  return {
    stage: "arbiter",
    ...(attempt ? { attempt } : {}),
    actions: [
      { type: "write_file", base: "run_dir", path: "arbiter_report.md", template: `# Arbiter report\n\nOutcome: ${outcome}\n` },
      {
        type: "write_file",
        base: "runtime",
        path: `arbiter/verdicts/${ROOT_SPEC}.json`,
        template: `{"root_spec_id":"${ROOT_SPEC}","verdict":"${outcome}","run_id":"{{run_id}}"}\n`,
      },
      marker(outcome),
    ],
  };
}

function readTarget(ws: ReturnType<typeof demoWorkspace>): ClosureTargetState {
  return readJson<ClosureTargetState>(path.join(ws.paths.arbiterTargets, `${ROOT_SPEC}.json`));
}

function readIncident(ws: ReturnType<typeof demoWorkspace>, id: string): IncidentDocument {
  const store = openQueueStore(ws.paths);
  try {
    return store.readDocument(store.locate(id, "incident")) as IncidentDocument;
  } finally {
    store.close();
  }
}

describe("scenario (c): consultant NEEDS_PLANNING → handoff incident → planning → new task → closure", () => {
  it("opens a lineage incident, plans a new task, runs it, and suppresses closure while the source task is blocked", async () => {
    const ws = demoWorkspace({
      rules: [
        managerWrites("task-one", { work_item_kind: "spec" }),
        managerWrites("task-two", { work_item_kind: "incident" }),
        { stage: "builder", work_item_id: "task-one", actions: [marker("BLOCKED")] },
        { stage: "troubleshooter", work_item_id: "task-one", actions: [marker("BLOCKED")] },
        {
          stage: "consultant",
          work_item_id: "task-one",
          actions: [
            { type: "print", text: "The task needs a new plan." },
            marker("NEEDS_PLANNING"),
          ],
        },
        arbiter("ARBITER_COMPLETE"),
      ],
    });
    seedRootSpec(ws, ROOT_SPEC, ROOT_IDEA);
    const { engine } = testEngine(ws);
    const first = await engine.runDaemon({ untilIdle: true, maxTicks: 300 });
    await engine.close();
    expect(first.stopReason).toBe("idle");

    expect(completedStages(ws)).toEqual([
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_COMPLETE",
      "builder:BLOCKED",
      "troubleshooter:BLOCKED",
      "troubleshooter:BLOCKED",
      "consultant:NEEDS_PLANNING",
      "auditor:AUDITOR_COMPLETE",
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_COMPLETE",
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);

    // The closure target opened when the root spec was claimed, with canonical copies.
    expect(existsSync(path.join(ws.paths.arbiterIdeaContracts, `${ROOT_IDEA}.md`))).toBe(true);
    expect(existsSync(path.join(ws.paths.arbiterRootSpecContracts, `${ROOT_SPEC}.md`))).toBe(true);
    expect(readFileSync(path.join(ws.paths.arbiterIdeaContracts, `${ROOT_IDEA}.md`), "utf8")).toContain("# Idea idea-root");

    // The handoff: one incident with the task's lineage, now resolved; the source task is blocked.
    const handoff = eventsOfType(ws, "runtime_handoff_incident_enqueued");
    expect(handoff).toHaveLength(1);
    const incidentId = handoff[0]?.data.incident_id as string;
    expect(incidentId).toMatch(/^incident-task-one-[0-9a-f]{8}$/);
    expect(locate(ws, incidentId)).toEqual(["incident/done"]);
    const incident = readIncident(ws, incidentId);
    expect(incident).toMatchObject({
      root_spec_id: ROOT_SPEC,
      root_idea_id: ROOT_IDEA,
      source_spec_id: ROOT_SPEC,
      source_task_id: "task-one",
      source_stage: "consultant",
      source_plane: "execution",
      failure_class: "consultant_needs_planning",
      needs_planning: true,
      opened_by: "runtime",
    });
    const consultantRun = eventsOfType(ws, "stage_completed").find((event) => event.data.stage === "consultant");
    expect(incident.related_run_ids).toEqual([consultantRun?.data.run_id]);
    expect(incident.observed_symptoms?.join("\n") ?? "").not.toContain("BLOCKED");

    // Queue: spec done, task-one blocked (handoff), task-two (planned from the incident) done.
    expect(locate(ws, ROOT_SPEC)).toEqual(["spec/done"]);
    expect(locate(ws, "task-one")).toEqual(["task/blocked"]);
    expect(locate(ws, "task-two")).toEqual(["task/done"]);
    const taskTwo = openQueueStore(ws.paths);
    expect(taskTwo.readDocument(taskTwo.locate("task-two"))).toMatchObject(LINEAGE);
    taskTwo.close();

    // Finding (spec §11.13): the blocked source task is open lineage work, so the Arbiter does not run;
    // the target records why instead of fabricating work.
    expect(eventsOfType(ws, "stage_started").some((event) => event.data.stage === "arbiter")).toBe(false);
    const suppressed = readTarget(ws);
    expect(suppressed).toMatchObject({
      closure_open: true,
      closure_blocked_by_lineage_work: true,
      blocking_work_ids: ["task-one"],
    });
    expect(readCounters(ws).entries).toEqual([]);
    expect(readSnapshot(ws).active_runs_by_plane).toEqual({});

    // The operator archives the blocked source task; the next daemon run closes the lineage.
    writeMailboxCommand(ws.paths, "archive_blocked_task", { id: "task-one", reason: "superseded by task-two" }, {
      issuer: "test-operator",
      now: new Date(Date.UTC(2026, 3, 28, 12, 0, 0)),
    });
    const second = testEngine(ws);
    await second.engine.runDaemon({ untilIdle: true, maxTicks: 50 });
    await second.engine.close();

    expect(completedStages(ws).at(-1)).toBe("arbiter:ARBITER_COMPLETE");
    const closed = readTarget(ws);
    expect(closed.closure_open).toBe(false);
    expect(closed.closed_at).toBeTruthy();
    expect(closed.closure_blocked_by_lineage_work).toBe(false);
    expect(closed.blocking_work_ids).toEqual([]);
    const arbiterRun = eventsOfType(ws, "stage_completed").at(-1)?.data.run_id as string;
    expect(closed.last_arbiter_run_id).toBe(arbiterRun);
    expect(closed.latest_report_path).toBe(`millrace-agents/arbiter/reports/${arbiterRun}.md`);
    expect(readFileSync(path.join(ws.root, closed.latest_report_path as string), "utf8")).toContain("ARBITER_COMPLETE");
    expect(closed.latest_verdict_path).toBe(`millrace-agents/arbiter/verdicts/${ROOT_SPEC}.json`);
    expect(eventsOfType(ws, "closure_target_closed")).toHaveLength(1);
    expect(allMarkersIdle(ws)).toBe(true);
    expect(idsIn(ws, "task", "blocked")).toEqual([]);
  });
});

describe("scenario (d): Arbiter REMEDIATION_NEEDED → gap incident → remediation task → second Arbiter run → closure", () => {
  it("closes the root after the remediation task is done", async () => {
    const ws = demoWorkspace({
      rules: [
        managerWrites("task-one", { work_item_kind: "spec" }),
        managerWrites("task-gap-fix", { work_item_kind: "incident" }),
        arbiter("REMEDIATION_NEEDED", 1),
        arbiter("ARBITER_COMPLETE", 2),
      ],
    });
    seedRootSpec(ws, ROOT_SPEC, ROOT_IDEA);
    const { engine } = testEngine(ws);
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 300 });
    await engine.close();
    expect(report.stopReason).toBe("idle");

    expect(completedStages(ws)).toEqual([
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_COMPLETE",
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
      "arbiter:REMEDIATION_NEEDED",
      "auditor:AUDITOR_COMPLETE",
      "planner:PLANNER_COMPLETE",
      "manager:MANAGER_COMPLETE",
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
      "arbiter:ARBITER_COMPLETE",
    ]);

    const gap = eventsOfType(ws, "runtime_handoff_incident_enqueued");
    expect(gap).toHaveLength(1);
    const gapId = gap[0]?.data.incident_id as string;
    expect(gapId).toMatch(/^arbiter-gap-spec-root-[0-9a-f]{8}$/);
    expect(locate(ws, gapId)).toEqual(["incident/done"]);
    const incident = readIncident(ws, gapId);
    expect(incident).toMatchObject({
      root_spec_id: ROOT_SPEC,
      root_idea_id: ROOT_IDEA,
      source_spec_id: ROOT_SPEC,
      source_stage: "arbiter",
      failure_class: "arbiter_parity_gap",
    });
    // The first Arbiter's report and verdict are evidence for the remediation.
    const firstArbiterRun = eventsOfType(ws, "stage_completed").find((event) => event.data.stage === "arbiter")?.data.run_id;
    expect(incident.related_run_ids).toEqual([firstArbiterRun]);
    expect((incident.evidence_paths ?? []).some((file) => file.endsWith(`${ROOT_SPEC}.json`))).toBe(true);

    expect(locate(ws, "task-one")).toEqual(["task/done"]);
    expect(locate(ws, "task-gap-fix")).toEqual(["task/done"]);

    const target = readTarget(ws);
    expect(target.closure_open).toBe(false);
    const arbiterRuns = eventsOfType(ws, "stage_completed")
      .filter((event) => event.data.stage === "arbiter")
      .map((event) => event.data.run_id);
    expect(arbiterRuns).toHaveLength(2);
    expect(new Set(arbiterRuns).size).toBe(2);
    expect(target.last_arbiter_run_id).toBe(arbiterRuns[1]);
    // Both Arbiter reports were archived.
    for (const run of arbiterRuns) expect(existsSync(path.join(ws.paths.arbiterReports, `${run}.md`))).toBe(true);
    expect(eventsOfType(ws, "closure_repeated_remediation_blocked")).toEqual([]);
    expect(allMarkersIdle(ws)).toBe(true);
    expect(statusMarker(ws, "planning")).toBe("### IDLE");
    expect(readSnapshot(ws).current_failure_class ?? null).toBeNull();
  });

  it("blocks a second remediation request when no execution ran since the first (repeated-remediation guard)", async () => {
    const ws = demoWorkspace({
      rules: [
        managerWrites("task-one", { work_item_kind: "spec" }),
        // The remediation planning produces no task, so nothing executes before the next Arbiter run.
        { stage: "manager", work_item_kind: "incident", actions: [marker("MANAGER_COMPLETE")] },
        arbiter("REMEDIATION_NEEDED"),
      ],
    });
    seedRootSpec(ws, ROOT_SPEC, ROOT_IDEA);
    const { engine } = testEngine(ws);
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 300 });
    await engine.close();
    expect(report.stopReason).toBe("idle");
    const stages = completedStages(ws);
    expect(stages.filter((stage) => stage === "arbiter:REMEDIATION_NEEDED")).toHaveLength(2);
    expect(eventsOfType(ws, "runtime_handoff_incident_enqueued")).toHaveLength(1);
    expect(eventsOfType(ws, "closure_repeated_remediation_blocked")).toHaveLength(1);
    const target = readTarget(ws);
    expect(target.closure_open).toBe(true);
    const snapshot = readSnapshot(ws);
    expect(snapshot.current_failure_class).toBe("closure_repeated_remediation_without_execution");
    expect(statusMarker(ws, "planning")).toBe("### BLOCKED");
    expect(snapshot.active_runs_by_plane).toEqual({});
  });
});

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { enqueueTask, testEngine } from "../fixtures.js";
import {
  allMarkersIdle,
  completedStages,
  idsIn,
  locate,
  readCounters,
  readJson,
  readSnapshot,
  runFiles,
  runtimeEvents,
  scenarioWorkspace,
  statusMarker,
} from "./helpers.js";

describe("scenario (a): task → builder → checker → updater → done", () => {
  it("moves the task to done, persists every stage result and ends with every marker idle", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "builder",
          actions: [
            {
              type: "write_file",
              base: "run_dir",
              path: "builder_summary.md",
              template: "built {{work_item_id}}\n",
            },
            { type: "marker", token: "BUILDER_COMPLETE" },
          ],
        },
      ],
    });
    enqueueTask(ws, "task-a");
    const markersSeenWhileRunning: string[] = [];
    const markersAfterResult: string[] = [];
    const { engine, events } = testEngine(ws, {
      monitor: (event) => {
        events.push(event);
        if (event.type === "stage_started") markersSeenWhileRunning.push(statusMarker(ws, "execution"));
        if (event.type === "stage_completed") markersAfterResult.push(statusMarker(ws, "execution"));
      },
    });
    const report = await engine.runDaemon({ untilIdle: true });
    await engine.close();

    expect(report.stopReason).toBe("idle");
    // Queue: the task is in done and nowhere else.
    expect(locate(ws, "task-a")).toEqual(["task/done"]);
    expect(idsIn(ws, "task", "active")).toEqual([]);
    expect(idsIn(ws, "task", "queue")).toEqual([]);

    // While each stage ran, the execution status file showed that stage's running marker.
    expect(markersSeenWhileRunning).toEqual([
      "### BUILDER_RUNNING",
      "### CHECKER_RUNNING",
      "### UPDATER_RUNNING",
    ]);
    expect(allMarkersIdle(ws)).toBe(true);
    expect(statusMarker(ws, "execution")).toBe("### IDLE");
    expect(statusMarker(ws, "planning")).toBe("### IDLE");

    // Monitor: stage lines in order, and marker transitions ending at IDLE.
    const monitorStages = events
      .filter((event) => event.type === "stage_completed")
      .map((event) => (event as { stage: string; terminalResult: string }).stage);
    expect(monitorStages).toEqual(["builder", "checker", "updater"]);
    // After each result, the status file shows the result's marker until the plane goes idle.
    expect(markersAfterResult).toEqual(["### BUILDER_COMPLETE", "### CHECKER_PASS", "### IDLE"]);

    // Persisted runtime events, in order.
    const persisted = runtimeEvents(ws);
    const interesting = new Set([
      "runtime_daemon_lock_acquired",
      "runtime_started",
      "work_item_activated",
      "stage_started",
      "stage_completed",
      "router_decision",
      "runtime_tick_idle",
      "runtime_closed",
      "runtime_daemon_lock_released",
    ]);
    const sequence = persisted
      .filter((event) => interesting.has(event.event_type))
      .map((event) =>
        event.event_type === "stage_started" || event.event_type === "stage_completed"
          ? `${event.event_type}:${event.data.stage}`
          : event.event_type === "router_decision"
            ? `router_decision:${event.data.action}:${event.data.next_stage ?? event.data.reason}`
            : event.event_type,
      );
    expect(sequence).toEqual([
      "runtime_daemon_lock_acquired",
      "runtime_started",
      "work_item_activated",
      "stage_started:builder",
      "stage_completed:builder",
      "router_decision:run_stage:checker",
      "stage_started:checker",
      "stage_completed:checker",
      "router_decision:run_stage:updater",
      "stage_started:updater",
      "stage_completed:updater",
      "router_decision:idle:updater_complete",
      "runtime_tick_idle",
      "runtime_closed",
      "runtime_daemon_lock_released",
    ]);
    expect(completedStages(ws)).toEqual([
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);

    // One run id for the whole item; one stage result per request, matching the events.
    const completed = persisted.filter((event) => event.event_type === "stage_completed");
    const runIds = new Set(completed.map((event) => event.data.run_id as string));
    expect(runIds.size).toBe(1);
    const runId = [...runIds][0] as string;
    for (const event of completed) {
      expect(event.data).toMatchObject({
        plane: "execution",
        work_item_kind: "task",
        work_item_id: "task-a",
      });
      const requestId = event.data.request_id as string;
      const resultPath = path.join(ws.paths.runs, runId, "stage_results", `${requestId}.json`);
      const envelope = readJson(resultPath);
      expect(envelope).toMatchObject({
        run_id: runId,
        stage: event.data.stage,
        terminal_result: event.data.terminal_result,
        work_item_id: "task-a",
        metadata: { request_id: requestId },
      });
      // The runner's artifacts sit beside the result.
      const files = runFiles(ws, runId);
      for (const name of [
        `runner_prompt.${requestId}.md`,
        `runner_invocation.${requestId}.json`,
        `runner_completion.${requestId}.json`,
      ]) {
        expect(files).toContain(name);
      }
      const invocation = readJson(path.join(ws.paths.runs, runId, `runner_invocation.${requestId}.json`));
      expect(invocation).toMatchObject({
        request_id: requestId,
        run_id: runId,
        stage: event.data.stage,
        runner_name: "scripted",
      });
    }
    // Stage-authored files land in the run dir.
    expect(readFileSync(path.join(ws.paths.runs, runId, "builder_summary.md"), "utf8")).toBe(
      "built task-a\n",
    );

    // Snapshot: idle, nothing active, counters zero, last result points at the updater's envelope.
    const snapshot = readSnapshot(ws);
    expect(snapshot.active_runs_by_plane).toEqual({});
    expect(snapshot.process_running).toBe(false);
    expect(snapshot.current_failure_class ?? null).toBeNull();
    expect(snapshot.last_terminal_result).toBe("UPDATE_COMPLETE");
    const updaterRequest = completed.at(-1)?.data.request_id as string;
    expect(snapshot.last_stage_result_path).toBe(
      `millrace-agents/runs/${runId}/stage_results/${updaterRequest}.json`,
    );
    expect([
      snapshot.fix_cycle_count,
      snapshot.troubleshoot_attempt_count,
      snapshot.consultant_invocations,
      snapshot.mechanic_attempt_count,
    ]).toEqual([0, 0, 0, 0]);
    expect(snapshot.execution_status_marker).toBe("### IDLE");
    expect(readCounters(ws).entries).toEqual([]);
    // No inflight journal is left behind.
    expect(existsSync(path.join(ws.paths.state, "inflight_execution.json"))).toBe(false);
  });

  it("runs two queued tasks one after the other, oldest first, each to done", async () => {
    const ws = scenarioWorkspace();
    enqueueTask(ws, "task-late", { created_at: "2026-04-28T11:00:00Z" });
    enqueueTask(ws, "task-early", { created_at: "2026-04-28T09:00:00Z" });
    const { engine } = testEngine(ws);
    await engine.runDaemon({ untilIdle: true });
    await engine.close();
    expect(locate(ws, "task-early")).toEqual(["task/done"]);
    expect(locate(ws, "task-late")).toEqual(["task/done"]);
    const activated = runtimeEvents(ws)
      .filter((event) => event.event_type === "work_item_activated")
      .map((event) => event.data.work_item_id);
    expect(activated).toEqual(["task-early", "task-late"]);
    // Each item gets its own run.
    const runs = new Set(
      runtimeEvents(ws)
        .filter((event) => event.event_type === "stage_completed")
        .map((event) => event.data.run_id),
    );
    expect(runs.size).toBe(2);
    expect(allMarkersIdle(ws)).toBe(true);
  });
});

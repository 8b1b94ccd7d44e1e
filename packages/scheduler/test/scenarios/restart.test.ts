import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type MonitorEvent, writeMailboxCommand } from "../../src/index.js";
import { enqueueTask, type TestWorkspace, testEngine } from "../fixtures.js";
import {
  completedStages,
  eventsOfType,
  locate,
  readCounters,
  readSnapshot,
  scenarioWorkspace,
  statusMarker,
  taskMarkdown,
} from "./helpers.js";

const marker = (token: string) => ({ type: "marker" as const, token });

/** Stops the daemon right after the router sends the run to `stage` (the stop is drained in the same cycle). */
function stopWhenRoutedTo(ws: TestWorkspace, stage: string) {
  let sent = false;
  return (event: MonitorEvent) => {
    if (!sent && event.type === "router_decision" && event.nextStage === stage) {
      sent = true;
      writeMailboxCommand(ws.paths, "stop", {}, { issuer: "test", now: new Date() });
    }
  };
}

describe("restarting between a recovery decision and the recovery stage", () => {
  it("after a fix-cycle escalation the troubleshooter runs under the same run id, with no reconciliation", async () => {
    const ws = scenarioWorkspace({
      rules: [
        { stage: "checker", attempt: 1, actions: [marker("FIX_NEEDED")] },
        { stage: "doublechecker", actions: [marker("FIX_NEEDED")] },
      ],
    });
    enqueueTask(ws, "task-restart");
    const first = testEngine(ws, { monitor: stopWhenRoutedTo(ws, "troubleshooter") });
    expect((await first.engine.runDaemon({ maxTicks: 200 })).stopReason).toBe("stop_requested");
    await first.engine.close();
    // Stopped with the escalation decided: the marker still shows the FIX_NEEDED that caused it.
    expect(readSnapshot(ws).active_runs_by_plane.execution?.stage).toBe("troubleshooter");
    expect(statusMarker(ws, "execution")).toBe("### FIX_NEEDED");
    const before = readCounters(ws);

    const second = testEngine(ws);
    await second.engine.runDaemon({ untilIdle: true, maxTicks: 200 });
    await second.engine.close();
    expect(eventsOfType(ws, "runtime_reconciled")).toEqual([]);
    expect(completedStages(ws).slice(-4)).toEqual([
      "troubleshooter:TROUBLESHOOT_COMPLETE",
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    expect(new Set(eventsOfType(ws, "stage_completed").map((event) => event.data.run_id)).size).toBe(1);
    // The counters survived the restart unchanged (the troubleshooter entry was not counted twice).
    expect(before.entries.filter((entry) => entry.troubleshoot_attempt_count > 0)).toHaveLength(1);
    expect(locate(ws, "task-restart")).toEqual(["task/done"]);
    expect(readCounters(ws).entries).toEqual([]);
  });

  it("after a troubleshooter budget escalates to the consultant, the consultant runs after a restart", async () => {
    const ws = scenarioWorkspace({
      rules: [
        { stage: "builder", attempt: 1, actions: [marker("BLOCKED")] },
        { stage: "troubleshooter", actions: [marker("BLOCKED")] },
        { stage: "consultant", actions: [marker("CONSULT_COMPLETE")] },
        { stage: "troubleshooter", attempt: 3, actions: [marker("TROUBLESHOOT_COMPLETE")] },
      ],
    });
    enqueueTask(ws, "task-consult");
    const first = testEngine(ws, { monitor: stopWhenRoutedTo(ws, "consultant") });
    await first.engine.runDaemon({ maxTicks: 200 });
    await first.engine.close();
    expect(readSnapshot(ws).active_runs_by_plane.execution?.stage).toBe("consultant");

    const second = testEngine(ws);
    await second.engine.runDaemon({ untilIdle: true, maxTicks: 200 });
    await second.engine.close();
    expect(eventsOfType(ws, "runtime_reconciled")).toEqual([]);
    const stages = completedStages(ws);
    expect(stages.slice(0, 4)).toEqual([
      "builder:BLOCKED",
      "troubleshooter:BLOCKED",
      "troubleshooter:BLOCKED",
      "consultant:CONSULT_COMPLETE",
    ]);
    expect(locate(ws, "task-consult")).toEqual(["task/blocked"]);
  });

  // The decision was "repair" before the restart; at startup the document the active run owns wins
  // over the stage's stray tasks/done copy, so the repair runs with its error context.
  it("after a post-stage runtime error the repair stage still gets the error context after a restart", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "updater",
          attempt: 1,
          actions: [
            {
              type: "write_file",
              base: "runtime",
              path: "tasks/done/task-err.md",
              template: taskMarkdown("task-err"),
            },
            marker("UPDATE_COMPLETE"),
          ],
        },
        { stage: "troubleshooter", actions: [marker("BLOCKED")] },
        { stage: "consultant", actions: [marker("BLOCKED")] },
      ],
    });
    enqueueTask(ws, "task-err");
    let sent = false;
    const first = testEngine(ws, {
      monitor: (event: MonitorEvent) => {
        if (!sent && event.type === "router_decision" && event.reason.startsWith("runtime_exception:")) {
          sent = true;
          writeMailboxCommand(ws.paths, "stop", {}, { issuer: "test", now: new Date() });
        }
      },
    });
    await first.engine.runDaemon({ maxTicks: 200 });
    await first.engine.close();
    expect(readSnapshot(ws).active_runs_by_plane.execution?.stage).toBe("troubleshooter");

    const second = testEngine(ws);
    await second.engine.runDaemon({ untilIdle: true, maxTicks: 200 });
    await second.engine.close();
    const started = eventsOfType(ws, "stage_started").find((event) => event.data.stage === "troubleshooter");
    const prompt = readFileSync(
      path.join(
        ws.paths.runs,
        started?.data.run_id as string,
        `runner_prompt.${started?.data.request_id as string}.md`,
      ),
      "utf8",
    );
    expect(prompt).toContain("execution_work_item_completion_conflict");
    // The stage's stray tasks/done copy was set aside at restart; the repaired item ends blocked.
    expect(locate(ws, "task-err")).toEqual(["task/blocked"]);
    expect(eventsOfType(ws, "runtime_reconciled").map((event) => event.data.signal)).toContain(
      "stray_duplicate_of_active_item",
    );
  });
});

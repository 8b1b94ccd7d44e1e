import { describe, expect, it } from "vitest";
import type { MonitorEvent } from "../../src/index.js";
import { writeMailboxCommand } from "../../src/index.js";
import { enqueueTask, testEngine } from "../fixtures.js";
import {
  allMarkersIdle,
  completedStages,
  eventsOfType,
  idsIn,
  locate,
  readCounters,
  readSnapshot,
  scenarioWorkspace,
} from "./helpers.js";

describe("run-once chains and stop (DESIGN decision 3)", () => {
  it("a chain of run-once invocations continues builder → checker → updater without a fake crash", async () => {
    const ws = scenarioWorkspace();
    enqueueTask(ws, "task-once");
    const reasons: string[] = [];
    for (let invocation = 0; invocation < 4; invocation += 1) {
      const { engine } = testEngine(ws, { runtimeMode: "once" });
      const outcome = await engine.tick();
      await engine.close();
      reasons.push(outcome.reason);
      // Between invocations nothing is running, and the active document stays claimed for the run.
      const snapshot = readSnapshot(ws);
      expect(snapshot.process_running).toBe(false);
      if (invocation < 2) expect(locate(ws, "task-once")).toEqual(["task/active"]);
    }
    expect(reasons).toEqual(["stage_completed", "stage_completed", "stage_completed", "no_work"]);
    expect(completedStages(ws)).toEqual([
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    // No stale-ownership reconciliation, no troubleshooter, one run id.
    expect(eventsOfType(ws, "runtime_reconciled")).toEqual([]);
    expect(new Set(eventsOfType(ws, "stage_completed").map((event) => event.data.run_id)).size).toBe(1);
    expect(locate(ws, "task-once")).toEqual(["task/done"]);
    expect(readCounters(ws).entries).toEqual([]);
    expect(allMarkersIdle(ws)).toBe(true);
  });

  it("a mailbox stop lets the running stage finish, strands nothing, and the next start resumes the run", async () => {
    const ws = scenarioWorkspace({
      rules: [
        {
          stage: "builder",
          attempt: 1,
          actions: [
            { type: "sleep", ms: 300 },
            { type: "marker", token: "BUILDER_COMPLETE" },
          ],
        },
      ],
    });
    enqueueTask(ws, "task-stop");
    let stopIssued = false;
    const { engine } = testEngine(ws, {
      monitor: (event: MonitorEvent) => {
        if (event.type === "stage_started" && !stopIssued) {
          stopIssued = true;
          writeMailboxCommand(ws.paths, "stop", {}, { issuer: "test", now: new Date() });
        }
      },
    });
    const report = await engine.runDaemon({ maxTicks: 100 });
    await engine.close();
    expect(report.stopReason).toBe("stop_requested");
    expect(completedStages(ws)).toEqual(["builder:BUILDER_COMPLETE"]);
    // The run survives the stop: its document is still claimed and the snapshot points at the checker.
    const stopped = readSnapshot(ws);
    expect(stopped.active_runs_by_plane.execution?.stage).toBe("checker");
    expect(locate(ws, "task-stop")).toEqual(["task/active"]);

    const resumed = testEngine(ws);
    await resumed.engine.runDaemon({ untilIdle: true, maxTicks: 100 });
    await resumed.engine.close();
    expect(completedStages(ws)).toEqual([
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    expect(eventsOfType(ws, "runtime_reconciled")).toEqual([]);
    expect(locate(ws, "task-stop")).toEqual(["task/done"]);
    expect(idsIn(ws, "task", "active")).toEqual([]);
  });

  it("an aborted daemon cuts the running stage off and the next start runs that stage again", async () => {
    const ws = scenarioWorkspace({
      rules: [{ stage: "checker", attempt: 1, actions: [{ type: "hang" }] }],
    });
    enqueueTask(ws, "task-abort");
    const controller = new AbortController();
    const { engine } = testEngine(ws, {
      monitor: (event: MonitorEvent) => {
        if (event.type === "stage_started" && event.stage === "checker")
          setTimeout(() => controller.abort(), 50);
      },
    });
    const report = await engine.runDaemon({ signal: controller.signal, maxTicks: 100 });
    await engine.close();
    expect(report.stopReason).toBe("interrupted");
    expect(eventsOfType(ws, "stage_interrupted").map((event) => event.data.node_id)).toEqual(["checker"]);
    expect(locate(ws, "task-abort")).toEqual(["task/active"]);

    const resumed = testEngine(ws);
    await resumed.engine.runDaemon({ untilIdle: true, maxTicks: 100 });
    await resumed.engine.close();
    // The cut-off checker never produced a result; it runs again (attempt 2) and the task finishes.
    expect(completedStages(ws)).toEqual([
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    expect(locate(ws, "task-abort")).toEqual(["task/done"]);
    expect(readCounters(ws).entries).toEqual([]);
  });

  it("a stop signal reaches a daemon whose in-process stages finish without ever waiting on I/O", async () => {
    const ws = scenarioWorkspace();
    for (let n = 0; n < 40; n += 1) enqueueTask(ws, `task-busy-${n}`);
    const controller = new AbortController();
    let timerRanAfter = -1;
    const { engine } = testEngine(ws, {
      monitor: (event: MonitorEvent) => {
        // A timer stands for the signal handler: both run only when the loop yields to the event loop.
        if (event.type === "stage_completed" && timerRanAfter < 0) {
          timerRanAfter = 0;
          setTimeout(() => {
            timerRanAfter = idsIn(ws, "task", "done").length;
            controller.abort();
          }, 0);
        }
      },
    });
    const report = await engine.runDaemon({ signal: controller.signal, maxTicks: 10_000 });
    await engine.close();
    expect(report.stopReason).toBe("interrupted");
    expect(timerRanAfter).toBeLessThan(3);
    // It stopped within a task or two instead of draining the queue first.
    expect(idsIn(ws, "task", "queue").length).toBeGreaterThan(30);
  });
});

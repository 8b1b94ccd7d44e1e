import path from "node:path";
import type { StageResultEnvelope } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { enqueueTask, runUntilIdle, type TestWorkspace } from "../fixtures.js";
import {
  allMarkersIdle,
  completedStages,
  counterProbe,
  counterTotal,
  eventsOfType,
  locate,
  readCounters,
  readJson,
  readSnapshot,
  scenarioWorkspace,
} from "./helpers.js";

/** The stage-result envelope a `stage_completed` event points at. */
function envelopeOf(ws: TestWorkspace, stage: string, nth = 0): StageResultEnvelope {
  const event = eventsOfType(ws, "stage_completed").filter((candidate) => candidate.data.stage === stage)[
    nth
  ];
  if (!event) throw new Error(`no ${stage} stage completed`);
  return readJson<StageResultEnvelope>(
    path.join(
      ws.paths.runs,
      event.data.run_id as string,
      "stage_results",
      `${event.data.request_id as string}.json`,
    ),
  );
}

describe("scenario (e): runner failures become failure envelopes and recover through the troubleshooter", () => {
  for (const subprocess of [false, true]) {
    it(`a hanging builder hits its per-stage timeout (runner_timeout) and the task recovers${subprocess ? " (subprocess runner)" : ""}`, async () => {
      const ws = scenarioWorkspace(
        {
          rules: [
            {
              stage: "builder",
              attempt: 1,
              actions: [{ type: "print", text: "working..." }, { type: "hang" }],
            },
          ],
        },
        `${subprocess ? "subprocess = true\n" : ""}\n[stages.builder]\ntimeout_seconds = 1\n`,
      );
      enqueueTask(ws, "task-hang");
      const probe = counterProbe(ws);
      const { report } = await runUntilIdle(ws, { monitor: probe.listener }, 100);
      expect(report.stopReason).toBe("idle");

      expect(completedStages(ws)).toEqual([
        "builder:BLOCKED",
        "troubleshooter:TROUBLESHOOT_COMPLETE",
        "builder:BUILDER_COMPLETE",
        "checker:CHECKER_PASS",
        "updater:UPDATE_COMPLETE",
      ]);
      const failed = envelopeOf(ws, "builder", 0);
      expect(failed.terminal_result).toBe("BLOCKED");
      expect(failed.metadata.failure_class).toBe("runner_timeout");
      expect(failed.metadata.raw_exit_kind).toBe("timeout");
      expect(failed.success).toBe(false);
      const firstCompleted = eventsOfType(ws, "stage_completed")[0];
      expect(firstCompleted?.data.failure_class).toBe("runner_timeout");

      // The troubleshooter got the failure class from the envelope and a budget entry under it.
      const troubleshooter = probe.seen.find((entry) => entry.stage === "troubleshooter");
      expect(troubleshooter?.failureClass).toBe("runner_timeout");
      expect(troubleshooter?.counters.entries).toEqual([
        expect.objectContaining({
          failure_class: "runner_timeout",
          work_item_id: "task-hang",
          troubleshoot_attempt_count: 1,
        }),
      ]);

      expect(locate(ws, "task-hang")).toEqual(["task/done"]);
      expect(readCounters(ws).entries).toEqual([]);
      expect(readSnapshot(ws).active_runs_by_plane).toEqual({});
      expect(allMarkersIdle(ws)).toBe(true);
    });
  }

  it("garbage output with no marker is a missing_terminal_result failure that recovers", async () => {
    const ws = scenarioWorkspace({
      rules: [{ stage: "checker", attempt: 1, actions: [{ type: "garbage", bytes: 512 }] }],
    });
    enqueueTask(ws, "task-garbage");
    const { report } = await runUntilIdle(ws, {}, 100);
    expect(report.stopReason).toBe("idle");
    expect(completedStages(ws)).toEqual([
      "builder:BUILDER_COMPLETE",
      "checker:BLOCKED",
      "troubleshooter:TROUBLESHOOT_COMPLETE",
      "builder:BUILDER_COMPLETE",
      "checker:CHECKER_PASS",
      "updater:UPDATE_COMPLETE",
    ]);
    const failed = envelopeOf(ws, "checker", 0);
    expect(failed.terminal_result).toBe("BLOCKED");
    expect(failed.metadata.failure_class).toBe("missing_terminal_result");
    const escalation = eventsOfType(ws, "router_decision").find(
      (event) => event.data.next_stage === "troubleshooter",
    );
    expect(escalation?.data).toMatchObject({
      failure_class: "missing_terminal_result",
      reason: "checker_blocked",
    });
    expect(locate(ws, "task-garbage")).toEqual(["task/done"]);
    expect(readCounters(ws).entries).toEqual([]);
  });

  it("a builder that keeps timing out exhausts the troubleshooter budget, then the consultant, and the task is blocked", async () => {
    const ws = scenarioWorkspace(
      {
        rules: [
          { stage: "builder", actions: [{ type: "hang" }] },
          { stage: "consultant", actions: [{ type: "marker", token: "CONSULT_COMPLETE" }] },
        ],
      },
      "\n[stages.builder]\ntimeout_seconds = 1\n",
    );
    enqueueTask(ws, "task-always-hangs");
    const probe = counterProbe(ws);
    const { report } = await runUntilIdle(ws, { monitor: probe.listener }, 200);
    expect(report.stopReason).toBe("idle");
    const stages = completedStages(ws);
    expect(stages.filter((stage) => stage.startsWith("consultant:"))).toHaveLength(2);
    expect(stages.every((stage) => stage !== "builder:BUILDER_COMPLETE")).toBe(true);
    expect(locate(ws, "task-always-hangs")).toEqual(["task/blocked"]);
    // The budget is per work item across failure classes: the first consultant saw two troubleshooter entries.
    const consultant = probe.seen.find((entry) => entry.stage === "consultant");
    expect(
      counterTotal(
        consultant?.counters ?? readCounters(ws),
        "task-always-hangs",
        "troubleshoot_attempt_count",
      ),
    ).toBe(2);
    expect(readCounters(ws).entries).toEqual([]);
  });
});

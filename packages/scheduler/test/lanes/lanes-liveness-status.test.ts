import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { StatusReport } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { readStatus } from "../../src/index.js";
import { enqueueTask, testEngine } from "../fixtures.js";
import { laneWorkspace } from "./lane-fixture.js";

/** task-a's builder prints once and hangs in lane 1; task-b's builder sleeps in lane 2, then hangs too. */
function gradedWorkspace() {
  const ws = laneWorkspace(
    {
      rules: [
        {
          stage: "builder",
          work_item_id: "task-a",
          actions: [{ type: "print", text: "working..." }, { type: "hang" }],
        },
        { stage: "builder", actions: [{ type: "print", text: "busy" }, { type: "hang" }] },
      ],
    },
    [
      "lanes = 2",
      "",
      "[stages.builder]",
      "timeout_seconds = 600",
      "",
      "[liveness]",
      "quiet_after_seconds = 0.5",
      "hang_after_seconds = 1",
    ].join("\n"),
  );
  enqueueTask(ws, "task-a", { target_paths: ["a/"] });
  enqueueTask(ws, "task-b", { target_paths: ["b/"] });
  return ws;
}

describe("status grades lane stages as it grades plane stages", () => {
  it("each lane's stage has the liveness grade, thresholds and fields of a plane's stage; a dead daemon's is orphaned", async () => {
    const ws = gradedWorkspace();
    const controller = new AbortController();
    let report: StatusReport | undefined;
    let journal = "";
    let started = 0;
    const { engine } = testEngine(ws, {
      monitor: (event) => {
        if (event.type !== "stage_started" || ++started !== 2) return;
        // Both stages print at once, then go silent: past hang_after_seconds they are hung.
        setTimeout(() => {
          report = readStatus(ws.root);
          journal = readFileSync(path.join(ws.paths.state, "lane_runs.json"), "utf8");
          controller.abort();
        }, 2_500);
      },
    });
    await engine.runDaemon({ signal: controller.signal, maxTicks: 2_000 });
    await engine.close();

    const live = report as StatusReport;
    expect(live.liveness.grade).toBe("hung");
    const stages = [...live.liveness.stages].sort((a, b) => (a.lane ?? 0) - (b.lane ?? 0));
    expect(stages.map((stage) => [stage.lane, stage.work_item_id, stage.plane, stage.stage])).toEqual([
      [1, "task-a", "execution", "builder"],
      [2, "task-b", "execution", "builder"],
    ]);
    for (const stage of stages) {
      expect(stage).toMatchObject({
        grade: "hung",
        process: "none",
        quiet_after_seconds: 0.5,
        hang_after_seconds: 1,
      });
      expect(stage.request_id).not.toBeNull();
      expect(stage.silent_seconds).toBeGreaterThan(1);
    }
    expect(live.liveness.summary).toMatch(/^hung: execution lane [12]\/builder: /);
    // Each lane line carries its own stage's grade, the same object as in liveness.stages.
    for (const lane of live.lanes?.active ?? []) {
      expect(lane.liveness).toBe("running");
      expect(lane.stage_liveness).toEqual(stages.find((stage) => stage.lane === lane.lane));
    }

    // As a SIGKILL would leave it: stages out in the journal, and no live runtime owning them.
    writeFileSync(path.join(ws.paths.state, "lane_runs.json"), journal);
    const dead = readStatus(ws.root);
    expect(dead.liveness.grade).toBe("orphaned");
    expect(dead.liveness.stages.map((stage) => [stage.lane, stage.grade])).toEqual([
      [1, "orphaned"],
      [2, "orphaned"],
    ]);
    expect(dead.lanes?.active.map((lane) => [lane.liveness, lane.stage_liveness?.grade])).toEqual([
      ["orphaned", "orphaned"],
      ["orphaned", "orphaned"],
    ]);
  }, 60_000);
});

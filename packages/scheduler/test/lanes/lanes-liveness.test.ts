import path from "node:path";
import type { StageResultEnvelope } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { enqueueTask, testEngine } from "../fixtures.js";
import { eventsOfType, idsIn, readJson } from "../scenarios/helpers.js";
import { git, laneLeftovers, laneWorkspace } from "./lane-fixture.js";

const LIVENESS = [
  "[stages.builder]",
  "timeout_seconds = 600",
  "",
  "[liveness]",
  "check_interval_seconds = 0.2",
  "quiet_after_seconds = 1",
  "hang_after_seconds = 2",
  "",
  "[liveness.responses]",
].join("\n");

/** task-a's first builder hangs in lane 1 while task-b runs beside it in lane 2. */
function hangingLaneWorkspace(hungResponse: string) {
  const ws = laneWorkspace(
    {
      rules: [
        {
          stage: "builder",
          work_item_id: "task-a",
          attempt: 1,
          actions: [{ type: "print", text: "working..." }, { type: "hang" }],
        },
        {
          stage: "builder",
          actions: [
            {
              type: "write_file",
              base: "workspace",
              path: "{{work_item_id}}.txt",
              template: "x\n",
              overwrite: true,
            },
            { type: "marker", token: "BUILDER_COMPLETE" },
          ],
        },
      ],
    },
    `lanes = 2\n\n${LIVENESS}\nhung = "${hungResponse}"\n`,
  );
  enqueueTask(ws, "task-a", { target_paths: ["task-a.txt"] });
  enqueueTask(ws, "task-b", { target_paths: ["task-b.txt"] });
  return ws;
}

describe("liveness watches lane stages", () => {
  it("a hung stage in a lane is stopped and handed to recovery at once; both lanes land", async () => {
    const ws = hangingLaneWorkspace("recovery_request");
    const { engine } = testEngine(ws);
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 2_000 });
    await engine.close();

    expect(report.stopReason).toBe("idle");
    expect(idsIn(ws, "task", "done")).toEqual(["task-a", "task-b"]);
    const first = eventsOfType(ws, "stage_completed").find((event) => event.data.work_item_id === "task-a");
    expect(first?.data).toMatchObject({
      stage: "builder",
      terminal_result: "BLOCKED",
      failure_class: "runner_timeout",
    });
    const envelope = readJson<StageResultEnvelope>(
      path.join(
        ws.paths.runs,
        String(first?.data.run_id),
        "stage_results",
        `${String(first?.data.request_id)}.json`,
      ),
    );
    expect(envelope.metadata.liveness).toMatchObject({ grade: "hung", response: "recovery_request" });
    const hung = eventsOfType(ws, "liveness_changed").filter((event) => event.data.grade === "hung");
    expect(hung.map((event) => event.data.work_item_id)).toEqual(["task-a"]);
    expect(
      eventsOfType(ws, "stage_started")
        .filter((event) => event.data.work_item_id === "task-a")
        .map((event) => [event.data.stage, event.data.lane]),
    ).toContainEqual(["troubleshooter", 1]);
    expect(git(ws.root, "show", "main:task-a.txt")).toBe("x");
    expect(laneLeftovers(ws)).toEqual({ branches: [], extraWorktrees: 0, records: [] });
  }, 120_000);

  it("pause_item parks a hung lane's item, releases its lane and keeps its worktree", async () => {
    const ws = hangingLaneWorkspace("pause_item");
    const { engine } = testEngine(ws);
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 2_000 });
    await engine.close();

    expect(report.stopReason).toBe("idle");
    expect(idsIn(ws, "task", "done")).toEqual(["task-b"]);
    expect(idsIn(ws, "task", "queue")).toEqual(["task-a"]);
    const [parked] = eventsOfType(ws, "work_item_parked");
    expect(parked?.data).toMatchObject({ work_item_id: "task-a", plane: "execution" });
    expect(String(parked?.data.reason)).toMatch(/^liveness: hung: no output for/);
    expect(eventsOfType(ws, "lane_released").map((event) => event.data.work_item_id)).toEqual(["task-a"]);
    expect(laneLeftovers(ws)).toMatchObject({ branches: ["millrace/task-a"], extraWorktrees: 1 });
  }, 120_000);
});

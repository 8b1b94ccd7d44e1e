import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { MillraceError, type StatusReport } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { controlWorkspace, listRuns, readStatus, runFullDoctor } from "../../src/index.js";
import { enqueueTask, testEngine } from "../fixtures.js";
import { scenarioWorkspace } from "../scenarios/helpers.js";
import { builderWrites, git, laneLeftovers, laneWorkspace } from "./lane-fixture.js";

describe("lanes: refusals", () => {
  it("refuses to start with lanes > 1 outside a git repository, writing nothing, and starts with lanes = 1", async () => {
    const ws = scenarioWorkspace({ rules: [] }, "\n[execution]\nlanes = 3\n");
    enqueueTask(ws, "task-a");
    const { engine } = testEngine(ws);
    let error: unknown;
    try {
      await engine.start();
    } catch (caught) {
      error = caught;
    }
    expect(MillraceError.isInstance(error)).toBe(true);
    expect((error as MillraceError).code).toBe("git_not_a_repository");
    expect(existsSync(path.join(ws.paths.state, "lane_runs.json"))).toBe(false);
    expect(existsSync(path.join(ws.paths.state, "lanes"))).toBe(false);
    // The lock was released: a second engine can start once the setting is back to one lane.
    const config = readFileSync(ws.paths.configFile, "utf8").replace("lanes = 3", "lanes = 1");
    (await import("node:fs")).writeFileSync(ws.paths.configFile, config);
    const second = testEngine(ws).engine;
    const report = await second.runDaemon({ untilIdle: true, maxTicks: 200 });
    await second.close();
    expect(report.stopReason).toBe("idle");
  }, 60_000);

  it("refuses [execution] lanes out of range with the key and the range", async () => {
    const ws = scenarioWorkspace({ rules: [] }, "\n[execution]\nlanes = 0\n");
    const { engine } = testEngine(ws);
    await expect(engine.start()).rejects.toThrow(/`execution\.lanes` at line \d+ must be/);
  });
});

describe("lanes: status, runs, doctor and clear-stale-state", () => {
  it("shows each running lane in status, records the lane of each run, and reports kept lanes and leftovers", async () => {
    const ws = laneWorkspace(
      { rules: builderWrites("shared.txt", "from {{work_item_id}}\n", 700) },
      'lanes = 2\nlanding = "merge_commit"',
      { "shared.txt": "base\n" },
    );
    enqueueTask(ws, "task-a", { target_paths: ["a/"] });
    enqueueTask(ws, "task-b", { target_paths: ["b/"] });
    const seen: StatusReport[] = [];
    const { engine, events } = testEngine(ws, {
      monitor: (event) => {
        events.push(event);
        if (event.type === "stage_started" && event.stage === "builder") seen.push(readStatus(ws.root));
      },
    });
    await engine.runDaemon({ untilIdle: true, maxTicks: 2_000 });
    await engine.close();

    expect(seen.at(-1)?.active_run_count).toBe(2);
    const during = seen.at(-1)?.lanes;
    expect(during?.configured).toBe(2);
    expect(during?.landing).toBe("merge_commit");
    expect(during?.active.map((lane) => [lane.lane, lane.item_id, lane.stage, lane.liveness])).toEqual([
      [1, "task-a", "builder", "running"],
      [2, "task-b", "builder", "running"],
    ]);
    expect(during?.active[1]?.branch).toBe("millrace/task-b");

    const after = readStatus(ws.root).lanes;
    expect(after?.active).toEqual([]);
    expect(after?.kept).toHaveLength(1);
    const loser = after?.kept[0] as string;

    const runs = listRuns(ws.root).runs.filter((run) => run.plane === "execution");
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((run) => run.lane !== null && run.lane.branch === `millrace/${run.work_item_id}`)).toBe(
      true,
    );

    git(ws.root, "branch", "millrace/stray");
    const doctor = await runFullDoctor(ws.root, { probeVersions: false });
    const codes = doctor.checks.filter((check) => check.code.startsWith("lane")).map((check) => check.code);
    expect(codes.sort()).toEqual(["lane_kept", "lane_leftover"]);
    expect(doctor.checks.find((check) => check.code === "lane_leftover")?.message).toContain(
      "millrace/stray",
    );
    expect(doctor.checks.some((check) => check.code === "queue_multiple_active")).toBe(false);

    // clear-stale-state asks the next start to remove leftovers; the kept lane stays for its item.
    const cleared = controlWorkspace(ws.root, "clear_stale_state", { reason: "test" });
    expect(cleared.detail).toContain("lane leftovers are removed at the next start");
    const next = testEngine(ws).engine;
    await next.start();
    await next.close();
    expect(laneLeftovers(ws).branches).toEqual([`millrace/${loser}`]);
    expect(existsSync(path.join(ws.paths.state, "lanes_cleanup.json"))).toBe(false);
  }, 120_000);

  it("prefixes a lane's monitor lines with its lane", async () => {
    const ws = laneWorkspace({ rules: builderWrites("x/{{work_item_id}}.txt", "x\n", 300) }, "lanes = 2");
    enqueueTask(ws, "task-a", { target_paths: ["x/task-a.txt"] });
    const { BasicMonitorFormatter } = await import("../../src/index.js");
    const formatter = new BasicMonitorFormatter();
    const lines: string[] = [];
    const { engine } = testEngine(ws, { monitor: (event) => lines.push(...formatter.format(event)) });
    await engine.runDaemon({ untilIdle: true, maxTicks: 500 });
    await engine.close();
    const stageLines = lines.filter((line) => line.includes("stage start") || line.includes("stage done"));
    expect(stageLines).toHaveLength(6);
    expect(stageLines.every((line) => line.includes("[lane 1] stage"))).toBe(true);
  }, 60_000);
});

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { tailEvents } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { demoWorkspace, enqueueTask, testEngine } from "./fixtures.js";

describe("engine: the happy path", () => {
  it("runs a task through builder, checker and updater to done", async () => {
    const ws = demoWorkspace();
    enqueueTask(ws, "task-a");
    const { engine, events } = testEngine(ws);
    const report = await engine.runDaemon({ untilIdle: true });
    await engine.close();
    expect(report.stopReason).toBe("idle");
    expect(existsSync(path.join(ws.paths.queues.task.done, "task-a.md"))).toBe(true);
    const stages = events
      .filter((e) => e.type === "stage_completed")
      .map((e) => (e as { stage: string }).stage);
    expect(stages).toEqual(["builder", "checker", "updater"]);
    const snapshot = JSON.parse(readFileSync(ws.paths.snapshot, "utf8"));
    expect(snapshot.active_runs_by_plane).toEqual({});
    expect(snapshot.process_running).toBe(false);
    expect(readFileSync(ws.paths.statusFiles.execution, "utf8")).toBe("### IDLE\n");
    const types = tailEvents(ws.paths.runtimeEvents, 100).map((e) => e.event_type);
    expect(types.filter((t) => t === "stage_completed")).toHaveLength(3);
    expect(types).toContain("runtime_closed");
  });
});

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { stageProcessRecordDir } from "@millrace/runners";
import { describe, expect, it } from "vitest";
import type { MonitorEvent } from "../../src/index.js";
import { enqueueTask, testEngine } from "../fixtures.js";
import { eventsOfType, readSnapshot, scenarioWorkspace, statusMarker } from "./helpers.js";

/** The agent processes on record (`state/stage_processes/*.json`) with the pid each was given. */
function recordedAgents(runtimeRoot: string): Array<{ childPid: number | null }> {
  const dir = stageProcessRecordDir(runtimeRoot);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
  return names.map((name) => {
    const record = JSON.parse(readFileSync(path.join(dir, name), "utf8")) as { child_pid: number | null };
    return { childPid: record.child_pid };
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("a stage's start is shown once its runner has been started (the closing commit follows the spawn)", () => {
  it("with a subprocess runner, the agent process is running when `stage_started` is shown", async () => {
    const ws = scenarioWorkspace({ rules: [] }, "subprocess = true\n");
    enqueueTask(ws, "task-a");
    const seen: Array<{
      stage: string;
      agents: number;
      running: boolean;
      marker: string;
      snapshot: string | null;
    }> = [];
    const { engine } = testEngine(ws, {
      monitor: (event: MonitorEvent) => {
        if (event.type !== "stage_started") return;
        const agents = recordedAgents(ws.paths.runtimeRoot);
        seen.push({
          stage: event.stage,
          agents: agents.length,
          running: agents.every((agent) => agent.childPid !== null && alive(agent.childPid)),
          marker: statusMarker(ws, "execution"),
          snapshot: readSnapshot(ws).active_runs_by_plane.execution?.stage ?? null,
        });
      },
    });
    const report = await engine.runDaemon({ untilIdle: true });
    await engine.close();
    expect(report.stopReason).toBe("idle");
    // Each start is shown with its agent spawned (on record with its pid) and, as before, with the
    // status file and the snapshot file showing the stage.
    expect(seen).toEqual([
      { stage: "builder", agents: 1, running: true, marker: "### BUILDER_RUNNING", snapshot: "builder" },
      { stage: "checker", agents: 1, running: true, marker: "### CHECKER_RUNNING", snapshot: "checker" },
      { stage: "updater", agents: 1, running: true, marker: "### UPDATER_RUNNING", snapshot: "updater" },
    ]);
    // The log keeps each start before its result.
    const types = eventsOfType(ws, "stage_started").length + eventsOfType(ws, "stage_completed").length;
    expect(types).toBe(6);
  });

  it("an abort while a cycle waits for its stage to launch stops the daemon, and the stage is cut off", async () => {
    // The builder hangs until stopped; the abort arrives while the engine waits for the dispatch
    // (inside the embedder's prompt-context hook). Without the wake-up kept for the sleep, the daemon
    // would sleep until the hanging stage ended (it never does by itself) or the working cycle's
    // one-minute safety interval passed.
    const ws = scenarioWorkspace(
      { rules: [{ stage: "builder", actions: [{ type: "hang" }] }] },
      "subprocess = true\n",
    );
    enqueueTask(ws, "task-a");
    const controller = new AbortController();
    const { engine, events } = testEngine(ws, {
      hooks: {
        promptContext: async () => {
          // Asked during the cycle; the abort comes once the cycle waits for the launch.
          await new Promise((resolve) => setImmediate(resolve));
          controller.abort();
          await new Promise((resolve) => setImmediate(resolve));
          return [];
        },
      },
    });
    const report = await engine.runDaemon({ signal: controller.signal });
    await engine.close();
    expect(report.stopReason).toBe("interrupted");
    expect(events.filter((event) => event.type === "stage_completed")).toEqual([]);
    expect(eventsOfType(ws, "stage_interrupted").map((event) => event.data.node_id)).toEqual(["builder"]);
    // The stage stays active: the next start dispatches it again.
    expect(readSnapshot(ws).active_runs_by_plane.execution?.stage).toBe("builder");
    expect(recordedAgents(ws.paths.runtimeRoot)).toEqual([]);
  });
});

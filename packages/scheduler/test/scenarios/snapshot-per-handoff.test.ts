import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { describe, expect, it } from "vitest";
import type { MonitorEvent } from "../../src/index.js";
import { enqueueTask, testEngine } from "../fixtures.js";
import { readSnapshot, scenarioWorkspace, statusMarker } from "./helpers.js";

/** The stage the snapshot file shows running on the execution plane (null when none). */
function snapshotStage(ws: Parameters<typeof readSnapshot>[0]): string | null {
  return readSnapshot(ws).active_runs_by_plane.execution?.stage ?? null;
}

describe("the snapshot file is replaced once per handoff (ADR 0008, second amendment)", () => {
  it("a stage result's commit leaves the snapshot file to the cycle's closing commit", async () => {
    const ws = scenarioWorkspace();
    enqueueTask(ws, "task-a");
    const atCompleted: Array<{ stage: string; snapshot: string | null; marker: string }> = [];
    const atStarted: Array<{ stage: string; snapshot: string | null }> = [];
    const { engine } = testEngine(ws, {
      monitor: (event: MonitorEvent) => {
        if (event.type === "stage_completed")
          atCompleted.push({
            stage: event.stage,
            snapshot: snapshotStage(ws),
            marker: statusMarker(ws, "execution"),
          });
        if (event.type === "stage_started")
          atStarted.push({ stage: event.stage, snapshot: snapshotStage(ws) });
      },
    });
    const report = await engine.runDaemon({ untilIdle: true });
    await engine.close();
    expect(report.stopReason).toBe("idle");

    // When a result is shown, the status file already shows it; the snapshot file still shows the
    // stage running (its record is durable in the journal; the file follows within the cycle).
    expect(atCompleted).toEqual([
      { stage: "builder", snapshot: "builder", marker: "### BUILDER_COMPLETE" },
      { stage: "checker", snapshot: "checker", marker: "### CHECKER_PASS" },
      { stage: "updater", snapshot: "updater", marker: "### IDLE" },
    ]);
    // When the next stage's start is shown, the snapshot file shows that stage.
    expect(atStarted).toEqual([
      { stage: "builder", snapshot: "builder" },
      { stage: "checker", snapshot: "checker" },
      { stage: "updater", snapshot: "updater" },
    ]);
    // The cycle that applied the last result closed with the idle snapshot.
    const final = readSnapshot(ws);
    expect(final.active_runs_by_plane).toEqual({});
    expect(final.last_terminal_result).toBe("UPDATE_COMPLETE");
  });

  it("writes runtime_snapshot.json once per middle handoff, not twice", async () => {
    const ws = scenarioWorkspace();
    enqueueTask(ws, "task-a");
    const writes: string[] = [];
    const rename = fs.renameSync;
    const spy = (from: fs.PathLike, to: fs.PathLike) => {
      if (String(to) === ws.paths.snapshot) writes.push("snapshot");
      return rename(from, to);
    };
    const { engine } = testEngine(ws, {
      monitor: (event: MonitorEvent) => {
        if (event.type === "stage_started" || event.type === "stage_completed") writes.push(event.type);
      },
    });
    await engine.start();
    fs.renameSync = spy;
    syncBuiltinESMExports();
    try {
      await engine.runDaemon({ untilIdle: true });
    } finally {
      fs.renameSync = rename;
      syncBuiltinESMExports();
      await engine.close();
    }
    // From one stage's start to the next (builder to checker, checker to updater): one snapshot
    // write, by the closing commit of the cycle that applied the result and started the next stage.
    const segments = writes.join(" ").split("stage_started").slice(1, 3);
    expect(segments.map((segment) => segment.trim())).toEqual([
      "stage_completed snapshot",
      "stage_completed snapshot",
    ]);
  });

  it("appends two journal records per middle handoff: the result's and the start's", async () => {
    const ws = scenarioWorkspace();
    enqueueTask(ws, "task-a");
    const seen: string[] = [];
    const writeSync = fs.writeSync;
    const spy = ((fd: number, data: unknown, ...rest: unknown[]) => {
      const text = Buffer.isBuffer(data) ? data.subarray(0, 8).toString("utf8") : String(data).slice(0, 8);
      if (text.startsWith('{"seq":')) seen.push("record");
      return (writeSync as (...args: unknown[]) => number)(fd, data, ...rest);
    }) as typeof fs.writeSync;
    const { engine } = testEngine(ws, {
      monitor: (event: MonitorEvent) => {
        if (event.type === "stage_started") seen.push(event.type);
      },
    });
    await engine.start();
    fs.writeSync = spy;
    syncBuiltinESMExports();
    try {
      await engine.runDaemon({ untilIdle: true });
    } finally {
      fs.writeSync = writeSync;
      syncBuiltinESMExports();
      await engine.close();
    }
    // From the builder's start to the checker's, and on to the updater's: the result's record and
    // the next start's; the cycle's closing commit adds none (it had nothing new).
    const segments = seen.join(" ").split("stage_started").slice(1, 3);
    expect(segments.map((segment) => segment.trim())).toEqual(["record record", "record record"]);
  });
});

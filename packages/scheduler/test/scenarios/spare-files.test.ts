import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { TEMP_FILE_PATTERN } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import type { MonitorEvent } from "../../src/index.js";
import { enqueueTask, testEngine } from "../fixtures.js";
import { scenarioWorkspace } from "./helpers.js";

/** Inode numbers of the temp files (spares included) in a folder; none when it is missing. */
function tempInodes(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => TEMP_FILE_PATTERN.test(name))
    .map((name) => statSync(path.join(dir, name)).ino);
}

/** Every temp file under a folder, recursively. */
function tempFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tempFiles(full));
    else if (TEMP_FILE_PATTERN.test(entry.name)) out.push(full);
  }
  return out;
}

describe("the engine's spare temp files", () => {
  it("a run's later stages write their records into temp files made while the earlier stage ran", async () => {
    const ws = scenarioWorkspace();
    enqueueTask(ws, "task-a");
    const seen = new Set<number>();
    const runIds = new Set<string>();
    const { engine } = testEngine(ws, {
      monitor: (event: MonitorEvent) => {
        for (const ino of tempInodes(ws.paths.state)) seen.add(ino);
        if (event.type !== "stage_started" && event.type !== "stage_completed") return;
        runIds.add(event.runId);
        const runDir = path.join(ws.paths.runs, event.runId);
        for (const dir of [runDir, path.join(runDir, "stage_results")])
          for (const ino of tempInodes(dir)) seen.add(ino);
      },
    });
    const report = await engine.runDaemon({ untilIdle: true });
    expect(report.stopReason).toBe("idle");
    await engine.close();
    // Closed: no spare is left anywhere in the runtime folder.
    expect(tempFiles(ws.paths.runtimeRoot)).toEqual([]);

    expect(runIds.size).toBe(1);
    const runDir = path.join(ws.paths.runs, [...runIds][0] as string);
    const records = readdirSync(runDir)
      .filter((name) => /^runner_(invocation|completion)\./.test(name))
      .map((name) => ({ name, spare: seen.has(statSync(path.join(runDir, name)).ino) }));
    expect(records).toHaveLength(6);
    // The builder's records were the first writes in the new run folder (nothing was prepared
    // there yet); the checker's and the updater's went into spares.
    expect(records.filter((record) => record.spare)).toHaveLength(4);
  });

  it("a second engine on the same workspace after a close works the same, and leaves nothing behind", async () => {
    const ws = scenarioWorkspace();
    for (const id of ["task-a", "task-b"]) {
      enqueueTask(ws, id);
      const { engine } = testEngine(ws);
      await engine.runDaemon({ untilIdle: true });
      expect(tempFiles(ws.paths.state).length).toBeGreaterThan(0);
      await engine.close();
      expect(tempFiles(ws.paths.runtimeRoot)).toEqual([]);
    }
    expect(readdirSync(ws.paths.queues.task.done)).toEqual(
      expect.arrayContaining(["task-a.md", "task-b.md"]),
    );
  });
});

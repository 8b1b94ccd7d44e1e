import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { MonitorEvent } from "../../src/index.js";
import { CommitJournal, journalFiles, readJournal } from "../../src/state/commit-journal.js";
import { recoverCommitJournal } from "../../src/state/journal-recovery.js";
import { demoWorkspace, enqueueTask, testEngine } from "../fixtures.js";
import { eventsOfType, scenarioWorkspace } from "./helpers.js";

function traceFile(ws: { paths: { runs: string } }, runId: string): string {
  return path.join(ws.paths.runs, runId, "run_trace.json");
}

describe("a run's trace is built after the next stage has started (its marker is journaled with the result)", () => {
  it("the last result's record holds the marker; the trace is on disk when the next start is shown", async () => {
    const ws = scenarioWorkspace();
    enqueueTask(ws, "task-a");
    enqueueTask(ws, "task-b");
    const atUpdaterDone: Array<{ trace: boolean; marked: boolean }> = [];
    const atStart: Array<{ stage: string; traces: boolean[] }> = [];
    const ended: string[] = [];
    const { engine } = testEngine(ws, {
      monitor: (event: MonitorEvent) => {
        if (event.type === "stage_completed" && event.stage === "updater") {
          ended.push(event.runId);
          atUpdaterDone.push({
            trace: existsSync(traceFile(ws, event.runId)),
            marked: readJournal(ws.paths).some((record) =>
              (record.traces ?? []).some((marker) => marker.run_id === event.runId),
            ),
          });
        }
        if (event.type === "stage_started")
          atStart.push({
            stage: event.stage,
            traces: ended.map((runId) => existsSync(traceFile(ws, runId))),
          });
      },
    });
    const report = await engine.runDaemon({ untilIdle: true });
    await engine.close();
    expect(report.stopReason).toBe("idle");
    expect(ended).toHaveLength(2);
    // When the run's last result is shown, its trace is not written yet; the durable record that
    // holds the result holds the run's marker, so a kill from here on is recovered.
    expect(atUpdaterDone).toEqual([
      { trace: false, marked: true },
      { trace: false, marked: true },
    ]);
    // The next task's first stage is shown with the finished run's trace written.
    expect(atStart.map((entry) => entry.stage)).toEqual([
      "builder",
      "checker",
      "updater",
      "builder",
      "checker",
      "updater",
    ]);
    expect(atStart[3]?.traces).toEqual([true]);
    for (const runId of ended) {
      const trace = JSON.parse(readFileSync(traceFile(ws, runId), "utf8")) as {
        status: string;
        edges: unknown[];
      };
      expect(trace.status).toBe("complete");
      expect(trace.edges.length).toBeGreaterThan(0);
    }
    expect(eventsOfType(ws, "run_trace_failed")).toEqual([]);
  });

  it("recovery builds the trace of a run whose marker no record's files answer", async () => {
    const ws = scenarioWorkspace();
    enqueueTask(ws, "task-a");
    const { engine } = testEngine(ws);
    await engine.runDaemon({ untilIdle: true });
    await engine.close();
    const runId = eventsOfType(ws, "stage_completed").at(-1)?.data.run_id as string;
    const file = traceFile(ws, runId);
    const written = JSON.parse(readFileSync(file, "utf8")) as { edges: unknown[]; status: string };
    // A kill after the result's record and before the commit that writes the trace: the marker is
    // journaled, the file is not there.
    rmSync(file);
    const snapshot = readFileSync(ws.paths.snapshot, "utf8");
    const decisions = [{ request_id: "request-x", edge_kind: "terminal", terminal_state_id: "done" }];
    const record = {
      seq: 0,
      snapshot,
      events: "",
      files: [],
      traces: [{ run_id: runId, status: "complete", decisions }],
    };
    writeFileSync(journalFiles(ws.paths)[0], `${JSON.stringify(record)}\n`);
    const recovery = recoverCommitJournal(ws.paths);
    expect(recovery.files).toEqual([path.relative(ws.root, file)]);
    const rebuilt = JSON.parse(readFileSync(file, "utf8")) as {
      run_id: string;
      status: string;
      edges: unknown[];
    };
    expect(rebuilt.run_id).toBe(runId);
    expect(rebuilt.status).toBe(written.status);
    expect(rebuilt.edges.length).toBe(written.edges.length);
    expect(readJournal(ws.paths)).toEqual([]);
    // Once written, a second recovery leaves it alone.
    expect(recoverCommitJournal(ws.paths).files).toEqual([]);
  });

  it("a checkpoint waits while a journaled marker has no trace yet", async () => {
    const ws = demoWorkspace();
    const journal = CommitJournal.open(ws.paths, 0);
    const snapshotText = `${JSON.stringify({ updated_at: "2026-05-01T00:00:00+00:00" })}\n`;
    const marker = { run_id: "run-1", status: "complete" as const, decisions: [] };
    // 63 durable records, then the 64th (the checkpoint's turn) carrying a marker.
    for (let index = 0; index < 63; index += 1)
      journal.commit({ snapshotText, eventsText: "", files: [] }, true);
    journal.commit({ snapshotText, eventsText: "", files: [], traces: [marker] }, true);
    await journal.settled();
    const [first, second] = journalFiles(ws.paths) as [string, string];
    // No checkpoint: the generation holding the marker is still the active one, and whole.
    expect(readFileSync(first, "utf8").split("\n").filter(Boolean)).toHaveLength(64);
    expect(readFileSync(second, "utf8")).toBe("");
    // The commit that holds the trace lets the checkpoint run: the older generation is emptied.
    journal.commit({ snapshotText, eventsText: "", files: [], tracesBuilt: 1 }, true);
    await journal.settled();
    expect(readFileSync(first, "utf8")).toBe("");
    journal.close();
  });
});

import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { journalFiles } from "../../src/state/commit-journal.js";
import { demoWorkspace, enqueueTask } from "../fixtures.js";
import {
  type ChildExit,
  crashScript,
  documentLocations,
  endStateViolations,
  readEventLog,
  taskId,
  tasksWithoutLoggedUpdater,
} from "./harness.js";

/*
 * Kill -9 at each point of a handoff's group commit (state/commit-journal.ts), then a second life
 * runs the work to the end: nothing lost (every task done, every applied result logged), nothing
 * applied twice (each request's `stage_completed` logged once, no counters left), and the derived
 * files a kill left stale rebuilt from the journal.
 */

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "journal-child.mjs");

function runJournalChild(root: string, point: string | null): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, MILLRACE_JOURNAL_CRASH_AT: point ?? "" };
    const child = spawn(process.execPath, [CHILD, root], { stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Each applied request logs exactly one `stage_completed`. */
function completionsLoggedTwice(events: ReturnType<typeof readEventLog>): string[] {
  const seen = new Map<string, number>();
  for (const event of events) {
    if (event.event_type !== "stage_completed") continue;
    const id = String(event.data.request_id);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
}

function journalBytes(root: string): number {
  const paths = { state: path.join(root, "millrace-agents", "state") } as never;
  return journalFiles(paths).reduce((sum, file) => {
    try {
      return sum + statSync(file).size;
    } catch {
      return sum;
    }
  }, 0);
}

async function crashThenFinish(points: string[], taskCount = 3) {
  const tasks = Array.from({ length: taskCount }, (_, index) => taskId(index));
  const ws = demoWorkspace(crashScript([1]));
  for (const id of tasks) enqueueTask(ws, id);
  for (const point of points) {
    const crashed = await runJournalChild(ws.root, point);
    expect(crashed.signal, `the point ${point} was never reached: ${crashed.stderr || crashed.stdout}`).toBe(
      "SIGKILL",
    );
    const afterKill = documentLocations(ws.paths);
    expect(
      tasks.filter((id) => !afterKill.has(id)),
      "tasks lost right after the kill",
    ).toEqual([]);
  }
  const finished = await runJournalChild(ws.root, null);
  expect(finished.code, finished.stderr).toBe(0);
  expect(finished.stdout).toContain('"stopReason":"idle"');
  const events = readEventLog(ws.paths);
  expect(endStateViolations(ws.paths, tasks, taskCount * 3 + 2)).toEqual([]);
  expect(tasksWithoutLoggedUpdater(ws.paths, tasks)).toEqual([]);
  expect(completionsLoggedTwice(events)).toEqual([]);
  // A clean close leaves the journal empty: everything it held is in the files it derived.
  expect(journalBytes(ws.root)).toBe(0);
  return ws;
}

const POINTS: Array<[string, string]> = [
  ["append@1", "the first record (the start's) written; no derived file"],
  ["append@4", "a stage result's application journaled; snapshot, events and result copy not written"],
  ["append@9", "a later handoff's record written, before its fsync"],
  ["fsync@2", "a handoff made durable; none of its derived files written"],
  ["fsync@5", "a later handoff made durable; none of its derived files written"],
  ["events@3", "a record's event lines reached the log; snapshot and counters not"],
  ["events@7", "a later record's event lines reached the log; snapshot and counters not"],
  ["checkpoint", "the close's checkpoint synced the files; the journal not yet emptied"],
];

describe("journal crash points: a kill at each step of a group commit converges", () => {
  it.each(POINTS)("%s (%s)", { timeout: 60_000 }, async (point) => {
    await crashThenFinish([point]);
  });

  it("a kill during recovery itself is recovered at the next start", { timeout: 60_000 }, async () => {
    await crashThenFinish(["fsync@5", "recovery"]);
  });

  it("a kill inside a background checkpoint (files synced, retired generation not emptied)", {
    timeout: 120_000,
  }, async () => {
    // Enough handoffs for a checkpoint in the background (CHECKPOINT_RECORDS durable records).
    await crashThenFinish(["checkpoint"], 24);
  });

  it("a kill after a stage start was shown, before its record was fsync'd, dispatches it again", {
    timeout: 60_000,
  }, async () => {
    // A cycle that only started a stage shows the start at once; its journal record becomes durable
    // with the stage's result (one fsync per handoff).
    const tasks = [taskId(0)];
    const ws = demoWorkspace(crashScript([]));
    enqueueTask(ws, tasks[0] as string);
    const crashed = await runJournalChild(ws.root, "shown:checker");
    expect(crashed.signal).toBe("SIGKILL");
    expect(crashed.stdout).toContain("stage_completed builder\nrouter_decision\nstage_started checker\n");
    const journaled = journalFiles(ws.paths)
      .flatMap((file) => readFileSync(file, "utf8").split("\n"))
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as { events: string });
    const started = journaled.flatMap((record) => record.events.split("\n"));
    expect(started.filter((line) => line.includes('"event_type":"stage_started"')).at(-1)).toContain(
      '"stage":"checker"',
    );
    expect(readFileSync(ws.paths.statusFiles.execution, "utf8")).toBe("### CHECKER_RUNNING\n");
    const finished = await runJournalChild(ws.root, null);
    expect(finished.code, finished.stderr).toBe(0);
    expect(endStateViolations(ws.paths, tasks, 3)).toEqual([]);
    expect(completionsLoggedTwice(readEventLog(ws.paths))).toEqual([]);
    expect(readFileSync(ws.paths.statusFiles.execution, "utf8")).toBe("### IDLE\n");
    expect(readdirSync(ws.paths.state).filter((name) => name.startsWith("inflight_"))).toEqual([]);
  });

  it("a kill after the journal append leaves the snapshot stale, and the next start rebuilds it", {
    timeout: 60_000,
  }, async () => {
    const tasks = [taskId(0)];
    const ws = demoWorkspace(crashScript([]));
    enqueueTask(ws, tasks[0] as string);
    const crashed = await runJournalChild(ws.root, "fsync@3");
    expect(crashed.signal).toBe("SIGKILL");
    expect(journalBytes(ws.root)).toBeGreaterThan(0);
    const journaled = journalFiles(ws.paths)
      .flatMap((file) => readFileSync(file, "utf8").split("\n"))
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as { snapshot: string });
    const last = journaled.at(-1)?.snapshot;
    expect(readFileSync(ws.paths.snapshot, "utf8")).not.toBe(last);
    const finished = await runJournalChild(ws.root, null);
    expect(finished.code, finished.stderr).toBe(0);
    expect(endStateViolations(ws.paths, tasks, 3)).toEqual([]);
    expect(completionsLoggedTwice(readEventLog(ws.paths))).toEqual([]);
    expect(readdirSync(ws.paths.state).filter((name) => name.startsWith("inflight_"))).toEqual([]);
  });
});

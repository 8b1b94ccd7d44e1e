import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { demoWorkspace, enqueueTask } from "../fixtures.js";
import {
  crashScript,
  documentLocations,
  endStateViolations,
  runChild,
  taskId,
  tasksWithoutLoggedUpdater,
} from "./harness.js";

/*
 * Deterministic companions to the random-kill harness: the child daemon kills itself (SIGKILL) at
 * one precise point of the engine's write sequence, then a second life runs the work to the end.
 * The end state must be the same as if nothing had happened.
 */

const TASKS = 3;
const tasks = Array.from({ length: TASKS }, (_, index) => taskId(index));
/** Task 1 gets one fix cycle: 3 tasks x 3 stages + fixer + doublechecker. */
const STAGES = TASKS * 3 + 2;

async function crashThenFinish(crashAt: string, script = crashScript([1])) {
  const ws = demoWorkspace(script);
  for (const id of tasks) enqueueTask(ws, id);
  const crashed = await runChild(ws.root, { MILLRACE_CRASH_AT: crashAt });
  expect(
    crashed.signal,
    `the crash point ${crashAt} was never reached: ${crashed.stderr || crashed.stdout}`,
  ).toBe("SIGKILL");
  const afterKill = documentLocations(ws.paths);
  expect(
    tasks.filter((id) => !afterKill.has(id)),
    "tasks lost right after the kill",
  ).toEqual([]);
  const finished = await runChild(ws.root);
  expect(finished.code, finished.stderr).toBe(0);
  expect(finished.stdout).toContain('"stopReason":"idle"');
  return ws;
}

const POINTS: Array<[string, string]> = [
  ["rename:/tasks/active/", "a claim moved the first task to active/; the run was not yet saved"],
  ["rename:/tasks/active/@2", "the second claim, after a whole task was done"],
  ["rename:/stage_results/", "the first stage result was written; nothing of its application persisted"],
  ["rename:/stage_results/@5", "a fix-cycle stage result was written (checker FIX_NEEDED of task 1)"],
  ["rename:/tasks/done/", "the IDLE decision moved the task to done; snapshot, index, events not persisted"],
  ["before-rename:/run_trace.json", "a finished run's trace was in its temp file, not yet in place"],
  ["before-rename:/stage_results/@4", "a stage result was in its temp file, not yet in place"],
  ["events_unflushed:updater", "the updater's step saved the snapshot; its events were not yet appended"],
  ["events_unflushed:checker", "the checker's step saved the snapshot; its events were not yet appended"],
];

/**
 * The sweep's script: the crash script, with builders that also leave a note, so governed
 * compounding writes its files too (candidates, workspace copies, lifecycle records, selection
 * records and usage files).
 */
const SWEEP_SCRIPT = (() => {
  const script = crashScript([1]);
  const note = "# Run make check first\n\nThe check target runs lint and the unit tests together.";
  return {
    ...script,
    rules: script.rules?.map((rule) =>
      rule.stage === "builder"
        ? { ...rule, actions: [{ type: "print" as const, text: note }, ...rule.actions] }
        : rule,
    ),
  };
})();

/** A rename's destination with its run, request and task ids and long numbers made generic. */
function renameClass(workspaceRoot: string, destination: string): string {
  return path
    .relative(workspaceRoot, destination)
    .replace(/run-[0-9a-f]+/g, "run-*")
    .replace(/request-[0-9a-z-]+/g, "request-*")
    .replace(/task-crash-\d+/g, "task-*")
    .replace(/\d{6,}/g, "*");
}

/** The pattern of a class, for `before-rename-re:` (anchored at the end of the destination). */
function classPattern(cls: string): string {
  const escaped = cls.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]+");
  return `/${escaped}$`;
}

describe("crash points: a kill at a precise step converges", () => {
  it.each(POINTS)("%s (%s)", { timeout: 30_000 }, async (crashAt) => {
    const ws = await crashThenFinish(crashAt);
    expect(endStateViolations(ws.paths, tasks, STAGES)).toEqual([]);
  });

  /*
   * Every kind of file a run replaces atomically, found by logging a clean run's renames (so a file
   * added later is covered without a new entry here): a kill right before its rename, with the
   * whole temp file written, converges like any other kill. A kill of this kind is what left a
   * finished run's trace temp file behind, found by the random harness in CI.
   */
  it("a kill right before the rename of each kind of file a run writes converges", {
    timeout: 240_000,
  }, async () => {
    const scratch = demoWorkspace(SWEEP_SCRIPT);
    for (const id of tasks) enqueueTask(scratch, id);
    const log = path.join(scratch.root, "renames.log");
    const clean = await runChild(scratch.root, { MILLRACE_CRASH_LOG_RENAMES: log });
    expect(clean.code, clean.stderr).toBe(0);
    const counts = new Map<string, number>();
    for (const line of readFileSync(log, "utf8").split("\n")) {
      if (line === "") continue;
      const cls = renameClass(scratch.root, line);
      counts.set(cls, (counts.get(cls) ?? 0) + 1);
    }
    // The classes a three-task run must have written, at the least.
    expect([...counts.keys()]).toEqual(
      expect.arrayContaining([
        "millrace-agents/state/runtime_snapshot.json",
        "millrace-agents/tasks/active/task-*.md",
        "millrace-agents/tasks/done/task-*.md",
        "millrace-agents/runs/run-*/stage_results/request-*.json",
        "millrace-agents/runs/run-*/run_trace.json",
      ]),
    );
    const failures: string[] = [];
    for (const [cls, count] of counts) {
      // The second occurrence of a file written at every stage or run: by then a run has finished
      // and another started. A file written once or twice a life (the index) at its first.
      const crashAt = `before-rename-re:${classPattern(cls)}@${count >= 3 ? 2 : 1}`;
      const ws = await crashThenFinish(crashAt, SWEEP_SCRIPT);
      const violations = endStateViolations(ws.paths, tasks, STAGES);
      if (violations.length > 0) failures.push(`${crashAt}: ${violations.join("; ")}`);
    }
    expect(failures).toEqual([]);
  });

  /*
   * WORKSPACE BUG (packages/workspace/src/lock.ts; reported to the lead; flip to `it` once fixed).
   * A daemon killed while it takes over a stale lock, between `openSync(guard, "wx")` and the
   * `writeSync` of its pid in writeExclusive(), leaves an EMPTY `runtime_daemon.lock.json.takeover`.
   * removeDeadGuard() cannot parse it ("may be mid-write") and never removes it, so every later start
   * fails with workspace_locked "another process is replacing the stale ownership lock" until an
   * operator deletes the guard by hand: one kill -9 wedges the workspace for good. The random-kill
   * harness hits it about once per few hundred kills. Expected: write the guard atomically (temp +
   * link, like queue-store's createFileExclusiveSync) so it is never empty, or treat an empty or
   * unparseable guard older than a few seconds (mtime) as dead.
   */
  it("a kill while taking over a stale lock does not wedge the workspace", {
    timeout: 30_000,
  }, async () => {
    const ws = demoWorkspace(crashScript([]));
    for (const id of tasks) enqueueTask(ws, id);
    // First a kill that leaves a stale lock behind, then one in the middle of replacing it.
    expect((await runChild(ws.root, { MILLRACE_CRASH_AT: "rename:/tasks/active/" })).signal).toBe("SIGKILL");
    expect((await runChild(ws.root, { MILLRACE_CRASH_AT: "open:.takeover" })).signal).toBe("SIGKILL");
    const finished = await runChild(ws.root);
    expect(finished.stderr).toBe("");
    expect(finished.code).toBe(0);
  });

  // A kill inside an atomic write in a run folder (temp file created, not yet renamed): startup
  // sweeps the in-flight run's folders.
  it("a kill in the middle of writing a stage result leaves no temp file", {
    timeout: 30_000,
  }, async () => {
    const ws = await crashThenFinish("open:/stage_results/.");
    expect(endStateViolations(ws.paths, tasks, STAGES)).toEqual([]);
  });

  /*
   * ENGINE BUG (reported to the lead; flip to `it` once fixed). Events of an applied step can be
   * lost for good, so the log says a task never finished its updater stage although it is in done.
   *
   * Two windows, both deterministic here:
   *  1. `rename:/tasks/done/` — apply.ts moved the document to done (queue.complete) and the process
   *     died before commit(). At the next start reconcile.ts sees the snapshot run's document is no
   *     longer active, records `run_without_active_document` and drops the run, although
   *     `state/inflight_execution.json` and a readable stage result are on disk. The result is never
   *     re-applied, so no `stage_completed` / `router_decision` event is ever written for it.
   *     Expected: when the inflight journal names a readable stage result, re-apply it (apply is
   *     already replay-safe: completeItem leaves a document that is already in done alone).
   *  2. `events_unflushed:<stage>` — context.ts commit() saves the snapshot before flushEvents(); a
   *     kill between the two loses that step's events (stage_completed, router_decision,
   *     work_item_activated ...). At the next start the snapshot no longer has the run, so
   *     reconcile.ts just deletes the inflight journal. Expected: append the events before saving the
   *     snapshot (at-least-once; the re-applied step repeats them with the same request_id, which
   *     readers can de-duplicate), or re-record them from the inflight journal at startup.
   */
  it("the event log records every applied updater result after a kill right after the move to done", async () => {
    const ws = await crashThenFinish("rename:/tasks/done/");
    expect(tasksWithoutLoggedUpdater(ws.paths, tasks)).toEqual([]);
  });

  it("the event log records every applied updater result after a kill before its events were appended", async () => {
    const ws = await crashThenFinish("events_unflushed:updater");
    expect(tasksWithoutLoggedUpdater(ws.paths, tasks)).toEqual([]);
  });
});

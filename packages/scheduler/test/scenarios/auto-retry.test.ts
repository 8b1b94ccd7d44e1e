import { existsSync } from "node:fs";
import path from "node:path";
import { openQueueStore } from "@millrace/queue-store";
import { describe, expect, it } from "vitest";
import { enqueueTask, runUntilIdle, type TestWorkspace, testEngine, writeScript } from "../fixtures.js";
import { eventsOfType, locate, scenarioWorkspace } from "./helpers.js";

/** Short recovery budgets, so a hanging builder blocks its task after a few stages. */
const FAST_RECOVERY =
  "\n[stages.builder]\ntimeout_seconds = 1\n\n[recovery]\nmax_troubleshoot_attempts_before_consult = 1\nmax_consultant_invocations = 1\n";

const HANGING_BUILDER = {
  rules: [
    { stage: "builder", actions: [{ type: "hang" as const }] },
    { stage: "consultant", actions: [{ type: "marker" as const, token: "CONSULT_COMPLETE" }] },
  ],
};

function requeues(ws: TestWorkspace, id: string) {
  const store = openQueueStore(ws.paths);
  try {
    return store.requeueLog("task", id);
  } finally {
    store.close();
  }
}

const schedulePath = (ws: TestWorkspace) => path.join(ws.paths.state, "auto_retry.json");

describe("bounded autonomous recovery ([recovery] auto_retry_attempts)", () => {
  it("a task blocked by a runner timeout is requeued after the backoff and completes on the next attempt", async () => {
    const ws = scenarioWorkspace(
      HANGING_BUILDER,
      `${FAST_RECOVERY}auto_retry_attempts = 2\nauto_retry_backoff_seconds = 1\n`,
    );
    enqueueTask(ws, "task-flaky");
    // Run once at a time until the timeouts have blocked the task.
    const { engine } = testEngine(ws);
    try {
      for (let tick = 0; tick < 40 && !locate(ws, "task-flaky").includes("task/blocked"); tick++) {
        await engine.tick();
      }
    } finally {
      await engine.close();
    }
    expect(locate(ws, "task-flaky")).toEqual(["task/blocked"]);
    const scheduled = eventsOfType(ws, "auto_retry_scheduled");
    expect(scheduled.map((event) => event.data)).toEqual([
      expect.objectContaining({
        work_item_id: "task-flaky",
        failure_class: "runner_timeout",
        attempt: 1,
        max_attempts: 2,
      }),
    ]);
    expect(existsSync(schedulePath(ws))).toBe(true);

    // The provider recovers; a daemon started now sleeps until the retry is due, then runs it.
    writeScript(ws, { rules: [] });
    const { report } = await runUntilIdle(ws);
    expect(report.stopReason).toBe("idle");
    expect(locate(ws, "task-flaky")).toEqual(["task/done"]);
    expect(eventsOfType(ws, "auto_retry_requeued").map((event) => event.data)).toEqual([
      {
        work_item_kind: "task",
        work_item_id: "task-flaky",
        failure_class: "runner_timeout",
        attempt: 1,
        max_attempts: 2,
      },
    ]);
    expect(requeues(ws, "task-flaky")).toEqual([
      expect.objectContaining({
        auto: true,
        actor: "runtime",
        reason: "auto retry 1 of 2 after runner_timeout",
      }),
    ]);
    // Not before it was due.
    const requeuedAt = Date.parse(eventsOfType(ws, "auto_retry_requeued")[0]?.occurred_at ?? "");
    expect(requeuedAt).toBeGreaterThanOrEqual(Date.parse(scheduled[0]?.data.due_at as string));
    expect(existsSync(schedulePath(ws))).toBe(false);
  }, 120_000);

  it("a task blocked by an illegal result is not retried: the failure is not transient", async () => {
    const ws = scenarioWorkspace(
      { rules: [{ stage: "builder", actions: [{ type: "marker", token: "CHECKER_PASS" }] }] },
      `${FAST_RECOVERY}auto_retry_attempts = 3\nauto_retry_backoff_seconds = 1\n`,
    );
    enqueueTask(ws, "task-illegal");
    const { report } = await runUntilIdle(ws);
    expect(report.stopReason).toBe("idle");
    expect(locate(ws, "task-illegal")).toEqual(["task/blocked"]);
    expect(eventsOfType(ws, "auto_retry_scheduled")).toEqual([]);
    expect(eventsOfType(ws, "auto_retry_requeued")).toEqual([]);
    expect(eventsOfType(ws, "auto_retry_declined").map((event) => event.data)).toEqual([
      expect.objectContaining({
        work_item_id: "task-illegal",
        failure_class: "illegal_terminal_result",
        reason: "not_transient",
      }),
    ]);
    expect(requeues(ws, "task-illegal")).toEqual([]);
  }, 120_000);

  it("once its retries are spent, a task that keeps timing out stays blocked with the reason", async () => {
    const ws = scenarioWorkspace(
      HANGING_BUILDER,
      `${FAST_RECOVERY}auto_retry_attempts = 1\nauto_retry_backoff_seconds = 1\n`,
    );
    enqueueTask(ws, "task-down");
    const { report } = await runUntilIdle(ws);
    expect(report.stopReason).toBe("idle");
    expect(locate(ws, "task-down")).toEqual(["task/blocked"]);
    expect(eventsOfType(ws, "auto_retry_requeued")).toHaveLength(1);
    const declined = eventsOfType(ws, "auto_retry_declined").map((event) => event.data);
    expect(declined).toEqual([
      expect.objectContaining({
        work_item_id: "task-down",
        failure_class: "runner_timeout",
        reason: "attempts_exhausted",
        attempts_used: 1,
        max_attempts: 1,
      }),
    ]);
    expect(declined[0]?.detail).toMatch(/stays blocked until `millrace queue retry-blocked task-down`/);
    expect(requeues(ws, "task-down").filter((record) => record.auto)).toHaveLength(1);
    expect(existsSync(schedulePath(ws))).toBe(false);
  }, 120_000);

  it("is off by default: a timed-out task stays blocked and nothing is scheduled", async () => {
    const ws = scenarioWorkspace(HANGING_BUILDER, FAST_RECOVERY);
    enqueueTask(ws, "task-default");
    const { report } = await runUntilIdle(ws);
    expect(report.stopReason).toBe("idle");
    expect(locate(ws, "task-default")).toEqual(["task/blocked"]);
    expect(eventsOfType(ws, "auto_retry_scheduled")).toEqual([]);
    expect(eventsOfType(ws, "auto_retry_declined")).toEqual([]);
  }, 120_000);
});

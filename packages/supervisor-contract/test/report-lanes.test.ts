import { execFileSync } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createEngine, readStatus } from "@millrace/scheduler";
import { describe, expect, it } from "vitest";
import { addTaskRequest, DEFAULT_STALLED_AFTER_SECONDS, submitControl } from "../src/index.js";
import { demoWorkspace, eventsOfType, type TestWorkspace, waitFor } from "./helpers.js";
import { expectReason, takeActions } from "./report-helpers.js";

function git(root: string, ...args: string[]): void {
  execFileSync("git", args, { cwd: root, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" } });
}

/** A two-lane git workspace whose first builder hangs until it is stopped. */
function hangingLaneWorkspace(): TestWorkspace {
  const ws = demoWorkspace({
    rules: [
      { stage: "builder", attempt: 1, actions: [{ type: "hang" }] },
      { stage: "builder", actions: [{ type: "marker", token: "BUILDER_COMPLETE" }] },
    ],
  });
  appendFileSync(ws.paths.configFile, "\n[execution]\nlanes = 2\n");
  git(ws.root, "init", "--quiet", "--initial-branch=main");
  git(ws.root, "config", "user.name", "Lane Test");
  git(ws.root, "config", "user.email", "lanes@example.test");
  git(ws.root, "config", "commit.gpgsign", "false");
  writeFileSync(path.join(ws.root, ".gitignore"), "millrace-agents/\n");
  git(ws.root, "add", "-A");
  git(ws.root, "commit", "--quiet", "-m", "initial");
  return ws;
}

describe("supervisor report with execution lanes", () => {
  it("a quiet lane stage past the threshold is stalled, and the retry it offers reaches the lane", async () => {
    const ws = hangingLaneWorkspace();
    const request = addTaskRequest({ title: "Lane one", id: "task-lane", createdBy: "operator" });
    submitControl(ws.root, request.command, request.payload);
    // Watchers on: with the only stage hanging, they wake the daemon for the mailbox.
    const engine = createEngine({ workspace: ws.root, watch: true });
    await engine.start();
    const daemon = engine.runDaemon({});
    try {
      await waitFor(
        () => readStatus(ws.root).lanes?.active[0]?.stage_liveness != null,
        "the lane's builder to start",
      );
      const later = new Date(Date.now() + (DEFAULT_STALLED_AFTER_SECONDS + 60) * 1000);
      const stalled = await expectReason(ws, "stalled", /while running lane 1 builder on task-lane/, {
        issuer: "ops-agent",
        clock: () => later,
      });
      const retry = stalled.allowed_actions.find((action) => action.action === "retry_active");
      expect(retry?.request).toMatchObject({ command: "retry_active", payload: { scope: "execution" } });
      expect(takeActions(ws, stalled.allowed_actions)).toEqual([
        "retry_active:mailbox",
        "pause:mailbox",
        "stop:mailbox",
      ]);
      expect((await daemon).stopReason).toBe("stop_requested");
    } finally {
      await engine.close();
    }
    expect(eventsOfType(ws, "retry_active_applied").map((event) => event.data)).toEqual([
      {
        plane: "execution",
        work_item_kind: "task",
        work_item_id: "task-lane",
        reason: "supervisor: stalled",
        lane: 1,
      },
    ]);
    expect(eventsOfType(ws, "stage_interrupted")).toHaveLength(1);
  }, 60_000);
});

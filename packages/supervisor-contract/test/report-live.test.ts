import { createEngine, readStatus } from "@millrace/scheduler";
import { describe, expect, it } from "vitest";
import { addTaskRequest, DEFAULT_STALLED_AFTER_SECONDS, submitControl } from "../src/index.js";
import { demoWorkspace, eventsOfType, waitFor } from "./helpers.js";
import { expectReason, takeActions } from "./report-helpers.js";

/** The builder stage sleeps, so the daemon is alive with an active stage while we look. */
const SLOW_BUILDER = {
  rules: [
    {
      stage: "builder",
      actions: [
        { type: "sleep" as const, ms: 3_000 },
        { type: "marker" as const, token: "BUILDER_COMPLETE" },
      ],
    },
  ],
};

describe("supervisor report against a live daemon", () => {
  it("working while output is fresh, stalled once nothing happened past the threshold; each action is accepted", async () => {
    const ws = demoWorkspace(SLOW_BUILDER);
    const request = addTaskRequest({ title: "Slow one", id: "task-slow", createdBy: "operator" });
    submitControl(ws.root, request.command, request.payload);
    const engine = createEngine({ workspace: ws.root });
    await engine.start();
    const daemon = engine.runDaemon({});
    try {
      await waitFor(() => readStatus(ws.root).planes.execution.active_run !== null, "the builder to start");
      const working = await expectReason(ws, "working", /running execution builder on task-slow/, {
        issuer: "ops-agent",
      });
      expect(working.liveness).toMatchObject({
        grade: "progressing",
        lock_state: "active",
        owner_pid: process.pid,
      });
      expect(working).toMatchObject({ process_running: true, current_stage: "builder" });
      expect(working.active_work).toEqual([
        { plane: "execution", work_item_kind: "task", work_item_id: "task-slow", title: "Slow one" },
      ]);
      expect(working.allowed_actions.map((a) => a.action)).toEqual(["pause", "stop"]);

      // The same moment seen from past the threshold: no event and no runner output since.
      const later = new Date(Date.now() + (DEFAULT_STALLED_AFTER_SECONDS + 60) * 1000);
      const stalled = await expectReason(
        ws,
        "stalled",
        /no event or runner output for \d+ s \(threshold 900 s\)/,
        {
          issuer: "ops-agent",
          clock: () => later,
        },
      );
      expect(stalled.allowed_actions.map((a) => a.action)).toEqual(["retry_active", "pause", "stop"]);
      // A lower threshold is honoured too.
      await expectReason(ws, "stalled", /threshold 1 s/, {
        stalledAfterSeconds: 1,
        clock: () => new Date(Date.now() + 5_000),
      });
      expect(takeActions(ws, stalled.allowed_actions)).toEqual([
        "retry_active:mailbox",
        "pause:mailbox",
        "stop:mailbox",
      ]);
      const report = await daemon;
      expect(report.stopReason).toBe("stop_requested");
    } finally {
      await engine.close();
    }
    const applied = eventsOfType(ws, "mailbox_command_applied").map((event) => [
      event.data.command,
      event.data.issuer,
    ]);
    expect(applied).toEqual([
      ["retry_active", "ops-agent"],
      ["pause", "ops-agent"],
      ["stop", "ops-agent"],
    ]);
  });
});

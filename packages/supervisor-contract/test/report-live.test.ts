import { describe, expect, it } from "vitest";
import { DEFAULT_STALLED_AFTER_SECONDS } from "../src/index.js";
import { eventsOfType, slowBuilderWorkspace, whileBuilderRuns } from "./helpers.js";
import { expectReason, takeActions } from "./report-helpers.js";

describe("supervisor report against a live daemon", () => {
  it("working while output is fresh, stalled once nothing happened past the threshold; each action is accepted", async () => {
    const ws = slowBuilderWorkspace();
    await whileBuilderRuns(ws, async (daemon) => {
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
    });
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

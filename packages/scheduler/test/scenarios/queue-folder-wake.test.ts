import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type MonitorEvent, writeMailboxCommand } from "../../src/index.js";
import { enqueueTask, testEngine } from "../fixtures.js";
import { eventsOfType, locate, readSnapshot, scenarioWorkspace } from "./helpers.js";

describe("the queue folders' wake", () => {
  it("wakes an idle daemon for a task another writer puts in the queue folder, and not for temp files", async () => {
    const ws = scenarioWorkspace();
    let dropped = false;
    let stopped = false;
    const { engine } = testEngine(ws, {
      watch: true,
      monitor: (event: MonitorEvent) => {
        if (event.type === "runtime_idle" && !dropped) {
          dropped = true;
          // A temp file of an atomic write first: the wake comes from the document itself.
          writeFileSync(path.join(ws.paths.queues.task.queue, ".task-woken.md.tmp-0"), "partial");
          enqueueTask(ws, "task-woken");
        }
        if (event.type === "stage_completed" && event.stage === "updater" && !stopped) {
          stopped = true;
          writeMailboxCommand(ws.paths, "stop", {}, { issuer: "test", now: new Date() });
        }
      },
    });
    // Idle with watchers on, the daemon sleeps 30 s between cycles: only a watcher wakes it in time.
    const report = await engine.runDaemon({});
    await engine.close();
    expect(report.stopReason).toBe("stop_requested");
    expect(locate(ws, "task-woken")).toEqual(["task/done"]);
    expect(eventsOfType(ws, "mailbox_command_applied").map((event) => event.data.command)).toEqual(["stop"]);
    expect(readSnapshot(ws).watcher_mode).toBe("watch");
  }, 25_000);
});

import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { addTaskRequest, type ControlResult, submitControl } from "../src/index.js";
import { demoWorkspace, eventsOfType, idsIn, waitFor } from "./helpers.js";

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "daemon-child.mjs");
const WRITES = 200;
/** Writes issued before waiting for the daemon to own the workspace, so the rest go to its mailbox. */
const WAIT_FOR_DAEMON_AFTER = 150;

const taskId = (i: number) => `task-race-${String(i).padStart(3, "0")}`;

describe("a daemon starting while direct writes run", () => {
  it("loses nothing and applies nothing twice", async () => {
    const ws = demoWorkspace();
    // Paused, so the daemon only drains its mailbox and every task stays in the queue to be counted.
    submitControl(ws.root, "pause", {}, { issuer: "race-test" });
    const child = spawn(process.execPath, [CHILD, ws.root], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const results: ControlResult[] = [];
    try {
      for (let i = 0; i < WRITES; i++) {
        if (i === WAIT_FOR_DAEMON_AFTER)
          await waitFor(() => stdout.includes("started"), `the daemon (${stderr})`);
        const request = addTaskRequest({ title: `Race ${i}`, id: taskId(i), createdBy: "race-test" });
        results.push(submitControl(ws.root, request.command, request.payload, { issuer: "race-test" }));
        // Let the child's output in between writes (each write is synchronous).
        await new Promise((resolve) => setImmediate(resolve));
      }
      await waitFor(
        () => readdirSync(ws.paths.mailboxIncoming).filter((name) => name.endsWith(".json")).length === 0,
        "the daemon to drain its mailbox",
      );
      expect(submitControl(ws.root, "stop", {}, { issuer: "race-test" }).mode).toBe("mailbox");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
    const direct = results.filter((result) => result.mode === "direct").length;
    const queued = results.filter((result) => result.mode === "mailbox").length;
    expect(direct).toBeGreaterThan(0);
    expect(queued).toBeGreaterThan(0);
    expect(direct + queued).toBe(WRITES);

    const expected = Array.from({ length: WRITES }, (_, i) => taskId(i));
    expect(idsIn(ws.paths.queues.task.queue)).toEqual(expected);
    for (const state of ["active", "done", "blocked"] as const)
      expect(idsIn(ws.paths.queues.task[state])).toEqual([]);

    const appliedIds = eventsOfType(ws, "mailbox_add_task_applied").map((event) => event.data.id as string);
    expect(appliedIds.sort()).toEqual(expected);
    const directEvents = eventsOfType(ws, "control_command_applied").filter(
      (e) => e.data.command === "add_task",
    );
    const mailboxEvents = eventsOfType(ws, "mailbox_command_applied").filter(
      (e) => e.data.command === "add_task",
    );
    expect(directEvents).toHaveLength(direct);
    expect(mailboxEvents).toHaveLength(queued);
    expect(new Set([...directEvents, ...mailboxEvents].map((e) => e.data.command_id)).size).toBe(WRITES);
    expect(readdirSync(ws.paths.mailboxFailed)).toEqual([]);
    // Above the 60 s of each wait inside, so a daemon that never starts or never drains fails with
    // the wait's own message (and the daemon's stderr) rather than vitest's bare timeout.
  }, 150_000);
});

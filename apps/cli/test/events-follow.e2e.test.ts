import { spawn } from "node:child_process";
import path from "node:path";
import { RuntimeEventSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir, waitFor } from "./helpers.js";

function initWorkspace(): string {
  const root = path.join(tempDir("millrace-events-"), "ws");
  expect(runCli(["init", root]).status).toBe(0);
  expect(runCli(["add-task", "First", "--id", "task-first", "-w", root]).status).toBe(0);
  return root;
}

describe("events and its original spelling, logs", () => {
  it("prints the latest events, as lines or one JSON array", () => {
    const root = initWorkspace();
    expect(runCli(["add-task", "Second", "--id", "task-second", "-w", root]).status).toBe(0);
    const json = runCli(["logs", "--tail", "2", "-w", root, "--json"]);
    expect(json.status, json.stderr).toBe(0);
    const events = json.json<Array<{ event_type: string; data: Record<string, unknown> }>>();
    expect(events).toHaveLength(2);
    for (const event of events) RuntimeEventSchema.parse(event);
    expect(events.at(-1)).toMatchObject({
      event_type: "control_command_applied",
      data: { command: "add_task" },
    });
    const text = runCli(["events", "--tail", "1", "-w", root]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(
      /^\S+ control_command_applied .*command=add_task .*detail="enqueued task task-second".*\n$/,
    );
    for (const bad of [
      ["--tail", "-1"],
      ["--tail", "1.5"],
      ["--tail", "100000"],
    ]) {
      const refused = runCli(["logs", ...bad, "-w", root]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/^error: --tail must be a whole number.*\nhint: /);
    }
    expect(runCli(["logs", "-w", path.join(root, "nowhere")]).status).toBe(3);
  });

  it("logs --follow prints new events as they are written and stops on SIGINT with status 130", async () => {
    const root = initWorkspace();
    const follower = spawn(process.execPath, [CLI_BIN, "logs", "--follow", "--tail", "1", "-w", root], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let out = "";
    follower.stdout.on("data", (chunk) => {
      out += chunk;
    });
    const exited = new Promise<number | null>((resolve) => follower.on("exit", (code) => resolve(code)));
    try {
      await waitFor(() => out.includes("task-first"), 30_000);
      expect(out.trim().split("\n"), out).toHaveLength(1);
      expect(runCli(["add-task", "Later", "--id", "task-later", "-w", root]).status).toBe(0);
      await waitFor(() => out.includes("enqueued task task-later"), 30_000);
      expect(runCli(["pause", "--issuer", "ops", "-w", root]).status).toBe(0);
      await waitFor(() => out.includes("runtime_paused_by_operator issuer=ops"), 30_000);
      follower.kill("SIGINT");
      expect(await exited).toBe(130);
    } finally {
      follower.kill("SIGKILL");
    }
    const lines = out.trim().split("\n");
    // Each event once, in order: nothing printed twice, nothing skipped.
    expect(lines.filter((line) => line.includes("mailbox_add_task_applied id=task-later"))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('detail="enqueued task task-later"'))).toHaveLength(1);
    expect(lines.findIndex((line) => line.includes("task-later"))).toBeLessThan(
      lines.findIndex((line) => line.includes("runtime_paused_by_operator")),
    );
  }, 120_000);
});

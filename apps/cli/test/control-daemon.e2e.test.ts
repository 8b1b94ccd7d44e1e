import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir, waitFor } from "./helpers.js";

describe("control commands while a daemon runs", () => {
  it("go through the mailbox and are applied once each, in the order issued", async () => {
    const root = path.join(tempDir("millrace-ctl-"), "ws");
    expect(runCli(["init", root]).status).toBe(0);
    const rt = path.join(root, "millrace-agents");
    writeFileSync(
      path.join(rt, "millrace.toml"),
      '[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n\n[runners.scripted]\nscript = "scripted/slow.json"\n',
    );
    writeFileSync(
      path.join(rt, "scripted", "slow.json"),
      JSON.stringify({
        rules: [
          {
            stage: "builder",
            actions: [
              { type: "sleep", ms: 300 },
              { type: "marker", token: "BUILDER_COMPLETE" },
            ],
          },
        ],
      }),
    );
    expect(runCli(["add-task", "Warm-up", "--id", "task-warm", "-w", root]).status).toBe(0);
    const daemon = spawn(process.execPath, [CLI_BIN, "run", "daemon", "-w", root, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    daemon.stdout.on("data", (chunk) => {
      out += chunk;
    });
    const exited = new Promise<number>((resolve) => daemon.on("exit", (code) => resolve(code ?? -1)));
    const lockFile = path.join(rt, "state", "runtime_daemon.lock.json");
    await waitFor(() => {
      try {
        readFileSync(lockFile);
        return true;
      } catch {
        return false;
      }
    }, 20_000);

    const issued = [
      ["pause"],
      ["add-task", "Added while running", "--id", "task-live"],
      ["resume"],
      ["stop"],
    ];
    for (const args of issued) {
      const run = runCli([...args, "-w", root, "--json"]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.json<{ mode: string }>().mode).toBe("mailbox");
    }
    const code = await exited;
    expect(code, out).toBe(0);
    expect(JSON.parse(out).stop_reason).toBe("stop_requested");

    const processedDir = path.join(rt, "state", "mailbox", "processed");
    const archives = readdirSync(processedDir).map((name) =>
      JSON.parse(readFileSync(path.join(processedDir, name), "utf8")),
    );
    archives.sort((a, b) => Date.parse(a.envelope.issued_at) - Date.parse(b.envelope.issued_at));
    expect(archives.map((a) => a.envelope.command)).toEqual(["pause", "add_task", "resume", "stop"]);
    expect(
      readdirSync(path.join(rt, "state", "mailbox", "incoming")).filter((n) => n.endsWith(".json")),
    ).toEqual([]);
    expect(readdirSync(path.join(rt, "state", "mailbox", "failed"))).toEqual([]);
    const events = readFileSync(path.join(rt, "logs", "runtime_events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .filter((event) => event.event_type === "mailbox_command_applied")
      .map((event) => event.data.command);
    expect(events).toEqual(["pause", "add_task", "resume", "stop"]);
    // The task added through the mailbox exists exactly once.
    const all = ["queue", "active", "done", "blocked"].flatMap((state) =>
      readdirSync(path.join(rt, "tasks", state)),
    );
    expect(all.filter((name) => name === "task-live.md")).toHaveLength(1);
  }, 120_000);
});

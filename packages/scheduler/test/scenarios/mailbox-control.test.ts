import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MailboxArchive } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { type MonitorEvent, writeMailboxCommand } from "../../src/index.js";
import { enqueueTask, runUntilIdle, type TestWorkspace, task, testEngine } from "../fixtures.js";
import {
  allMarkersIdle,
  completedStages,
  eventsOfType,
  idsIn,
  locate,
  readJson,
  readSnapshot,
  runtimeEvents,
  scenarioWorkspace,
} from "./helpers.js";

const WRITER = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "mailbox-writer.mjs");

const COMMANDS = [
  { command: "pause", payload: {} },
  { command: "resume", payload: {} },
  { command: "add_task", payload: { document: task("task-added", { created_at: "2026-04-28T12:00:00Z" }) } },
  { command: "retry_active", payload: { reason: "operator retry from the scenario" } },
  { command: "stop", payload: {} },
];

/** A writer child started ahead of time: `go()` makes it write and resolves with the command ids in issue order. */
interface PreparedWriter {
  go(): Promise<string[]>;
}

/**
 * Starts the writer in its own process and waits until it has loaded (a node child importing the
 * scheduler takes seconds on a loaded machine); the commands are written only at `go()`, so a test
 * can issue them inside a stage without the child's start-up eating the stage's time.
 */
async function prepareWriter(
  ws: TestWorkspace,
  timing: "spaced" | "same-ms",
  commands: ReadonlyArray<{ command: string; payload: Record<string, unknown> }> = COMMANDS,
): Promise<PreparedWriter> {
  const file = path.join(
    os.tmpdir(),
    `millrace-commands-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}.json`,
  );
  writeFileSync(file, JSON.stringify(commands));
  const child = spawn(process.execPath, [WRITER, ws.root, file, timing, "--on-go"], {
    cwd: path.dirname(WRITER),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<string[]>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      const last = stdout.trim().split("\n").at(-1) ?? "";
      if (code === 0) resolve(JSON.parse(last) as string[]);
      else reject(new Error(`mailbox writer exited ${code}: ${stderr}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (stdout.startsWith("ready\n")) {
        child.stdout.off("data", check);
        resolve();
      }
    };
    child.stdout.on("data", check);
    exited.catch(reject);
  });
  return {
    go() {
      child.stdin.end("go\n");
      return exited;
    },
  };
}

/** Runs the writer in its own process now; resolves with the command ids in issue order. */
async function issueFromChild(
  ws: TestWorkspace,
  timing: "spaced" | "same-ms",
  commands: ReadonlyArray<{ command: string; payload: Record<string, unknown> }> = COMMANDS,
): Promise<string[]> {
  return (await prepareWriter(ws, timing, commands)).go();
}

function processedArchives(ws: TestWorkspace): MailboxArchive[] {
  return readdirSync(ws.paths.mailboxProcessed)
    .filter((name) => name.endsWith(".json"))
    .map((name) => readJson<MailboxArchive>(path.join(ws.paths.mailboxProcessed, name)));
}

/**
 * Starts a daemon on a workspace whose first builder run is slow, issues the five commands from a
 * child process while that stage runs, and waits for the daemon to stop.
 */
async function scenario(timing: "spaced" | "same-ms") {
  const ws = scenarioWorkspace({
    rules: [
      {
        stage: "builder",
        work_item_id: "task-1",
        attempt: 1,
        actions: [
          { type: "sleep", ms: 2000 },
          { type: "marker", token: "BUILDER_COMPLETE" },
        ],
      },
    ],
  });
  enqueueTask(ws, "task-1");
  const writer = await prepareWriter(ws, timing);
  let issued: Promise<string[]> | undefined;
  const { engine } = testEngine(ws, {
    monitor: (event: MonitorEvent) => {
      if (event.type === "stage_started" && event.stage === "builder" && !issued) issued = writer.go();
    },
  });
  const report = await engine.runDaemon({ maxTicks: 500 });
  await engine.close();
  const ids = await (issued ?? Promise.resolve([] as string[]));
  return { ws, report, ids };
}

describe("scenario (h): mailbox control under load", () => {
  it("applies pause, resume, add_task, retry_active and stop from another process exactly once, in issue order", async () => {
    const { ws, report, ids } = await scenario("spaced");
    expect(ids).toHaveLength(5);
    expect(report.stopReason).toBe("stop_requested");

    // Every command was archived as processed, once; nothing failed and nothing is left incoming.
    const archives = processedArchives(ws);
    expect(archives.map((archive) => archive.envelope?.command_id).sort()).toEqual([...ids].sort());
    expect(archives.every((archive) => archive.disposition === "processed")).toBe(true);
    expect(readdirSync(ws.paths.mailboxIncoming).filter((name) => name.endsWith(".json"))).toEqual([]);
    expect(readdirSync(ws.paths.mailboxFailed).filter((name) => name.endsWith(".json"))).toEqual([]);

    // Applied in issue order, each exactly once.
    const applied = eventsOfType(ws, "mailbox_command_applied");
    expect(applied.map((event) => event.data.command_id)).toEqual(ids);
    expect(applied.map((event) => event.data.command)).toEqual(COMMANDS.map((entry) => entry.command));
    expect(applied.every((event) => event.data.applied === true)).toBe(true);
    expect(eventsOfType(ws, "runtime_paused_by_operator")).toHaveLength(1);
    expect(eventsOfType(ws, "runtime_resumed_by_operator")).toHaveLength(1);
    expect(eventsOfType(ws, "mailbox_add_task_applied").map((event) => event.data.id)).toEqual([
      "task-added",
    ]);
    expect(eventsOfType(ws, "retry_active_applied").map((event) => event.data.work_item_id)).toEqual([
      "task-1",
    ]);
    expect(eventsOfType(ws, "runtime_tick_stopped")).toHaveLength(1);

    // The slow builder finished first (a command never cuts a stage off); retry then requeued its task.
    expect(completedStages(ws)).toEqual(["builder:BUILDER_COMPLETE"]);
    expect(locate(ws, "task-1")).toEqual(["task/queue"]);
    expect(locate(ws, "task-added")).toEqual(["task/queue"]);
    const snapshot = readSnapshot(ws);
    expect(snapshot.paused).toBe(false);
    expect(snapshot.pause_sources).toEqual([]);
    expect(snapshot.stop_requested).toBe(false);
    expect(snapshot.process_running).toBe(false);
    expect(snapshot.active_runs_by_plane).toEqual({});
    expect(allMarkersIdle(ws)).toBe(true);

    // A fresh daemon picks both tasks up and finishes them: nothing was lost or duplicated.
    const again = testEngine(ws);
    await again.engine.runDaemon({ untilIdle: true, maxTicks: 100 });
    await again.engine.close();
    expect(locate(ws, "task-1")).toEqual(["task/done"]);
    expect(locate(ws, "task-added")).toEqual(["task/done"]);
    expect(idsIn(ws, "task", "queue")).toEqual([]);
  });

  it("archives malformed and refused commands to failed/ with the reason, and still applies the valid ones", async () => {
    const ws = scenarioWorkspace();
    enqueueTask(ws, "task-existing");
    mkdirSync(ws.paths.mailboxIncoming, { recursive: true });
    writeFileSync(path.join(ws.paths.mailboxIncoming, "garbled.json"), "{ not json");
    const at = (second: number) => new Date(Date.UTC(2026, 3, 28, 11, 0, second));
    writeMailboxCommand(
      ws.paths,
      "add_task",
      { document: { kind: "task", task_id: "task-no-title" } },
      { issuer: "t", now: at(1) },
    );
    writeMailboxCommand(
      ws.paths,
      "add_task",
      { document: task("task-existing") },
      { issuer: "t", now: at(2) },
    );
    const good = writeMailboxCommand(
      ws.paths,
      "add_task",
      { document: task("task-good") },
      { issuer: "t", now: at(3) },
    );
    const before = readFileSync(path.join(ws.paths.queues.task.queue, "task-existing.md"), "utf8");

    await runUntilIdle(ws, {}, 100);

    const failed = readdirSync(ws.paths.mailboxFailed)
      .filter((name) => name.endsWith(".json"))
      .map((name) => readJson<MailboxArchive>(path.join(ws.paths.mailboxFailed, name)));
    expect(failed).toHaveLength(3);
    expect(
      failed.every(
        (archive) =>
          archive.disposition === "failed" && typeof archive.error === "string" && archive.error !== "",
      ),
    ).toBe(true);
    expect(failed.find((archive) => archive.raw_payload !== undefined)?.error).toMatch(/not JSON/);
    expect(failed.some((archive) => /task-existing/.test(archive.error ?? ""))).toBe(true);
    expect(processedArchives(ws).map((archive) => archive.envelope?.command_id)).toEqual([
      good.envelope.command_id,
    ]);
    expect(eventsOfType(ws, "mailbox_command_failed")).toHaveLength(3);
    // Nothing was half-applied: the refused task is unchanged, the invalid one never appeared.
    expect(locate(ws, "task-no-title")).toEqual([]);
    expect(locate(ws, "task-existing")).toEqual(["task/done"]);
    expect(locate(ws, "task-good")).toEqual(["task/done"]);
    expect(readFileSync(path.join(ws.paths.queues.task.done, "task-existing.md"), "utf8")).toBe(before);
    expect(readdirSync(ws.paths.mailboxIncoming).filter((name) => name.endsWith(".json"))).toEqual([]);
  });

  it("a pause issued during a stage holds the next stage until a resume from another process", async () => {
    const ws = scenarioWorkspace({
      // A slow builder, so the child process (which needs a moment to start) issues the pause mid-task.
      rules: [
        {
          stage: "builder",
          actions: [
            { type: "sleep", ms: 1500 },
            { type: "marker", token: "BUILDER_COMPLETE" },
          ],
        },
      ],
    });
    enqueueTask(ws, "task-paused");
    const pause = await prepareWriter(ws, "spaced", [{ command: "pause", payload: {} }]);
    const resume = await prepareWriter(ws, "spaced", [{ command: "resume", payload: {} }]);
    const issued: Array<Promise<string[]>> = [];
    const { engine } = testEngine(ws, {
      monitor: (event: MonitorEvent) => {
        if (event.type === "stage_started" && event.stage === "builder" && issued.length === 0) {
          issued.push(pause.go());
        }
        if (event.type === "runtime_paused" && issued.length === 1) issued.push(resume.go());
      },
    });
    const report = await engine.runDaemon({ untilIdle: true, maxTicks: 2000 });
    await engine.close();
    await Promise.all(issued);
    expect(report.stopReason).toBe("idle");
    const wanted = new Set([
      "stage_started",
      "stage_completed",
      "runtime_tick_paused",
      "mailbox_command_applied",
    ]);
    const sequence = runtimeEvents(ws)
      .filter((event) => wanted.has(event.event_type))
      .map((event) =>
        event.event_type === "mailbox_command_applied"
          ? `mailbox:${event.data.command}`
          : event.event_type === "runtime_tick_paused"
            ? "paused"
            : `${event.event_type === "stage_started" ? "start" : "done"}:${event.data.stage}`,
      );
    // Between the builder's result and the resume, nothing started.
    // Once the pause is applied nothing starts (only paused ticks) until the resume; then work continues.
    const pauseAt = sequence.indexOf("mailbox:pause");
    const resumeAt = sequence.indexOf("mailbox:resume");
    expect(pauseAt).toBeGreaterThan(0);
    expect(resumeAt).toBeGreaterThan(pauseAt);
    const held = sequence.slice(pauseAt + 1, resumeAt);
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((entry) => entry === "paused")).toBe(true);
    expect(sequence[resumeAt + 1]).toMatch(/^start:/);
    // The pause landed while the task still had stages to run.
    expect(pauseAt).toBeLessThan(sequence.indexOf("done:updater"));
    expect(eventsOfType(ws, "mailbox_command_applied").map((event) => event.data.command)).toEqual([
      "pause",
      "resume",
    ]);
    expect(locate(ws, "task-paused")).toEqual(["task/done"]);
    expect(readSnapshot(ws).paused).toBe(false);
  });

  it("with watchers on, an idle daemon wakes for mailbox commands written by another process", async () => {
    const ws = scenarioWorkspace();
    const issued: Array<Promise<string[]>> = [];
    const { engine } = testEngine(ws, {
      watch: true,
      monitor: (event: MonitorEvent) => {
        if (event.type === "runtime_idle" && issued.length === 0) {
          issued.push(
            issueFromChild(ws, "spaced", [
              { command: "add_task", payload: { document: task("task-woken") } },
            ]),
          );
        }
        if (event.type === "stage_completed" && event.stage === "updater" && issued.length === 1) {
          issued.push(issueFromChild(ws, "spaced", [{ command: "stop", payload: {} }]));
        }
      },
    });
    // Idle with watchers on, the daemon sleeps long (no polling): only the watcher can wake it in time.
    const report = await engine.runDaemon({});
    await engine.close();
    await Promise.all(issued);
    expect(report.stopReason).toBe("stop_requested");
    expect(locate(ws, "task-woken")).toEqual(["task/done"]);
    expect(eventsOfType(ws, "mailbox_command_applied").map((event) => event.data.command)).toEqual([
      "add_task",
      "stop",
    ]);
    expect(readSnapshot(ws).watcher_mode).toBe("watch");
  }, 25_000);

  // ENGINE BUG (reported): src/mailbox.ts readIncoming orders by issued_at (millisecond
  // resolution) and breaks ties by file name, and a command id starts with the command name, so
  // commands issued within one millisecond apply alphabetically (add_task, pause, resume,
  // retry_active, stop) rather than in issue order.
  it("keeps issue order for commands issued within the same millisecond", async () => {
    const { ws, ids } = await scenario("same-ms");
    const applied = eventsOfType(ws, "mailbox_command_applied");
    expect(applied.map((event) => event.data.command_id)).toEqual(ids);
  });
});

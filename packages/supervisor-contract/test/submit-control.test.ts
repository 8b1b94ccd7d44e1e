import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ControlResultOutputSchema, MailboxEnvelopeSchema } from "@millrace/contracts";
import { createEngine } from "@millrace/scheduler";
import { describe, expect, it } from "vitest";
import { addIdeaRequest, addTaskRequest, submitControl } from "../src/index.js";
import { demoWorkspace, eventsOfType, idsIn, listTree, tempDir } from "./helpers.js";

describe("submitControl without a daemon (direct, under the ownership lock)", () => {
  it("applies with the daemon's handler, records control_command_applied with the issuer, releases the lock", () => {
    const ws = demoWorkspace();
    const result = submitControl(ws.root, "pause", {}, { issuer: "  Ops Agent " });
    expect(ControlResultOutputSchema.parse(result)).toMatchObject({
      action: "pause",
      mode: "direct",
      applied: true,
      issuer: "ops-agent",
      mailbox_path: null,
    });
    expect(result.command_id).toMatch(/^pause-\d+-[0-9a-f]{8}$/);
    const [applied] = eventsOfType(ws, "control_command_applied");
    expect(applied?.data).toMatchObject({
      command: "pause",
      command_id: result.command_id,
      mode: "direct",
      issuer: "ops-agent",
      applied: true,
    });
    expect(eventsOfType(ws, "runtime_paused_by_operator")[0]?.data).toEqual({ issuer: "ops-agent" });
    expect(existsSync(ws.paths.lockFile)).toBe(false);
  });

  it("enqueues a task built from a title, the issuer as Created-By", () => {
    const ws = demoWorkspace();
    const request = addTaskRequest({ title: "Fix the login", id: "task-login", createdBy: "ana" });
    const result = submitControl(ws.root, request.command, request.payload, { issuer: "ana" });
    expect(result.enqueued).toEqual({
      kind: "task",
      id: "task-login",
      path: "millrace-agents/tasks/queue/task-login.md",
    });
    expect(readFileSync(path.join(ws.paths.queues.task.queue, "task-login.md"), "utf8")).toContain(
      "Created-By: ana",
    );
  });

  it("records the issuer in the intervention log and returns what moved", () => {
    const ws = demoWorkspace();
    const add = addTaskRequest({ title: "Old", id: "task-old", createdBy: "operator" });
    submitControl(ws.root, add.command, add.payload);
    const result = submitControl(
      ws.root,
      "cancel_work_item",
      { id: "task-old", reason: "duplicate" },
      { issuer: "Bo" },
    );
    expect(result.intervention).toMatchObject({
      action: "cancel",
      work_item_id: "task-old",
      destination_state: "cancelled",
      reason: "duplicate",
    });
    const log = readFileSync(
      path.join(ws.paths.queues.task.queue, "cancelled", "interventions.jsonl"),
      "utf8",
    );
    expect(JSON.parse(log.trim())).toMatchObject({ actor: "bo", reason: "duplicate" });
  });

  it("adds an idea from a markdown file", () => {
    const ws = demoWorkspace();
    const dir = tempDir();
    const file = path.join(dir, "faster.md");
    writeFileSync(file, "# Faster\n\nStart faster.\n");
    const request = addIdeaRequest(file);
    const result = submitControl(ws.root, request.command, request.payload);
    expect(result).toMatchObject({
      mode: "direct",
      applied: true,
      enqueued: { kind: "idea", path: "ideas/inbox/faster.md" },
    });
  });

  it("refuses bad requests before anything is written", () => {
    const ws = demoWorkspace();
    const before = listTree(ws.root);
    expect(() => submitControl(ws.root, "pause", {}, { issuer: "  " })).toThrow(
      /the issuer may not be empty/,
    );
    expect(() => submitControl(ws.root, "cancel_work_item", { id: "task-x" })).toThrow(
      /needs a non-blank reason/,
    );
    expect(() => submitControl(ws.root, "supersede_task", { id: "a", reason: "r" })).toThrow(
      /payload.replacement_id/,
    );
    expect(() => submitControl(ws.root, "add_task", {})).toThrow(/payload.document/);
    expect(() => submitControl(ws.root, "nope" as never, {})).toThrow(/unknown control command/);
    expect(listTree(ws.root)).toEqual(before);
  });

  it("refuses an uninitialized folder with workspace_not_initialized", () => {
    const dir = tempDir();
    expect(() => submitControl(dir, "pause")).toThrow(/not an initialized|millrace init/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("submitControl with a live daemon (mailbox)", () => {
  it("queues an envelope with the issuer; the daemon applies it once", async () => {
    const ws = demoWorkspace();
    const engine = createEngine({ workspace: ws.root });
    await engine.start();
    try {
      const request = addTaskRequest({ title: "Via mailbox", id: "task-mail", createdBy: "sentinel" });
      const result = submitControl(ws.root, request.command, request.payload, { issuer: "Sentinel" });
      expect(ControlResultOutputSchema.parse(result)).toMatchObject({
        mode: "mailbox",
        applied: false,
        issuer: "sentinel",
        enqueued: null,
        intervention: null,
      });
      const envelope = MailboxEnvelopeSchema.parse(
        JSON.parse(readFileSync(result.mailbox_path as string, "utf8")),
      );
      expect(envelope).toMatchObject({
        command: "add_task",
        issuer: "sentinel",
        command_id: result.command_id,
      });
      await engine.runDaemon({ untilIdle: true, maxTicks: 3 });
    } finally {
      await engine.close();
    }
    expect(eventsOfType(ws, "mailbox_command_applied").map((event) => event.data)).toEqual([
      expect.objectContaining({ command: "add_task", issuer: "sentinel" }),
    ]);
    expect([...idsIn(ws.paths.queues.task.queue), ...idsIn(ws.paths.queues.task.done)]).toContain(
      "task-mail",
    );
  });
});

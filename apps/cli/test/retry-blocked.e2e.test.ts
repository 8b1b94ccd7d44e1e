import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { QueueInterventionOutputSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir, waitFor } from "./helpers.js";
import { hashTree } from "./wshash.js";

interface Event {
  event_type: string;
  data: Record<string, unknown>;
}

function events(rt: string): Event[] {
  const file = path.join(rt, "logs", "runtime_events.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Event);
}

/** A demo workspace with one task added, then moved to blocked/ as a failed run would leave it. */
function workspaceWithBlockedTask(id: string): { root: string; rt: string } {
  const root = path.join(tempDir("millrace-retry-"), "ws");
  expect(runCli(["init", root]).status).toBe(0);
  const rt = path.join(root, "millrace-agents");
  writeFileSync(
    path.join(rt, "millrace.toml"),
    '[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n',
  );
  expect(runCli(["add-task", `Blocked ${id}`, "--id", id, "-w", root]).status).toBe(0);
  renameSync(path.join(rt, "tasks", "queue", `${id}.md`), path.join(rt, "tasks", "blocked", `${id}.md`));
  return { root, rt };
}

describe("queue retry-blocked", () => {
  it("without a daemon: blocked -> queue under the lock, audited, same document, then runs to done", () => {
    const { root, rt } = workspaceWithBlockedTask("task-stuck");
    const before = readFileSync(path.join(rt, "tasks", "blocked", "task-stuck.md"), "utf8");
    const run = runCli([
      "queue",
      "retry-blocked",
      "task-stuck",
      "--reason",
      "network is back",
      "--issuer",
      "Ops Agent",
      "-w",
      root,
      "--json",
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(QueueInterventionOutputSchema.parse(run.json())).toMatchObject({
      action: "retry_blocked",
      mode: "direct",
      applied: true,
      work_item_kind: "task",
      work_item_id: "task-stuck",
      source_state: "blocked",
      destination_state: "queue",
      actor: "ops-agent",
      reason: "network is back",
    });
    // The same document (so the same lineage) is back in the queue.
    expect(readFileSync(path.join(rt, "tasks", "queue", "task-stuck.md"), "utf8")).toBe(before);
    expect(existsSync(path.join(rt, "tasks", "blocked", "task-stuck.md"))).toBe(false);
    const audit = readFileSync(path.join(rt, "tasks", "queue", "interventions.jsonl"), "utf8");
    expect(JSON.parse(audit.trim())).toMatchObject({
      action: "retry_blocked",
      actor: "ops-agent",
      reason: "network is back",
    });
    const log = events(rt);
    expect(log.find((e) => e.event_type === "blocked_work_item_retried")?.data).toMatchObject({
      work_item_id: "task-stuck",
      retry_attempt: 1,
      actor: "ops-agent",
    });
    expect(
      log.find((e) => e.event_type === "control_command_applied" && e.data.command === "retry_blocked")?.data,
    ).toMatchObject({
      issuer: "ops-agent",
      applied: true,
    });
    const show = runCli(["queue", "show", "task-stuck", "-w", root, "--json"]);
    expect(show.json<{ state: string; requeues: unknown[] }>()).toMatchObject({
      state: "queue",
      requeues: [{ actor: "ops-agent", reason: "retry-blocked: network is back" }],
    });

    const daemon = runCli(["run", "daemon", "--until-idle", "-w", root, "--json"]);
    expect(daemon.status, daemon.stderr).toBe(0);
    expect(existsSync(path.join(rt, "tasks", "done", "task-stuck.md"))).toBe(true);
  }, 120_000);

  it("refuses bad input with one error and its hint, exit status by kind, and changes nothing", () => {
    const { root, rt } = workspaceWithBlockedTask("task-stuck");
    expect(runCli(["add-task", "Queued", "--id", "task-queued", "-w", root]).status).toBe(0);
    const before = hashTree(rt);
    const cases: Array<{ args: string[]; status: number; code: string }> = [
      { args: ["queue", "retry-blocked", "task-nowhere"], status: 1, code: "queue_item_not_found" },
      { args: ["queue", "retry-blocked", "task-queued"], status: 3, code: "queue_state_conflict" },
      { args: ["queue", "retry-blocked", "../tasks/blocked/task-stuck"], status: 2, code: "invalid_id" },
      {
        args: ["queue", "retry-blocked", "task-stuck", "--kind", "spec"],
        status: 1,
        code: "queue_item_not_found",
      },
      {
        args: ["queue", "retry-blocked", "task-stuck", "--kind", "bogus"],
        status: 2,
        code: "work_document_kind_unknown",
      },
      {
        args: ["queue", "retry-blocked", "task-stuck", "--reason", "  "],
        status: 2,
        code: "queue_reason_required",
      },
      { args: ["queue", "retry-blocked", "task-stuck", "--issuer", ""], status: 2, code: "issuer_invalid" },
      {
        args: ["queue", "archive-blocked", "task-queued", "--reason", "x"],
        status: 3,
        code: "queue_state_conflict",
      },
      {
        args: ["incident", "resolve", "incident-none", "--reason", "x"],
        status: 1,
        code: "queue_item_not_found",
      },
    ];
    for (const { args, status, code } of cases) {
      const text = runCli([...args, "-w", root]);
      expect(text.status, `${args.join(" ")}: ${text.stderr}`).toBe(status);
      const lines = text.stderr.trim().split("\n");
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[1]).toMatch(/^hint: /);
      expect(lines).toHaveLength(2);
      const json = runCli([...args, "-w", root, "--json"]);
      expect(json.status).toBe(status);
      expect(json.json<{ error: { code: string } }>().error.code).toBe(code);
    }
    expect(hashTree(rt)).toBe(before);
  }, 120_000);

  it("archive-blocked archives a blocked task; incident resolve and cancel close incidents, audited", () => {
    const { root, rt } = workspaceWithBlockedTask("task-stuck");
    const archived = runCli([
      "queue",
      "archive-blocked",
      "task-stuck",
      "--reason",
      "obsolete",
      "-w",
      root,
      "--json",
    ]);
    expect(archived.status, archived.stderr).toBe(0);
    expect(archived.json()).toMatchObject({ action: "archive_blocked_task", destination_state: "cancelled" });
    expect(
      readdirSync(path.join(rt, "tasks", "blocked", "cancelled")).filter((n) => n.endsWith(".md")),
    ).toHaveLength(1);

    const incident = (id: string) =>
      [
        `# Broken ${id}`,
        "",
        `Incident-ID: ${id}`,
        `Title: Broken ${id}`,
        "Summary: the build broke",
        "Source-Stage: checker",
        "Source-Plane: execution",
        "Failure-Class: checker_blocked",
        "Trigger-Reason: blocked",
        "Consultant-Decision: needs_planning",
        "Opened-At: 2026-04-28T10:00:00Z",
        "Opened-By: runtime",
        "",
      ].join("\n");
    for (const id of ["incident-one", "incident-two"]) {
      const file = path.join(tempDir(), `${id}.md`);
      writeFileSync(file, incident(id));
      const imported = runCli(["queue", "import", file, "--kind", "incident", "-w", root]);
      expect(imported.status, imported.stderr).toBe(0);
    }
    const resolved = runCli([
      "incident",
      "resolve",
      "incident-one",
      "--reason",
      "fixed",
      "--issuer",
      "bob",
      "-w",
      root,
      "--json",
    ]);
    expect(resolved.status, resolved.stderr).toBe(0);
    expect(resolved.json()).toMatchObject({
      action: "resolve_incident",
      actor: "bob",
      destination_state: "resolved",
    });
    const cancelled = runCli([
      "incident",
      "cancel",
      "incident-two",
      "--reason",
      "noise",
      "-w",
      root,
      "--json",
    ]);
    expect(cancelled.status, cancelled.stderr).toBe(0);
    expect(cancelled.json()).toMatchObject({ action: "cancel_incident", destination_state: "cancelled" });
    const again = runCli(["incident", "resolve", "incident-one", "--reason", "fixed", "-w", root]);
    expect(again.status).toBe(1);
    const applied = events(rt)
      .filter((e) => e.event_type === "control_command_applied")
      .map((e) => `${e.data.command}:${e.data.issuer}`);
    expect(applied).toEqual(
      expect.arrayContaining([
        "archive_blocked_task:operator",
        "resolve_incident:bob",
        "cancel_incident:operator",
      ]),
    );
  }, 120_000);

  it("with a daemon running: goes through the mailbox, and the daemon runs the retried task to done", async () => {
    const { root, rt } = workspaceWithBlockedTask("task-stuck");
    const daemon = spawn(process.execPath, [CLI_BIN, "run", "daemon", "-w", root, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number>((resolve) => daemon.on("exit", (code) => resolve(code ?? -1)));
    try {
      await waitFor(() => existsSync(path.join(rt, "state", "runtime_daemon.lock.json")), 30_000);
      const run = runCli(["queue", "retry-blocked", "task-stuck", "--issuer", "ops", "-w", root, "--json"]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.json()).toMatchObject({ action: "retry_blocked", mode: "mailbox", issuer: "ops" });
      // A bad request is refused before it reaches the mailbox.
      const bad = runCli(["queue", "retry-blocked", "task-nowhere", "-w", root]);
      expect(bad.status).toBe(1);
      await waitFor(() => existsSync(path.join(rt, "tasks", "done", "task-stuck.md")), 60_000);
      expect(runCli(["stop", "-w", root]).status).toBe(0);
      expect(await exited).toBe(0);
    } finally {
      daemon.kill();
    }
    const applied = events(rt).find(
      (e) => e.event_type === "mailbox_command_applied" && e.data.command === "retry_blocked",
    );
    expect(applied?.data).toMatchObject({ issuer: "ops", applied: true });
    expect(events(rt).some((e) => e.event_type === "blocked_work_item_retried")).toBe(true);
    expect(readdirSync(path.join(rt, "state", "mailbox", "failed"))).toEqual([]);
  }, 120_000);
});

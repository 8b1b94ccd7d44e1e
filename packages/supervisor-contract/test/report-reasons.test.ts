import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { addTaskRequest, submitControl, supervisorFleetReport } from "../src/index.js";
import { demoWorkspace, idsIn, tempDir } from "./helpers.js";
import { blockedTask, editSnapshot, expectReason, orphanLock, takeActions } from "./report-helpers.js";

const issuer = "ops-agent";

describe("supervisor report: each attention reason, its summary and its allowed actions", () => {
  it("not_bootstrapped: an empty folder, and a missing one in a fleet call", async () => {
    const empty = tempDir();
    const report = await expectReason(empty, "not_bootstrapped", /not initialized/, { issuer });
    expect(report.bootstrapped).toBe(false);
    expect(report.allowed_actions.map((a) => a.argv.slice(0, 3))).toEqual([["millrace", "init", empty]]);
    const ws = demoWorkspace();
    const fleet = await supervisorFleetReport([ws.root, path.join(empty, "nowhere")]);
    expect(fleet.map((entry) => entry.attention_reason)).toEqual(["idle_no_work", "not_bootstrapped"]);
  });

  it("runner_not_ready: the scripted runner's script is missing", async () => {
    const ws = demoWorkspace();
    writeFileSync(
      ws.paths.configFile,
      '[runtime]\ndefault_mode = "demo"\n\n[runners.scripted]\nscript = "scripted/missing.json"\n',
    );
    const report = await expectReason(ws, "runner_not_ready", /execution cannot start: runner_/);
    expect(report.health.execution_ready).toBe(false);
    expect(report.allowed_actions.map((a) => a.action)).toEqual(["doctor"]);
  });

  it("health_failed: the recovery counters do not parse", async () => {
    const ws = demoWorkspace();
    writeFileSync(ws.paths.recoveryCounters, "{ not json");
    await expectReason(ws, "health_failed", /recovery_counters_invalid/);
  });

  it("orphaned: the lock's owner died while the snapshot says a runtime runs", async () => {
    const ws = demoWorkspace();
    orphanLock(ws);
    const report = await expectReason(ws, "orphaned", /died without releasing/, { issuer });
    expect(report.liveness).toMatchObject({ grade: "orphaned", lock_state: "stale" });
    expect(takeActions(ws, report.allowed_actions)).toEqual(["clear_stale_state:direct"]);
    await expectReason(ws, "idle_no_work", /nothing queued/);
  });

  it("blocked: a plane ended BLOCKED, with a blocked task to archive", async () => {
    const ws = demoWorkspace();
    blockedTask(ws, "task-stuck");
    const report = await expectReason(ws, "blocked", /execution \(### BLOCKED\)/, { issuer });
    expect(report.backlog.blocked).toBe(1);
    // Retrying and archiving are alternatives: each is accepted on its own.
    expect(report.allowed_actions.map((a) => a.action)).toEqual(["retry_blocked", "archive_blocked_task"]);
    expect(report.allowed_actions[0]?.argv.slice(0, 6)).toEqual([
      "millrace",
      "queue",
      "retry-blocked",
      "task-stuck",
      "--kind",
      "task",
    ]);
    expect(takeActions(ws, report.allowed_actions.slice(0, 1))).toEqual(["retry_blocked:direct"]);
    expect(idsIn(ws.paths.queues.task.blocked)).toEqual([]);
    expect(idsIn(ws.paths.queues.task.queue)).toEqual(["task-stuck"]);
    const other = demoWorkspace();
    blockedTask(other, "task-stuck");
    const again = await expectReason(other, "blocked", /execution/, { issuer });
    expect(takeActions(other, again.allowed_actions.slice(1))).toEqual(["archive_blocked_task:direct"]);
    expect(idsIn(other.paths.queues.task.blocked)).toEqual([]);
  });

  it("degraded: the last run ended with a failure class", async () => {
    const ws = demoWorkspace();
    editSnapshot(ws, { current_failure_class: "provider_transient" });
    const report = await expectReason(ws, "degraded", /failure class provider_transient/, { issuer });
    expect(takeActions(ws, report.allowed_actions)).toEqual(["clear_stale_state:direct"]);
  });

  it("governance_paused: usage governance holds the runtime", async () => {
    const ws = demoWorkspace();
    editSnapshot(ws, { paused: true, pause_sources: ["usage_governance"] });
    const report = await expectReason(ws, "governance_paused", /paused by usage governance/);
    expect(report.governance.paused).toBe(true);
    expect(report.allowed_actions.map((a) => a.argv.slice(0, 2))).toEqual([["millrace", "usage"]]);
  });

  it("operator_paused: resume is allowed and accepted", async () => {
    const ws = demoWorkspace();
    submitControl(ws.root, "pause", {}, { issuer: "lead" });
    const report = await expectReason(ws, "operator_paused", /paused by an operator/, { issuer });
    expect(takeActions(ws, report.allowed_actions)).toEqual(["resume:direct"]);
    await expectReason(ws, "idle_no_work", /nothing queued/);
  });

  it("idle_with_pending_work: queued work and no daemon", async () => {
    const ws = demoWorkspace();
    const request = addTaskRequest({ title: "Waiting", id: "task-wait", createdBy: "operator" });
    submitControl(ws.root, request.command, request.payload);
    const report = await expectReason(
      ws,
      "idle_with_pending_work",
      /1 queued item\(s\); no daemon is running/,
    );
    expect(report.next_work).toEqual([
      { plane: "execution", work_item_kind: "task", work_item_id: "task-wait", title: "Waiting" },
    ]);
    expect(report.allowed_actions.map((a) => a.argv.slice(0, 3))).toEqual([["millrace", "run", "daemon"]]);
  });

  it("idle_no_work: nothing queued; the add-task action names the issuer", async () => {
    const ws = demoWorkspace();
    const report = await expectReason(ws, "idle_no_work", /nothing queued/, { issuer });
    expect(report.allowed_actions[0]?.argv).toEqual([
      "millrace",
      "add-task",
      "<title>",
      "--workspace",
      ws.root,
      "--issuer",
      issuer,
    ]);
  });

  it("mailbox intake lists pending commands and their issuers", async () => {
    const ws = demoWorkspace();
    mkdirSync(ws.paths.mailboxIncoming, { recursive: true });
    const request = addTaskRequest({ title: "Queued", id: "task-q", createdBy: "x" });
    const envelope = {
      schema_version: "1.0",
      kind: "mailbox_command",
      command_id: "add_task-1-aaaaaaaa",
      command: "add_task",
      issued_at: "2026-04-28T10:00:00.000000Z",
      issuer: "sentinel",
      payload: request.payload,
    };
    writeFileSync(path.join(ws.paths.mailboxIncoming, "add_task-1-aaaaaaaa.json"), JSON.stringify(envelope));
    const report = await expectReason(
      ws,
      "idle_with_pending_work",
      /1 add command\(s\) waiting in the mailbox/,
    );
    expect(report.mailbox).toMatchObject({ pending_count: 1, issuers: ["sentinel"] });
  });

  it("refuses a bad --recent-events, --stalled-after or issuer with a usage error", async () => {
    const ws = demoWorkspace();
    await expect(expectReason(ws, "idle_no_work", /./, { recentEvents: -1 })).rejects.toThrow(
      /--recent-events/,
    );
    await expect(expectReason(ws, "idle_no_work", /./, { stalledAfterSeconds: 0 })).rejects.toThrow(
      /--stalled-after/,
    );
    await expect(expectReason(ws, "idle_no_work", /./, { issuer: " " })).rejects.toThrow(
      /issuer may not be empty/,
    );
  });
});

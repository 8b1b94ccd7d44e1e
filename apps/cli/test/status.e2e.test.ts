import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  bootstrapSnapshot,
  normalizeRuntimeSnapshot,
  type StatusReport,
  StatusReportSchema,
  typedJson,
} from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import { acquireLock, workspacePaths } from "@millrace/workspace";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";
import { hashTree } from "./wshash.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function initialized(): string {
  const root = tempDir("millrace-status-");
  expect(runCli(["init", root]).status).toBe(0);
  return root;
}

function writeSnapshot(root: string, fields: Record<string, unknown>): void {
  const snapshot = normalizeRuntimeSnapshot({
    ...bootstrapSnapshot(new Date("2026-04-28T10:00:00Z")),
    ...fields,
  });
  writeFileSync(workspacePaths(root).snapshot, typedJson(snapshot));
}

function task(id: string) {
  return {
    task_id: id,
    title: `Task ${id}`,
    created_at: "2026-04-28T09:30:00Z",
    created_by: "test",
    target_paths: ["src/a.ts"],
    acceptance: ["works"],
    required_checks: ["true"],
    references: ["docs/a.md"],
    risk: ["low"],
  };
}

describe("millrace status", () => {
  it("prints key: value lines for a fresh workspace and changes nothing on disk", () => {
    const root = initialized();
    const before = hashTree(root);
    const run = runCli(["status", "-w", root]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(hashTree(root)).toBe(before);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`workspace: ${root}`);
    for (const expected of [
      "process_running: false",
      "runtime_ownership_lock: absent",
      "paused: false",
      "pause_sources: none",
      "compiled_plan_currentness: missing",
      "active_run_count: 0",
      "queue_depth_execution: 0",
      "execution_status_marker: ### IDLE",
      "closure_target_state: none",
    ]) {
      expect(lines).toContain(expected);
    }
    expect(lines.every((line) => /^[a-z_]+: .+$/.test(line))).toBe(true);
  });

  it("--json prints the schema'd report: queue depths, active runs and a live lock owner", () => {
    const root = initialized();
    const paths = workspacePaths(root);
    const store = openQueueStore(paths);
    store.enqueue("task", task("task-a"));
    store.enqueue("task", task("task-b"));
    store.flush();
    writeSnapshot(root, {
      process_running: true,
      active_runs_by_plane: {
        execution: {
          plane: "execution",
          stage: "builder",
          node_id: "builder",
          stage_kind_id: "builder",
          run_id: "run-0123456789abcdef0123456789abcdef",
          request_kind: "active_work_item",
          work_item_kind: "task",
          work_item_id: "task-z",
          active_since: "2026-04-28T10:00:00Z",
        },
      },
      current_failure_class: "runner_timeout",
      troubleshoot_attempt_count: 1,
    });
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    children.push(child);
    acquireLock(paths, { pid: child.pid! });

    const run = runCli(["status", "--json", "-w", root]);
    expect(run.status).toBe(0);
    const report = StatusReportSchema.parse(run.json());
    expect(report.process_running).toBe(true);
    expect(report.runtime_ownership_lock).toMatchObject({ state: "active", owner_pid: child.pid });
    expect(report.planes.execution.queue_depth).toBe(2);
    expect(report.planes.execution.active_run?.run_id).toBe("run-0123456789abcdef0123456789abcdef");

    const text = runCli(["status", "-w", root]).stdout;
    expect(text).toContain("process_running: true\n");
    expect(text).toContain(`runtime_ownership_lock_owner: pid=${child.pid} `);
    expect(text).toContain(
      "active_run: plane=execution stage=builder node=builder stage_kind=builder request_kind=active_work_item work_item_kind=task work_item_id=task-z run=run-0123456789abcdef0123456789abcdef since=2026-04-28T10:00:00Z\n",
    );
    expect(text).toContain("current_failure_class: runner_timeout\ntroubleshoot_attempt_count: 1\n");
    expect(text).toContain("queue_depth_execution: 2\n");
  });

  it("an uninitialized folder exits 3 with a one-line error and hint (JSON error with --json)", () => {
    const root = tempDir("millrace-status-");
    const run = runCli(["status", "-w", root]);
    expect(run.status).toBe(3);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      /^error: .* is not an initialized Millrace workspace .*\nhint: Run `millrace init/,
    );
    const json = runCli(["status", "--json", "-w", root]);
    expect(json.status).toBe(3);
    expect(json.json<{ error: { code: string } }>().error.code).toBe("workspace_not_initialized");
  });

  it("bad arguments are usage errors (exit 2)", () => {
    const root = initialized();
    const positional = runCli(["status", "show", "elsewhere", "-w", root]);
    expect(positional.status).toBe(2);
    expect(positional.stderr).toContain("error: status show takes no workspace argument");
    const unknown = runCli(["status", "frob", "-w", root]);
    expect(unknown.status).toBe(2);
  });
});

describe("millrace status watch", () => {
  it("repeats a block per workspace per update, blank-line separated, and stops after --max-updates", () => {
    const a = initialized();
    const b = initialized();
    const before = [hashTree(a), hashTree(b)];
    const run = runCli(["status", "watch", a, b, a, "--max-updates", "2", "--interval-seconds", "0"]);
    expect(run.status).toBe(0);
    const blocks = run.stdout.trimEnd().split("\n\n");
    expect(blocks).toHaveLength(4);
    expect(blocks.map((block) => block.split("\n")[0])).toEqual([
      `workspace: ${a}`,
      `workspace: ${b}`,
      `workspace: ${a}`,
      `workspace: ${b}`,
    ]);
    expect([hashTree(a), hashTree(b)]).toEqual(before);
  });

  it("--json prints one JSON object per line per workspace per update", () => {
    const a = initialized();
    const run = runCli([
      "status",
      "watch",
      "--max-updates",
      "3",
      "--interval-seconds",
      "0.01",
      "--json",
      "-w",
      a,
    ]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    const reports = lines.map((line) => StatusReportSchema.parse(JSON.parse(line)) as StatusReport);
    expect(reports.every((report) => report.workspace === a)).toBe(true);
  });

  it("refuses bad intervals and counts (exit 2) and an uninitialized workspace (exit 3)", () => {
    const a = initialized();
    const interval = runCli(["status", "watch", a, "--interval-seconds", "-1", "--max-updates", "1"]);
    expect(interval.status).toBe(2);
    expect(interval.stderr).toContain("error: --interval-seconds must be a number >= 0, got -1");
    const count = runCli(["status", "watch", a, "--max-updates", "0"]);
    expect(count.status).toBe(2);
    expect(count.stderr).toContain("--max-updates must be a whole number >= 1");
    const missing = runCli(["status", "watch", a, path.join(a, "nope"), "--max-updates", "1"]);
    expect(missing.status).toBe(3);
    expect(missing.stdout).toBe("");
  });
});

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { appendFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { compilePlan } from "@millrace/compiler";
import { MillraceError, StatusReportSchema } from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import { acquireLock, loadConfig, workspacePaths } from "@millrace/workspace";
import { afterEach, describe, expect, it } from "vitest";
import { readStatus } from "../../src/read-models/index.js";
import { activeRun, makeWorkspace, treeFingerprint, writeSnapshot } from "./fixtures.js";

const clock = () => new Date("2026-04-28T12:00:00Z");
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function task(id: string) {
  return {
    task_id: id,
    title: `Task ${id}`,
    summary: "do it",
    created_at: "2026-04-28T09:30:00Z",
    created_by: "test",
    target_paths: ["src/a.ts"],
    acceptance: ["works"],
    required_checks: ["true"],
    references: ["docs/a.md"],
    risk: ["low"],
  };
}

function target(rootSpecId: string, open: boolean) {
  return {
    schema_version: "1.0",
    kind: "closure_target_state",
    root_spec_id: rootSpecId,
    root_idea_id: `idea-${rootSpecId}`,
    root_spec_path: `millrace-agents/arbiter/contracts/root-specs/${rootSpecId}.md`,
    root_idea_path: `millrace-agents/arbiter/contracts/ideas/idea-${rootSpecId}.md`,
    rubric_path: `millrace-agents/arbiter/rubrics/${rootSpecId}.md`,
    closure_open: open,
    opened_at: "2026-04-28T09:00:00Z",
    ...(open ? {} : { closed_at: "2026-04-28T10:00:00Z" }),
  };
}

describe("readStatus", () => {
  it("a fresh workspace: idle planes, no lock, no plan yet, baseline manifest; reading writes nothing", () => {
    const root = makeWorkspace();
    const before = treeFingerprint(root);
    const status = readStatus(root, { clock });
    expect(treeFingerprint(root)).toBe(before);
    expect(StatusReportSchema.parse(status)).toEqual(status);
    expect(status).toMatchObject({
      kind: "status_report",
      workspace: root,
      generated_at: "2026-04-28T12:00:00Z",
      snapshot_state: "ok",
      process_running: false,
      runtime_ownership_lock: { state: "absent", owner_pid: null },
      paused: false,
      pause_sources: [],
      stop_requested: false,
      active_run_count: 0,
      current_failure_class: null,
      closure: { state: "none", open_targets: [], invalid_files: [] },
      runtime_error: null,
    });
    expect(status.compiled_plan_currentness.state).toBe("missing");
    expect(status.baseline_manifest_id).toMatch(/^[0-9a-f]{64}$/);
    expect(status.baseline_seed_package_version).toBeTruthy();
    for (const plane of ["execution", "planning", "learning"] as const) {
      expect(status.planes[plane]).toEqual({
        plane,
        status_marker: "### IDLE",
        queue_depth: 0,
        active_documents: 0,
        active_run: null,
      });
    }
  });

  it("plan currentness: current after a compile, stale after an asset edit, unknown when the config does not load", () => {
    const root = makeWorkspace();
    const paths = workspacePaths(root);
    const compiled = compilePlan(root, loadConfig(root));
    expect(readStatus(root).compiled_plan_currentness).toMatchObject({
      state: "current",
      reasons: [],
      compiled_plan_id: compiled.plan?.compiled_plan_id,
      error: null,
    });
    appendFileSync(path.join(paths.entrypoints, "execution", "builder.md"), "\nlocal edit\n");
    const stale = readStatus(root).compiled_plan_currentness;
    expect(stale.state).toBe("stale");
    expect(stale.reasons.join("\n")).toContain("builder");
    writeFileSync(paths.configFile, "[runtime\nbroken");
    const unknown = readStatus(root).compiled_plan_currentness;
    expect(unknown.state).toBe("unknown");
    expect(unknown.error).toMatch(/^millrace\.toml does not load: /);
    expect(readStatus(root).usage_governance.enabled).toBeNull();
  });

  it("counts queue depths per plane from the queue folders", () => {
    const root = makeWorkspace();
    const store = openQueueStore(workspacePaths(root));
    for (const id of ["task-a", "task-b", "task-c"]) store.enqueue("task", task(id));
    store.flush();
    const status = readStatus(root);
    expect(status.planes.execution.queue_depth).toBe(3);
    expect(status.planes.planning.queue_depth).toBe(0);
  });

  it("queue counts match an open store's after hand edits, with or without the index", () => {
    const root = makeWorkspace();
    const paths = workspacePaths(root);
    const store = openQueueStore(paths);
    for (const id of ["task-a", "task-b"]) store.enqueue("task", task(id));
    store.claimNext("execution");
    store.flush();
    const queue = paths.queues.task.queue;
    writeFileSync(path.join(queue, "README.txt"), "stray\n");
    symlinkSync("/etc/hostname", path.join(queue, "task-link.md"));
    writeFileSync(path.join(queue, "task-big.md"), "x".repeat(2 * 1024 * 1024));
    rmSync(path.join(paths.state, "queue_index.json"));
    const status = readStatus(root);
    const open = openQueueStore(paths, { indexFile: false });
    expect(readStatus(root, { queue: open }).planes).toEqual(status.planes);
    expect(status.planes.execution).toMatchObject({ queue_depth: 3, active_documents: 1 });
  });

  it("shows active runs per plane, failure class and counters from the snapshot", () => {
    const root = makeWorkspace();
    writeSnapshot(root, {
      process_running: true,
      active_mode_id: "default_codex",
      active_runs_by_plane: {
        execution: activeRun("execution", "checker", "run-exec"),
        planning: activeRun("planning", "manager", "run-plan", { active_since: "2026-04-28T10:30:00Z" }),
      },
      current_failure_class: "missing_terminal_result",
      troubleshoot_attempt_count: 2,
      fix_cycle_count: 1,
      last_terminal_result: "BLOCKED",
      last_stage_result_path: "millrace-agents/runs/run-exec/stage_results/request-1.json",
    });
    writeFileSync(workspacePaths(root).statusFiles.execution, "### CHECKER_RUNNING\n");
    const status = readStatus(root);
    expect(status.active_run_count).toBe(2);
    expect(status.planes.execution.status_marker).toBe("### CHECKER_RUNNING");
    expect(status.planes.execution.active_run).toMatchObject({
      stage: "checker",
      node_id: "checker",
      request_kind: "active_work_item",
      work_item_kind: "task",
      work_item_id: "task-demo-001",
      run_id: "run-exec",
      active_since: "2026-04-28T10:00:00Z",
    });
    expect(status.planes.planning.active_run?.run_id).toBe("run-plan");
    expect(status.planes.learning.active_run).toBeNull();
    expect(status.current_failure_class).toBe("missing_terminal_result");
    expect(status.counters).toEqual({
      troubleshoot_attempt_count: 2,
      mechanic_attempt_count: 0,
      fix_cycle_count: 1,
      consultant_invocations: 0,
    });
    expect(status.last_terminal_result).toBe("BLOCKED");
    expect(status.last_stage_result_path).toBe("millrace-agents/runs/run-exec/stage_results/request-1.json");
    // the snapshot says running, but nobody holds the lock: not running
    expect(status.snapshot_process_running).toBe(true);
    expect(status.process_running).toBe(false);
  });

  it("process_running needs a live lock owner: active with a live child, stale with a dead pid, invalid for junk", async () => {
    const root = makeWorkspace();
    const paths = workspacePaths(root);
    writeSnapshot(root, { process_running: true });

    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    children.push(child);
    const held = acquireLock(paths, { pid: child.pid!, hostname: "box-1" });
    const active = readStatus(root);
    expect(active.runtime_ownership_lock).toMatchObject({
      state: "active",
      owner_pid: child.pid,
      owner_hostname: "box-1",
      owner_session_id: held.lock.owner_session_id,
    });
    expect(active.process_running).toBe(true);
    held.release();

    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    acquireLock(paths, { pid: Number(dead.stdout) });
    const stale = readStatus(root);
    expect(stale.runtime_ownership_lock.state).toBe("stale");
    expect(stale.runtime_ownership_lock.owner_pid).toBe(Number(dead.stdout));
    expect(stale.process_running).toBe(false);

    writeFileSync(paths.lockFile, "{ nope");
    const invalid = readStatus(root);
    expect(invalid.runtime_ownership_lock).toMatchObject({ state: "invalid", owner_pid: null });
    expect(invalid.runtime_ownership_lock.reason).toContain("not valid JSON");
    expect(invalid.process_running).toBe(false);
  });

  it("closure targets: one open target, several open is invalid_multiple_open_targets, bad files are listed", () => {
    const root = makeWorkspace();
    const dir = workspacePaths(root).arbiterTargets;
    writeFileSync(path.join(dir, "spec-closed.json"), JSON.stringify(target("spec-closed", false)));
    writeFileSync(path.join(dir, "spec-one.json"), JSON.stringify(target("spec-one", true)));
    const one = readStatus(root).closure;
    expect(one.state).toBe("open");
    expect(one.open_targets).toEqual([
      {
        root_spec_id: "spec-one",
        root_idea_id: "idea-spec-one",
        path: "millrace-agents/arbiter/targets/spec-one.json",
        closure_blocked_by_lineage_work: false,
        blocking_work_ids: [],
        opened_at: "2026-04-28T09:00:00Z",
        last_arbiter_run_id: null,
      },
    ]);
    writeFileSync(path.join(dir, "spec-two.json"), JSON.stringify(target("spec-two", true)));
    writeFileSync(path.join(dir, "spec-bad.json"), "{");
    const many = readStatus(root).closure;
    expect(many.state).toBe("invalid_multiple_open_targets");
    expect(many.open_targets.map((t) => t.root_spec_id)).toEqual(["spec-one", "spec-two"]);
    expect(many.invalid_files).toEqual([
      { path: "millrace-agents/arbiter/targets/spec-bad.json", error: "not valid JSON" },
    ]);
  });

  it("pause sources, governance blockers and a pending runtime error are reported", () => {
    const root = makeWorkspace();
    const paths = workspacePaths(root);
    writeSnapshot(root, { paused: true, pause_sources: ["usage_governance", "operator"] });
    writeFileSync(
      paths.usageGovernanceState,
      JSON.stringify({
        active_blockers: [{ rule_id: "r1" }],
        auto_resume_possible: true,
        next_auto_resume_at: "2026-04-28T15:00:00Z",
      }),
    );
    writeFileSync(
      paths.runtimeErrorContext,
      JSON.stringify({
        schema_version: "1.0",
        kind: "runtime_error_context",
        error_code: "execution_post_stage_apply_failed",
        plane: "execution",
        failed_stage: "builder",
        repair_stage: "troubleshooter",
        run_id: "run-x",
        report_path: "millrace-agents/runs/run-x/runtime_error_report.md",
        exception_type: "Error",
        exception_message: "boom",
        captured_at: "2026-04-28T10:00:00Z",
      }),
    );
    const status = readStatus(root);
    expect(status.paused).toBe(true);
    expect(status.pause_sources).toEqual(["operator", "usage_governance"]);
    expect(status.usage_governance).toEqual({
      enabled: false,
      paused: true,
      blocker_count: 1,
      auto_resume_possible: true,
      next_auto_resume_at: "2026-04-28T15:00:00Z",
      blockers: [],
      parked: [],
    });
    expect(status.runtime_error?.report_path).toBe("millrace-agents/runs/run-x/runtime_error_report.md");
  });

  it("a broken or missing snapshot is reported, not fatal", () => {
    const root = makeWorkspace();
    const paths = workspacePaths(root);
    writeFileSync(paths.snapshot, "{ broken");
    const invalid = readStatus(root);
    expect(invalid.snapshot_state).toBe("invalid");
    expect(invalid.snapshot_error).toContain("not valid JSON");
    expect(invalid.updated_at).toBeNull();
    rmSync(paths.snapshot);
    expect(readStatus(root).snapshot_state).toBe("missing");
  });

  it("refuses an uninitialized folder with workspace_not_initialized (exit 3)", () => {
    const root = makeWorkspace();
    try {
      readStatus(path.join(root, "elsewhere"));
      expect.unreachable();
    } catch (error) {
      expect(MillraceError.isInstance(error)).toBe(true);
      expect((error as MillraceError).code).toBe("workspace_not_initialized");
      expect((error as MillraceError).exitStatus).toBe(3);
    }
  });
});

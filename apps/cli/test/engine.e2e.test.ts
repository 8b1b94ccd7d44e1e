import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

function demoWorkspace(): string {
  const root = path.join(tempDir("millrace-run-"), "ws");
  expect(runCli(["init", root]).status).toBe(0);
  writeFileSync(
    path.join(root, "millrace-agents", "millrace.toml"),
    '[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n',
  );
  return root;
}

function addTask(root: string, title: string): string {
  const run = runCli(["add-task", title, "-w", root, "--json"]);
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

describe("millrace demo", () => {
  it("drives a fresh workspace from planning to closure and prints each stage", () => {
    const target = path.join(tempDir("millrace-demo-e2e-"), "demo");
    const run = runCli(["demo", target]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("stage start planning/planner");
    expect(run.stdout).toContain("stage start planning/arbiter");
    expect(run.stdout).toContain("result=FIX_NEEDED");
    expect(run.stdout).toContain("demo finished");
    const done = readdirSync(path.join(target, "millrace-agents", "tasks", "done"));
    expect(done.sort()).toEqual([
      "spec-welcome-page-task-1.md",
      "spec-welcome-page-task-2.md",
      "task-readme-note.md",
    ]);
    const target_state = JSON.parse(
      readFileSync(
        path.join(target, "millrace-agents", "arbiter", "targets", "spec-welcome-page.json"),
        "utf8",
      ),
    );
    expect(target_state.closure_open).toBe(false);
  });

  it("refuses a non-empty folder with exit 3 and leaves it alone", () => {
    const target = tempDir("millrace-demo-full-");
    writeFileSync(path.join(target, "keep.txt"), "mine");
    const run = runCli(["demo", target]);
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/^error: the demo needs an empty folder/);
    expect(readdirSync(target)).toEqual(["keep.txt"]);
  });
});

describe("millrace run", () => {
  it("run once runs exactly one stage and prints the tick", () => {
    const root = demoWorkspace();
    addTask(root, "First task");
    const run = runCli(["run", "once", "-w", root]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("run_mode: once");
    expect(run.stdout).toMatch(/stage: execution\/builder result=BUILDER_COMPLETE action=run_stage/);
    // The next run once continues at the checker: no fake crash, nothing stranded.
    const next = runCli(["run", "once", "-w", root, "--json"]);
    expect(next.status, next.stderr).toBe(0);
    expect(next.json<{ stages: Array<{ stage: string }> }>().stages[0]?.stage).toBe("checker");
  });

  it("run daemon --until-idle finishes the queue and reports its ticks as JSON", () => {
    const root = demoWorkspace();
    addTask(root, "One");
    addTask(root, "Two");
    const run = runCli(["run", "daemon", "--until-idle", "-w", root, "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const summary = run.json<{ stop_reason: string; ticks: number }>();
    expect(summary.stop_reason).toBe("idle");
    expect(readdirSync(path.join(root, "millrace-agents", "tasks", "done"))).toHaveLength(2);
  });

  it("--monitor-log appends the basic monitor lines to a file", () => {
    const root = demoWorkspace();
    addTask(root, "Logged");
    const log = path.join(tempDir("millrace-log-"), "nested", "monitor.log");
    const run = runCli(["run", "daemon", "--until-idle", "-w", root, "--monitor-log", log]);
    expect(run.status, run.stderr).toBe(0);
    const text = readFileSync(log, "utf8");
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] runtime started mode=demo/m);
    expect(text).toContain("stage done execution/updater");
  });

  it("rejects a bad --max-ticks with exit 2 before touching the workspace", () => {
    const root = demoWorkspace();
    const run = runCli(["run", "daemon", "--max-ticks", "0", "-w", root]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^error: --max-ticks must be a whole number >= 1/);
    expect(existsSync(path.join(root, "millrace-agents", "state", "compiled_plan.json"))).toBe(false);
  });

  it("refuses an uninitialized workspace with exit 3", () => {
    const run = runCli(["run", "once", "-w", tempDir()]);
    expect(run.status).toBe(3);
    expect(run.stderr).toContain("millrace init");
  });
});

describe("control commands without a daemon", () => {
  it("pause and resume apply directly and are visible in the snapshot", () => {
    const root = demoWorkspace();
    const pause = runCli(["pause", "-w", root, "--json"]);
    expect(pause.status, pause.stderr).toBe(0);
    expect(pause.json()).toMatchObject({ action: "pause", mode: "direct", applied: true });
    const snapshot = JSON.parse(
      readFileSync(path.join(root, "millrace-agents", "state", "runtime_snapshot.json"), "utf8"),
    );
    expect(snapshot.paused).toBe(true);
    expect(snapshot.pause_sources).toEqual(["operator"]);
    const resume = runCli(["resume", "-w", root]);
    expect(resume.stdout).toContain("applied: true");
  });

  it("retry-active requeues the active item with its reason", () => {
    const root = demoWorkspace();
    addTask(root, "Retry me");
    expect(runCli(["run", "once", "-w", root]).status).toBe(0);
    const retry = runCli(["retry-active", "--reason", "try again", "-w", root, "--json"]);
    expect(retry.json()).toMatchObject({ action: "retry_active", applied: true });
    const queued = readdirSync(path.join(root, "millrace-agents", "tasks", "queue"));
    expect(queued.some((name) => name.endsWith(".requeue.jsonl"))).toBe(true);
    expect(readdirSync(path.join(root, "millrace-agents", "tasks", "active"))).toEqual([]);
  });

  it("reload-config without a daemon is a no-op that says so", () => {
    const root = demoWorkspace();
    const run = runCli(["reload-config", "-w", root]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("applied: false");
    expect(run.stdout).toContain("no daemon running");
  });

  it("retry-active rejects an unknown scope with exit 2", () => {
    const root = demoWorkspace();
    const run = runCli(["retry-active", "--scope", "moon", "-w", root]);
    expect(run.status).toBe(2);
  });
});

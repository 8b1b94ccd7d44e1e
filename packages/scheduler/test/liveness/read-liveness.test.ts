import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { acquireLock, initWorkspace, processStartTime, workspacePaths } from "@millrace/workspace";
import { afterEach, describe, expect, it } from "vitest";
import { classifyLiveness } from "../../src/index.js";
import { writeInflight } from "../../src/state/inflight.js";

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

const RUN = "run-00000000000000000000000000000001";
const REQUEST = "request-00000000000000000000000000000001";

/** A workspace whose execution plane has a dispatched builder stage that last wrote `silentFor` seconds ago. */
function activeStage(config: string, silentFor: number) {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-liveness-read-"));
  initWorkspace(root);
  const paths = workspacePaths(root);
  writeFileSync(paths.configFile, config);
  const runDir = path.join(paths.runs, RUN);
  mkdirSync(path.join(runDir, "stage_results"), { recursive: true });
  writeInflight(paths, {
    plane: "execution",
    run_id: RUN,
    node_id: "builder",
    request_id: REQUEST,
    stage_result_path: path.join(runDir, "stage_results", `${REQUEST}.json`),
    started_at: "2026-04-28T10:00:00Z",
    stage: "builder",
    work_item_id: "task-a",
    timeout_seconds: 600,
  });
  const stdout = path.join(runDir, `runner_stdout.${REQUEST}.txt`);
  writeFileSync(stdout, "working\n");
  const then = new Date(Date.now() - silentFor * 1000);
  utimesSync(stdout, then, then);
  return { root, paths, runDir };
}

/** A live agent process recorded for the stage, as the runners record it. */
function recordAgent(
  paths: ReturnType<typeof workspacePaths>,
  runDir: string,
  pid: number,
  startTime: string | null,
) {
  const dir = path.join(paths.runtimeRoot, "state", "stage_processes");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "0123456789abcdef01234567.json"),
    JSON.stringify({
      schema_version: "1.0",
      kind: "stage_process",
      tag: "0123456789abcdef01234567",
      run_dir: runDir,
      daemon_pid: process.pid,
      daemon_start_time: "1",
      child_pid: pid,
      child_pgid: pid,
      child_start_time: startTime,
      cgroup_path: null,
      parent_death_signal: false,
      recorded_at: "2026-04-28T10:00:00Z",
    }),
  );
}

describe("classifyLiveness (from disk, read-only)", () => {
  it("judges a live daemon's stage by its output age and its agent process", () => {
    const { root, paths, runDir } = activeStage(
      "[liveness]\nquiet_after_seconds = 30\nhang_after_seconds = 120\n",
      60,
    );
    const agent = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    children.push(agent);
    recordAgent(
      paths,
      runDir,
      agent.pid as number,
      String(processStartTime(agent.pid as number) ?? "") || null,
    );
    const lock = acquireLock(paths);
    try {
      const report = classifyLiveness(root);
      expect(report.grade).toBe("quiet");
      expect(report.summary).toMatch(
        /^quiet: execution\/builder: no output for 6\d(\.\d)?s \(quiet threshold 30s\)$/,
      );
      expect(report.stages).toEqual([
        expect.objectContaining({
          plane: "execution",
          stage: "builder",
          work_item_id: "task-a",
          process: "running",
          quiet_after_seconds: 30,
          hang_after_seconds: 120,
        }),
      ]);
      // The same silence past the hang threshold, judged a bit later.
      expect(classifyLiveness(root, new Date(Date.now() + 90_000)).grade).toBe("hung");
      // An agent that has exited: the stage is being collected.
      agent.kill("SIGKILL");
      // (Above the kernel's pid limit, 2^22: never a live process.)
      recordAgent(paths, runDir, 2 ** 22 + 12345, null);
      expect(classifyLiveness(root).stages[0]).toMatchObject({ grade: "progressing", process: "exited" });
    } finally {
      lock.release();
    }
  });

  it("the default hang threshold is half the stage's recorded timeout", () => {
    const { root, paths } = activeStage("[liveness]\nquiet_after_seconds = 30\n", 400);
    const lock = acquireLock(paths);
    try {
      expect(classifyLiveness(root).stages[0]).toMatchObject({ grade: "hung", hang_after_seconds: 300 });
    } finally {
      lock.release();
    }
  });

  it("a stage whose owner is gone is orphaned; a broken config falls back to the default thresholds", () => {
    const { root, paths } = activeStage("[liveness]\nbogus = 1\n", 1);
    acquireLock(paths, { pid: 2 ** 22 + 4321, startTime: null });
    const report = classifyLiveness(root);
    expect(report.grade).toBe("orphaned");
    expect(report.summary).toBe(
      `orphaned: execution/builder: the daemon that owned the workspace (pid ${2 ** 22 + 4321}) is gone`,
    );
    expect(report.stages[0]).toMatchObject({ quiet_after_seconds: 120, process: "none" });
  });

  it("a killed daemon's run left between two stages is orphaned too; a cleanly stopped one is idle", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "millrace-liveness-read-"));
    initWorkspace(root);
    const paths = workspacePaths(root);
    const snapshot = JSON.parse(readFileSync(paths.snapshot, "utf8"));
    snapshot.active_runs_by_plane = {
      execution: {
        plane: "execution",
        stage: "checker",
        node_id: "checker",
        stage_kind_id: "checker",
        run_id: RUN,
        request_kind: "active_work_item",
        work_item_kind: "task",
        work_item_id: "task-a",
        active_since: "2026-04-28T10:00:00Z",
      },
    };
    writeFileSync(paths.snapshot, JSON.stringify(snapshot));
    expect(classifyLiveness(root).grade).toBe("idle");
    acquireLock(paths, { pid: 2 ** 22 + 4321, startTime: null });
    const report = classifyLiveness(root);
    expect(report.summary).toBe(
      `orphaned: execution/checker: the daemon that owned the workspace (pid ${2 ** 22 + 4321}) is gone; its run was between stages`,
    );
    expect(report.stages).toEqual([
      expect.objectContaining({ grade: "orphaned", request_id: null, work_item_id: "task-a", run_id: RUN }),
    ]);
  });

  it("idle without a dispatched stage", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "millrace-liveness-read-"));
    initWorkspace(root);
    expect(classifyLiveness(root)).toEqual({ grade: "idle", summary: "no stage is running", stages: [] });
  });
});

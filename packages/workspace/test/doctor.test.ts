import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DoctorReportSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { acquireLock, initWorkspace, runDoctor, workspacePaths } from "../src/index.js";
import { fakeAssets, hashTree, tempDir } from "./helpers.js";

function fresh() {
  const root = tempDir();
  initWorkspace(root, { assetsRoot: fakeAssets() });
  return workspacePaths(root);
}

function codes(report: ReturnType<typeof runDoctor>) {
  return report.checks.filter((c) => c.status !== "ok").map((c) => `${c.status}:${c.code}:${c.path}`);
}

describe("doctor", () => {
  it("a fresh workspace is healthy: ok true, no errors or warnings, and the report matches its schema", () => {
    const paths = fresh();
    const before = hashTree(paths.root);
    const report = runDoctor(paths.root);
    expect(DoctorReportSchema.parse(report)).toEqual(report);
    expect(report.ok).toBe(true);
    expect(report.errors).toBe(0);
    expect(report.warnings).toBe(0);
    expect(report.checks.every((c) => c.status === "ok")).toBe(true);
    expect(hashTree(paths.root)).toBe(before);
  });

  it("an uninitialized folder reports one error", () => {
    const report = runDoctor(tempDir());
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => c.code)).toEqual(["workspace_not_initialized"]);
  });

  it("reports missing folders and files, manifest problems, bad state files and bad config", () => {
    const paths = fresh();
    rmSync(paths.queues.task.blocked, { recursive: true });
    rmSync(paths.outline);
    rmSync(path.join(paths.entrypoints, "execution", "builder.md"));
    writeFileSync(paths.statusFiles.planning, "### NOT_A_MARKER\n");
    writeFileSync(paths.snapshot, '{"kind":"runtime_snapshot"}');
    writeFileSync(paths.recoveryCounters, "nope");
    writeFileSync(paths.configFile, "[runtime]\nbogus = 1\n");
    writeFileSync(path.join(paths.state, ".runtime_snapshot.json.tmp-0123456789abcdef"), "x");
    const report = runDoctor(paths);
    expect(report.ok).toBe(false);
    expect(codes(report)).toEqual([
      "error:missing_directory:millrace-agents/tasks/blocked",
      "error:missing_file:millrace-agents/outline.md",
      "error:baseline_manifest_managed_file_missing:millrace-agents/entrypoints/execution/builder.md",
      "error:status_file_invalid:millrace-agents/state/planning_status.md",
      "error:snapshot_invalid:millrace-agents/state/runtime_snapshot.json",
      "error:recovery_counters_invalid:millrace-agents/state/recovery_counters.json",
      "error:runtime_config_invalid:millrace-agents/millrace.toml",
      "warning:temp_litter_present:millrace-agents/state/.runtime_snapshot.json.tmp-0123456789abcdef",
    ]);
    const config = report.checks.find((c) => c.code === "runtime_config_invalid");
    expect(config?.message).toMatch(/^unknown key `runtime\.bogus` at line 2; remove it/);
    expect(config?.hint).toContain("config validate");
  });

  it("manifest missing / invalid", () => {
    const paths = fresh();
    writeFileSync(paths.baselineManifest, "{}");
    expect(codes(runDoctor(paths))).toEqual([
      "error:baseline_manifest_invalid:millrace-agents/state/baseline_manifest.json",
    ]);
    rmSync(paths.baselineManifest);
    expect(codes(runDoctor(paths))).toEqual([
      "error:baseline_manifest_missing:millrace-agents/state/baseline_manifest.json",
    ]);
  });

  it("lock: active is a warning (still ok), stale and invalid are errors", () => {
    const paths = fresh();
    const held = acquireLock(paths);
    let report = runDoctor(paths);
    expect(report.ok).toBe(true);
    expect(codes(report)).toEqual([
      "warning:runtime_ownership_lock_active:millrace-agents/state/runtime_daemon.lock.json",
    ]);
    held.release();
    const dead = Number(
      spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString(),
    );
    acquireLock(paths, { pid: dead });
    report = runDoctor(paths);
    expect(report.ok).toBe(false);
    expect(codes(report)).toEqual([
      "error:runtime_ownership_lock_stale:millrace-agents/state/runtime_daemon.lock.json",
    ]);
    writeFileSync(paths.lockFile, "{");
    expect(codes(runDoctor(paths))).toEqual([
      "error:runtime_ownership_lock_invalid:millrace-agents/state/runtime_daemon.lock.json",
    ]);
  });
});

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { bootstrapSnapshot } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { initWorkspace, workspacePaths } from "../src/index.js";
import {
  readRecoveryCounters,
  readRuntimeSnapshot,
  readStatusMarker,
  writeRecoveryCounters,
  writeRuntimeSnapshot,
  writeStatusMarker,
} from "../src/state-files.js";
import { fakeAssets, tempDir } from "./helpers.js";

function fresh() {
  const root = tempDir();
  initWorkspace(root, { assetsRoot: fakeAssets(), now: new Date("2026-04-28T10:00:00Z") });
  return workspacePaths(root);
}

describe("state files", () => {
  it("snapshot round-trips and is normalised on write", () => {
    const paths = fresh();
    const snapshot = readRuntimeSnapshot(paths);
    expect(snapshot).toEqual(bootstrapSnapshot(new Date("2026-04-28T10:00:00Z")));
    const written = writeRuntimeSnapshot(paths, { ...snapshot, paused: true, pause_sources: [] });
    expect(written.pause_sources).toEqual(["operator"]);
    expect(readRuntimeSnapshot(paths).pause_sources).toEqual(["operator"]);
    expect(readFileSync(paths.snapshot, "utf8").endsWith("}\n")).toBe(true);
  });

  it("a broken snapshot is a one-line error naming the file; an invalid one to write is refused", () => {
    const paths = fresh();
    const before = readFileSync(paths.snapshot, "utf8");
    expect(() =>
      writeRuntimeSnapshot(paths, { ...readRuntimeSnapshot(paths), fix_cycle_count: -1 }),
    ).toThrow();
    expect(readFileSync(paths.snapshot, "utf8")).toBe(before);
    writeFileSync(paths.snapshot, "{");
    expect(() => readRuntimeSnapshot(paths)).toThrow(
      expect.objectContaining({
        code: "workspace_io_failed",
        message: expect.stringContaining("runtime_snapshot.json is not valid JSON"),
      }),
    );
    rmSync(paths.snapshot);
    expect(() => readRuntimeSnapshot(paths)).toThrow(
      expect.objectContaining({ code: "workspace_io_failed" }),
    );
  });

  it("recovery counters round-trip", () => {
    const paths = fresh();
    const counters = readRecoveryCounters(paths);
    const entry = {
      failure_class: "stage_failed",
      work_item_id: "t-1",
      work_item_kind: "task" as const,
      troubleshoot_attempt_count: 1,
      mechanic_attempt_count: 0,
      fix_cycle_count: 2,
      consultant_invocations: 0,
      last_updated_at: "2026-04-28T10:00:00Z",
    };
    writeRecoveryCounters(paths, { ...counters, entries: [entry] });
    expect(readRecoveryCounters(paths).entries).toEqual([entry]);
    writeFileSync(paths.recoveryCounters, '{"schema_version":"1.0","kind":"nope","entries":[]}');
    expect(() => readRecoveryCounters(paths)).toThrow(/recovery_counters\.json is invalid: kind/);
  });

  it("status markers: read, write, validate", () => {
    const paths = fresh();
    expect(readStatusMarker(paths, "execution")).toBe("### IDLE");
    writeStatusMarker(paths, "execution", "### BUILDER_RUNNING");
    expect(readFileSync(paths.statusFiles.execution, "utf8")).toBe("### BUILDER_RUNNING\n");
    expect(() => writeStatusMarker(paths, "execution", "BUILDER_RUNNING")).toThrow();
    rmSync(paths.statusFiles.planning);
    expect(readStatusMarker(paths, "planning")).toBe("### IDLE");
  });
});

import { describe, expect, it } from "vitest";
import {
  ActiveRunStateSchema,
  BaselineManifestSchema,
  bootstrapSnapshot,
  emptyRecoveryCounters,
  normalizeRuntimeSnapshot,
  RecoveryCountersSchema,
  RuntimeLockSchema,
  RuntimeSnapshotSchema,
} from "../src/index.js";

const now = new Date("2026-04-28T10:00:00Z");
const run = (plane: string, stage: string, extra: Record<string, unknown> = {}) => ({
  plane,
  stage,
  node_id: stage,
  stage_kind_id: stage,
  run_id: `run-${plane}`,
  request_kind: "active_work_item",
  work_item_kind: plane === "planning" ? "spec" : "task",
  work_item_id: `${plane}-item`,
  active_since: "2026-04-28T10:00:00Z",
  ...extra,
});

describe("runtime snapshot", () => {
  it("the bootstrap snapshot is idle, unpaused and self-consistent", () => {
    const snapshot = bootstrapSnapshot(now);
    expect(snapshot).toMatchObject({
      kind: "runtime_snapshot",
      paused: false,
      pause_sources: [],
      execution_status_marker: "### IDLE",
      status_markers_by_plane: { execution: "### IDLE", planning: "### IDLE", learning: "### IDLE" },
      queue_depths_by_plane: { execution: 0, planning: 0, learning: 0 },
      loop_ids_by_plane: { execution: "execution.standard", planning: "planning.standard" },
      active_plane: null,
      updated_at: "2026-04-28T10:00:00Z",
    });
    expect(normalizeRuntimeSnapshot(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
  });

  it("paused without sources means operator; any source means paused; operator sorts first", () => {
    const base = bootstrapSnapshot(now);
    expect(normalizeRuntimeSnapshot({ ...base, paused: true, pause_sources: [] }).pause_sources).toEqual([
      "operator",
    ]);
    const byGovernance = normalizeRuntimeSnapshot({
      ...base,
      paused: false,
      pause_sources: ["usage_governance"],
    });
    expect(byGovernance.paused).toBe(true);
    expect(
      normalizeRuntimeSnapshot({
        ...base,
        paused: true,
        pause_sources: ["usage_governance", "operator", "operator"],
      }).pause_sources,
    ).toEqual(["operator", "usage_governance"]);
    expect(() => normalizeRuntimeSnapshot({ ...base, pause_sources: ["cosmic_rays"] })).toThrow();
  });

  it("folds legacy scalar fields and a legacy foreground into the per-plane maps", () => {
    const legacy: Record<string, unknown> = { ...bootstrapSnapshot(now) };
    for (const key of [
      "status_markers_by_plane",
      "queue_depths_by_plane",
      "active_runs_by_plane",
      "loop_ids_by_plane",
    ])
      delete legacy[key];
    Object.assign(legacy, {
      execution_status_marker: "### BUILDER_RUNNING",
      queue_depth_execution: 4,
      active_plane: "execution",
      active_stage: "builder",
      active_run_id: "run-legacy",
      active_work_item_kind: "task",
      active_work_item_id: "t-1",
      active_since: "2026-04-28T09:00:00Z",
    });
    const snapshot = RuntimeSnapshotSchema.parse(legacy);
    expect(snapshot.status_markers_by_plane.execution).toBe("### BUILDER_RUNNING");
    expect(snapshot.queue_depths_by_plane.execution).toBe(4);
    expect(snapshot.active_runs_by_plane.execution).toMatchObject({
      plane: "execution",
      stage: "builder",
      node_id: "builder",
      run_id: "run-legacy",
      request_kind: "active_work_item",
      work_item_id: "t-1",
    });
  });

  it("projects legacy active_* fields from the foreground plane: planning > execution > learning", () => {
    const base = bootstrapSnapshot(now);
    const both = normalizeRuntimeSnapshot({
      ...base,
      active_runs_by_plane: {
        learning: run("learning", "analyst", {
          request_kind: "learning_request",
          work_item_kind: "learning_request",
        }),
        execution: run("execution", "builder"),
      },
    });
    expect(both).toMatchObject({
      active_plane: "execution",
      active_stage: "builder",
      active_work_item_id: "execution-item",
    });
    const three = normalizeRuntimeSnapshot({
      ...both,
      active_runs_by_plane: { ...both.active_runs_by_plane, planning: run("planning", "planner") },
    });
    expect(three).toMatchObject({ active_plane: "planning", active_stage: "planner" });
    // Legacy fields would be folded back in (setdefault), so ending runs clears both.
    const idle = normalizeRuntimeSnapshot({
      ...three,
      active_runs_by_plane: {},
      active_plane: null,
      active_stage: null,
      active_run_id: null,
      active_since: null,
      active_work_item_kind: null,
      active_work_item_id: null,
    });
    expect(idle).toMatchObject({
      active_plane: null,
      active_stage: null,
      active_since: null,
      active_run_id: null,
    });
  });

  it("per-plane maps win over stale scalars", () => {
    const base = bootstrapSnapshot(now);
    const snapshot = normalizeRuntimeSnapshot({
      ...base,
      planning_status_marker: "### IDLE",
      status_markers_by_plane: { ...base.status_markers_by_plane, planning: "### PLANNER_RUNNING" },
    });
    expect(snapshot.planning_status_marker).toBe("### PLANNER_RUNNING");
  });

  it("rejects negative counts, unpaired work items, unknown keys", () => {
    const base = bootstrapSnapshot(now);
    expect(() => normalizeRuntimeSnapshot({ ...base, fix_cycle_count: -1 })).toThrow();
    expect(() => normalizeRuntimeSnapshot({ ...base, surprise: 1 })).toThrow();
    expect(() =>
      normalizeRuntimeSnapshot({ ...base, active_runs_by_plane: { execution: run("planning", "planner") } }),
    ).toThrow(/says plane planning/);
  });
});

describe("active run state invariants", () => {
  it("accepts the three request kinds in their legal form", () => {
    expect(ActiveRunStateSchema.safeParse(run("execution", "builder")).success).toBe(true);
    expect(
      ActiveRunStateSchema.safeParse(
        run("learning", "analyst", { request_kind: "learning_request", work_item_kind: "learning_request" }),
      ).success,
    ).toBe(true);
    expect(
      ActiveRunStateSchema.safeParse(
        run("planning", "arbiter", {
          request_kind: "closure_target",
          work_item_kind: null,
          work_item_id: null,
          closure_target_root_spec_id: "spec-1",
        }),
      ).success,
    ).toBe(true);
  });

  it("rejects a stage of another plane, missing items, misplaced learning requests and closure targets", () => {
    expect(ActiveRunStateSchema.safeParse(run("execution", "planner")).success).toBe(false);
    expect(ActiveRunStateSchema.safeParse(run("execution", "builder", { work_item_id: null })).success).toBe(
      false,
    );
    expect(
      ActiveRunStateSchema.safeParse(run("execution", "builder", { work_item_kind: "learning_request" }))
        .success,
    ).toBe(false);
    expect(
      ActiveRunStateSchema.safeParse(
        run("execution", "builder", { request_kind: "closure_target", closure_target_root_spec_id: "s" }),
      ).success,
    ).toBe(false);
  });
});

describe("other workspace shapes", () => {
  it("lock, manifest and counters", () => {
    expect(
      RuntimeLockSchema.safeParse({
        workspace_root: "/w",
        owner_pid: 12,
        owner_hostname: "h",
        owner_session_id: "0".repeat(32),
        acquired_at: "2026-04-28T10:00:00+00:00",
      }).success,
    ).toBe(true);
    expect(RuntimeLockSchema.safeParse({ workspace_root: "/w", owner_pid: 0 }).success).toBe(false);
    expect(
      BaselineManifestSchema.safeParse({
        schema_version: "1.0",
        manifest_id: "a".repeat(64),
        seed_package_version: "0.1.0",
        entries: [{ relative_path: "../escape", asset_family: "x", original_sha256: "b".repeat(64) }],
      }).success,
    ).toBe(false);
    expect(RecoveryCountersSchema.parse(emptyRecoveryCounters())).toEqual({
      schema_version: "1.0",
      kind: "recovery_counters",
      entries: [],
    });
    const entry = {
      failure_class: "stage_failed",
      work_item_id: "t-1",
      work_item_kind: "task",
      last_updated_at: "2026-04-28T10:00:00Z",
    };
    expect(
      RecoveryCountersSchema.parse({ ...emptyRecoveryCounters(), entries: [entry] }).entries[0]
        ?.fix_cycle_count,
    ).toBe(0);
    expect(
      RecoveryCountersSchema.safeParse({ ...emptyRecoveryCounters(), entries: [entry, entry] }).success,
    ).toBe(false);
  });
});

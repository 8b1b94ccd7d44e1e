import { z } from "zod";
import {
  COUNTER_NAMES,
  PauseSourceSchema,
  type Plane,
  PlaneSchema,
  ReloadOutcomeSchema,
  RequestKindSchema,
  RuntimeModeSchema,
  WatcherModeSchema,
  WorkItemKindSchema,
} from "./enums.js";
import { CANONICAL_ID_PATTERN, SAFE_ID_PATTERN, StatusMarkerSchema } from "./ids.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { IDLE_MARKER, planeOfStage } from "./legality.js";
import { formatTimestamp, TimestampSchema } from "./time.js";

/**
 * Persisted workspace state: the ownership lock, the baseline manifest, runtime event lines, the
 * runtime snapshot, recovery counters, and the upgrade and doctor reports. Key names and shapes
 * follow the reference workspace so a workspace moves between runtimes (DESIGN decision 1).
 */

// --- ownership lock (`state/runtime_daemon.lock.json`)

export const RuntimeLockSchema = lazySchema(() =>
  z.strictObject({
    workspace_root: z.string().min(1),
    owner_pid: z.int().positive(),
    owner_hostname: z.string(),
    owner_session_id: z.string().regex(/^[0-9a-f]{32}$/, "must be 32 lower-case hex digits"),
    acquired_at: TimestampSchema,
    /**
     * Our addition: the owner's start time (clock ticks since boot, from /proc/<pid>/stat), so a
     * live process that merely reuses the pid is not taken for the owner. Absent in locks written
     * by the Python original or on systems without /proc.
     */
    owner_start_time: z.int().nonnegative().optional(),
  }),
);
export type RuntimeLock = z.infer<typeof RuntimeLockSchema>;

export const LockStateSchema = lazySchema(() => z.enum(["absent", "invalid", "active", "stale"]));
export type LockState = z.infer<typeof LockStateSchema>;

// --- baseline manifest (`state/baseline_manifest.json`)

const Sha256Schema = lazySchema(() => z.string().regex(/^[0-9a-f]{64}$/, "must be a sha256 hex digest"));

export const BaselineManifestEntrySchema = lazySchema(() =>
  z.strictObject({
    relative_path: z
      .string()
      .min(1)
      .refine(
        (value) => !value.startsWith("/") && !value.split("/").some((part) => part === ".." || part === ""),
        "must be a relative posix path inside the runtime root",
      ),
    asset_family: z.string().min(1),
    original_sha256: Sha256Schema,
  }),
);
export type BaselineManifestEntry = z.infer<typeof BaselineManifestEntrySchema>;

export const BaselineManifestSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    manifest_id: Sha256Schema,
    seed_package_version: z.string().min(1),
    entries: z.array(BaselineManifestEntrySchema),
  }),
);
export type BaselineManifest = z.infer<typeof BaselineManifestSchema>;

// --- runtime event line (`logs/runtime_events.jsonl`)

export const RuntimeEventSchema = lazySchema(() =>
  z.strictObject({
    data: z.record(z.string(), z.unknown()),
    event_type: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be a snake_case event name"),
    kind: z.literal("runtime_event"),
    occurred_at: TimestampSchema,
    schema_version: z.literal("1.0"),
  }),
);
export type RuntimeEvent = z.infer<typeof RuntimeEventSchema>;

// --- recovery counters (`state/recovery_counters.json`)

export const RecoveryCounterEntrySchema = lazySchema(() =>
  z.strictObject({
    failure_class: z.string().min(1),
    work_item_id: z.string().regex(SAFE_ID_PATTERN),
    work_item_kind: WorkItemKindSchema,
    troubleshoot_attempt_count: z.int().nonnegative().default(0),
    mechanic_attempt_count: z.int().nonnegative().default(0),
    fix_cycle_count: z.int().nonnegative().default(0),
    consultant_invocations: z.int().nonnegative().default(0),
    last_updated_at: TimestampSchema,
  }),
);
export type RecoveryCounterEntry = z.infer<typeof RecoveryCounterEntrySchema>;

export const RecoveryCountersSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0"),
    kind: z.literal("recovery_counters"),
    entries: z.array(RecoveryCounterEntrySchema).superRefine((entries, ctx) => {
      const seen = new Set<string>();
      for (const entry of entries) {
        const key = `${entry.failure_class}\0${entry.work_item_kind}\0${entry.work_item_id}`;
        if (seen.has(key)) {
          ctx.addIssue({
            code: "custom",
            message: `duplicate entry for ${entry.work_item_kind} ${entry.work_item_id} (${entry.failure_class})`,
          });
        }
        seen.add(key);
      }
    }),
  }),
);
export type RecoveryCounters = z.infer<typeof RecoveryCountersSchema>;

export function emptyRecoveryCounters(): RecoveryCounters {
  return { schema_version: "1.0", kind: "recovery_counters", entries: [] };
}

// --- active run state and runtime snapshot (`state/runtime_snapshot.json`)

const StageIdSchema = lazySchema(() => z.string().regex(CANONICAL_ID_PATTERN));

export const ActiveRunStateSchema = lazySchema(() =>
  z
    .strictObject({
      plane: PlaneSchema,
      stage: StageIdSchema,
      node_id: StageIdSchema,
      stage_kind_id: StageIdSchema,
      run_id: z.string().regex(SAFE_ID_PATTERN),
      request_kind: RequestKindSchema,
      work_item_kind: WorkItemKindSchema.nullish(),
      work_item_id: z.string().regex(SAFE_ID_PATTERN).nullish(),
      closure_target_root_spec_id: z.string().regex(SAFE_ID_PATTERN).nullish(),
      closure_target_root_idea_id: z.string().regex(SAFE_ID_PATTERN).nullish(),
      active_since: TimestampSchema,
      running_status_marker: StatusMarkerSchema.nullish(),
    })
    .superRefine((run, ctx) => {
      const stagePlane = planeOfStage(run.stage);
      if (stagePlane !== undefined && stagePlane !== run.plane) {
        ctx.addIssue({
          code: "custom",
          path: ["stage"],
          message: `stage ${run.stage} is not a ${run.plane} stage`,
        });
      }
      const hasKind = run.work_item_kind != null;
      const hasId = run.work_item_id != null;
      if (hasKind !== hasId) {
        ctx.addIssue({ code: "custom", message: "work_item_kind and work_item_id must be set together" });
      }
      if (run.request_kind === "active_work_item") {
        if (!hasKind || !hasId) {
          ctx.addIssue({
            code: "custom",
            message: "an active_work_item run needs work_item_kind and work_item_id",
          });
        } else if (run.work_item_kind === "learning_request") {
          ctx.addIssue({
            code: "custom",
            message: "learning requests run with request_kind learning_request",
          });
        }
      }
      if (run.request_kind === "learning_request") {
        if (run.plane !== "learning" || run.work_item_kind !== "learning_request" || !hasId) {
          ctx.addIssue({
            code: "custom",
            message: "a learning_request run needs plane learning and a learning_request work item",
          });
        }
      }
      if (run.request_kind === "closure_target") {
        if (run.plane !== "planning" || hasKind || hasId || run.closure_target_root_spec_id == null) {
          ctx.addIssue({
            code: "custom",
            message:
              "a closure_target run needs plane planning, no work item and a closure_target_root_spec_id",
          });
        }
      }
    }),
);
export type ActiveRunState = z.infer<typeof ActiveRunStateSchema>;

const Count = lazySchema(() => z.int().nonnegative());
const PlaneMap = <T extends z.ZodType>(value: T) => z.partialRecord(PlaneSchema, value);

/** The snapshot as stored (after normalisation); RuntimeSnapshotSchema parses into this. */
export const RuntimeSnapshotShapeSchema = lazySchema(() =>
  z
    .strictObject({
      schema_version: z.literal("1.0").default("1.0"),
      kind: z.literal("runtime_snapshot").default("runtime_snapshot"),
      runtime_mode: RuntimeModeSchema,
      process_running: z.boolean(),
      paused: z.boolean(),
      pause_sources: z.array(PauseSourceSchema).default([]),
      stop_requested: z.boolean().default(false),
      active_mode_id: z.string().min(1),
      execution_loop_id: z.string().min(1),
      planning_loop_id: z.string().min(1),
      learning_loop_id: z.string().min(1).nullish(),
      loop_ids_by_plane: PlaneMap(z.string().min(1)).default({}),
      compiled_plan_id: z.string().min(1),
      compiled_plan_path: z.string().min(1),
      active_plane: PlaneSchema.nullish(),
      active_stage: StageIdSchema.nullish(),
      active_node_id: StageIdSchema.nullish(),
      active_stage_kind_id: StageIdSchema.nullish(),
      active_run_id: z.string().regex(SAFE_ID_PATTERN).nullish(),
      active_work_item_kind: WorkItemKindSchema.nullish(),
      active_work_item_id: z.string().regex(SAFE_ID_PATTERN).nullish(),
      active_runs_by_plane: PlaneMap(ActiveRunStateSchema).default({}),
      execution_status_marker: StatusMarkerSchema.default(IDLE_MARKER),
      planning_status_marker: StatusMarkerSchema.default(IDLE_MARKER),
      learning_status_marker: StatusMarkerSchema.default(IDLE_MARKER),
      status_markers_by_plane: PlaneMap(StatusMarkerSchema).default({}),
      queue_depth_execution: Count.default(0),
      queue_depth_planning: Count.default(0),
      queue_depth_learning: Count.default(0),
      queue_depths_by_plane: PlaneMap(Count).default({}),
      last_terminal_result: z.string().nullish(),
      last_stage_result_path: z.string().nullish(),
      current_failure_class: z.string().nullish(),
      troubleshoot_attempt_count: Count.default(0),
      mechanic_attempt_count: Count.default(0),
      fix_cycle_count: Count.default(0),
      consultant_invocations: Count.default(0),
      config_version: z.string().min(1),
      watcher_mode: WatcherModeSchema.default("off"),
      last_reload_outcome: ReloadOutcomeSchema.nullish(),
      last_reload_error: z.string().nullish(),
      started_at: TimestampSchema.nullish(),
      active_since: TimestampSchema.nullish(),
      updated_at: TimestampSchema,
    })
    .superRefine((snapshot, ctx) => {
      if ((snapshot.active_work_item_kind == null) !== (snapshot.active_work_item_id == null)) {
        ctx.addIssue({
          code: "custom",
          message: "active_work_item_kind and active_work_item_id must be set together",
        });
      }
      if (snapshot.active_since != null && snapshot.active_stage == null) {
        ctx.addIssue({
          code: "custom",
          path: ["active_since"],
          message: "active_since requires active_stage",
        });
      }
      for (const [plane, run] of Object.entries(snapshot.active_runs_by_plane)) {
        if (run && run.plane !== plane) {
          ctx.addIssue({
            code: "custom",
            path: ["active_runs_by_plane", plane],
            message: `the run under ${plane} says plane ${run.plane}`,
          });
        }
      }
    }),
);

/** Foreground priority when several planes are active: the legacy `active_*` fields describe this one. */
export const FOREGROUND_PLANE_PRIORITY: readonly Plane[] = ["planning", "execution", "learning"];

const PLANE_SCALARS = {
  status: {
    execution: "execution_status_marker",
    planning: "planning_status_marker",
    learning: "learning_status_marker",
  },
  depth: {
    execution: "queue_depth_execution",
    planning: "queue_depth_planning",
    learning: "queue_depth_learning",
  },
  loop: { execution: "execution_loop_id", planning: "planning_loop_id", learning: "learning_loop_id" },
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The load-side half of snapshot normalisation, applied to raw JSON before validation: pause
 * sources agree with `paused`, and legacy scalar fields are folded into the per-plane maps (a value
 * already in a map wins, like `setdefault`).
 */
export function foldLegacySnapshotFields(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  const out: Record<string, unknown> = { ...raw };
  const sources = Array.isArray(out.pause_sources) ? [...new Set(out.pause_sources as unknown[])] : [];
  if (out.paused === true && sources.length === 0) sources.push("operator");
  if (sources.length > 0) out.paused = true;
  out.pause_sources = PauseSourceSchema.options
    .filter((source) => sources.includes(source))
    .concat(sources.filter((source) => !PauseSourceSchema.options.includes(source as never)) as never[]);

  const fold = (mapKey: string, scalars: Record<Plane, string>) => {
    const map: Record<string, unknown> = isRecord(out[mapKey]) ? { ...(out[mapKey] as object) } : {};
    for (const plane of PlaneSchema.options) {
      const value = out[scalars[plane]];
      if (value !== undefined && value !== null && map[plane] === undefined) map[plane] = value;
    }
    out[mapKey] = map;
  };
  fold("status_markers_by_plane", PLANE_SCALARS.status);
  fold("queue_depths_by_plane", PLANE_SCALARS.depth);
  fold("loop_ids_by_plane", PLANE_SCALARS.loop);

  const runs: Record<string, unknown> = isRecord(out.active_runs_by_plane)
    ? { ...out.active_runs_by_plane }
    : {};
  const plane = out.active_plane;
  if (
    typeof plane === "string" &&
    runs[plane] === undefined &&
    out.active_stage != null &&
    out.active_run_id != null &&
    out.active_since != null
  ) {
    const hasItem = out.active_work_item_kind != null && out.active_work_item_id != null;
    runs[plane] = {
      plane,
      stage: out.active_stage,
      node_id: out.active_node_id ?? out.active_stage,
      stage_kind_id: out.active_stage_kind_id ?? out.active_stage,
      run_id: out.active_run_id,
      request_kind:
        out.active_work_item_kind === "learning_request"
          ? "learning_request"
          : hasItem
            ? "active_work_item"
            : "closure_target",
      work_item_kind: out.active_work_item_kind ?? null,
      work_item_id: out.active_work_item_id ?? null,
      active_since: out.active_since,
    };
  }
  out.active_runs_by_plane = runs;
  return out;
}

type SnapshotShape = z.output<typeof RuntimeSnapshotShapeSchema>;

/**
 * The save-side half: scalar fields are projected back from the per-plane maps, and the legacy
 * `active_*` fields describe the foreground run (planning > execution > learning), or are cleared.
 */
export function projectSnapshotFields(snapshot: SnapshotShape): SnapshotShape {
  const out = { ...snapshot };
  for (const plane of PlaneSchema.options) {
    const marker = out.status_markers_by_plane[plane];
    if (marker !== undefined) out[PLANE_SCALARS.status[plane]] = marker;
    else
      out.status_markers_by_plane = {
        ...out.status_markers_by_plane,
        [plane]: out[PLANE_SCALARS.status[plane]],
      };
    const depth = out.queue_depths_by_plane[plane];
    if (depth !== undefined) out[PLANE_SCALARS.depth[plane]] = depth;
    else
      out.queue_depths_by_plane = { ...out.queue_depths_by_plane, [plane]: out[PLANE_SCALARS.depth[plane]] };
  }
  for (const plane of ["execution", "planning"] as const) {
    const loop = out.loop_ids_by_plane[plane];
    if (loop !== undefined) out[PLANE_SCALARS.loop[plane]] = loop;
  }
  if (out.loop_ids_by_plane.learning !== undefined) out.learning_loop_id = out.loop_ids_by_plane.learning;
  out.loop_ids_by_plane = {
    ...out.loop_ids_by_plane,
    execution: out.execution_loop_id,
    planning: out.planning_loop_id,
    ...(out.learning_loop_id ? { learning: out.learning_loop_id } : {}),
  };

  const foregroundPlane = FOREGROUND_PLANE_PRIORITY.find(
    (plane) => out.active_runs_by_plane[plane] !== undefined,
  );
  const run = foregroundPlane ? out.active_runs_by_plane[foregroundPlane] : undefined;
  out.active_plane = run?.plane ?? null;
  out.active_stage = run?.stage ?? null;
  out.active_node_id = run?.node_id ?? null;
  out.active_stage_kind_id = run?.stage_kind_id ?? null;
  out.active_run_id = run?.run_id ?? null;
  out.active_work_item_kind = run?.work_item_kind ?? null;
  out.active_work_item_id = run?.work_item_id ?? null;
  out.active_since = run?.active_since ?? null;
  return out;
}

/**
 * `state/runtime_snapshot.json`. Parsing normalises (see foldLegacySnapshotFields and
 * projectSnapshotFields), so a parsed snapshot is always self-consistent; write the parsed value.
 */
export const RuntimeSnapshotSchema = lazySchema(() =>
  z.preprocess(foldLegacySnapshotFields, RuntimeSnapshotShapeSchema).transform(projectSnapshotFields),
);
export type RuntimeSnapshot = z.output<typeof RuntimeSnapshotSchema>;
export type RuntimeSnapshotInput = z.input<typeof RuntimeSnapshotShapeSchema>;

/** Pure snapshot normalisation: the same as parsing, for values built in memory. */
export function normalizeRuntimeSnapshot(value: unknown): RuntimeSnapshot {
  return RuntimeSnapshotSchema.parse(value);
}

/** The snapshot `init` writes before anything has run. */
export function bootstrapSnapshot(now: Date): RuntimeSnapshot {
  return normalizeRuntimeSnapshot({
    schema_version: "1.0",
    kind: "runtime_snapshot",
    runtime_mode: "daemon",
    process_running: false,
    paused: false,
    pause_sources: [],
    stop_requested: false,
    active_mode_id: "default_codex",
    execution_loop_id: "execution.standard",
    planning_loop_id: "planning.standard",
    learning_loop_id: null,
    compiled_plan_id: "bootstrap",
    compiled_plan_path: "millrace-agents/state/compiled_plan.json",
    config_version: "bootstrap",
    watcher_mode: "off",
    updated_at: formatTimestamp(now),
  });
}

/** The four aggregate counters the snapshot carries for the current active item. */
export const SNAPSHOT_COUNTER_NAMES = COUNTER_NAMES;

// --- upgrade report

export const UPGRADE_DISPOSITIONS = [
  "unchanged",
  "safe_package_update",
  "local_only_modification",
  "already_converged",
  "localized_removed",
  "conflict",
  "missing",
] as const;
export const UpgradeDispositionSchema = lazySchema(() => z.enum(UPGRADE_DISPOSITIONS));
export type UpgradeDisposition = z.infer<typeof UpgradeDispositionSchema>;

export const UpgradeEntrySchema = lazySchema(() =>
  z.strictObject({
    relative_path: z.string(),
    disposition: UpgradeDispositionSchema,
  }),
);
export type UpgradeEntry = z.infer<typeof UpgradeEntrySchema>;

export const UpgradeReportSchema = lazySchema(() =>
  z.strictObject({
    applied: z.boolean(),
    forced: z.boolean(),
    baseline_manifest_id: z.string().nullable(),
    candidate_manifest_id: z.string(),
    result_manifest_id: z.string().nullable(),
    counts: z.record(UpgradeDispositionSchema, Count),
    entries: z.array(UpgradeEntrySchema),
    /** Files written by an apply, workspace-runtime-relative. */
    written: z.array(z.string()),
  }),
);
export type UpgradeReport = z.infer<typeof UpgradeReportSchema>;

// --- doctor report

export const DoctorCheckStatusSchema = lazySchema(() => z.enum(["ok", "warning", "error"]));
export type DoctorCheckStatus = z.infer<typeof DoctorCheckStatusSchema>;

export const DoctorCheckSchema = lazySchema(() =>
  z.strictObject({
    code: z.string().regex(/^[a-z][a-z0-9_]*$/),
    status: DoctorCheckStatusSchema,
    path: z.string().nullable(),
    message: z.string(),
    hint: z.string().nullable(),
  }),
);
export type DoctorCheck = z.infer<typeof DoctorCheckSchema>;

export const DoctorReportSchema = lazySchema(() =>
  z.strictObject({
    ok: z.boolean(),
    errors: Count,
    warnings: Count,
    checks: z.array(DoctorCheckSchema),
  }),
);
export type DoctorReport = z.infer<typeof DoctorReportSchema>;

// --- init report

export const InitReportSchema = lazySchema(() =>
  z.strictObject({
    workspace: z.string(),
    runtime_root: z.string(),
    initialized: z.literal(true),
    forced: z.boolean(),
    created_directories: Count,
    written_files: z.array(z.string()),
    baseline_manifest_id: z.string(),
  }),
);
export type InitReport = z.infer<typeof InitReportSchema>;

registerPersistedSchema("runtime-lock", RuntimeLockSchema);
registerPersistedSchema("baseline-manifest", BaselineManifestSchema);
registerPersistedSchema("runtime-event", RuntimeEventSchema);
registerPersistedSchema("runtime-snapshot", RuntimeSnapshotShapeSchema);
registerPersistedSchema("recovery-counters", RecoveryCountersSchema);
registerPersistedSchema("upgrade-report", UpgradeReportSchema);
registerPersistedSchema("doctor-report", DoctorReportSchema);
registerPersistedSchema("init-report", InitReportSchema);

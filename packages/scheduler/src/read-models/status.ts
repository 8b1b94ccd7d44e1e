import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { planCurrentness } from "@millrace/compiler";
import {
  ClosureTargetStateSchema,
  formatTimestamp,
  type GovernanceBlocker,
  GovernanceBlockerSchema,
  LivenessConfigSchema,
  type MillraceConfig,
  MillraceError,
  PLANES,
  type Plane,
  READ_MODEL_SCHEMA_VERSION,
  RuntimeErrorContextSchema,
  type RuntimeSnapshot,
  type StatusActiveRun,
  type StatusClosure,
  type StatusLock,
  StatusMarkerSchema,
  type StatusPlanCurrentness,
  type StatusPlane,
  type StatusReport,
  type StatusRunnerPause,
  type StatusRuntimeError,
  type StatusUsageGovernance,
} from "@millrace/contracts";
import { ParkedItems } from "@millrace/governance";
import { countQueueDocuments, type PlaneCounts, type QueueStore } from "@millrace/queue-store";
import {
  inspectLock,
  loadConfig,
  readManifest,
  requireInitialized,
  toWorkspaceRelative,
  type WorkspacePaths,
} from "@millrace/workspace";
import { lanesView } from "../lanes/lanes-view.js";
import { livenessReport } from "../liveness/read-liveness.js";
import { awaitingOperatorView } from "../questions/awaiting-view.js";
import { readRunnerPause } from "../state/runner-pause-file.js";
import { readSnapshotForDisplay } from "./snapshot-read.js";

export interface ReadStatusOptions {
  /** Clock seam (generated_at, bootstrap defaults). */
  readonly clock?: () => Date;
  /**
   * An open queue store of this workspace to count from, so that a caller that reads the queue
   * too (the supervisor report) loads its index once; by default one is opened here.
   */
  readonly queue?: QueueStore;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function lockView(paths: WorkspacePaths): StatusLock {
  const seen = inspectLock(paths);
  if (seen.state === "absent") {
    return {
      state: "absent",
      owner_pid: null,
      owner_hostname: null,
      owner_session_id: null,
      acquired_at: null,
      reason: null,
    };
  }
  if (seen.state === "invalid") {
    return {
      state: "invalid",
      owner_pid: null,
      owner_hostname: null,
      owner_session_id: null,
      acquired_at: null,
      reason: seen.reason,
    };
  }
  return {
    state: seen.state,
    owner_pid: seen.lock.owner_pid,
    owner_hostname: seen.lock.owner_hostname,
    owner_session_id: seen.lock.owner_session_id,
    acquired_at: seen.lock.acquired_at,
    reason: null,
  };
}

function currentnessView(
  paths: WorkspacePaths,
  config: MillraceConfig | undefined,
  configError: string | null,
): StatusPlanCurrentness {
  const unknown = (error: string): StatusPlanCurrentness => ({
    state: "unknown",
    reasons: [],
    compiled_plan_id: null,
    expected: null,
    persisted: null,
    error,
    reload_error: null,
  });
  if (!config) return unknown(`millrace.toml does not load: ${configError}`);
  try {
    const result = planCurrentness(paths.root, config);
    return { ...result, error: null, reload_error: null };
  } catch (error) {
    return unknown(errorText(error));
  }
}

/**
 * A running daemon whose last reload failed keeps working on the plan it had: that is the plan in
 * force, whatever the files on disk would compile to now, so status says so instead of `stale`.
 */
function withReloadOutcome(
  currentness: StatusPlanCurrentness,
  snapshot: RuntimeSnapshot,
  running: boolean,
): StatusPlanCurrentness {
  if (!running || snapshot.last_reload_outcome !== "failed_retained_previous_plan") return currentness;
  return {
    ...currentness,
    state: "last_known_good",
    compiled_plan_id: snapshot.compiled_plan_id,
    reload_error: snapshot.last_reload_error ?? "unknown reason",
  };
}

/** The recorded reason of a `runner_unavailable` pause, while that source holds. */
function runnerPauseView(paths: WorkspacePaths, snapshot: RuntimeSnapshot): StatusRunnerPause | null {
  if (!snapshot.pause_sources.includes("runner_unavailable")) return null;
  const record = readRunnerPause(paths);
  if (!record) return null;
  const { stamp: _stamp, ...view } = record;
  return view;
}

/** The marker line of a plane's status file; the snapshot's copy when the file is missing or not a marker. */
function statusMarker(paths: WorkspacePaths, plane: Plane, snapshot: RuntimeSnapshot): string {
  try {
    const line = readFileSync(paths.statusFiles[plane], "utf8").trim();
    if (StatusMarkerSchema.safeParse(line).success) return line;
  } catch {
    // fall back to the snapshot
  }
  return snapshot.status_markers_by_plane[plane] ?? "### IDLE";
}

function activeRunView(snapshot: RuntimeSnapshot, plane: Plane): StatusActiveRun | null {
  const run = snapshot.active_runs_by_plane[plane];
  if (!run) return null;
  return {
    plane: run.plane,
    stage: run.stage,
    node_id: run.node_id,
    stage_kind_id: run.stage_kind_id,
    request_kind: run.request_kind,
    work_item_kind: run.work_item_kind ?? null,
    work_item_id: run.work_item_id ?? null,
    closure_target_root_spec_id: run.closure_target_root_spec_id ?? null,
    run_id: run.run_id,
    active_since: run.active_since,
    running_status_marker: run.running_status_marker ?? null,
  };
}

function closureView(paths: WorkspacePaths): StatusClosure {
  let names: string[];
  try {
    names = readdirSync(paths.arbiterTargets)
      .filter((name) => name.endsWith(".json") && !name.startsWith("."))
      .sort();
  } catch {
    names = [];
  }
  const open: StatusClosure["open_targets"] = [];
  const invalid: StatusClosure["invalid_files"] = [];
  for (const name of names) {
    const file = path.join(paths.arbiterTargets, name);
    const shown = toWorkspaceRelative(paths, file);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      invalid.push({ path: shown, error: "not valid JSON" });
      continue;
    }
    const parsed = ClosureTargetStateSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      invalid.push({
        path: shown,
        error: `${issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "root"}: ${issue?.message}`,
      });
      continue;
    }
    const target = parsed.data;
    if (!target.closure_open) continue;
    open.push({
      root_spec_id: target.root_spec_id,
      root_idea_id: target.root_idea_id,
      path: shown,
      closure_blocked_by_lineage_work: target.closure_blocked_by_lineage_work,
      blocking_work_ids: [...target.blocking_work_ids],
      opened_at: target.opened_at,
      last_arbiter_run_id: target.last_arbiter_run_id ?? null,
    });
  }
  return {
    state: open.length === 0 ? "none" : open.length === 1 ? "open" : "invalid_multiple_open_targets",
    open_targets: open,
    invalid_files: invalid,
  };
}

function usageGovernanceView(
  paths: WorkspacePaths,
  config: MillraceConfig | undefined,
  snapshot: RuntimeSnapshot,
): StatusUsageGovernance {
  let blockerCount = 0;
  let blockers: GovernanceBlocker[] = [];
  let autoResume: boolean | null = null;
  let nextResume: string | null = null;
  try {
    const state = JSON.parse(readFileSync(paths.usageGovernanceState, "utf8")) as Record<string, unknown>;
    if (Array.isArray(state.active_blockers)) {
      blockerCount = state.active_blockers.length;
      // Only well-formed blockers are listed; the count still includes any others.
      blockers = state.active_blockers.flatMap((raw) => {
        const parsed = GovernanceBlockerSchema.safeParse(raw);
        return parsed.success ? [parsed.data] : [];
      });
    }
    if (typeof state.auto_resume_possible === "boolean") autoResume = state.auto_resume_possible;
    if (typeof state.next_auto_resume_at === "string") nextResume = state.next_auto_resume_at;
  } catch {
    // no governance state yet (or unreadable): nothing to add
  }
  let parked: StatusUsageGovernance["parked"] = [];
  try {
    parked = ParkedItems.open(paths)
      .list()
      .map((item) => ({
        work_item_id: item.work_item_id,
        work_item_kind: item.work_item_kind,
        parked_at: item.parked_at,
        reason: item.reason,
        released_at: item.released_at,
        release_command: `millrace queue release ${item.work_item_id} --add-budget N`,
      }));
  } catch {
    // an unreadable parked-items file is reported by doctor
  }
  return {
    enabled: config ? config.usage_governance.enabled : null,
    paused: snapshot.pause_sources.includes("usage_governance"),
    blocker_count: blockerCount,
    auto_resume_possible: autoResume,
    next_auto_resume_at: nextResume,
    blockers,
    parked,
  };
}

function runtimeErrorView(paths: WorkspacePaths): StatusRuntimeError | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(paths.runtimeErrorContext, "utf8"));
  } catch {
    return null;
  }
  const parsed = RuntimeErrorContextSchema.safeParse(raw);
  if (!parsed.success) return null;
  const context = parsed.data;
  return {
    error_code: context.error_code,
    plane: context.plane,
    failed_stage: context.failed_stage,
    repair_stage: context.repair_stage,
    run_id: context.run_id,
    report_path: context.report_path,
    captured_at: context.captured_at,
  };
}

/**
 * Live queue depths and active-document counts. With an open store (a caller that lists the queue
 * too), from its index; otherwise from the folder listings alone, which give the same numbers
 * without reading the 10,000-entry index a large queue has. Read-only either way.
 */
function queueCounts(
  paths: WorkspacePaths,
  open: QueueStore | undefined,
): { depths: PlaneCounts; active: PlaneCounts } {
  if (!open) return countQueueDocuments(paths);
  return { depths: open.depths(), active: open.activeCounts() };
}

// Over 80 lines: one read per section of the report, each tolerant of a missing or broken file.
/**
 * The status read model: what the runtime is doing, whether a process owns the workspace, whether
 * the plan is current, and per plane the marker, the queue depth and the active run. Read-only: it
 * never takes the ownership lock and writes nothing in the workspace (loading the config may add to
 * the operator's validated-config cache, outside it); a missing or broken state file is reported,
 * not fatal.
 */
export function readStatus(workspaceRoot: string, options: ReadStatusOptions = {}): StatusReport {
  const now = (options.clock ?? (() => new Date()))();
  const paths = requireInitialized(workspaceRoot);
  const read = readSnapshotForDisplay(paths, now);
  const snapshot = read.snapshot;
  const lock = lockView(paths);

  let config: MillraceConfig | undefined;
  let configError: string | null = null;
  try {
    config = loadConfig(paths);
  } catch (error) {
    configError = MillraceError.isInstance(error) ? error.message : errorText(error);
  }

  let counts: { depths: PlaneCounts; active: PlaneCounts };
  try {
    counts = queueCounts(paths, options.queue);
  } catch (error) {
    throw new MillraceError("workspace_io_failed", `cannot count the queue folders: ${errorText(error)}`, {
      cause: error,
    });
  }

  const planes = Object.fromEntries(
    PLANES.map((plane): [Plane, StatusPlane] => [
      plane,
      {
        plane,
        status_marker: statusMarker(paths, plane, snapshot),
        queue_depth: counts.depths[plane],
        active_documents: counts.active[plane],
        active_run: activeRunView(snapshot, plane),
      },
    ]),
  ) as StatusReport["planes"];

  const manifest = readManifest(paths);
  const running = snapshot.process_running && lock.state === "active";
  // Liveness compares file times, so it is judged by the real clock, not the injected one.
  const liveness = livenessReport(paths, config?.liveness ?? LivenessConfigSchema.parse({}), new Date());
  const lanes = lanesView(paths, config, running, now, liveness.stages);
  const laneRuns = lanes?.active.filter((lane) => lane.run_id !== null).length ?? 0;
  return {
    schema_version: READ_MODEL_SCHEMA_VERSION,
    kind: "status_report",
    workspace: paths.root,
    generated_at: formatTimestamp(now),
    snapshot_state: read.state,
    snapshot_error: read.error,
    runtime_mode: snapshot.runtime_mode,
    process_running: running,
    snapshot_process_running: snapshot.process_running,
    runtime_ownership_lock: lock,
    paused: snapshot.paused,
    pause_sources: [...snapshot.pause_sources],
    stop_requested: snapshot.stop_requested,
    active_mode_id: snapshot.active_mode_id,
    compiled_plan_id: snapshot.compiled_plan_id,
    compiled_plan_currentness: withReloadOutcome(
      currentnessView(paths, config, configError),
      snapshot,
      running,
    ),
    config_version: snapshot.config_version,
    // Lanes' runs are active runs too (their runs are not in the execution slot).
    active_run_count: PLANES.filter((plane) => planes[plane].active_run !== null).length + laneRuns,
    planes,
    current_failure_class: snapshot.current_failure_class ?? null,
    counters: {
      troubleshoot_attempt_count: snapshot.troubleshoot_attempt_count,
      mechanic_attempt_count: snapshot.mechanic_attempt_count,
      fix_cycle_count: snapshot.fix_cycle_count,
      consultant_invocations: snapshot.consultant_invocations,
    },
    last_terminal_result: snapshot.last_terminal_result ?? null,
    last_stage_result_path: snapshot.last_stage_result_path ?? null,
    baseline_manifest_id: manifest.state === "ok" ? manifest.manifest.manifest_id : null,
    baseline_seed_package_version: manifest.state === "ok" ? manifest.manifest.seed_package_version : null,
    closure: closureView(paths),
    usage_governance: usageGovernanceView(paths, config, snapshot),
    runtime_error: runtimeErrorView(paths),
    liveness,
    runner_pause: runnerPauseView(paths, snapshot),
    awaiting_operator: awaitingOperatorView(paths),
    lanes,
    updated_at: read.state === "ok" ? snapshot.updated_at : null,
  };
}

import path from "node:path";
import {
  formatTimestamp,
  type MailboxCommand,
  MillraceError,
  type Plane,
  type RuntimeEvent,
  type StatusReport,
  type SupervisorHealth,
  type SupervisorReport,
  type SupervisorSentinel,
} from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import { pendingQuestions, readStatus } from "@millrace/scheduler";
import { tailEvents, type WorkspacePaths, workspacePaths } from "@millrace/workspace";
import { DEFAULT_ISSUER, normalizeIssuer } from "../issuer.js";
import { DEFAULT_STALLED_AFTER_SECONDS, lastActivityMs } from "./activity.js";
import { allowedActions } from "./allowed-actions.js";
import { decideAttention } from "./attention.js";
import { emptyReport } from "./empty-report.js";
import { readHealth } from "./health.js";
import { readMailboxIntake } from "./mailbox-intake.js";
import { readSentinelSummary } from "./sentinel-summary.js";
import { readWorkItems } from "./work-items.js";

export const DEFAULT_RECENT_EVENTS = 10;

export interface SupervisorReportOptions {
  /** How many recent events to include (default 10; 0 for none). */
  recentEvents?: number;
  /** Quiet seconds after which a live daemon's active stage is `stalled` (default 900). */
  stalledAfterSeconds?: number;
  /** The issuer written into the allowed actions' commands (default `operator`). */
  issuer?: string | undefined;
  clock?: () => Date;
}

const ADD_COMMANDS: ReadonlySet<MailboxCommand> = new Set([
  "add_task",
  "add_spec",
  "add_probe",
  "add_idea",
  "import_document",
]);

const REPORTED_PLANES = ["execution", "planning"] as const;

function blockedPlanes(status: StatusReport): Plane[] {
  return REPORTED_PLANES.filter(
    (plane) =>
      status.planes[plane].active_run === null && /BLOCKED$/.test(status.planes[plane].status_marker),
  );
}

function degradedBecause(status: StatusReport): string | null {
  if (status.snapshot_state === "invalid")
    return `the runtime snapshot is unusable: ${status.snapshot_error ?? "invalid"}`;
  const error = status.runtime_error;
  if (error) {
    return `runtime error ${error.error_code} in the ${error.plane} plane (${error.failed_stage}); report: ${error.report_path}`;
  }
  const waiting = REPORTED_PLANES.find((plane) => /NET_WAIT$/.test(status.planes[plane].status_marker));
  if (waiting) return `the ${waiting} plane waits for the network (${status.planes[waiting].status_marker})`;
  if (status.current_failure_class && status.active_run_count === 0) {
    return `the last run ended with failure class ${status.current_failure_class}`;
  }
  return null;
}

function isOrphaned(status: StatusReport): boolean {
  const lock = status.runtime_ownership_lock.state;
  return lock === "stale" || (status.snapshot_process_running && lock === "absent");
}

function livenessOf(status: StatusReport, orphaned: boolean): SupervisorReport["liveness"] {
  const lock = status.runtime_ownership_lock;
  if (orphaned) {
    const why =
      lock.state === "stale" ? `lock owner pid ${lock.owner_pid} is gone` : "no process holds the lock";
    return {
      grade: "orphaned",
      lock_state: lock.state,
      owner_pid: lock.owner_pid,
      summary: `orphaned: the snapshot says a runtime runs but ${why}`,
    };
  }
  // The engine's liveness classifier (docs/liveness.md) grades each active stage from its output,
  // its process and its recent results; the status read model carries its verdict.
  return {
    grade: status.liveness.grade,
    lock_state: lock.state,
    owner_pid: lock.owner_pid,
    summary:
      status.process_running || status.liveness.grade !== "idle"
        ? status.liveness.summary
        : "no runtime is running",
  };
}

function planeView(
  status: StatusReport,
  plane: "execution" | "planning",
): SupervisorReport["planes"]["execution"] {
  const view = status.planes[plane];
  return {
    status_marker: view.status_marker,
    queue_depth: view.queue_depth,
    active_documents: view.active_documents,
    run_id: view.active_run?.run_id ?? null,
    stage: view.active_run?.stage ?? null,
    active_since: view.active_run?.active_since ?? null,
  };
}

function secondsBetween(later: Date, earlierIso: string | null): number | null {
  if (!earlierIso) return null;
  const at = Date.parse(earlierIso);
  return Number.isFinite(at) ? Math.max(0, (later.getTime() - at) / 1000) : null;
}

/** The full report of an initialized workspace; `health` is already known. */
function composeReport(
  paths: WorkspacePaths,
  health: SupervisorHealth,
  options: Required<Omit<SupervisorReportOptions, "issuer">> & { issuer: string },
): SupervisorReport {
  const now = options.clock();
  // One queue store for the status counts and the work items: its index is read once.
  const queue = openQueueStore(paths);
  const status = readStatus(paths.root, { clock: options.clock, queue });
  const events: RuntimeEvent[] = tailEvents(paths.runtimeEvents, Math.max(options.recentEvents, 1));
  const work = readWorkItems(paths, status, queue);
  const sentinel = readSentinelSummary(paths);
  const mailbox = readMailboxIntake(paths);
  const orphaned = isOrphaned(status);
  const activity = lastActivityMs(paths, status, events);
  const running =
    (["execution", "planning", "learning"] as const)
      .map((p) => status.planes[p].active_run)
      .find((r) => r !== null) ?? null;
  // With execution lanes, the execution plane's work runs in the lanes, not in its slot.
  const busyPlane = running?.plane ?? (status.lanes?.active.some((lane) => lane.run_id) ? "execution" : null);
  const quietSeconds =
    status.process_running && busyPlane && activity !== null ? (now.getTime() - activity) / 1000 : null;
  const backlog =
    status.planes.execution.queue_depth +
    status.planes.planning.queue_depth +
    status.planes.learning.queue_depth;
  const questions = pendingQuestions(paths);
  const attention = decideAttention({
    pendingQuestions: questions,
    health,
    status,
    orphaned,
    blockedPlanes: blockedPlanes(status),
    degradedBecause: degradedBecause(status),
    backlogTotal: backlog,
    pendingAdds: mailbox.commands.filter((c) => ADD_COMMANDS.has(c.command)).length,
    quietSeconds,
    stalledAfterSeconds: options.stalledAfterSeconds,
  });
  return {
    ...emptyReport(paths.root, now, health, options.stalledAfterSeconds),
    bootstrapped: true,
    liveness: livenessOf(status, orphaned),
    process_running: status.process_running,
    paused: status.paused,
    pause_sources: [...status.pause_sources],
    stop_requested: status.stop_requested,
    planes: { execution: planeView(status, "execution"), planning: planeView(status, "planning") },
    active_work: work.active,
    next_work: work.next,
    backlog: {
      execution: status.planes.execution.queue_depth,
      planning: status.planes.planning.queue_depth,
      learning: status.planes.learning.queue_depth,
      total: backlog,
      blocked: work.blocked,
    },
    mailbox,
    current_run_id: running?.run_id ?? null,
    current_stage: running?.stage ?? null,
    time_in_status_seconds: secondsBetween(now, running?.active_since ?? status.updated_at),
    last_activity_at: activity === null ? null : formatTimestamp(new Date(activity)),
    governance: {
      paused: status.pause_sources.includes("usage_governance") || status.usage_governance.paused,
      blocker_count: status.usage_governance.blocker_count,
      next_auto_resume_at: status.usage_governance.next_auto_resume_at,
      parked_count: status.usage_governance.parked.filter((item) => item.released_at === null).length,
    },
    attention_reason: attention.reason,
    attention_summary: attention.summary,
    allowed_actions: allowedActions({
      workspace: paths.root,
      issuer: options.issuer,
      reason: attention.reason,
      status,
      firstBlockedTask: work.firstBlockedTask,
      firstBlocked: work.firstBlocked,
      sentinelCap: sentinelCap(sentinel),
      stalledPlane: attention.reason === "stalled" ? busyPlane : null,
      firstQuestion: questions[0],
    }),
    sentinel,
    lanes: status.lanes,
    recent_events: (options.recentEvents === 0 ? [] : events.slice(-options.recentEvents)).map((event) => ({
      event_type: event.event_type,
      occurred_at: event.occurred_at,
      data: event.data,
    })),
  };
}

/**
 * The supervisor report of one workspace. A missing or uninitialized folder gives a report with
 * reason `not_bootstrapped` (and `bootstrapped: false`) rather than an error.
 */
export async function supervisorReport(
  workspace: string,
  options: SupervisorReportOptions = {},
): Promise<SupervisorReport> {
  const resolved = {
    recentEvents: checkCount(options.recentEvents ?? DEFAULT_RECENT_EVENTS),
    stalledAfterSeconds: checkThreshold(options.stalledAfterSeconds ?? DEFAULT_STALLED_AFTER_SECONDS),
    issuer: options.issuer === undefined ? DEFAULT_ISSUER : normalizeIssuer(options.issuer),
    clock: options.clock ?? (() => new Date()),
  };
  const root = path.resolve(workspace);
  const paths = workspacePaths(root);
  const health = await readHealth(root);
  if (!health.bootstrap_ready) {
    const report = emptyReport(root, resolved.clock(), health, resolved.stalledAfterSeconds);
    const problem = health.problems.find((p) => p.status === "error");
    return {
      ...report,
      attention_reason: "not_bootstrapped",
      attention_summary: `workspace is not initialized: ${problem ? problem.message : root}`,
      allowed_actions: allowedActions({
        workspace: root,
        issuer: resolved.issuer,
        reason: "not_bootstrapped",
        status: null,
        firstBlockedTask: null,
        stalledPlane: null,
      }),
    };
  }
  return composeReport(paths, health, resolved);
}

/** One report per workspace, in the order given (the fleet view). */
export async function supervisorFleetReport(
  workspaces: readonly string[],
  options: SupervisorReportOptions = {},
): Promise<SupervisorReport[]> {
  const reports: SupervisorReport[] = [];
  for (const workspace of workspaces) reports.push(await supervisorReport(workspace, options));
  return reports;
}

function checkCount(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 1000) {
    throw new MillraceError(
      "usage_invalid_argument",
      `--recent-events must be a whole number from 0 to 1000, not ${value}`,
      {
        hint: "For example --recent-events 20.",
      },
    );
  }
  return value;
}

function checkThreshold(value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new MillraceError(
      "usage_invalid_argument",
      `--stalled-after must be a number of seconds above 0, not ${value}`,
      {
        hint: "For example --stalled-after 900 (the default).",
      },
    );
  }
  return value;
}

/** The cap Sentinel waits on an acknowledgement for, if any. */
function sentinelCap(sentinel: SupervisorSentinel): "soft" | "hard" | null {
  if (!sentinel.acknowledgment_required) return null;
  return sentinel.hard_cap_reached ? "hard" : "soft";
}

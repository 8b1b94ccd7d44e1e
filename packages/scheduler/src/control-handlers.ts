import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  AddIdeaPayloadSchema,
  ClearStaleStatePayloadSchema,
  type DocumentKind,
  emptyRecoveryCounters,
  IDLE_MARKER,
  type MailboxCommand,
  MillraceError,
  type Plane,
  projectSnapshotFields,
  type RecoveryCounters,
  RetryActivePayloadSchema,
  type RuntimeSnapshot,
  type SupersedeCascade,
} from "@millrace/contracts";
import {
  archiveBlockedTask,
  archiveInvalidIncident,
  cancelIncident,
  cancelWorkItem,
  type InterventionResult,
  type QueueStore,
  resolveIncident,
  retargetTaskDependency,
  supersedeTask,
} from "@millrace/queue-store";
import { toWorkspaceRelative, type WorkspacePaths } from "@millrace/workspace";
import type { PendingEvent } from "./context.js";
import { clearItemCounters, withActiveRun, withStatusMarker, writeStatusMarker } from "./state-store.js";

/** What a control handler may touch: the same state the engine owns, whoever applies it. */
export interface ControlState {
  readonly paths: WorkspacePaths;
  snapshot: RuntimeSnapshot;
  counters: RecoveryCounters;
  readonly queue: QueueStore;
  readonly clock: () => Date;
  readonly pendingEvents: PendingEvent[];
}

export interface ControlOutcome {
  applied: boolean;
  detail: string;
  /** A path the command produced (an enqueued document, an idea file). */
  artifactPath?: string;
}

export interface HandlerEnvironment {
  /** `mailbox` when a running daemon applies the command, `direct` otherwise. */
  mode: "mailbox" | "direct";
  issuer: string;
  /** Daemon only: asks for a config reload at the next safe boundary. */
  requestReload?: () => void;
  /** Planes with a stage running right now (daemon); commands that touch them wait. */
  busyPlanes?: readonly Plane[];
}

/** Thrown by a handler that must wait for a safe boundary (a stage on its plane is running). */
export class DeferCommand extends Error {
  override name = "DeferCommand";
}

function event(state: ControlState, eventType: string, data: Record<string, unknown>): void {
  state.pendingEvents.push({ event_type: eventType, data, occurred_at: state.clock() });
}

function setPause(state: ControlState, operator: boolean): void {
  const sources = new Set(state.snapshot.pause_sources);
  if (operator) sources.add("operator");
  else sources.delete("operator");
  const ordered = (["operator", "usage_governance"] as const).filter((source) => sources.has(source));
  state.snapshot = { ...state.snapshot, pause_sources: ordered, paused: ordered.length > 0 };
}

function idleEverything(state: ControlState): void {
  let snapshot: RuntimeSnapshot = projectSnapshotFields({
    ...state.snapshot,
    active_runs_by_plane: {},
    current_failure_class: null,
  });
  for (const plane of ["execution", "planning", "learning"] as const) {
    writeStatusMarker(state.paths, plane, IDLE_MARKER);
    snapshot = withStatusMarker(snapshot, plane, IDLE_MARKER);
  }
  state.snapshot = {
    ...snapshot,
    fix_cycle_count: 0,
    troubleshoot_attempt_count: 0,
    mechanic_attempt_count: 0,
    consultant_invocations: 0,
  };
}

function requireString(payload: Record<string, unknown>, key: string): string {
  const value = payload[key];
  if (typeof value !== "string" || value.trim() === "") {
    throw new MillraceError("mailbox_command_invalid", `payload.${key} must be a non-empty string`);
  }
  return value;
}

/**
 * Applies one control command to the workspace state. The same handlers serve a running daemon
 * (mailbox, at a safe boundary) and an idle workspace (direct), so both behave alike.
 */
export function applyControlCommand(
  state: ControlState,
  command: MailboxCommand,
  payload: Record<string, unknown>,
  env: HandlerEnvironment,
): ControlOutcome {
  switch (command) {
    case "pause":
      setPause(state, true);
      event(state, "runtime_paused_by_operator", { issuer: env.issuer });
      return { applied: true, detail: "runtime paused by operator" };
    case "resume": {
      setPause(state, false);
      event(state, "runtime_resumed_by_operator", { issuer: env.issuer });
      if (state.snapshot.pause_sources.includes("usage_governance")) {
        return { applied: false, detail: "operator pause removed; runtime still paused by usage governance" };
      }
      return { applied: true, detail: "runtime resumed" };
    }
    case "stop":
      if (env.mode === "mailbox") {
        state.snapshot = { ...state.snapshot, stop_requested: true };
        return { applied: true, detail: "stop requested; the daemon stops after running stages finish" };
      }
      state.snapshot = { ...state.snapshot, stop_requested: false, process_running: false };
      return {
        applied: true,
        detail: "no daemon running; runtime marked stopped (active runs stay resumable)",
      };
    case "reload_config":
      if (env.mode === "direct" || !env.requestReload) {
        return { applied: false, detail: "no daemon running; the next start loads the config" };
      }
      env.requestReload();
      return { applied: true, detail: "config reload scheduled for the next safe boundary" };
    case "retry_active":
      return retryActive(state, RetryActivePayloadSchema.parse(payload), env);
    case "clear_stale_state": {
      if ((env.busyPlanes ?? []).length > 0) throw new DeferCommand("stages are running");
      const { reason } = ClearStaleStatePayloadSchema.parse(payload);
      const requeued = state.queue.requeueAllActive(reason?.trim() || "operator clear-stale-state", {
        actor: env.issuer,
      });
      const hadRuns = Object.keys(state.snapshot.active_runs_by_plane).length > 0;
      const hadCounters = state.counters.entries.length > 0;
      idleEverything(state);
      state.counters = emptyRecoveryCounters();
      state.snapshot = {
        ...state.snapshot,
        stop_requested: false,
        paused: state.snapshot.pause_sources.includes("usage_governance"),
        pause_sources: state.snapshot.pause_sources.filter((source) => source !== "operator"),
        process_running: env.mode === "mailbox",
      };
      event(state, "runtime_stale_state_cleared", {
        requeued: requeued.map((ref) => ref.id),
        issuer: env.issuer,
      });
      const changed = requeued.length > 0 || hadRuns || hadCounters;
      return {
        applied: changed,
        detail: changed
          ? `requeued ${requeued.length} active item(s) and reset runtime state to idle`
          : "nothing stale to clear",
      };
    }
    case "add_task":
    case "add_spec":
    case "add_probe": {
      const kind: DocumentKind = command === "add_task" ? "task" : command === "add_spec" ? "spec" : "probe";
      const document = payload.document;
      if (document === null || typeof document !== "object") {
        throw new MillraceError("mailbox_command_invalid", "payload.document must be a work document object");
      }
      const ref = state.queue.enqueue(kind, document as never);
      event(state, `mailbox_${command}_applied`, {
        id: ref.id,
        path: toWorkspaceRelative(state.paths, ref.path),
      });
      return { applied: true, detail: `enqueued ${kind} ${ref.id}`, artifactPath: ref.path };
    }
    case "add_idea": {
      const idea = AddIdeaPayloadSchema.parse(payload);
      mkdirSync(state.paths.ideasInbox, { recursive: true });
      const file = path.join(state.paths.ideasInbox, idea.source_name);
      if (existsSync(file))
        throw new MillraceError("queue_id_exists", `ideas/inbox/${idea.source_name} already exists`);
      writeFileSync(file, idea.markdown, { flag: "wx" });
      event(state, "mailbox_add_idea_applied", { path: toWorkspaceRelative(state.paths, file) });
      return { applied: true, detail: `idea written to ideas/inbox/${idea.source_name}`, artifactPath: file };
    }
    default:
      return applyQueueIntervention(state, command, payload, env);
  }
}

function retryActive(
  state: ControlState,
  payload: { reason?: string | undefined; scope?: Plane | undefined },
  env: HandlerEnvironment,
): ControlOutcome {
  const runs = Object.entries(state.snapshot.active_runs_by_plane).filter(
    ([, run]) => run !== undefined,
  ) as Array<[Plane, NonNullable<RuntimeSnapshot["active_runs_by_plane"][Plane]>]>;
  const candidates = payload.scope ? runs.filter(([plane]) => plane === payload.scope) : runs;
  if (candidates.length === 0) {
    return {
      applied: false,
      detail: payload.scope
        ? `no active ${payload.scope} work item to retry`
        : "no active work item to retry",
    };
  }
  if (candidates.length > 1) {
    event(state, "retry_active_skipped", { reason: "multiple_active_planes" });
    return {
      applied: false,
      detail: "multiple active planes; retry-active needs --scope execution|planning|learning",
    };
  }
  const [plane, run] = candidates[0] as [Plane, NonNullable<RuntimeSnapshot["active_runs_by_plane"][Plane]>];
  if ((env.busyPlanes ?? []).includes(plane)) throw new DeferCommand(`a ${plane} stage is running`);
  if (run.request_kind === "closure_target" || !run.work_item_kind || !run.work_item_id) {
    event(state, "retry_active_skipped", { reason: "non_retryable_active_run", plane });
    return { applied: false, detail: "the active run is an Arbiter closure run; it cannot be retried" };
  }
  const reason = payload.reason?.trim() || "operator retry-active";
  if (state.queue.find(run.work_item_id)?.state === "active") {
    state.queue.requeue(run.work_item_kind as DocumentKind, run.work_item_id, reason, { actor: env.issuer });
  }
  state.counters = clearItemCounters(state.counters, run.work_item_kind, run.work_item_id);
  state.snapshot = withActiveRun(state.snapshot, plane, undefined);
  state.snapshot = { ...state.snapshot, current_failure_class: null };
  if (Object.keys(state.snapshot.active_runs_by_plane).length === 0) idleEverything(state);
  else {
    writeStatusMarker(state.paths, plane, IDLE_MARKER);
    state.snapshot = withStatusMarker(state.snapshot, plane, IDLE_MARKER);
  }
  event(state, "retry_active_applied", {
    plane,
    work_item_kind: run.work_item_kind,
    work_item_id: run.work_item_id,
    reason,
  });
  return { applied: true, detail: `requeued ${run.work_item_kind} ${run.work_item_id} (${reason})` };
}

/** The v0.20 operator queue interventions; an item that is running waits for its run to end. */
function applyQueueIntervention(
  state: ControlState,
  command: MailboxCommand,
  payload: Record<string, unknown>,
  env: HandlerEnvironment,
): ControlOutcome {
  const reason = requireString(payload, "reason");
  const options = { reason, actor: env.issuer, now: state.clock() };
  const id = typeof payload.id === "string" ? payload.id : undefined;
  if (id && Object.values(state.snapshot.active_runs_by_plane).some((run) => run?.work_item_id === id)) {
    throw new DeferCommand(`${id} is running`);
  }
  let result: InterventionResult;
  switch (command) {
    case "cancel_work_item": {
      const kind = typeof payload.kind === "string" ? (payload.kind as DocumentKind) : undefined;
      result = cancelWorkItem(state.queue, requireString(payload, "id"), {
        ...options,
        ...(kind ? { kind } : {}),
      });
      break;
    }
    case "archive_blocked_task":
      result = archiveBlockedTask(state.queue, requireString(payload, "id"), options);
      break;
    case "supersede_task": {
      const cascade = typeof payload.cascade === "string" ? (payload.cascade as SupersedeCascade) : undefined;
      result = supersedeTask(
        state.queue,
        requireString(payload, "id"),
        requireString(payload, "replacement_id"),
        {
          ...options,
          ...(cascade ? { cascade } : {}),
        },
      );
      break;
    }
    case "retarget_task_dependency":
      result = retargetTaskDependency(
        state.queue,
        requireString(payload, "id"),
        requireString(payload, "from"),
        requireString(payload, "to"),
        options,
      );
      break;
    case "resolve_incident":
      result = resolveIncident(state.queue, requireString(payload, "id"), options);
      break;
    case "cancel_incident":
      result = cancelIncident(state.queue, requireString(payload, "id"), options);
      break;
    case "archive_invalid_incident":
      result = archiveInvalidIncident(state.queue, requireString(payload, "file_name"), options);
      break;
    default:
      throw new MillraceError(
        "mailbox_command_invalid",
        `${command} is not supported by this runtime (execution capability approvals are not implemented)`,
      );
  }
  return {
    applied: true,
    detail: `${result.action} ${result.work_item_kind} ${result.work_item_id}: ${result.source_state} -> ${result.destination_state}`,
    artifactPath: result.destination_path,
  };
}

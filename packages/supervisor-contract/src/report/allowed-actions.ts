import type {
  AllowedAction,
  AttentionReason,
  ControlRequest,
  DocumentKind,
  OperatorQuestion,
  Plane,
  StatusReport,
} from "@millrace/contracts";
import { interviewActions } from "../interview/attention.js";

export interface ActionContext {
  workspace: string;
  issuer: string;
  reason: AttentionReason;
  status: StatusReport | null;
  /** The first blocked task, when one exists (archiving it is an allowed action). */
  firstBlockedTask: string | null;
  /** The first blocked item of a retryable kind (retrying it is an allowed action). */
  firstBlocked?: { kind: DocumentKind; id: string } | null;
  /** Sentinel's cap waiting for acknowledgement, when one does. */
  sentinelCap?: "soft" | "hard" | null;
  stalledPlane: Plane | null;
  /** The oldest pending operator question (awaiting_operator_input). */
  firstQuestion?: OperatorQuestion | undefined;
}

/** POSIX shell quoting, for the `text` form only (argv is what a caller should spawn). */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function action(
  ctx: ActionContext,
  name: string,
  description: string,
  args: string[],
  request: ControlRequest | null,
  mutating = request !== null,
): AllowedAction {
  const issuer = mutating ? ["--issuer", ctx.issuer] : [];
  const argv = ["millrace", ...args, "--workspace", ctx.workspace, ...issuer];
  return { action: name, description, argv, text: argv.map(shellQuote).join(" "), request };
}

const lifecycle = (ctx: ActionContext, name: "pause" | "resume" | "stop", description: string) =>
  action(ctx, name, description, [name], { command: name, payload: {} });

function clearStale(ctx: ActionContext, why: string): AllowedAction {
  return action(
    ctx,
    "clear_stale_state",
    "Requeue every active item and reset the runtime to idle",
    ["clear-stale-state", "--reason", why],
    { command: "clear_stale_state", payload: { reason: why } },
  );
}

function retryActive(ctx: ActionContext, plane: Plane, why: string): AllowedAction {
  return action(
    ctx,
    "retry_active",
    `Requeue the active ${plane} item so it starts over`,
    ["retry-active", "--scope", plane, "--reason", why],
    { command: "retry_active", payload: { scope: plane, reason: why } },
  );
}

const runDaemon = (ctx: ActionContext) =>
  action(
    ctx,
    "run_daemon",
    "Start a daemon for the workspace (inside tmux or a service)",
    ["run", "daemon"],
    null,
  );

/** Retry the first blocked item: back to its queue, same document and lineage. */
function retryBlocked(ctx: ActionContext): AllowedAction[] {
  const item = ctx.firstBlocked;
  if (!item) return [];
  const why = "supervisor: retry blocked work";
  return [
    action(
      ctx,
      "retry_blocked",
      `Retry the blocked ${item.kind} ${item.id} (back to its queue, same lineage)`,
      ["queue", "retry-blocked", item.id, "--kind", item.kind, "--reason", why],
      { command: "retry_blocked", payload: { id: item.id, kind: item.kind, reason: why } },
    ),
  ];
}

function archiveBlocked(ctx: ActionContext): AllowedAction[] {
  if (!ctx.firstBlockedTask) return [];
  return [
    action(
      ctx,
      "archive_blocked_task",
      `Archive the blocked task ${ctx.firstBlockedTask}`,
      ["queue", "archive-blocked", ctx.firstBlockedTask, "--reason", "supervisor: blocked"],
      {
        command: "archive_blocked_task",
        payload: { id: ctx.firstBlockedTask, reason: "supervisor: blocked" },
      },
    ),
  ];
}

/**
 * Sentinel stopped queueing recovery at a cap: acknowledging it lets it queue again. Not a mailbox
 * command (Sentinel's state is not the daemon's), so the action has no request: run its argv.
 */
function acknowledgeSentinel(ctx: ActionContext, cap: "soft" | "hard"): AllowedAction {
  return action(
    ctx,
    "sentinel_acknowledge",
    `Acknowledge Sentinel's ${cap} cap so it may queue recovery requests again`,
    ["sentinel", "acknowledge", "--reason", `supervisor: ${cap} cap reviewed`],
    null,
    true,
  );
}

function reasonActions(ctx: ActionContext): AllowedAction[] {
  const running = ctx.status?.process_running ?? false;
  switch (ctx.reason) {
    case "not_bootstrapped":
      return [action(ctx, "init", "Initialize the workspace", ["init", ctx.workspace], null)];
    case "runner_not_ready":
    case "health_failed":
      return [action(ctx, "doctor", "Show every failing check with its fix", ["doctor"], null)];
    case "awaiting_operator_input":
      return interviewActions(ctx.firstQuestion, (...args) => action(ctx, ...args));
    case "orphaned":
      return [clearStale(ctx, "supervisor: the runtime died (orphaned)"), runDaemon(ctx)];
    case "blocked":
      return [...retryBlocked(ctx), ...archiveBlocked(ctx)];
    case "degraded":
      return [
        action(ctx, "doctor", "Show every failing check with its fix", ["doctor"], null),
        clearStale(ctx, "supervisor: degraded state"),
      ];
    case "governance_paused":
      return [
        action(ctx, "usage", "Show the governance rules, their readings and parked items", ["usage"], null),
      ];
    case "operator_paused":
      return [lifecycle(ctx, "resume", "Lift the operator pause")];
    case "stalled":
      return ctx.stalledPlane ? [retryActive(ctx, ctx.stalledPlane, "supervisor: stalled")] : [];
    case "idle_with_pending_work":
      return running ? [] : [runDaemon(ctx)];
    case "idle_no_work":
      return [action(ctx, "add_task", "Queue a task (replace <title>)", ["add-task", "<title>"], null, true)];
    case "working":
      return [];
  }
}

/**
 * The commands a supervisor may run now, for the given reason: the reason's own actions first,
 * then the lifecycle controls of a running daemon (stop, and pause or resume).
 */
export function allowedActions(ctx: ActionContext): AllowedAction[] {
  const actions = reasonActions(ctx);
  if (ctx.sentinelCap) actions.push(acknowledgeSentinel(ctx, ctx.sentinelCap));
  const status = ctx.status;
  if (status?.process_running) {
    const names = new Set(actions.map((a) => a.action));
    if (!status.pause_sources.includes("operator") && !names.has("pause"))
      actions.push(lifecycle(ctx, "pause", "Pause before the next stage"));
    if (status.pause_sources.includes("operator") && !names.has("resume"))
      actions.push(lifecycle(ctx, "resume", "Lift the operator pause"));
    actions.push(lifecycle(ctx, "stop", "Stop the daemon at its next safe boundary"));
  }
  return actions;
}

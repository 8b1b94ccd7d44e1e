import { formatTimestamp, type MailboxCommand, MillraceError } from "@millrace/contracts";
import { ParkedItems, releaseParkedItem, UsageGovernance } from "@millrace/governance";
import { openQueueStore } from "@millrace/queue-store";
import {
  acquireLock,
  appendRuntimeEvents,
  inspectLock,
  loadConfig,
  repairStateFiles,
  requireInitialized,
  toWorkspaceRelative,
  type WorkspacePaths,
} from "@millrace/workspace";
import type { PendingEvent } from "../state/event-journal.js";
import { loadCounters, loadSnapshot, saveCounters, saveSnapshot } from "../state/state-store.js";
import { event } from "./control-state.js";
import { applyControlCommand, type ControlState, DeferCommand } from "./handlers.js";
import { writeMailboxCommand } from "./mailbox-writer.js";

/** What a control command did, in the shape the CLI prints (`action`, `mode`, `applied`, `detail`, …). */
export interface ControlResult {
  action: MailboxCommand;
  mode: "direct" | "mailbox";
  applied: boolean;
  detail: string;
  command_id: string | null;
  mailbox_path: string | null;
  artifact_path: string | null;
}

export interface ControlOptions {
  /** Who is acting; recorded in the mailbox envelope and the events. Default `operator`. */
  issuer?: string;
  clock?: () => Date;
}

/**
 * Applies an operator command to a workspace. When a daemon owns the workspace (its lock is live)
 * the command goes through the mailbox and the daemon applies it at a safe boundary; otherwise it
 * is applied directly, under the ownership lock for the moment it takes.
 */
export function controlWorkspace(
  workspace: string,
  command: MailboxCommand,
  payload: Record<string, unknown> = {},
  options: ControlOptions = {},
): ControlResult {
  const paths = requireInitialized(workspace);
  const clock = options.clock ?? (() => new Date());
  const issuer = options.issuer ?? "operator";
  const lock = inspectLock(paths);
  if (lock.state === "active") {
    const { envelope, file } = writeMailboxCommand(paths, command, payload, { issuer, now: clock() });
    return {
      action: command,
      mode: "mailbox",
      applied: false,
      detail: `queued for the running daemon (pid ${lock.lock.owner_pid}); it applies the command at its next safe boundary`,
      command_id: envelope.command_id,
      mailbox_path: file,
      artifact_path: null,
    };
  }
  const held = acquireLock(paths, { now: clock() });
  try {
    // clear-stale-state is the documented way out of a corrupt snapshot or counters file: repair
    // them first (the broken file is kept beside it) instead of failing on the very same error.
    const repairs = command === "clear_stale_state" ? repairStateFiles(paths, { now: clock() }) : [];
    const pendingEvents: PendingEvent[] = [];
    const queue = openQueueStore(paths, { clock });
    const state: ControlState = {
      paths,
      snapshot: loadSnapshot(paths),
      counters: loadCounters(paths),
      queue,
      clock,
      pendingEvents,
      governance: directGovernance(paths, clock),
    };
    let outcome: ReturnType<typeof applyControlCommand>;
    try {
      outcome = applyControlCommand(state, command, payload, { mode: "direct", issuer });
    } catch (error) {
      if (error instanceof DeferCommand) {
        throw new MillraceError("control_refused", `${command} cannot be applied now: ${error.message}`);
      }
      throw error;
    }
    if (repairs.length > 0) {
      const repaired = repairs.map(
        (repair) =>
          `repaired ${toWorkspaceRelative(paths, repair.file)} (${repair.reason}${repair.kept_as ? `; the broken file is kept as ${toWorkspaceRelative(paths, repair.kept_as)}` : ""})`,
      );
      outcome = { ...outcome, applied: true, detail: [...repaired, outcome.detail].join("; ") };
    }
    saveCounters(paths, state.counters);
    saveSnapshot(paths, state.snapshot, clock());
    queue.close();
    event(state, "control_command_applied", {
      command,
      mode: "direct",
      issuer,
      applied: outcome.applied,
      detail: outcome.detail,
      at: formatTimestamp(clock()),
    });
    appendRuntimeEvents(paths.runtimeEvents, pendingEvents);
    return {
      action: command,
      mode: "direct",
      applied: outcome.applied,
      detail: outcome.detail,
      command_id: null,
      mailbox_path: null,
      artifact_path: outcome.artifactPath ?? null,
    };
  } finally {
    held.release();
  }
}

/** Governance for a command applied without a daemon, opened only when a command needs it. */
function directGovernance(paths: WorkspacePaths, clock: () => Date): NonNullable<ControlState["governance"]> {
  return {
    release(input) {
      const usage = UsageGovernance.open(paths, loadConfig(paths).usage_governance, {
        daemonSessionId: null,
        now: clock,
      });
      return releaseParkedItem(usage, ParkedItems.open(paths), input);
    },
  };
}

import {
  formatTimestamp,
  ioErrorToMillraceError,
  type MailboxCommand,
  MillraceError,
} from "@millrace/contracts";
import { ParkedItems, releaseParkedItem, UsageGovernance } from "@millrace/governance";
import { openQueueStore } from "@millrace/queue-store";
import {
  appendRuntimeEvents,
  loadConfig,
  repairStateFiles,
  toWorkspaceRelative,
  type WorkspacePaths,
} from "@millrace/workspace";
import type { PendingEvent } from "../state/event-journal.js";
import { recoverCommitJournal } from "../state/journal-recovery.js";
import { loadCounters, loadSnapshot, saveCounters, saveSnapshot } from "../state/state-store.js";
import { acquireLockPatiently, newControlSessionId } from "./control-lock.js";
import { event } from "./control-state.js";
import { applyControlCommand, type ControlOutcome, type ControlState, DeferCommand } from "./handlers.js";

export interface DirectControlOptions {
  issuer: string;
  clock: () => Date;
  /** Recorded in the `control_command_applied` event. */
  commandId?: string;
}

/**
 * Applies one control command with no daemon: takes the ownership lock (waiting briefly for
 * another control writer, refusing with `workspace_locked` when a live runtime holds it), runs the
 * handler the daemon uses, saves the state, records `control_command_applied`, releases the lock.
 */
export function applyControlDirect(
  paths: WorkspacePaths,
  command: MailboxCommand,
  payload: Record<string, unknown>,
  options: DirectControlOptions,
): ControlOutcome {
  const { clock, issuer } = options;
  const held = takeControlLock(paths, clock);
  try {
    // A killed daemon's journal is brought into the files first, so this save builds on them.
    recoverCommitJournal(paths);
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
    let outcome: ControlOutcome;
    try {
      outcome = applyControlCommand(state, command, payload, { mode: "direct", issuer });
    } catch (error) {
      queue.close();
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
      ...(options.commandId ? { command_id: options.commandId } : {}),
      mode: "direct",
      issuer,
      applied: outcome.applied,
      detail: outcome.detail,
      at: formatTimestamp(clock()),
    });
    appendRuntimeEvents(paths.runtimeEvents, pendingEvents);
    return outcome;
  } finally {
    held.release();
  }
}

/**
 * The lock for one direct command. A file-system failure taking it (read-only, full, denied) is
 * reported as that failure, with its hint, as a write of the command itself would have been.
 */
function takeControlLock(paths: WorkspacePaths, clock: () => Date) {
  try {
    return acquireLockPatiently(paths, { now: clock, sessionId: newControlSessionId() });
  } catch (error) {
    const cause = MillraceError.isInstance(error) ? error.cause : undefined;
    throw (cause !== undefined ? ioErrorToMillraceError(cause) : undefined) ?? error;
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

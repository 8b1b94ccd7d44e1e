import type { MailboxCommand } from "@millrace/contracts";
import { inspectLock, requireInitialized } from "@millrace/workspace";
import { applyControlDirect } from "./control-direct.js";
import { isControlLock, runtimeOwner } from "./control-lock.js";
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
 * The engine-level control entry kept for embedders of earlier versions. Operator surfaces use
 * `@millrace/supervisor-contract` (`submitControl`), which routes the same way and adds issuer
 * normalisation and the full result; this function takes the same two paths: the mailbox when a
 * live daemon owns the workspace, otherwise the handler applied directly under the ownership lock.
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
  const queue = (pid: number): ControlResult => {
    const { envelope, file } = writeMailboxCommand(paths, command, payload, { issuer, now: clock() });
    return {
      action: command,
      mode: "mailbox",
      applied: false,
      detail: `queued for the running daemon (pid ${pid}); it applies the command at its next safe boundary`,
      command_id: envelope.command_id,
      mailbox_path: file,
      artifact_path: null,
    };
  };
  const lock = inspectLock(paths);
  if (lock.state === "active" && !isControlLock(lock.lock)) return queue(lock.lock.owner_pid);
  try {
    const outcome = applyControlDirect(paths, command, payload, { issuer, clock });
    return {
      action: command,
      mode: "direct",
      applied: outcome.applied,
      detail: outcome.detail,
      command_id: null,
      mailbox_path: null,
      artifact_path: outcome.artifactPath ?? null,
    };
  } catch (error) {
    const owner = runtimeOwner(error);
    if (owner) return queue(owner.owner_pid);
    throw error;
  }
}

import {
  type ControlResultOutput,
  type MailboxCommand,
  MailboxCommandSchema,
  MillraceError,
  type RuntimeLock,
} from "@millrace/contracts";
import type { InterventionResult } from "@millrace/queue-store";
import {
  applyControlDirect,
  type ControlOutcome,
  isControlLock,
  newCommandId,
  runtimeOwner,
  writeMailboxCommand,
} from "@millrace/scheduler";
import {
  inspectLock,
  requireInitialized,
  toWorkspaceRelative,
  type WorkspacePaths,
} from "@millrace/workspace";
import { checkQuestionRequest } from "../interview/check.js";
import { normalizeIssuer } from "../issuer.js";
import { checkControlRequest } from "./request-checks.js";
import { checkControlTarget } from "./target-checks.js";

/** The result of every control command, the same shape in both modes (schema: `control-result`). */
export type ControlResult = ControlResultOutput;

export interface SubmitControlOptions {
  /** Who acts; normalised by `normalizeIssuer` (default `operator`). */
  issuer?: string | undefined;
  clock?: () => Date;
}

/**
 * The one control path. When a live daemon owns the workspace the command is written to its
 * mailbox (applied at its next safe boundary; the result says `mode: "mailbox"`). Otherwise the
 * ownership lock is taken, the daemon's own handler applies the command, `control_command_applied`
 * is recorded and the lock released. A daemon that starts between the check and the write is
 * caught by the lock: taking it fails, and the command goes to the mailbox instead.
 */
export function submitControl(
  workspace: string,
  command: MailboxCommand,
  payload: Record<string, unknown> = {},
  options: SubmitControlOptions = {},
): ControlResult {
  const paths = requireInitialized(workspace);
  if (!MailboxCommandSchema.safeParse(command).success) {
    throw new MillraceError("usage_invalid_argument", `unknown control command ${JSON.stringify(command)}`, {
      hint: `Known commands: ${MailboxCommandSchema.options.join(", ")}.`,
    });
  }
  const issuer = normalizeIssuer(options.issuer);
  const clock = options.clock ?? (() => new Date());
  checkControlRequest(command, payload);
  checkControlTarget(paths, command, payload);
  if (command === "resolve_operator_question") checkQuestionRequest(paths, payload);
  const commandId = newCommandId(command, clock());
  const seen = inspectLock(paths);
  if (seen.state === "active" && !isControlLock(seen.lock)) {
    return queueForDaemon(paths, command, payload, { issuer, clock, commandId, owner: seen.lock });
  }
  let outcome: ControlOutcome;
  try {
    outcome = applyControlDirect(paths, command, payload, { issuer, clock, commandId });
  } catch (error) {
    const owner = runtimeOwner(error);
    if (!owner) throw error;
    return queueForDaemon(paths, command, payload, { issuer, clock, commandId, owner });
  }
  return {
    action: command,
    mode: "direct",
    applied: outcome.applied,
    detail: outcome.detail,
    command_id: commandId,
    mailbox_path: null,
    artifact_path: outcome.artifactPath ?? null,
    issuer,
    enqueued: outcome.enqueued
      ? { ...outcome.enqueued, path: toWorkspaceRelative(paths, outcome.enqueued.path) }
      : null,
    intervention: outcome.intervention ? interventionView(paths, outcome.intervention) : null,
  };
}

function queueForDaemon(
  paths: WorkspacePaths,
  command: MailboxCommand,
  payload: Record<string, unknown>,
  context: { issuer: string; clock: () => Date; commandId: string; owner: RuntimeLock },
): ControlResult {
  const { envelope, file } = writeMailboxCommand(paths, command, payload, {
    issuer: context.issuer,
    now: context.clock(),
    commandId: context.commandId,
  });
  return {
    action: command,
    mode: "mailbox",
    applied: false,
    detail: `queued for the running daemon (pid ${context.owner.owner_pid}); it applies the command at its next safe boundary`,
    command_id: envelope.command_id,
    mailbox_path: file,
    artifact_path: null,
    issuer: context.issuer,
    enqueued: null,
    intervention: null,
  };
}

function interventionView(
  paths: WorkspacePaths,
  result: InterventionResult,
): NonNullable<ControlResult["intervention"]> {
  return {
    action: result.action,
    work_item_kind: result.work_item_kind,
    work_item_id: result.work_item_id,
    source_state: result.source_state,
    destination_state: result.destination_state,
    source_path: toWorkspaceRelative(paths, result.source_path),
    destination_path: toWorkspaceRelative(paths, result.destination_path),
    replacement_work_item_id: result.replacement_work_item_id,
    affected_dependents: result.affected_dependents,
    reason: result.record.reason,
  };
}

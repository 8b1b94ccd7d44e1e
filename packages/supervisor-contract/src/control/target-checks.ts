import { existsSync } from "node:fs";
import path from "node:path";
import {
  type ControlRequest,
  type DocumentKind,
  DocumentKindSchema,
  type MailboxCommand,
  MillraceError,
} from "@millrace/contracts";
import { assertSafeId, locateBlockedItem } from "@millrace/queue-store";
import { checkLaneRetryTarget } from "@millrace/scheduler";
import type { WorkspacePaths } from "@millrace/workspace";

/** The reason recorded when an operator retries without saying why. */
export const DEFAULT_RETRY_REASON = "retried by operator";

export interface RetryBlockedInput {
  id: string;
  kind?: string | undefined;
  reason?: string | undefined;
}

/** `queue retry-blocked ID [--kind K] [--reason R]` as a control request (reason defaulted). */
export function retryBlockedRequest(input: RetryBlockedInput): ControlRequest {
  const reason = input.reason === undefined ? DEFAULT_RETRY_REASON : input.reason;
  return {
    command: "retry_blocked",
    payload: { id: input.id, reason, ...(input.kind === undefined ? {} : { kind: parseKind(input.kind) }) },
  };
}

function parseKind(value: unknown): DocumentKind {
  const parsed = DocumentKindSchema.safeParse(value);
  if (!parsed.success) {
    throw new MillraceError("work_document_kind_unknown", `unknown work item kind ${JSON.stringify(value)}`);
  }
  return parsed.data;
}

/**
 * Refuses, before anything is queued or applied, a request whose target is not where the command
 * needs it: an unsafe id, an unknown item, an item not blocked (retry, archive) or an incident not
 * open (resolve, cancel). Read-only (no queue index is opened), so a refusal changes nothing, and a
 * daemon never receives a command it would only fail. The handler checks again when it applies.
 */
export function checkControlTarget(
  paths: WorkspacePaths,
  command: MailboxCommand,
  payload: Record<string, unknown>,
): void {
  if (command === "retry_active") {
    const { lane, item } = payload as { lane?: number; item?: string };
    if (item !== undefined) assertSafeId(item);
    checkLaneRetryTarget(paths, { lane, item });
    return;
  }
  const id = payload.id;
  if (typeof id !== "string") return;
  switch (command) {
    case "retry_blocked":
      locateBlockedItem(paths, id, payload.kind === undefined ? undefined : parseKind(payload.kind));
      return;
    case "archive_blocked_task":
      locateBlockedItem(paths, id, "task");
      return;
    case "resolve_incident":
    case "cancel_incident":
      requireOpenIncident(paths, id);
      return;
    default:
      return;
  }
}

function requireOpenIncident(paths: WorkspacePaths, id: string): void {
  assertSafeId(id);
  const folders = paths.queues.incident;
  const name = `${id}.md`;
  if ([folders.queue, folders.active, folders.blocked].some((dir) => existsSync(path.join(dir, name))))
    return;
  if (existsSync(path.join(folders.done, name))) {
    throw new MillraceError("queue_state_conflict", `incident ${id} is already resolved`, {
      hint: "Only incoming, active or blocked incidents can be resolved or cancelled.",
    });
  }
  throw new MillraceError("queue_item_not_found", `no incident ${id} in the incident folders`, {
    hint: "List incidents with `millrace queue ls --kind incident`.",
  });
}

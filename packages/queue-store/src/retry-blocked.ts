import { existsSync } from "node:fs";
import path from "node:path";
import {
  type DocumentKind,
  formatEventTimestamp,
  MillraceError,
  type OperatorInterventionRecord,
  OperatorInterventionRecordSchema,
  QUEUE_FOLDER_STATES,
  type RequeueRecord,
} from "@millrace/contracts";
import { appendRuntimeEvent, type WorkspacePaths } from "@millrace/workspace";
import { appendJsonLineSync } from "./fs-ops.js";
import type { InterventionOptions, InterventionResult } from "./interventions.js";
import { documentName, folderStateName, queueFolder } from "./layout.js";
import { assertSafeId } from "./store/ids.js";
import type { QueueStore } from "./store/queue-store.js";

/**
 * Retrying blocked work: a blocked task, spec, incident or probe goes back to its queue unchanged
 * (same document, so the same lineage), with the reason in its requeue log and, for an operator,
 * an audit record in the queue folder's `interventions.jsonl`. The runtime's automatic retries use
 * the same requeue log with `"auto": true`; both count as retries of the item.
 */

/** The kinds a blocked item may be retried for (learning requests are re-triggered instead). */
export const RETRYABLE_KINDS: readonly DocumentKind[] = ["task", "spec", "incident", "probe"];

/** The requeue-log reason prefix of an operator retry (how retries are told from other requeues). */
const OPERATOR_RETRY_PREFIX = "retry-blocked: ";

export interface BlockedItem {
  kind: DocumentKind;
  id: string;
  path: string;
}

/**
 * The blocked item with this id, read from the folders only (no queue index is opened or written),
 * so callers can check a request before queueing it. Refuses an unsafe id (`invalid_id`), an id
 * found nowhere (`queue_item_not_found`), one that is not blocked or blocked under several kinds
 * (`queue_state_conflict`).
 */
export function locateBlockedItem(paths: WorkspacePaths, id: string, kind?: DocumentKind): BlockedItem {
  assertSafeId(id);
  if (kind && !RETRYABLE_KINDS.includes(kind)) {
    throw new MillraceError("queue_state_conflict", `blocked ${kind} items cannot be retried`, {
      hint: `Retry-blocked takes a ${RETRYABLE_KINDS.join(", ")}.`,
    });
  }
  const kinds = kind ? [kind] : RETRYABLE_KINDS;
  const name = documentName(id);
  const blocked = kinds
    .map((candidate) => ({ kind: candidate, id, path: path.join(paths.queues[candidate].blocked, name) }))
    .filter((item) => existsSync(item.path));
  if (blocked.length === 1) return blocked[0] as BlockedItem;
  if (blocked.length > 1) {
    throw new MillraceError(
      "queue_state_conflict",
      `${id} is blocked as several kinds (${blocked.map((item) => item.kind).join(", ")})`,
      { hint: "Pass --kind to say which one to retry." },
    );
  }
  const elsewhere: string[] = [];
  for (const candidate of kinds)
    for (const state of QUEUE_FOLDER_STATES)
      if (state !== "blocked" && existsSync(path.join(paths.queues[candidate][state], name)))
        elsewhere.push(`${candidate} in ${folderStateName(queueFolder(paths, candidate, state))}`);
  if (elsewhere.length === 0) {
    throw new MillraceError(
      "queue_item_not_found",
      `no blocked work item ${id}: it is not in any queue folder`,
      {
        hint: "List blocked work with `millrace queue ls --state blocked`.",
        details: { id },
      },
    );
  }
  throw new MillraceError("queue_state_conflict", `${id} is not blocked (found: ${elsewhere.join(", ")})`, {
    hint: "Only blocked work can be retried; `millrace queue ls --state blocked` lists it.",
    details: { id },
  });
}

/** How many retries (operator and automatic) an item's requeue log records. */
export function countRetries(log: readonly RequeueRecord[]): { total: number; auto: number } {
  const auto = log.filter((record) => record.auto === true).length;
  const operator = log.filter(
    (record) => record.auto !== true && record.reason.startsWith(OPERATOR_RETRY_PREFIX),
  ).length;
  return { total: auto + operator, auto };
}

export interface RetryBlockedResult extends InterventionResult {
  /** Which retry of the item this is (operator and automatic retries together). */
  retry_attempt: number;
}

/** An operator retry: blocked → queue, audited, with the `blocked_work_item_retried` event. */
export function retryBlockedItem(
  store: QueueStore,
  id: string,
  options: InterventionOptions & { kind?: DocumentKind },
): RetryBlockedResult {
  const reason = options.reason.trim();
  if (!reason) throw new MillraceError("queue_reason_required", "retry-blocked needs a non-blank reason");
  const item = locateBlockedItem(store.paths, id, options.kind);
  const now = options.now ?? new Date();
  const source = store.folder(item.kind, "blocked");
  const target = store.folder(item.kind, "queue");
  const destination = path.join(target.dir, documentName(id));
  const record: OperatorInterventionRecord = OperatorInterventionRecordSchema.parse({
    action: "retry_blocked",
    actor: (options.actor ?? "operator").trim() || "operator",
    reason,
    issued_at: formatEventTimestamp(options.issuedAt ?? now),
    applied_at: formatEventTimestamp(now),
    work_item_kind: item.kind,
    work_item_id: id,
    source_state: folderStateName(source),
    destination_state: folderStateName(target),
    source_path: store.relative(item.path),
    destination_path: store.relative(destination),
  });
  // The audit record first, as every intervention does: a kill before the move leaves a record of
  // a retry a second attempt completes, never a retry nobody can account for.
  appendJsonLineSync(path.join(target.dir, "interventions.jsonl"), record);
  store.requeue(item.kind, id, `${OPERATOR_RETRY_PREFIX}${reason}`, { from: "blocked", actor: record.actor });
  const retryAttempt = countRetries(store.requeueLog(item.kind, id)).total;
  try {
    appendRuntimeEvent(store.paths.runtimeEvents, {
      event_type: "blocked_work_item_retried",
      data: { ...record, retry_attempt: retryAttempt },
      occurred_at: now,
    });
  } catch {
    // The audit record and the requeue log are the durable trace; the event log is a mirror.
  }
  return {
    action: "retry_blocked",
    work_item_kind: item.kind,
    work_item_id: id,
    source_state: record.source_state,
    destination_state: record.destination_state,
    source_path: item.path,
    destination_path: destination,
    event_type: "blocked_work_item_retried",
    replacement_work_item_id: null,
    affected_dependents: [],
    record,
    retry_attempt: retryAttempt,
  };
}

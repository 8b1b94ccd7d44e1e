import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type DocumentKind,
  formatEventTimestamp,
  formatTimestamp,
  type InterventionAction,
  type InterventionEventName,
  MillraceError,
  type OperatorInterventionRecord,
  OperatorInterventionRecordSchema,
  type QueueFolderState,
  type SupersedeCascade,
  type TaskDocument,
} from "@millrace/contracts";
import { appendRuntimeEvent } from "@millrace/workspace";
import { appendJsonLineSync, moveFileSync } from "./fs-ops.js";
import { documentName, folderStateName, type QueueFolder } from "./layout.js";
import { assertSafeId } from "./store/ids.js";
import type { QueueItemRef } from "./store/lookup.js";
import type { QueueStore } from "./store/queue-store.js";

/**
 * Operator interventions (v0.20): audited changes to queued or blocked work. Nothing is deleted:
 * the document is renamed into an archive folder beside its state folder
 * (`cancelled/`, `superseded/`, `resolved/operator/`) as `<id>.<YYYYMMDDTHHMMSSZ>.<hex8>.<state>.md`,
 * and an audit record (who, why, when, from where to where) is appended to that archive folder's
 * `interventions.jsonl` before the move, then mirrored to the runtime event log.
 */

export interface InterventionOptions {
  reason: string;
  /** Who acted; recorded in the audit record. Default "operator". */
  actor?: string;
  /** When the request was issued (mailbox commands carry it); default now. */
  issuedAt?: Date;
  /** Clock for applied_at and the archive name; default now. */
  now?: Date;
}

export interface InterventionResult {
  action: InterventionAction;
  work_item_kind: DocumentKind;
  work_item_id: string;
  source_state: string;
  destination_state: string;
  source_path: string;
  destination_path: string;
  event_type: string;
  replacement_work_item_id: string | null;
  affected_dependents: string[];
  record: OperatorInterventionRecord;
}

function cleanReason(reason: string): string {
  const cleaned = reason.trim();
  if (!cleaned)
    throw new MillraceError("queue_reason_required", "an intervention needs a non-blank --reason");
  return cleaned;
}

function archiveSuffix(now: Date): string {
  return `${formatTimestamp(now).slice(0, 19).replace(/[-:]/g, "")}Z.${randomBytes(4).toString("hex")}`;
}

interface Located {
  ref: QueueItemRef;
  folder: QueueFolder;
}

function locateIn(
  store: QueueStore,
  id: string,
  kinds: readonly DocumentKind[],
  states: readonly QueueFolderState[],
): Located[] {
  assertSafeId(id);
  const out: Located[] = [];
  for (const kind of kinds) {
    for (const state of states) {
      const folder = store.folder(kind, state);
      const file = path.join(folder.dir, documentName(id));
      if (existsSync(file)) out.push({ ref: { kind, id, state, path: file }, folder });
    }
  }
  return out;
}

function exactlyOne(found: Located[], id: string, allowed: string): Located {
  const first = found[0];
  if (!first) {
    throw new MillraceError("queue_state_conflict", `${id} is not in an allowed state (${allowed})`, {
      details: { id, allowed },
    });
  }
  if (found.length > 1) {
    throw new MillraceError(
      "queue_state_conflict",
      `${id} exists in several places (${found.map((item) => `${item.ref.kind}/${item.ref.state}`).join(", ")}); pass --kind`,
    );
  }
  return first;
}

function buildRecord(
  fields: Omit<
    OperatorInterventionRecord,
    "schema_version" | "kind" | "actor" | "reason" | "issued_at" | "applied_at"
  >,
  options: InterventionOptions,
  now: Date,
): OperatorInterventionRecord {
  return OperatorInterventionRecordSchema.parse({
    schema_version: "1.0",
    kind: "operator_intervention",
    action: fields.action,
    actor: (options.actor ?? "operator").trim() || "operator",
    reason: cleanReason(options.reason),
    issued_at: formatEventTimestamp(options.issuedAt ?? now),
    applied_at: formatEventTimestamp(now),
    work_item_kind: fields.work_item_kind,
    work_item_id: fields.work_item_id,
    source_state: fields.source_state,
    destination_state: fields.destination_state,
    source_path: fields.source_path,
    destination_path: fields.destination_path,
    replacement_work_item_id: fields.replacement_work_item_id,
    affected_dependents: fields.affected_dependents,
  });
}

function emit(
  store: QueueStore,
  eventType: InterventionEventName,
  record: OperatorInterventionRecord,
  now: Date,
): void {
  try {
    appendRuntimeEvent(store.paths.runtimeEvents, { event_type: eventType, data: record, occurred_at: now });
  } catch {
    // The audit record beside the archive is the durable trace; the event log is a mirror.
  }
}

function archive(
  store: QueueStore,
  located: Located,
  spec: {
    action: InterventionAction;
    destinationState: string;
    archiveDir: string;
    eventType: InterventionEventName;
    replacement?: string;
    dependents?: string[];
  },
  options: InterventionOptions,
): InterventionResult {
  const now = options.now ?? new Date();
  const sourceState = folderStateName(located.folder);
  mkdirSync(spec.archiveDir, { recursive: true });
  const destination = path.join(spec.archiveDir, `${located.ref.id}.${archiveSuffix(now)}.${sourceState}.md`);
  const record = buildRecord(
    {
      action: spec.action,
      work_item_kind: located.ref.kind,
      work_item_id: located.ref.id,
      source_state: sourceState,
      destination_state: spec.destinationState,
      source_path: store.relative(located.ref.path),
      destination_path: store.relative(destination),
      replacement_work_item_id: spec.replacement ?? null,
      affected_dependents: spec.dependents ?? [],
    },
    options,
    now,
  );
  appendJsonLineSync(path.join(spec.archiveDir, "interventions.jsonl"), record);
  moveFileSync(located.ref.path, destination);
  store.cache.noteRemoved(located.folder, documentName(located.ref.id));
  emit(store, spec.eventType, record, now);
  return {
    action: spec.action,
    work_item_kind: located.ref.kind,
    work_item_id: located.ref.id,
    source_state: sourceState,
    destination_state: spec.destinationState,
    source_path: located.ref.path,
    destination_path: destination,
    event_type: spec.eventType,
    replacement_work_item_id: spec.replacement ?? null,
    affected_dependents: spec.dependents ?? [],
    record,
  };
}

const CANCELABLE_KINDS: readonly DocumentKind[] = ["task", "probe", "spec", "incident", "blueprint_draft"];

/**
 * Cancels a queued or blocked task, probe, spec, incident or blueprint draft (archived under
 * `<state>/cancelled/`), which also releases the closure it held.
 */
export function cancelWorkItem(
  store: QueueStore,
  id: string,
  options: InterventionOptions & { kind?: DocumentKind },
): InterventionResult {
  cleanReason(options.reason);
  if (options.kind && !CANCELABLE_KINDS.includes(options.kind)) {
    throw new MillraceError("queue_state_conflict", `${options.kind} items cannot be cancelled`);
  }
  const kinds = options.kind ? [options.kind] : CANCELABLE_KINDS;
  const located = exactlyOne(locateIn(store, id, kinds, ["queue", "blocked"]), id, "queued or blocked");
  return archive(
    store,
    located,
    {
      action: "cancel",
      destinationState: "cancelled",
      archiveDir: path.join(located.folder.dir, "cancelled"),
      eventType: "work_item_cancelled",
    },
    options,
  );
}

/** Archives a blocked task that should not be retried. */
export function archiveBlockedTask(
  store: QueueStore,
  taskId: string,
  options: InterventionOptions,
): InterventionResult {
  cleanReason(options.reason);
  const located = exactlyOne(locateIn(store, taskId, ["task"], ["blocked"]), taskId, "blocked");
  return archive(
    store,
    located,
    {
      action: "archive_blocked_task",
      destinationState: "cancelled",
      archiveDir: path.join(located.folder.dir, "cancelled"),
      eventType: "blocked_task_archived",
    },
    options,
  );
}

function requireReplacementTask(store: QueueStore, id: string): void {
  if (locateIn(store, id, ["task"], ["queue", "active", "done"]).length === 0) {
    throw new MillraceError("queue_state_conflict", `replacement task ${id} is not queued, active or done`);
  }
}

function queuedDependents(store: QueueStore, taskId: string): string[] {
  const folder = store.folder("task", "queue");
  return [...store.cache.sync(folder).all()]
    .map(([, entry]) => entry)
    .filter((entry) => entry.error === null && entry.depends_on.includes(taskId))
    .map((entry) => entry.id)
    .sort();
}

/**
 * Supersedes a queued or blocked task with an existing replacement. Queued tasks that depend on
 * the old one are listed; `cascade` retargets their dependency to the replacement or cancels them.
 */
export function supersedeTask(
  store: QueueStore,
  oldTaskId: string,
  replacementTaskId: string,
  options: InterventionOptions & { cascade?: SupersedeCascade },
): InterventionResult {
  cleanReason(options.reason);
  assertSafeId(replacementTaskId, "replacement id");
  if (oldTaskId === replacementTaskId) {
    throw new MillraceError(
      "usage_invalid_argument",
      "the replacement task must differ from the superseded task",
    );
  }
  const located = exactlyOne(
    locateIn(store, oldTaskId, ["task"], ["blocked", "queue"]),
    oldTaskId,
    "queued or blocked",
  );
  requireReplacementTask(store, replacementTaskId);
  const dependents = queuedDependents(store, oldTaskId);
  const result = archive(
    store,
    located,
    {
      action: "supersede",
      destinationState: "superseded",
      archiveDir: path.join(located.folder.dir, "superseded"),
      eventType: "task_superseded",
      replacement: replacementTaskId,
      dependents,
    },
    options,
  );
  const cascade = options.cascade ?? "none";
  for (const dependent of dependents) {
    if (cascade === "retarget")
      retargetTaskDependency(store, dependent, oldTaskId, replacementTaskId, options);
    else if (cascade === "cancel") cancelWorkItem(store, dependent, { ...options, kind: "task" });
  }
  return result;
}

/** Rewrites one dependency of a queued task (atomically), recording the change. */
export function retargetTaskDependency(
  store: QueueStore,
  taskId: string,
  fromId: string,
  toId: string,
  options: InterventionOptions,
): InterventionResult {
  cleanReason(options.reason);
  assertSafeId(fromId, "dependency id");
  assertSafeId(toId, "dependency id");
  const located = exactlyOne(locateIn(store, taskId, ["task"], ["queue"]), taskId, "queued");
  requireReplacementTask(store, toId);
  const doc = store.readDocument(located.ref) as TaskDocument;
  if (!doc.depends_on.includes(fromId)) {
    throw new MillraceError("queue_state_conflict", `task ${taskId} does not depend on ${fromId}`);
  }
  const now = options.now ?? new Date();
  const record = buildRecord(
    {
      action: "retarget_dependency",
      work_item_kind: "task",
      work_item_id: taskId,
      source_state: "queue",
      destination_state: "queue",
      source_path: store.relative(located.ref.path),
      destination_path: store.relative(located.ref.path),
      replacement_work_item_id: toId,
      affected_dependents: [taskId],
    },
    options,
    now,
  );
  appendJsonLineSync(path.join(located.folder.dir, "interventions.jsonl"), record);
  store.rewrite(located.ref, {
    ...doc,
    depends_on: [...new Set(doc.depends_on.map((dep) => (dep === fromId ? toId : dep)))],
    updated_at: formatTimestamp(now),
  });
  emit(store, "task_dependency_retargeted", record, now);
  return {
    action: "retarget_dependency",
    work_item_kind: "task",
    work_item_id: taskId,
    source_state: "queue",
    destination_state: "queue",
    source_path: located.ref.path,
    destination_path: located.ref.path,
    event_type: "task_dependency_retargeted",
    replacement_work_item_id: toId,
    affected_dependents: [taskId],
    record,
  };
}

/** The one incident an operator may close: incoming, active or blocked (after checking the reason). */
function locateOpenIncident(store: QueueStore, incidentId: string, options: InterventionOptions) {
  cleanReason(options.reason);
  return exactlyOne(
    locateIn(store, incidentId, ["incident"], ["queue", "active", "blocked"]),
    incidentId,
    "incoming, active or blocked",
  );
}

/** Closes an incoming, active or blocked incident as resolved by the operator (`resolved/operator/`). */
export function resolveIncident(
  store: QueueStore,
  incidentId: string,
  options: InterventionOptions,
): InterventionResult {
  const located = locateOpenIncident(store, incidentId, options);
  return archive(
    store,
    located,
    {
      action: "resolve_incident",
      destinationState: "resolved",
      archiveDir: path.join(store.folder("incident", "done").dir, "operator"),
      eventType: "incident_resolved_by_operator",
    },
    options,
  );
}

/** Cancels an incoming, active or blocked incident without resolving it. */
export function cancelIncident(
  store: QueueStore,
  incidentId: string,
  options: InterventionOptions,
): InterventionResult {
  const located = locateOpenIncident(store, incidentId, options);
  return archive(
    store,
    located,
    {
      action: "cancel_incident",
      destinationState: "cancelled",
      archiveDir: path.join(located.folder.dir, "cancelled"),
      eventType: "incident_cancelled",
    },
    options,
  );
}

/**
 * Archives a quarantined incident file (`*.invalid`, or one named in invalid-artifacts.jsonl) from
 * incidents/incoming into `incidents/incoming/invalid-archived/`.
 */
export function archiveInvalidIncident(
  store: QueueStore,
  fileName: string,
  options: InterventionOptions,
): InterventionResult {
  cleanReason(options.reason);
  if (
    fileName !== fileName.trim() ||
    fileName === "" ||
    fileName.includes("/") ||
    fileName.includes("\\") ||
    fileName.includes("\0") ||
    fileName === "." ||
    fileName === ".."
  ) {
    throw new MillraceError(
      "invalid_id",
      `invalid file name ${JSON.stringify(fileName)}: must be one file name, no path`,
    );
  }
  const folder = store.folder("incident", "queue");
  const source = path.join(folder.dir, fileName);
  if (!existsSync(source)) {
    throw new MillraceError("queue_item_not_found", `no file ${fileName} in ${store.relative(folder.dir)}`);
  }
  if (!fileName.includes(".invalid") && !invalidLogMentions(folder.dir, fileName)) {
    throw new MillraceError(
      "queue_state_conflict",
      `${fileName} is not a quarantined artifact (it must end in .invalid or be listed in invalid-artifacts.jsonl)`,
    );
  }
  const now = options.now ?? new Date();
  const archiveDir = path.join(folder.dir, "invalid-archived");
  mkdirSync(archiveDir, { recursive: true });
  const destination = path.join(archiveDir, `${fileName}.${archiveSuffix(now)}`);
  const record = buildRecord(
    {
      action: "archive_invalid_incident",
      work_item_kind: "incident",
      work_item_id: fileName,
      source_state: "incoming_invalid",
      destination_state: "archived",
      source_path: store.relative(source),
      destination_path: store.relative(destination),
      replacement_work_item_id: null,
      affected_dependents: [],
    },
    options,
    now,
  );
  appendJsonLineSync(path.join(archiveDir, "interventions.jsonl"), record);
  moveFileSync(source, destination);
  if (fileName.endsWith(".md")) store.cache.noteRemoved(folder, fileName);
  emit(store, "invalid_incident_artifact_archived", record, now);
  return {
    action: "archive_invalid_incident",
    work_item_kind: "incident",
    work_item_id: fileName,
    source_state: "incoming_invalid",
    destination_state: "archived",
    source_path: source,
    destination_path: destination,
    event_type: "invalid_incident_artifact_archived",
    replacement_work_item_id: null,
    affected_dependents: [],
    record,
  };
}

function invalidLogMentions(dir: string, fileName: string): boolean {
  try {
    return readFileSync(path.join(dir, "invalid-artifacts.jsonl"), "utf8")
      .split("\n")
      .some((line) => line.includes(JSON.stringify(fileName)));
  } catch {
    return false;
  }
}

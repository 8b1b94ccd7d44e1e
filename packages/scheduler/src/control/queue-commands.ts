import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  AddIdeaPayloadSchema,
  DOCUMENT_KINDS,
  type DocumentKind,
  DocumentKindSchema,
  type MailboxCommand,
  MillraceError,
  type SupersedeCascade,
} from "@millrace/contracts";
import {
  archiveBlockedTask,
  archiveInvalidIncident,
  cancelIncident,
  cancelWorkItem,
  type InterventionResult,
  resolveIncident,
  retargetTaskDependency,
  retryBlockedItem,
  supersedeTask,
} from "@millrace/queue-store";
import { toWorkspaceRelative } from "@millrace/workspace";
import { withdrawQuestionsOf } from "../questions/question-store.js";
import {
  type ControlOutcome,
  type ControlState,
  DeferCommand,
  event,
  type HandlerEnvironment,
  requireString,
} from "./control-state.js";

const DOCUMENT_APPLIED_EVENTS = {
  add_task: "mailbox_add_task_applied",
  add_spec: "mailbox_add_spec_applied",
  add_probe: "mailbox_add_probe_applied",
} as const;

/** `add_task` / `add_spec` / `add_probe`: enqueues the document in the payload. */
export function addDocument(
  state: ControlState,
  command: "add_task" | "add_spec" | "add_probe",
  payload: Record<string, unknown>,
): ControlOutcome {
  const kind: DocumentKind = command === "add_task" ? "task" : command === "add_spec" ? "spec" : "probe";
  const document = payload.document;
  if (document === null || typeof document !== "object") {
    throw new MillraceError("mailbox_command_invalid", "payload.document must be a work document object");
  }
  const ref = state.queue.enqueue(kind, document as never);
  event(state, DOCUMENT_APPLIED_EVENTS[command], {
    id: ref.id,
    path: toWorkspaceRelative(state.paths, ref.path),
  });
  return {
    applied: true,
    detail: `enqueued ${kind} ${ref.id}`,
    artifactPath: ref.path,
    enqueued: { kind, id: ref.id, path: ref.path },
  };
}

/** `import_document`: enqueues a work document of the kind in `payload.kind` (any kind). */
export function importDocument(state: ControlState, payload: Record<string, unknown>): ControlOutcome {
  const parsed = DocumentKindSchema.safeParse(payload.kind);
  if (!parsed.success) {
    throw new MillraceError(
      "mailbox_command_invalid",
      `payload.kind must be one of ${DOCUMENT_KINDS.join(", ")}`,
    );
  }
  const document = payload.document;
  if (document === null || typeof document !== "object") {
    throw new MillraceError("mailbox_command_invalid", "payload.document must be a work document object");
  }
  const kind = parsed.data;
  const ref = state.queue.enqueue(kind, document as never);
  const relative = toWorkspaceRelative(state.paths, ref.path);
  event(state, "mailbox_import_document_applied", { id: ref.id, path: relative, kind });
  return {
    applied: true,
    detail: `enqueued ${kind} ${ref.id}`,
    artifactPath: ref.path,
    enqueued: { kind, id: ref.id, path: ref.path },
  };
}

/** `add_idea`: writes the idea into the ideas inbox (never over an existing file). */
export function addIdea(state: ControlState, payload: Record<string, unknown>): ControlOutcome {
  const idea = AddIdeaPayloadSchema.parse(payload);
  mkdirSync(state.paths.ideasInbox, { recursive: true });
  const file = path.join(state.paths.ideasInbox, idea.source_name);
  if (existsSync(file))
    throw new MillraceError("queue_id_exists", `ideas/inbox/${idea.source_name} already exists`);
  writeFileSync(file, idea.markdown, { flag: "wx" });
  event(state, "mailbox_add_idea_applied", { path: toWorkspaceRelative(state.paths, file) });
  return {
    applied: true,
    detail: `idea written to ideas/inbox/${idea.source_name}`,
    artifactPath: file,
    enqueued: { kind: "idea", id: null, path: file },
  };
}

/** Interventions after which the item never runs again: its pending operator questions are withdrawn. */
const ITEM_LEAVES_QUEUE: ReadonlySet<MailboxCommand> = new Set([
  "cancel_work_item",
  "archive_blocked_task",
  "supersede_task",
]);

// Over 80 lines: one case per intervention kind.
/** The v0.20 operator queue interventions; an item that is running waits for its run to end. */
export function applyQueueIntervention(
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
    case "retry_blocked": {
      const kind = typeof payload.kind === "string" ? (payload.kind as DocumentKind) : undefined;
      result = retryBlockedItem(state.queue, requireString(payload, "id"), {
        ...options,
        ...(kind ? { kind } : {}),
      });
      break;
    }
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
      throw new MillraceError("mailbox_command_invalid", `${command} is not a queue intervention`);
  }
  if (ITEM_LEAVES_QUEUE.has(command)) {
    for (const question of withdrawQuestionsOf(state.paths, result.work_item_id, env.issuer, state.clock())) {
      event(state, "operator_question_withdrawn", {
        question_id: question.question_id,
        work_item_id: result.work_item_id,
        action: result.action,
        issuer: env.issuer,
      });
    }
  }
  return {
    applied: true,
    detail: `${result.action} ${result.work_item_kind} ${result.work_item_id}: ${result.source_state} -> ${result.destination_state}`,
    artifactPath: result.destination_path,
    intervention: result,
  };
}

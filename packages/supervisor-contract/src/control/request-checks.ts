import { type MailboxCommand, MillraceError, RetryActivePayloadSchema } from "@millrace/contracts";

/** Payload keys each command needs as non-blank strings (checked before anything is written). */
const REQUIRED_STRINGS: Partial<Record<MailboxCommand, readonly string[]>> = {
  add_idea: ["source_name", "markdown"],
  import_document: ["kind"],
  cancel_work_item: ["id"],
  archive_blocked_task: ["id"],
  retry_blocked: ["id"],
  supersede_task: ["id", "replacement_id"],
  retarget_task_dependency: ["id", "from", "to"],
  resolve_incident: ["id"],
  cancel_incident: ["id"],
  archive_invalid_incident: ["file_name"],
  release_work_item: ["work_item_id"],
  approve_execution_capability: ["approval_id"],
  deny_execution_capability: ["approval_id"],
};

/** Commands whose payload carries a work document. */
const DOCUMENT_COMMANDS: ReadonlySet<MailboxCommand> = new Set([
  "add_task",
  "add_spec",
  "add_probe",
  "import_document",
]);

/** Queue interventions: each records why, so each needs a reason. */
export const INTERVENTION_COMMANDS: ReadonlySet<MailboxCommand> = new Set([
  "cancel_work_item",
  "archive_blocked_task",
  "retry_blocked",
  "supersede_task",
  "retarget_task_dependency",
  "resolve_incident",
  "cancel_incident",
  "archive_invalid_incident",
]);

const blank = (value: unknown) => typeof value !== "string" || value.trim() === "";

/**
 * Refuses a request the handler would refuse anyway, before it is queued for a daemon (where the
 * refusal would only show up in `mailbox/failed/`) or applied.
 */
export function checkControlRequest(command: MailboxCommand, payload: Record<string, unknown>): void {
  for (const key of REQUIRED_STRINGS[command] ?? []) {
    if (blank(payload[key])) {
      throw new MillraceError(
        "usage_invalid_argument",
        `${command} needs payload.${key} (a non-empty string)`,
        {
          hint: "See docs/supervisor.md for each command's payload.",
        },
      );
    }
  }
  if (INTERVENTION_COMMANDS.has(command) && blank(payload.reason)) {
    throw new MillraceError("queue_reason_required", `${command} needs a non-blank reason`, {
      hint: "Say why with --reason; it is recorded in the intervention log.",
    });
  }
  if (command === "retry_active") checkRetryActive(payload);
  if (DOCUMENT_COMMANDS.has(command)) {
    const document = payload.document;
    if (document === null || typeof document !== "object" || Array.isArray(document)) {
      throw new MillraceError(
        "usage_invalid_argument",
        `${command} needs payload.document (a work document)`,
        {
          hint: "Build it with addTaskRequest / addSpecRequest / importDocumentRequest.",
        },
      );
    }
  }
}

/** retry_active: a known plane, a lane number of 1 or more, a non-empty item id, nothing else. */
function checkRetryActive(payload: Record<string, unknown>): void {
  const parsed = RetryActivePayloadSchema.safeParse(payload);
  if (parsed.success) {
    const { scope, lane, item } = parsed.data;
    if ((lane !== undefined || item !== undefined) && scope !== undefined && scope !== "execution") {
      throw new MillraceError(
        "usage_invalid_argument",
        `--lane and --item name execution lanes, not the ${scope} plane`,
        { hint: "Drop --scope, or use --scope execution." },
      );
    }
    return;
  }
  const issue = parsed.error.issues[0];
  const key = issue?.path.join(".") || "payload";
  throw new MillraceError("usage_invalid_argument", `retry_active payload.${key}: ${issue?.message}`, {
    hint: "--scope is execution, planning or learning; --lane is a lane number (1 or more); --item an item id.",
  });
}

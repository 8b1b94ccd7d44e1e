import path from "node:path";
import {
  type ControlRequest,
  DEFAULT_READ_LIMITS,
  type DocumentKind,
  explainUnsafeId,
  findControlChar,
  MillraceError,
  type WorkDocument,
} from "@millrace/contracts";
import { buildSpecFromTitle, buildTaskFromTitle, readDocumentTextFile } from "@millrace/queue-store";

/**
 * Builders of the control requests whose payload is more than flags: work documents and ideas.
 * The document is built (and validated) here, before anything is queued or applied, so a daemon
 * never receives a document it would refuse.
 */

export interface TitleRequestInput {
  title: string;
  id?: string | undefined;
  body?: string | undefined;
  references?: string[] | undefined;
  /** Recorded as the document's Created-By (the issuer). */
  createdBy: string;
  now?: Date;
}

export function addTaskRequest(input: TitleRequestInput & { specId?: string | undefined }): ControlRequest {
  const document = buildTaskFromTitle({
    title: input.title,
    createdBy: input.createdBy,
    ...(input.id ? { id: input.id } : {}),
    ...(input.specId ? { specId: input.specId } : {}),
    ...(input.body ? { body: input.body } : {}),
    ...(input.references ? { references: input.references } : {}),
    ...(input.now ? { now: input.now } : {}),
  });
  return { command: "add_task", payload: { document } };
}

export function addSpecRequest(input: TitleRequestInput): ControlRequest {
  const document = buildSpecFromTitle({
    title: input.title,
    createdBy: input.createdBy,
    ...(input.id ? { id: input.id } : {}),
    ...(input.body ? { body: input.body } : {}),
    ...(input.references ? { references: input.references } : {}),
    ...(input.now ? { now: input.now } : {}),
  });
  return { command: "add_spec", payload: { document } };
}

const ADD_COMMANDS: Partial<Record<DocumentKind, ControlRequest["command"]>> = {
  task: "add_task",
  spec: "add_spec",
  probe: "add_probe",
};

/** An already parsed and validated work document (e.g. from `readImportFile`), any kind. */
export function importDocumentRequest(document: WorkDocument): ControlRequest {
  const command = ADD_COMMANDS[document.kind];
  return command
    ? { command, payload: { document } }
    : { command: "import_document", payload: { kind: document.kind, document } };
}

/** An idea from a markdown file: its name (a safe id + `.md`) and its text, checked like `add-idea`. */
export function addIdeaRequest(
  sourceFile: string,
  maxBytes = DEFAULT_READ_LIMITS.max_idea_bytes,
): ControlRequest {
  const name = path.basename(sourceFile);
  if (!name.toLowerCase().endsWith(".md")) {
    throw new MillraceError(
      "queue_import_unsupported",
      `${sourceFile}: an idea must be a markdown (.md) file`,
    );
  }
  const problem = explainUnsafeId(name.slice(0, -3));
  if (problem) {
    throw new MillraceError(
      "invalid_id",
      `invalid idea name ${JSON.stringify(name.slice(0, -3))}: ${problem}`,
    );
  }
  const markdown = readDocumentTextFile(sourceFile, sourceFile, maxBytes, "max_idea_bytes");
  const control = findControlChar(markdown);
  if (control) {
    throw new MillraceError(
      "work_document_invalid",
      `${sourceFile}: holds the control character ${control.name} at offset ${control.index}`,
      { hint: "Ideas are plain text: remove terminal escapes, NUL and other control characters." },
    );
  }
  return { command: "add_idea", payload: { source_name: name, markdown } };
}

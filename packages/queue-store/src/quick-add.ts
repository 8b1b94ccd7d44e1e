import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import {
  DEFAULT_READ_LIMITS,
  explainUnsafeId,
  findControlChar,
  formatTimestamp,
  MillraceError,
  type SpecDocument,
  type TaskDocument,
} from "@millrace/contracts";
import {
  assertInsideWorkspace,
  createFileExclusiveSync,
  toWorkspaceRelative,
  type WorkspacePaths,
  workspaceReadLimits,
} from "@millrace/workspace";
import { readDocumentTextFile } from "./codec/read-document-file.js";
import { validateWorkDocument } from "./codec/render.js";
import { assertSafeId } from "./store/ids.js";

/** A safe id from a title: `<prefix>-<slug>-<8 hex>`. */
export function idFromTitle(
  prefix: string,
  title: string,
  random: () => string = () => randomBytes(4).toString("hex"),
): string {
  const slug = title
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  return slug ? `${prefix}-${slug}-${random()}` : `${prefix}-${random()}`;
}

export interface QuickTaskOptions {
  title: string;
  id?: string;
  specId?: string;
  body?: string;
  targetPaths?: string[];
  acceptance?: string[];
  checks?: string[];
  references?: string[];
  risk?: string[];
  dependsOn?: string[];
  createdBy?: string;
  now?: Date;
}

const nonEmpty = (values: string[] | undefined, fallback: string[]): string[] =>
  values && values.length > 0 ? values : fallback;

/**
 * A task from a title and a few flags. The reference grammar requires target paths, acceptance,
 * checks, references and risk; the defaults below are stated plainly so an operator (or the
 * Manager stage) can see what still needs deciding.
 */
export function buildTaskFromTitle(options: QuickTaskOptions): TaskDocument {
  const id = options.id ?? idFromTitle("task", options.title);
  assertSafeId(id, "task id");
  if (options.specId !== undefined) assertSafeId(options.specId, "spec id");
  return validateWorkDocument({
    kind: "task",
    task_id: id,
    title: options.title,
    ...(options.specId ? { spec_id: options.specId } : {}),
    target_paths: nonEmpty(options.targetPaths, ["."]),
    acceptance: nonEmpty(options.acceptance, [options.title]),
    required_checks: nonEmpty(options.checks, ["not specified: review the change by hand"]),
    references: nonEmpty(options.references, ["operator request"]),
    risk: nonEmpty(options.risk, ["not assessed"]),
    depends_on: options.dependsOn ?? [],
    created_at: formatTimestamp(options.now ?? new Date()),
    created_by: options.createdBy ?? "operator",
    ...(options.body ? { body: options.body } : {}),
  }) as TaskDocument;
}

export interface QuickSpecOptions {
  title: string;
  id?: string;
  summary?: string;
  body?: string;
  goals?: string[];
  constraints?: string[];
  acceptance?: string[];
  references?: string[];
  createdBy?: string;
  now?: Date;
}

/** A manual root spec from a title (summary, goals and acceptance default to the title). */
export function buildSpecFromTitle(options: QuickSpecOptions): SpecDocument {
  const id = options.id ?? idFromTitle("spec", options.title);
  assertSafeId(id, "spec id");
  return validateWorkDocument({
    kind: "spec",
    spec_id: id,
    title: options.title,
    summary: options.summary ?? options.title,
    source_type: "manual",
    goals: nonEmpty(options.goals, [options.title]),
    constraints: nonEmpty(options.constraints, ["none stated"]),
    acceptance: nonEmpty(options.acceptance, [options.title]),
    references: nonEmpty(options.references, ["operator request"]),
    created_at: formatTimestamp(options.now ?? new Date()),
    created_by: options.createdBy ?? "operator",
    ...(options.body ? { body: options.body } : {}),
  }) as SpecDocument;
}

/**
 * Reads a body file for add-task / add-spec: a regular file (a link to one is fine), at most
 * `maxBytes` (the `[limits] max_body_file_bytes` of the workspace the caller names; 1 MiB by
 * default), strict UTF-8. Devices, pipes and folders fail at once with `workspace_file_rejected`.
 */
export function readBodyFile(
  file: string,
  maxBytes: number = DEFAULT_READ_LIMITS.max_body_file_bytes,
): string {
  return readDocumentTextFile(file, file, maxBytes, "max_body_file_bytes");
}

/**
 * Drops an idea into `<root>/ideas/inbox/<name>.md` (created exclusively and atomically). The
 * file's stem becomes the idea id (`idea-<stem>`), so it must be a safe id.
 */
export function dropIdea(paths: WorkspacePaths, sourceFile: string): string {
  const name = path.basename(sourceFile);
  if (!name.toLowerCase().endsWith(".md")) {
    throw new MillraceError(
      "queue_import_unsupported",
      `${sourceFile}: an idea must be a markdown (.md) file`,
    );
  }
  const stem = name.slice(0, -3);
  const problem = explainUnsafeId(stem);
  if (problem) throw new MillraceError("invalid_id", `invalid idea name ${JSON.stringify(stem)}: ${problem}`);
  const text = readDocumentTextFile(
    sourceFile,
    sourceFile,
    workspaceReadLimits(paths).max_idea_bytes,
    "max_idea_bytes",
  );
  const control = findControlChar(text);
  if (control) {
    throw new MillraceError(
      "work_document_invalid",
      `${sourceFile}: holds the control character ${control.name} at offset ${control.index}`,
      { hint: "Ideas are plain text: remove terminal escapes, NUL and other control characters." },
    );
  }
  const target = path.join(paths.ideasInbox, name);
  assertInsideWorkspace(paths, target);
  mkdirSync(paths.ideasInbox, { recursive: true });
  if (existsSync(target) || !createFileExclusiveSync(target, text)) {
    throw new MillraceError("queue_id_exists", `${toWorkspaceRelative(paths, target)} already exists`, {
      hint: "Rename the idea file, or remove the one already in the inbox.",
    });
  }
  return target;
}

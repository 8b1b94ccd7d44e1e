import path from "node:path";
import {
  DOCUMENT_KINDS,
  type DocumentKind,
  type Plane,
  QUEUE_FOLDER_STATES,
  type QueueFolderState,
} from "@millrace/contracts";
import type { WorkspacePaths } from "@millrace/workspace";

/** The plane that runs each document kind. */
export const KIND_PLANE: Readonly<Record<DocumentKind, Plane>> = {
  task: "execution",
  spec: "planning",
  incident: "planning",
  probe: "planning",
  blueprint_draft: "planning",
  learning_request: "learning",
};

/** Kinds per plane; for planning, incidents, then blueprint drafts, then specs and probes. */
export const PLANE_KINDS: Readonly<Record<Plane, readonly DocumentKind[]>> = {
  execution: ["task"],
  planning: ["incident", "blueprint_draft", "spec", "probe"],
  learning: ["learning_request"],
};

/** One queue state folder. */
export interface QueueFolder {
  readonly kind: DocumentKind;
  readonly state: QueueFolderState;
  readonly dir: string;
  /** `<kind>/<state>`: the folder's key in the queue index. */
  readonly key: string;
}

export function queueFolder(paths: WorkspacePaths, kind: DocumentKind, state: QueueFolderState): QueueFolder {
  return { kind, state, dir: paths.queues[kind][state], key: `${kind}/${state}` };
}

/** Every state folder of every kind (24 folders), kinds in catalog order, states queue→blocked. */
export function allQueueFolders(paths: WorkspacePaths): QueueFolder[] {
  const out: QueueFolder[] = [];
  for (const kind of DOCUMENT_KINDS)
    for (const state of QUEUE_FOLDER_STATES) out.push(queueFolder(paths, kind, state));
  return out;
}

/** The on-disk folder name of a state (incidents use `incoming` and `resolved`). */
export function folderStateName(folder: QueueFolder): string {
  return path.basename(folder.dir);
}

/** A queue document file name: `<id>.md`, not hidden (temp files start with a dot). */
export function isDocumentName(name: string): boolean {
  return name.endsWith(".md") && !name.startsWith(".") && name.length > 3;
}

export function documentName(id: string): string {
  return `${id}.md`;
}

/**
 * How far along a state is, for resolving an id found in several folders: the copy in the most
 * advanced state is kept (done > blocked > active > queue).
 */
export const STATE_RANK: Readonly<Record<QueueFolderState, number>> = {
  queue: 0,
  active: 1,
  blocked: 2,
  done: 3,
};

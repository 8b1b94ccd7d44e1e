import type { DocumentKind, QueueFolderState } from "@millrace/contracts";
import { toWorkspaceRelative, type WorkspacePaths } from "@millrace/workspace";
import type { QueueCache } from "../cache/queue-cache.js";
import { type QueueFolder, queueFolder } from "../layout.js";

/** What every store operation works on: the workspace, the folder cache and the log clock. */
export interface StoreContext {
  readonly paths: WorkspacePaths;
  readonly cache: QueueCache;
  /** Clock for log timestamps (requeue and quarantine records). */
  readonly clock: () => Date;
  /** The document cap in bytes (`[limits] max_document_bytes`). */
  readonly documentLimit: () => number;
}

export function folderOf(ctx: StoreContext, kind: DocumentKind, state: QueueFolderState): QueueFolder {
  return queueFolder(ctx.paths, kind, state);
}

export function relativeOf(ctx: StoreContext, file: string): string {
  return toWorkspaceRelative(ctx.paths, file);
}

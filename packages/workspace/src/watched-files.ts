import path from "node:path";
import { findPathEscape, type PathEscape } from "./confine.js";
import type { WorkspacePaths } from "./paths.js";
import { workspaceReadLimits } from "./read-limits.js";
import { readRegularFile, type SafeReadOutcome } from "./safe-read.js";

/**
 * Reads of one entry of a watched folder (`state/mailbox/incoming/`, `ideas/inbox/`). The folder
 * itself is checked by real path first (`ideas/inbox -> /etc` is refused), then the entry is read
 * with no-follow, non-blocking, capped reads. Nothing here throws for what the folder holds: a
 * caller quarantines any outcome but `ok` (see `quarantineEntry`) and goes on.
 */

export type WatchedReadOutcome =
  | SafeReadOutcome
  | { readonly kind: "outside_workspace"; readonly escape: PathEscape };

export interface WatchedReadOptions {
  /** Cap in bytes; defaults to the workspace's `[limits]` entry for the folder. */
  readonly maxBytes?: number;
}

function entryPath(folder: string, name: string): string | undefined {
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
    return undefined;
  }
  if (path.sep !== "/" && name.includes(path.sep)) return undefined;
  return path.join(folder, name);
}

/** Reads `name` (a bare file name) from a watched folder under the workspace root. */
export function readWatchedEntry(
  paths: WorkspacePaths,
  folder: string,
  name: string,
  options: { maxBytes: number; plainText: boolean },
): WatchedReadOutcome {
  const file = entryPath(folder, name);
  if (file === undefined) return { kind: "missing" };
  const escaped = findPathEscape(paths.root, folder);
  if (escaped) return { kind: "outside_workspace", escape: escaped };
  return readRegularFile(file, { maxBytes: options.maxBytes, plainText: options.plainText });
}

/** One mailbox command file from `state/mailbox/incoming/` (UTF-8 JSON, capped by `[limits] max_mailbox_envelope_bytes`). */
export function readMailboxFile(
  paths: WorkspacePaths,
  name: string,
  options: WatchedReadOptions = {},
): WatchedReadOutcome {
  return readWatchedEntry(paths, paths.mailboxIncoming, name, {
    maxBytes: options.maxBytes ?? workspaceReadLimits(paths).max_mailbox_envelope_bytes,
    plainText: false,
  });
}

/**
 * One idea from `ideas/inbox/` (plain UTF-8 text without control characters other than newline,
 * tab and carriage return; capped by `[limits] max_idea_bytes`).
 */
export function readIdeaFile(
  paths: WorkspacePaths,
  name: string,
  options: WatchedReadOptions = {},
): WatchedReadOutcome {
  return readWatchedEntry(paths, paths.ideasInbox, name, {
    maxBytes: options.maxBytes ?? workspaceReadLimits(paths).max_idea_bytes,
    plainText: true,
  });
}

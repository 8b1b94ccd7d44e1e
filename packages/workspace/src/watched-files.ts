import path from "node:path";
import { findPathEscape, type PathEscape } from "./confine.js";
import type { WorkspacePaths } from "./paths.js";
import { READ_LIMITS, readRegularFile, type SafeReadOutcome } from "./safe-read.js";

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
  /** Cap in bytes; defaults to the folder's entry in READ_LIMITS. */
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

/** One mailbox command file from `state/mailbox/incoming/` (UTF-8 JSON, default cap 256 KiB). */
export function readMailboxFile(
  paths: WorkspacePaths,
  name: string,
  options: WatchedReadOptions = {},
): WatchedReadOutcome {
  return readWatchedEntry(paths, paths.mailboxIncoming, name, {
    maxBytes: options.maxBytes ?? READ_LIMITS.mailbox,
    plainText: false,
  });
}

/**
 * One idea from `ideas/inbox/` (plain UTF-8 text without control characters other than newline,
 * tab and carriage return; default cap 1 MiB).
 */
export function readIdeaFile(
  paths: WorkspacePaths,
  name: string,
  options: WatchedReadOptions = {},
): WatchedReadOutcome {
  return readWatchedEntry(paths, paths.ideasInbox, name, {
    maxBytes: options.maxBytes ?? READ_LIMITS.idea,
    plainText: true,
  });
}

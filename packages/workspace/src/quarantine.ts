import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, renameSync, rmSync, type Stats } from "node:fs";
import path from "node:path";
import { canonicalJson, formatEventTimestamp, MillraceError } from "@millrace/contracts";
import { createFileExclusiveSync, fsyncDirSync } from "./atomic-write.js";
import { assertInsideWorkspace } from "./confine.js";
import { toWorkspaceRelative, type WorkspacePaths } from "./paths.js";

/**
 * Sets a hostile or unreadable entry aside: whatever it is (FIFO, folder, link, device, oversize or
 * garbled file), it is renamed, never opened or followed, into a quarantine folder, with a
 * `<name>.reason.json` beside it saying where it came from and why. A watcher that meets the same
 * name again finds it gone, so a bad entry is handled once instead of on every tick.
 */

export interface QuarantineOptions {
  /** Destination folder (default `millrace-agents/quarantine/`); must be inside the workspace. */
  readonly into?: string;
  /** Clock for the record's timestamp and the quarantined name. */
  readonly now?: Date;
}

export interface QuarantineResult {
  /** Where the entry now is. */
  readonly path: string;
  /** The reason file written beside it. */
  readonly reasonFile: string;
}

function entryType(stat: Stats): string {
  if (stat.isSymbolicLink()) return "symlink";
  if (stat.isDirectory()) return "directory";
  if (stat.isFIFO()) return "fifo";
  if (stat.isFile()) return "file";
  if (stat.isSocket()) return "socket";
  return "device";
}

/** A name that sorts by time and never collides: `<utc stamp>-<8 hex>-<original name>`. */
function quarantineName(name: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  // File names are limited to 255 bytes; the prefix and `.reason.json` need room.
  return `${stamp}-${randomBytes(4).toString("hex")}-${name.slice(0, 160)}`;
}

/**
 * Moves `entry` into quarantine. Returns undefined when the entry vanished first. Throws
 * `workspace_path_escapes` when the entry's folder or the destination leads out of the workspace, and
 * `workspace_io_failed` when the rename fails for another reason (the reason file is removed).
 */
export function quarantineEntry(
  paths: WorkspacePaths,
  entry: string,
  reason: string,
  options: QuarantineOptions = {},
): QuarantineResult | undefined {
  // The entry's own folder must be inside too: through `inbox -> /etc`, the rename below would
  // move a file that is not the workspace's.
  assertInsideWorkspace(paths, path.dirname(entry));
  let stat: Stats;
  try {
    stat = lstatSync(entry);
  } catch {
    return undefined;
  }
  const into = options.into ?? paths.quarantine;
  assertInsideWorkspace(paths, into);
  mkdirSync(into, { recursive: true });
  const now = options.now ?? new Date();
  const target = path.join(into, quarantineName(path.basename(entry), now));
  const reasonFile = `${target}.reason.json`;
  const record = {
    at: formatEventTimestamp(now),
    entry_type: entryType(stat),
    quarantined_as: toWorkspaceRelative(paths, target),
    reason,
    size: stat.size,
    source: toWorkspaceRelative(paths, entry),
  };
  // The record goes first: a crash between the two steps leaves a reason without its entry (the
  // entry still in place, met again next time), never an unexplained file in quarantine.
  createFileExclusiveSync(reasonFile, `${canonicalJson(record)}\n`);
  try {
    renameSync(entry, target); // rename acts on the link itself, never on what it points to
  } catch (error) {
    rmSync(reasonFile, { force: true });
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new MillraceError(
      "workspace_io_failed",
      `cannot move ${toWorkspaceRelative(paths, entry)} into quarantine: ${(error as Error).message}`,
      {
        hint: "Remove the entry by hand; `millrace doctor` lists entries that are not regular files.",
        cause: error,
      },
    );
  }
  fsyncDirSync(into);
  fsyncDirSync(path.dirname(entry));
  return { path: target, reasonFile };
}

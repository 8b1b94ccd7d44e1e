import { existsSync, renameSync } from "node:fs";
import path from "node:path";
import { formatEventTimestamp } from "@millrace/contracts";
import { appendJsonLineSync } from "../fs-ops.js";
import type { QueueFolder } from "../layout.js";
import type { StoreContext } from "./context.js";

/**
 * Sets an unreadable document aside: `<name>.invalid` (or `.invalid.<n>`) plus a line in the
 * folder's `invalid-artifacts.jsonl`. The record is written before the rename. Returns the new path.
 */
export function quarantine(ctx: StoreContext, folder: QueueFolder, name: string, error: string): string {
  let quarantineName = `${name}.invalid`;
  for (let n = 1; existsSync(path.join(folder.dir, quarantineName)); n += 1)
    quarantineName = `${name}.invalid.${n}`;
  appendJsonLineSync(path.join(folder.dir, "invalid-artifacts.jsonl"), {
    at: formatEventTimestamp(ctx.clock()),
    source_name: name,
    quarantine_name: quarantineName,
    error,
  });
  try {
    renameSync(path.join(folder.dir, name), path.join(folder.dir, quarantineName));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  ctx.cache.noteRemoved(folder, name);
  return path.join(folder.dir, quarantineName);
}
